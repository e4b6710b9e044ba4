package erb

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Control blocks: which lines they hold, and which branch the environment decides.

type block struct{ start, end, line int }

var (
	opens  = regexp.MustCompile(`^(if|unless|case|while|until|for|begin)\b|\bdo(\s*\|[^|]*\|)?$`)
	closes = regexp.MustCompile(`^end\b`)
)

// Block returns the line of the innermost ERB control block (if, unless,
// each … do) around offset, or 0. The masked text keeps every branch of such
// a block, so a value inside it may not be what Kamal sees.
func (t *Template) Block(offset int) int {
	// the last piece starting at or before offset
	i := sort.Search(len(t.pieces), func(i int) bool { return t.pieces[i].from > offset }) - 1
	if i < 0 {
		return 0
	}
	return t.pieces[i].line
}

// piece is a stretch of the source, from one offset to the next piece's,
// whose innermost undecided block opens at line (0: none).
type piece struct{ from, line int }

func (t *Template) trackBlocks(getenv func(string) string) {
	type frame struct {
		open     int   // tag index of if/unless/each…
		branches []int // tag indexes of elsif/else
	}
	var stack []frame
	for i, tag := range t.Tags {
		switch {
		case tag.Output || tag.Comment:
		case branchTag.MatchString(tag.Code) && len(stack) > 0:
			top := &stack[len(stack)-1]
			top.branches = append(top.branches, i)
		case closes.MatchString(tag.Code) && len(stack) > 0:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !t.choose(f.open, f.branches, i, getenv) {
				open := t.Tags[f.open]
				t.blocks = append(t.blocks, block{start: open.Start, end: tag.End, line: open.Line})
			}
		case opens.MatchString(tag.Code):
			stack = append(stack, frame{open: i})
		}
	}
	for i := len(stack) - 1; i >= 0; i-- { // unclosed: runs to the end of the file
		open := t.Tags[stack[i].open]
		t.blocks = append(t.blocks, block{start: open.Start, end: len(t.Masked), line: open.Line})
	}
	t.applyCuts()
	t.pieces = innermost(t.blocks)
}

// innermost turns blocks, nested inside each other or apart (as a stack
// makes them), into pieces in source order, in O(n log n).
func innermost(blocks []block) []piece {
	if len(blocks) == 0 {
		return nil
	}
	sorted := slices.Clone(blocks)
	slices.SortFunc(sorted, func(a, b block) int { return cmp.Or(a.start-b.start, b.end-a.end) })
	pieces := make([]piece, 0, 2*len(sorted))
	var open []block
	closeUntil := func(at int) { // ends the open blocks that end by at
		for len(open) > 0 && open[len(open)-1].end <= at {
			end := open[len(open)-1].end
			open = open[:len(open)-1]
			line := 0
			if len(open) > 0 {
				line = open[len(open)-1].line
			}
			pieces = append(pieces, piece{end, line})
		}
	}
	for _, b := range sorted {
		closeUntil(b.start)
		open = append(open, b)
		pieces = append(pieces, piece{b.start, b.line})
	}
	closeUntil(math.MaxInt)
	return pieces
}

// choose evaluates an if/unless block whose conditions only read the
// environment, and blanks every branch Kamal would not render, tags
// included. It reports false, changing nothing, when any condition it would
// need is other Ruby.
func (t *Template) choose(open int, branches []int, end int, getenv func(string) string) bool {
	if getenv == nil {
		return false
	}
	heads := append([]int{open}, branches...)
	taken := -1
	for k, h := range heads {
		code := t.Tags[h].Code
		var ok, known bool
		switch {
		case k == 0 && strings.HasPrefix(code, "if "):
			ok, known = evalCondition(strings.TrimPrefix(code, "if "), getenv)
		case k == 0 && strings.HasPrefix(code, "unless "):
			ok, known = evalCondition(strings.TrimPrefix(code, "unless "), getenv)
			ok = !ok
		case k > 0 && strings.HasPrefix(code, "elsif "):
			ok, known = evalCondition(strings.TrimPrefix(code, "elsif "), getenv)
		case k > 0 && code == "else":
			ok, known = true, true
		default:
			return false
		}
		if !known {
			return false
		}
		if ok {
			taken = k
			break
		}
	}
	for k, h := range heads {
		next := end
		if k+1 < len(heads) {
			next = heads[k+1]
		}
		t.cut(t.Tags[h].Start, t.Tags[h].End)
		if k != taken {
			t.cut(t.Tags[h].End, t.Tags[next].Start) // the branch, tags included
		}
	}
	t.cut(t.Tags[end].Start, t.Tags[end].End)
	return true
}

