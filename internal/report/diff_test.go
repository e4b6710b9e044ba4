package report

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
)

func TestUnified(t *testing.T) {
	t.Parallel()
	before := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	after := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nL\nm\n"
	want := `--- a/config/deploy.yml
+++ b/config/deploy.yml
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -9,5 +9,5 @@
 i
 j
 k
-l
+L
 m
`
	if got := unified("config/deploy.yml", before, after); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// git apply takes the diff to the original and gives the written file, for
// the shapes the action edits: a changed line, inserted lines, CRLF, a last
// line without a line break, two edits close together and far apart.
func TestUnifiedGitApply(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	long := strings.Repeat("x: 1\n", 20)
	for name, c := range map[string][2]string{
		"change":           {"builder:\n  cache:\n    type: registry\n    options: mode=max\nenv: {}\n", "builder:\n  cache:\n    type: registry\n    options: mode=max,image-manifest=true,oci-mediatypes=true\nenv: {}\n"},
		"insert":           {"builder:\n  cache:\n    type: registry\n", "builder:\n  cache:\n    type: registry\n    options: image-manifest=true,oci-mediatypes=true\n"},
		"insert in middle": {"builder:\n  cache:\n    type: registry\n  arch: amd64\n", "builder:\n  cache:\n    type: registry\n    options: a=b\n  arch: amd64\n"},
		"crlf":             {"a: 1\r\nb: 2\r\nc: 3\r\n", "a: 1\r\nb: 22\r\nc: 3\r\n"},
		"no final newline": {"a: 1\nb: 2", "a: 1\nb: 3"},
		"two edits":        {"a: 1\n" + long + "b: 2\n" + long, "a: 9\n" + long + "b: 8\n" + long},
		"close edits":      {"a: 1\nx\ny\nb: 2\n", "a: 9\nx\ny\nb: 8\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config", "deploy.yml")
			must(t, os.MkdirAll(filepath.Dir(path), 0o755))
			must(t, os.WriteFile(path, []byte(c[0]), 0o644))
			patch := filepath.Join(dir, "p.diff")
			must(t, os.WriteFile(patch, []byte(unified("config/deploy.yml", c[0], c[1])), 0o644))
			cmd := exec.Command("git", "apply", "--whitespace=nowarn", patch)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git apply: %v\n%s\n%s", err, out, unified("config/deploy.yml", c[0], c[1]))
			}
			if got, _ := os.ReadFile(path); string(got) != c[1] {
				t.Errorf("applied:\n%q\nwant\n%q", got, c[1])
			}
		})
	}
}

func unified(path, before, after string) string {
	return unifiedDiff([]action.FileChange{{Path: path, Before: []byte(before), After: []byte(after)}})
}

// A long diff is cut at whole lines, and what is left out is counted.
func TestCutDiff(t *testing.T) {
	t.Parallel()
	var before, after strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&before, "a%d: %d\nkeep%d: x\nkeep: y\nkeep: z\n", i, i, i)
		fmt.Fprintf(&after, "a%d: %d\nkeep%d: x\nkeep: y\nkeep: z\n", i, i+1, i)
	}
	d := unified("config/deploy.yml", before.String(), after.String())
	changed := func(s string) int { return strings.Count(s, "\n-") + strings.Count(s, "\n+") - 1 } // less the +++ header
	got := cutDiff(d, 100)
	shown := changed(got.text)
	if strings.Count(got.text, "\n") != 100 || got.more != changed(d)-shown || got.more < 1800 || !strings.HasPrefix(d, got.text) {
		t.Errorf("%d lines shown, %d changed, %d more", strings.Count(got.text, "\n"), shown, got.more)
	}
	if all := cutDiff(d, 1<<20); all.text != d || all.more != 0 {
		t.Errorf("an uncut diff: %d more", all.more)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
