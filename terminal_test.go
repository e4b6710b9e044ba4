package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/cli"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

// terminalRun is one run outside Actions, as a person types it.
type terminalRun struct {
	stdout, stderr bytes.Buffer
	code           int
}

// runTerminal runs the command in dir (as the working directory) with env
// as the whole environment; tty says which streams are terminals.
func runTerminal(t *testing.T, dir string, args []string, env map[string]string, tty bool) *terminalRun {
	t.Helper()
	r := &terminalRun{}
	environ := []string{"GITHUB_WORKSPACE=" + dir, "HOME=" + t.TempDir()}
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	cmd := cli.Command{Stdout: &r.stdout, Stderr: &r.stderr, IsTerminal: func(io.Writer) bool { return tty }}
	r.code = cmd.Run(context.Background(), args, environ)
	return r
}

// demoDir is a copy of the demo app, with edit applied to its config.
func demoDir(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "demo"), dir)
	if edit != nil {
		p := filepath.Join(dir, "config", "deploy.yml")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		after := edit(string(b))
		if after == string(b) {
			t.Fatal("the edit changed nothing")
		}
		if err := os.WriteFile(p, []byte(after), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// markdown is what the job summary's Markdown leaves in text: escapes,
// entities, emoji shortcodes, emphasis and fences.
var markdown = regexp.MustCompile(`\\[_*\x60|<>\[\]]|&(lt|gt|amp);|:x:|\*\*|\x60\x60\x60|\\|❌|⚠|✅`)

// inputWords are inputs said as a workflow says them ("the config-file
// input", "check: true"), which a terminal says as flags.
var inputWords = func() *regexp.Regexp {
	var names []string
	for _, in := range inputs.All {
		names = append(names, regexp.QuoteMeta(in.Name))
	}
	return regexp.MustCompile(`the (` + strings.Join(names, "|") + `) input|\b(` + strings.Join(names, "|") + `): (true|false)\b`)
}()

// The terminal text, stdout and stderr apart, for the cases a person meets
// first; kept in testdata/terminal/<case>/ (go test -update).
func TestTerminalGolden(t *testing.T) {
	t.Parallel()
	pullThrough := []string{"--pull-through-cache", "docker.io=docker-hub"}
	for _, tt := range []struct {
		name string
		edit func(string) string
		args []string
		code int
	}{
		{"demo-dry-run", nil, append([]string{"--dry-run"}, pullThrough...), 0},
		{"check-fails", nil, append([]string{"--check"}, pullThrough...), 1},
		{"kamal-refuses", func(s string) string {
			return strings.Replace(s, "  arch: amd64\n", "  arch: amd64\n  multiarch: false\n", 1)
		}, append([]string{"--dry-run"}, pullThrough...), 2},
		{"config-not-found", nil, []string{"--dry-run", "--config-file", "config/deploy.yaml"}, 2},
		{"bad-flags", nil, []string{"--cache-mode", "fast", "--scan-on-push=yes"}, 2},
		{"no-rules-in-check", nil, []string{"--check", "--pull-through-cache", "auto"}, 1},
		{"reversed-pair", nil, []string{"--dry-run", "--pull-through-cache", "docker-hub=docker.io"}, 0},
		{"unset-variable", func(s string) string {
			return strings.Replace(s, "image: acme/shop\n", "image: <%= ENV[\"APP_IMAGE\"] %>\n", 1)
		}, append([]string{"--dry-run"}, pullThrough...), 2},
		{"registry-set-later", func(s string) string {
			return strings.Replace(s, "server: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n", "server: <%= ENV[\"ECR_REGISTRY\"] %>\n", 1)
		}, append([]string{"--dry-run", "--registry", "123456789012.dkr.ecr.us-east-1.amazonaws.com"}, pullThrough...), 0},
		// a laptop without credentials: the laptop's ways, not a workflow step's
		{"no-credentials", nil, nil, 1},
		// no variable decides <% if %>: the fix says to write the value without it
		{"control-flow", func(s string) string {
			s = strings.Replace(s, "    image: mysql:8.4\n", "    image: \"<% if Date.today.monday? %>mysql:8.4<% end %>\"\n", 1)
			return strings.Replace(s, "image: acme/shop\n", "image: <% if Date.today.monday? %>acme/shop<% else %>acme/other<% end %>\n", 1)
		}, append([]string{"--dry-run"}, pullThrough...), 2},
		{"control-flow-accessory", func(s string) string {
			return strings.Replace(s, "    image: mysql:8.4\n", "    image: \"<% if Date.today.monday? %>mysql:8.4<% end %>\"\n", 1)
		}, append([]string{"--dry-run"}, pullThrough...), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var env map[string]string
			if tt.name == "no-credentials" { // no AWS variable, an empty HOME, and no instance role
				env = map[string]string{"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
			}
			r := runTerminal(t, demoDir(t, tt.edit), tt.args, env, false)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tt.code, r.stdout.String(), r.stderr.String())
			}
			for name, s := range map[string]string{"stdout": r.stdout.String(), "stderr": r.stderr.String()} {
				if m := markdown.FindString(s); m != "" {
					t.Errorf("%s has Markdown %q:\n%s", name, m, s)
				}
				if m := inputWords.FindString(s); m != "" {
					t.Errorf("%s names an input, not a flag: %q\n%s", name, m, s)
				}
				if strings.Contains(s, "\x1b[") {
					t.Errorf("%s is coloured, though no stream is a terminal", name)
				}
				golden(t, filepath.Join("testdata", "terminal", tt.name, name+".txt"), s)
			}
		})
	}
}

