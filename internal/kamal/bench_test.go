package kamal

import (
	"fmt"
	"strings"
	"testing"
)

// bigConfig is a realistic config grown to about n lines: comments, ERB,
// many env entries and accessories, with the builder near the end.
func bigConfig(n int) []byte {
	var b strings.Builder
	b.WriteString("# Large config for the benchmark\nservice: app\nimage: acme/app\nregistry:\n  server: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n  password: <%= %x(aws ecr get-login-password) %>\nenv:\n  clear:\n")
	lines := 8
	for i := 0; lines < n-40; i++ {
		if i%50 == 0 {
			fmt.Fprintf(&b, "    # group %d — é\n\n", i)
			lines++
			lines++
			continue
		}
		fmt.Fprintf(&b, "    VAR_%d: <%%= ENV.fetch(\"VAR_%d\", \"value-%d\") %%> # note %d\n", i, i, i, i)
		lines++
	}
	b.WriteString("accessories:\n")
	for i := range 8 {
		fmt.Fprintf(&b, "  svc%d:\n    image: redis:7.%d\n    host: 10.0.0.%d\n    port: 63%02d\n", i, i, i, i)
	}
	b.WriteString("builder:\n  arch: amd64\n  cache:\n    type: registry\n    options: mode=max\n")
	return []byte(b.String())
}

// Reading and patching a 5,000-line config (target: under 50 ms).
func BenchmarkLoadAndPatch5000(b *testing.B) {
	src := bigConfig(5000)
	if n := strings.Count(string(src), "\n"); n < 4900 {
		b.Fatalf("config has %d lines", n)
	}
	loadAndPatch(b, src)
}

// loadAndPatch reads src, plans the cache patch and applies it, as a run does.
func loadAndPatch(b *testing.B, src []byte) {
	read := func(string) ([]byte, error) { return src, nil }
	env := func(string) string { return "" }
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load(read, env, "deploy.yml", "")
		if err != nil {
			b.Fatal(err)
		}
		e, err := c.PlanCache(CacheRequest{Patch: true})
		if err != nil || e == nil {
			b.Fatal(err, e)
		}
		if _, err := c.Apply([]*Edit{e}); err != nil {
			b.Fatal(err)
		}
	}
}

// anchorHeavyConfig is just under 1 MiB with 40,000 anchors, each used once
// by an alias: the shape that made the old line-based pre-parse quadratic.
func anchorHeavyConfig() []byte {
	var b strings.Builder
	b.WriteString("service: app\nimage: acme/app\nregistry:\n  server: 123456789012.dkr.ecr.us-east-1.amazonaws.com\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\nenv:\n  clear:\n")
	for i := 0; b.Len() < 1<<20-64; i++ {
		if i < 40000 {
			fmt.Fprintf(&b, "    A%d: &a%d v\n", i, i)
		} else {
			fmt.Fprintf(&b, "    B%d: *a%d\n", i, i%40000)
		}
	}
	return []byte(b.String())
}

// No input under 1 MiB may take more than a second to read and patch.
func BenchmarkLoadAndPatchAnchorHeavy(b *testing.B) {
	src := anchorHeavyConfig()
	if len(src) >= 1<<20 {
		b.Fatalf("config is %d bytes", len(src))
	}
	loadAndPatch(b, src)
}

// A syntax error at the end of a large file is located by parsing prefixes:
// that too stays well under a second.
func BenchmarkLoadSyntaxErrorAnchorHeavy(b *testing.B) {
	src := anchorHeavyConfig()
	src = append(src[:len(src)-32], "\n\tX: tab\n"...)
	read := func(string) ([]byte, error) { return src, nil }
	env := func(string) string { return "" }
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Load(read, env, "deploy.yml", ""); err == nil || !strings.Contains(err.Error(), "a tab is not allowed") {
			b.Fatal(err)
		}
	}
}

// Kamal's checks over the same 5,000-line config.
func BenchmarkValidate5000(b *testing.B) {
	src := bigConfig(5000)
	read := func(string) ([]byte, error) { return src, nil }
	c, err := Load(read, func(string) string { return "" }, "deploy.yml", "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Validate()
	}
}
