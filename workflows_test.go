package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// Third-party actions run with the workflow's token (the release holds
// packages: write), so each is pinned to a commit, its version in a comment
// for Dependabot and for readers.
func TestWorkflowActionsPinned(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows (%v)", err)
	}
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
