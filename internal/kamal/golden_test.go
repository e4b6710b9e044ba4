package kamal

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Each testdata/patch/<case> holds deploy.yml (and a destination file), an
// optional case.txt (destination=, enable=, mode=), and want.out: the
// findings, the planned edit and the patched bytes, or the error.
func TestPatchGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "patch", "*"))
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			opts := map[string]string{}
			if b, err := os.ReadFile(filepath.Join(dir, "case.txt")); err == nil {
				for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
					k, v, _ := strings.Cut(l, "=")
					opts[k] = v
				}
			}
			got := runCase(dir, opts)
			wantPath := filepath.Join(dir, "want.out")
			if *update {
				if err := os.WriteFile(wantPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("mismatch (-want +got):\n-%s\n+%s", want, got)
			}
		})
	}
}

func runCase(dir string, opts map[string]string) string {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	env := func(string) string { return "" }
	var out strings.Builder
	c, err := Load(read, env, "deploy.yml", opts["destination"])
	if err != nil {
		return "load error: " + err.Error() + "\n"
	}
	for _, f := range c.Findings {
		fmt.Fprintf(&out, "%s %s\n", f.Severity, f.Error())
	}
	e, err := c.PlanCache(CacheRequest{Patch: opts["patch"] != "false", Enable: opts["enable"] == "true", Mode: opts["mode"]})
	if err != nil {
		return out.String() + "plan error: " + err.Error() + "\n"
	}
	if e == nil {
		return out.String() + "no edit\n"
	}
	files, after, err := applyAndReload(c, []*Edit{e})
	if err != nil {
		return out.String() + "apply error: " + err.Error() + "\n"
	}
	fmt.Fprintf(&out, "edit %s:%d %s = %s (resolved options %q)\n== %s ==\n", e.File, e.Line, e.Key, e.Want, after.Cache.Options.Text, e.File)
	out.Write(bytes.ReplaceAll(files[e.File], []byte("\r"), []byte("␍")))
	return out.String()
}
