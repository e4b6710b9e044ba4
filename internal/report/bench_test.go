package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
)

// BenchmarkSummaryLargeDiff is the summary of 8,000 rewritten accessories
// (the case whose hand-written diff took 12 GB): memory grows with the
// file, not with its square.
func BenchmarkSummaryLargeDiff(b *testing.B) {
	var before, after strings.Builder
	before.WriteString("accessories:\n")
	after.WriteString("accessories:\n")
	for i := range 8000 {
		fmt.Fprintf(&before, "  a%d:\n    image: mysql:8.%d\n    host: 10.0.0.10\n", i, i)
		fmt.Fprintf(&after, "  a%d:\n    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/mysql:8.%d\n    host: 10.0.0.10\n", i, i)
	}
	r := &action.Result{Changes: []action.FileChange{{Path: "config/deploy.yml", Before: []byte(before.String()), After: []byte(after.String())}}}
	b.ReportAllocs()
	for b.Loop() {
		if s := Summary(action.Inputs{DryRun: true}, r, nil); !strings.Contains(s, "more changed lines") {
			b.Fatal("the diff was not cut")
		}
	}
}
