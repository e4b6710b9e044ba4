package kamal

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Kamal's checks run on every config that loads. Whenever a patch succeeds, the result loads again, holds the two options,
// and equals the input byte for byte outside the edited span.
func FuzzPatchCache(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "patch", "*", "deploy.yml"))
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b, "", true)
	}
	f.Add([]byte("image: a/b\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n    options: \"mode=max\\\"x\" # c\n"), "max", false)
	f.Add([]byte("image: a/b\nbuilder:\r\n  cache: {type: registry}\r\n"), "min", true)
	f.Fuzz(func(t *testing.T, src []byte, mode string, enable bool) {
		if mode != "min" && mode != "max" {
			mode = ""
		}
		read := func(string) ([]byte, error) { return src, nil }
		c, err := Load(read, func(string) string { return "" }, "deploy.yml", "")
		if err != nil {
			return
		}
		for _, p := range c.Validate().Problems { // Kamal's checks take any config without a panic
			if p.Pos.File == "" {
				t.Fatalf("problem without a file: %v", p)
			}
		}
		e, err := c.PlanCache(CacheRequest{Patch: true, Enable: enable, Mode: mode})
		if err != nil || e == nil {
			return // refusing is allowed; corrupting is not
		}
		files, after, err := c.Apply([]*Edit{e})
		if err != nil {
			return // Apply's own verification refused the result
		}
		out := files["deploy.yml"]
		if !HasECROptions(after.Cache.Options.Text) {
			t.Fatalf("patched options %q", after.Cache.Options.Text)
		}
		end := e.Start + len(e.Text)
		if !bytes.Equal(out[:e.Start], src[:e.Start]) || !bytes.Equal(out[end:], src[e.End:]) {
			t.Fatalf("bytes changed outside the edit\nin:  %q\nout: %q", src, out)
		}
	})
}
