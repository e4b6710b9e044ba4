package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Third-party actions run with the workflow's token (the release holds
// packages: write), so each is pinned to a commit, its version in a comment
// for Dependabot and for readers.
func TestWorkflowActionsPinned(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if len(files) == 0 {
		t.Fatal("no workflows")
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