// Colour on each stream only when it is a terminal and NO_COLOR is unset
// or empty; the text is the same without the escapes.
func TestTerminalColour(t *testing.T) {
	t.Parallel()
	dir := demoDir(t, nil)
	args := []string{"--check", "--pull-through-cache", "docker.io=docker-hub"}
	plain := runTerminal(t, dir, args, nil, false)
	tty := runTerminal(t, dir, args, nil, true)
	noColor := runTerminal(t, dir, args, map[string]string{"NO_COLOR": "1"}, true)
	emptyNoColor := runTerminal(t, dir, args, map[string]string{"NO_COLOR": ""}, true)
	escape := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for _, s := range []struct {
		name         string
		plain, color *bytes.Buffer
	}{{"stdout", &plain.stdout, &tty.stdout}, {"stderr", &plain.stderr, &tty.stderr}} {
		if !escape.MatchString(s.color.String()) {
			t.Errorf("%s on a terminal has no colour:\n%s", s.name, s.color)
		}
		if got := escape.ReplaceAllString(s.color.String(), ""); got != s.plain.String() {
			t.Errorf("%s without its colour differs:\n%s\n--- plain\n%s", s.name, got, s.plain)
		}
	}
	if noColor.stdout.String() != plain.stdout.String() || noColor.stderr.String() != plain.stderr.String() {
		t.Errorf("NO_COLOR=1 still colours:\n%s%s", noColor.stdout.String(), noColor.stderr.String())
	}
	if emptyNoColor.stdout.String() != tty.stdout.String() {
		t.Error("an empty NO_COLOR turned colour off")
	}
	if !strings.Contains(tty.stderr.String(), "\x1b[1;31merror:\x1b[0m") {
		t.Errorf("errors are not red:\n%q", tty.stderr.String())
	}
}

// A real run against the local ECR, on a terminal's streams: errors and
// warnings on stderr, the plan and the results on stdout; each stream one
// golden.
func TestTerminalFirstRun(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	env := map[string]string{}
	for k, v := range s.env {
		if !strings.HasPrefix(k, "GITHUB_") && !strings.HasPrefix(k, "INPUT_") {
			env[k] = v
		}
	}
	r := runTerminal(t, s.workspace, []string{"--verify-images=false", "--login"}, env, false)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout.String(), r.stderr.String())
	}
	if strings.Contains(r.stdout.String()+r.stderr.String(), "local-secret-password") {
		t.Error("the password was printed")
	}
	for name, got := range map[string]string{"stdout": r.stdout.String(), "stderr": r.stderr.String()} {
		golden(t, filepath.Join("testdata", "terminal", "first-run", name+".txt"), got)
	}
}

// The README shows the demo's terminal text as it is.
func TestREADMEDemo(t *testing.T) {
	t.Parallel()
	const begin, end = "<!-- demo: made by running kamal-ecr on testdata/demo; a test keeps it equal -->\n```text\n", "```\n<!-- demo end -->\n"
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok1 := strings.Cut(string(readme), begin)
	shown, tail, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatal("README has no demo output between its markers")
	}
	var both bytes.Buffer // one buffer: the order a terminal shows
	cmd := cli.Command{Stdout: &both, Stderr: &both}
	dir := demoDir(t, nil)
	if code := cmd.Run(context.Background(), []string{"--dry-run", "--pull-through-cache", "docker.io=docker-hub"},
		[]string{"GITHUB_WORKSPACE=" + dir, "HOME=" + t.TempDir()}); code != 0 {
		t.Fatalf("exit %d\n%s", code, both.String())
	}
	if *update {
		if err := os.WriteFile("README.md", []byte(head+begin+both.String()+end+tail), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if shown != both.String() {
		t.Errorf("the README's demo differs from what kamal-ecr prints (go test -run TestREADMEDemo -update):\n%s", both.String())
	}
}