// cut records that the bytes from start to end go from the masked text, with
// the tags in them. An enclosing block cuts again what its nested blocks
// cut; applyCuts then touches each byte once, keeping Mask linear in the
// nesting depth.
func (t *Template) cut(start, end int) {
	if start < end {
		t.cuts = append(t.cuts, [2]int{start, end})
	}
}

// applyCuts blanks what cut recorded and unmasks the tags that went with it.
func (t *Template) applyCuts() {
	slices.SortFunc(t.cuts, func(a, b [2]int) int { return cmp.Or(a[0]-b[0], b[1]-a[1]) })
	done, tag := 0, 0 // bytes before done are blanked; tags before tag are settled
	for _, c := range t.cuts {
		start := max(c[0], done)
		if start >= c[1] {
			continue
		}
		blank(t.Masked[start:c[1]])
		done = c[1]
		for tag < len(t.Tags) && t.Tags[tag].Start < c[0] {
			tag++
		}
		for ; tag < len(t.Tags) && t.Tags[tag].Start < c[1]; tag++ {
			t.Tags[tag].Masked = false
		}
	}
	t.cuts = nil
}

var (
	branchTag = regexp.MustCompile(`^(elsif\b|else$)`)
	envRef    = `(?:ENV\[\s*(?:"([^"]*)"|'([^']*)')\s*\]|ENV\.fetch\(\s*(?:"([^"]*)"|'([^']*)')\s*,\s*(?:""|''|nil)\s*\))`
	condSet   = regexp.MustCompile(`^` + envRef + `(?:\.present\?|\.to_s\s*!=\s*(?:""|'')|\s*!=\s*(?:""|'')|\.to_s\.strip\s*!=\s*(?:""|''))?$`)
	condUnset = regexp.MustCompile(`^` + envRef + `(?:\.nil\?|\.blank\?|\.to_s\.empty\?|\.to_s\s*==\s*(?:""|'')|\s*==\s*(?:""|''))$`)
	condEqual = regexp.MustCompile(`^` + envRef + `\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)')$`)
	condKey   = regexp.MustCompile(`^ENV\.(?:key\?|has_key\?|include\?)\(\s*(?:"([^"]*)"|'([^']*)')\s*\)$`)
)

// evalCondition evaluates the conditions configs put on the environment.
// An empty variable counts as unset, as Eval treats it.
func evalCondition(c string, getenv func(string) string) (value, known bool) {
	c = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c), " then"))
	if rest, ok := strings.CutPrefix(c, "!"); ok {
		v, known := evalCondition(strings.Trim(rest, "() "), getenv)
		return !v, known
	}
	name := func(m []string) string { return m[1] + m[2] + m[3] + m[4] }
	if m := condSet.FindStringSubmatch(c); m != nil {
		return getenv(name(m)) != "", true
	}
	if m := condUnset.FindStringSubmatch(c); m != nil {
		return getenv(name(m)) == "", true
	}
	if m := condEqual.FindStringSubmatch(c); m != nil {
		eq := getenv(name(m)) == m[6]+m[7]
		return eq == (m[5] == "=="), true
	}
	if m := condKey.FindStringSubmatch(c); m != nil {
		return getenv(m[1]+m[2]) != "", true
	}
	return false, false
}
