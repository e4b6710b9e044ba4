package erb

import (
	"fmt"
	"strings"
	"testing"
)

// nestedIfs is n `<% if ENV["A"] %>` blocks nested inside each other, a
// value at the innermost level: the worst case for block handling.
func nestedIfs(n int) []byte {
	var b strings.Builder
	b.WriteString("service: app\nimage: app\n")
	for range n {
		b.WriteString("<% if ENV[\"A\"] %>\n")
	}
	b.WriteString("x-deep: 1\n")
	for range n {
		b.WriteString("<% end %>\n")
	}
	return []byte(b.String())
}

// BenchmarkMaskNested shows Mask is linear in the nesting depth: the time
// per block stays flat from 10,000 to 100,000 blocks.
func BenchmarkMaskNested(b *testing.B) {
	for _, n := range []int{10_000, 40_000, 100_000} {
		src := nestedIfs(n)
		for _, env := range []struct {
			name   string
			getenv func(string) string
		}{{"undecided", nil}, {"unset", func(string) string { return "" }}, {"set", func(string) string { return "1" }}} {
			b.Run(fmt.Sprintf("%s/%d", env.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					tm, err := Mask(src, env.getenv)
					if err != nil {
						b.Fatal(err)
					}
					tm.Block(len(src) / 2)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/block")
			})
		}
	}
}
