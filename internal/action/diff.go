package action

import (
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

// diffContext is the number of unchanged lines around each change, as in
// git diff.
const diffContext = 3

// diff is a unified diff of every file the edits change, with a/ and b/
// paths relative to the workspace, which git apply accepts.
func diff(cfg *kamal.Config, files map[string][]byte) string {
	var b strings.Builder
	for _, f := range cfg.Files {
		if after, ok := files[f.Path]; ok {
			b.WriteString(unified(f.Path, string(f.Src), string(after)))
		}
	}
	return b.String()
}

// unified diffs two texts line by line.
func unified(path, before, after string) string {
	a, b := splitLines(before), splitLines(after)
	ops := editScript(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", path, path)
	// Hunks: runs of changes with their context, joined when the context
	// between two changes is at most twice diffContext.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-diffContext, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, len(ops))
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end])
		i = end
	}
	return out.String()
}

type op struct {
	kind       byte // ' ', '-', '+'
	text       string
	aLine, bLn int // 1-based line in a and b where this op stands
}

func writeHunk(out *strings.Builder, ops []op) {
	var aCount, bCount int
	for _, o := range ops {
		if o.kind != '+' {
			aCount++
		}
		if o.kind != '-' {
			bCount++
		}
	}
	aStart, bStart := ops[0].aLine, ops[0].bLn
	if aCount == 0 {
		aStart-- // an empty range names the line before it
	}
	if bCount == 0 {
		bStart--
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", aStart, aCount, bStart, bCount)
	for _, o := range ops {
		out.WriteByte(o.kind)
		out.WriteString(strings.TrimSuffix(o.text, "\n"))
		out.WriteByte('\n')
		if !strings.HasSuffix(o.text, "\n") {
			out.WriteString("\\ No newline at end of file\n")
		}
	}
}

// splitLines splits text after each line break, keeping it (and any \r).
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.SplitAfter(s, "\n")
	if out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// editScript is a shortest edit script from a to b (Myers' algorithm),
// after trimming the common start and end, which is all but a few lines
// for the action's edits.
func editScript(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := range pre {
		ops = append(ops, op{' ', a[i], i + 1, i + 1})
	}
	for _, o := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		o.aLine += pre
		o.bLn += pre
		ops = append(ops, o)
	}
	for k := suf; k > 0; k-- {
		i, j := len(a)-k, len(b)-k
		ops = append(ops, op{' ', a[i], i + 1, j + 1})
	}
	return ops
}

func myers(a, b []string) []op {
	n, m := len(a), len(b)
	maxD := n + m
	v := make([]int, 2*maxD+2)
	var trace [][]int
	off := maxD + 1
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, off, d)
			}
		}
	}
	return nil
}

func backtrack(a, b []string, trace [][]int, off, d int) []op {
	x, y := len(a), len(b)
	var rev []op
	for ; d > 0; d-- {
		v := trace[d]
		k := x - y
		var prevK int
		if k == -d || k != d && v[off+k-1] < v[off+k+1] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		px := v[off+prevK]
		py := px - prevK
		for x > px && y > py {
			x, y = x-1, y-1
			rev = append(rev, op{' ', a[x], x + 1, y + 1})
		}
		if x == px {
			y--
			rev = append(rev, op{'+', b[y], x + 1, y + 1})
		} else {
			x--
			rev = append(rev, op{'-', a[x], x + 1, y + 1})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{' ', a[x], x + 1, y + 1})
	}
	ops := make([]op, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops
}
