package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Third-party actions run with the workflow's token (the release holds
// packages: write), so each is pinned to a commit, its version in a comment
// for Dependabot and for readers; the example shows users the same habit.
func TestWorkflowActionsPinned(t *testing.T) {
	files := workflowFiles(t)
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	comment := regexp.MustCompile(`^\s+# v\d+(\.\d+)*$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			ref, rest := m[1], m[2]
			if ref == "./" || regexp.MustCompile(`^docker://`).MatchString(ref) {
				continue
			}
			if !pinned.MatchString(ref) || !comment.MatchString(rest) {
				t.Errorf("%s: uses: %s%s is not pinned to a commit with its version in a comment", f, ref, rest)
			}
		}
	}
}

// The README's set-up commands are the ones a new machine needs.
func TestReadmeSetupCommands(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go run . --dry-run --config-file testdata/demo/config/deploy.yml", "go test ./..."} {
		if !regexp.MustCompile(regexp.QuoteMeta(cmd)).Match(b) {
			t.Errorf("README lacks the set-up command %q", cmd)
		}
	}
}

// The release's image sets the version with -X main.version; --version
// prints it.
func TestBinaryVersion(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "kamal-ecr")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "kamal-ecr v9.8.7\n" {
		t.Errorf("--version: %q, %v", out, err)
	}
}

// No expression is spliced into a script: a value from an input, a step's
// output or the event reaches run: through env:, as GitHub's hardening guide
// says, so a crafted value cannot become shell code.
func TestWorkflowRunHasNoExpressions(t *testing.T) {
	t.Parallel()
	for _, f := range workflowFiles(t) {
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					Name string `yaml:"name"`
					Run  string `yaml:"run"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		b, _ := os.ReadFile(f)
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for job, j := range wf.Jobs {
			for i, s := range j.Steps {
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s: job %s step %d (%s) puts an expression in run:; pass it through env:", f, job, i+1, s.Name)
				}
			}
		}
	}
}

// The example names every input and output of action.yml, so actionlint
// checks every one of them against it.
func TestExampleUsesEveryInputAndOutput(t *testing.T) {
	t.Parallel()
	var action struct {
		Inputs  map[string]any `yaml:"inputs"`
		Outputs map[string]any `yaml:"outputs"`
	}
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &action); err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile(filepath.Join("examples", "deploy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range action.Inputs {
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `:`).Match(ex) {
			t.Errorf("examples/deploy.yml does not set the input %s", name)
		}
	}
	for name := range action.Outputs {
		if !strings.Contains(string(ex), "steps.ecr.outputs."+name+" ") && !strings.Contains(string(ex), "steps.ecr.outputs."+name+")") {
			t.Errorf("examples/deploy.yml does not use the output %s", name)
		}
	}
}

// go install github.com/kamal-ecr/kamal-ecr@version ignores replace and
// exclude directives (and refuses a module that has replace): the module
// must build without them. .ci/run proves the install itself.
func TestGoModInstallable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^\s*(replace|exclude)\b.*$`).Find(b); m != nil {
		t.Errorf("go.mod has %q, which go install …@version does not allow", m)
	}
}

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	examples, _ := filepath.Glob(filepath.Join("examples", "*.yml"))
	if len(files) == 0 || len(examples) == 0 {
		t.Fatal("no workflows or no examples")
	}
	return append(files, examples...)
}

// The changelog opens with Unreleased, then each release with its date; the
// release's notes are its section, which .ci/changelog-notes finds by version.
func TestChangelogSections(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	heads := regexp.MustCompile(`(?m)^## (.*)$`).FindAllStringSubmatch(string(b), -1)
	if len(heads) == 0 || heads[0][1] != "Unreleased" {
		t.Fatalf("the first section is not ## Unreleased: %v", heads)
	}
	dated := regexp.MustCompile(`^v\d+\.\d+\.\d+ - \d{4}-\d{2}-\d{2}$`)
	for _, h := range heads[1:] {
		if !dated.MatchString(h[1]) {
			t.Errorf("## %s is not ## vX.Y.Z - YYYY-MM-DD", h[1])
			continue
		}
		version, _, _ := strings.Cut(h[1], " ")
		out, err := exec.Command("bash", filepath.Join(".ci", "changelog-notes"), version).Output()
		if err != nil || len(bytes.TrimSpace(out)) == 0 || bytes.Contains(out, []byte("\n## ")) {
			t.Errorf(".ci/changelog-notes %s: %v\n%s", version, err, out)
		}
	}
}
