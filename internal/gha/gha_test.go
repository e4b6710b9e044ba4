package gha

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestInputKeepsHyphens(t *testing.T) {
	t.Parallel()
	e := New(env(map[string]string{"INPUT_CONFIG-FILE": "  config/deploy.yml \n", "INPUT_DRY-RUN": ""}), nil, nil)
	if v, ok := e.Input("config-file"); v != "config/deploy.yml" || !ok {
		t.Errorf("config-file = %q, %v", v, ok)
	}
	if _, ok := e.Input("dry-run"); ok {
		t.Error("an empty input counts as given")
	}
}

func TestOutputsUseRandomHeredocs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	e := New(env(map[string]string{"GITHUB_OUTPUT": out, "GITHUB_ACTIONS": "true"}), &bytes.Buffer{}, &bytes.Buffer{})
	if err := e.SetOutputs([]Output{{Name: "image", Value: "a/b"}, {Name: "images", Value: "{\n  \"x\": \"y\"\n}"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	re := regexp.MustCompile(`(?s)^image<<(ghadelimiter_\w+)\na/b\n(ghadelimiter_\w+)\nimages<<(ghadelimiter_\w+)\n\{\n  "x": "y"\n\}\n(ghadelimiter_\w+)\n$`)
	m := re.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("GITHUB_OUTPUT = %q", b)
	}
	if m[1] != m[2] || m[3] != m[4] || m[1] == m[3] {
		t.Errorf("delimiters %v: each output needs its own, closed by the same", m[1:])
	}
}

func TestOutputsOutsideActionsHideSecrets(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	e := New(env(nil), &stdout, &bytes.Buffer{})
	e.SetOutputs([]Output{{Name: "registry-password", Value: "hunter2", Secret: true}, {Name: "image", Value: "x"}})
	if strings.Contains(stdout.String(), "hunter2") || !strings.Contains(stdout.String(), "image: x") {
		t.Errorf("stdout = %q", stdout.String())
	}
}

func TestAnnotationsAndMask(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	e := New(env(map[string]string{"GITHUB_ACTIONS": "true"}), &stdout, &bytes.Buffer{})
	e.Mask("s3cret")
	e.Annotate(Annotation{Level: Warning, File: "config/deploy.yml", Line: 12, Title: "kamal-ecr: cache", Message: "a: b, c\nd"})
	got := stdout.String()
	for _, want := range []string{"::add-mask::s3cret\n", "::warning ", "file=config/deploy.yml", "line=12", "title=kamal-ecr%3A cache", "::a: b, c%0Ad\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
}

func TestSummaryLimit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary")
	e := New(env(map[string]string{"GITHUB_STEP_SUMMARY": path}), nil, nil)
	if err := e.Summary(strings.Repeat("é", maxSummary)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if len(b) > maxSummary || !strings.Contains(string(b), "1 MiB") {
		t.Errorf("summary is %d bytes", len(b))
	}
}

func TestGroupStopsCommands(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	New(env(map[string]string{"GITHUB_ACTIONS": "true"}), &stdout, nil).Group("plan", "image: ::error::spoofed\n")
	re := regexp.MustCompile(`^::group::plan\n::stop-commands::(kamal-ecr-\w+)\nimage: ::error::spoofed\n::(kamal-ecr-\w+)::\n::endgroup::\n$`)
	m := re.FindStringSubmatch(stdout.String())
	if m == nil || m[1] != m[2] {
		t.Errorf("log = %q", stdout.String())
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	diff := "## kamal-ecr\n\n````diff\n" + strings.Repeat("+x: "+strings.Repeat("a", 100)+"\n", 200) + "````\n\n### Notes\n"
	got := Cut(diff, 4096, "cut here")
	if len(got) > 4096 || !strings.HasSuffix(got, "````\n\n_(cut here)_\n") {
		t.Errorf("cut to %d bytes, ends %q", len(got), got[len(got)-40:])
	}
	if openFence(got) != "" {
		t.Error("a fence is left open")
	}
	if s := "short\n"; Cut(s, 100, "x") != s {
		t.Error("cut a short text")
	}
	// One long line: cut inside it, still valid UTF-8.
	long := strings.Repeat("é", 3000)
	if got := Cut(long, 1000, "cut"); len(got) > 1000 || !utf8.ValidString(got) {
		t.Errorf("%d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

// The OS error names the file: the message says it once.
func TestOpenNamesThePathOnce(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "x", "out")
	for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		e := New(env(map[string]string{name: missing}), &bytes.Buffer{}, &bytes.Buffer{})
		err := e.Open()
		if err == nil || strings.Count(err.Error(), missing) != 1 || strings.Contains(err.Error(), "open "+missing+": open") {
			t.Errorf("%s: %v", name, err)
		}
		if err := e.SetOutputs([]Output{{Name: "image", Value: "x"}}); name == "GITHUB_OUTPUT" && (err == nil || strings.Count(err.Error(), missing) != 1) {
			t.Errorf("%s: SetOutputs: %v", name, err)
		}
	}
}

// A value made from a secret is printed as shown, never as it is.
func TestOutputsOutsideActionsPrintShown(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	e := New(env(nil), &stdout, &bytes.Buffer{})
	e.SetOutputs([]Output{{Name: "accessory-images", Value: `{"db":"h/s3cret"}`, Shown: `{"db":"(not shown)"}`}})
	if strings.Contains(stdout.String(), "s3cret") || !strings.Contains(stdout.String(), `accessory-images: {"db":"(not shown)"}`) {
		t.Errorf("stdout = %q", stdout.String())
	}
}
