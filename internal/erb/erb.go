// Package erb reads the ERB tags in a Kamal config without executing Ruby.
//
// Mask replaces every tag with a placeholder of the same byte length, so a YAML
// parser run over the masked text reports positions that are valid in the
// original bytes. Expand later resolves the few tag forms people use for
// values (ENV lookups and string literals) from the environment.
package erb

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Tag is one ERB tag of a template.
type Tag struct {
	Start, End int    // byte span in the source, delimiters included
	Line       int    // 1-based line of Start
	Code       string // Ruby between the delimiters, trimmed (empty for output tags until evaluated)
	Output     bool   // <%= … %>
	Comment    bool   // <%# … %>: renders nothing
	Masked     bool   // replaced by a token rather than blanked out
	// Structure marks an output tag alone on its line(s) whose Ruby is not a
	// value this package reads: it writes YAML lines (a list of hosts, a
	// whole file) that only running Ruby would give. It is blanked out.
	Structure bool
	tokenLen  int // bytes of the token (a multi-line tag keeps its line breaks)
}

// Template is a source with its ERB tags masked.
type Template struct {
	Masked []byte
	Tags   []Tag
	src    []byte
	blocks []block  // Ruby blocks and conditionals: both branches stay in Masked
	pieces []piece  // blocks by offset, for Block
	cuts   [][2]int // byte spans that decided blocks remove
}

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

// Mask finds the ERB tags in src. Control tags that stand alone on their line
// become spaces (a blank YAML line); every other tag becomes a token
// "ERB<index in base 36>_…" of the same length, which values carry along.
// With getenv, if/unless blocks whose conditions only read the environment
// are decided as Ruby would, and the branches not taken become spaces too.
func Mask(src []byte, getenv func(string) string) (*Template, error) {
	t := &Template{Masked: bytes.Clone(src), src: src}
	if !bytes.Contains(src, []byte("<%")) {
		return t, nil
	}
	line, counted := 1, 0 // line of src[counted]
	for i := 0; i < len(src); {
		j := bytes.Index(src[i:], []byte("<%"))
		if j < 0 {
			break
		}
		start := i + j
		if bytes.HasPrefix(src[start:], []byte("<%%")) { // literal "<%"
			i = start + 3
			continue
		}
		k := bytes.Index(src[start+2:], []byte("%>"))
		line += bytes.Count(src[counted:start], []byte("\n"))
		counted = start
		if k < 0 {
			return nil, &UnclosedError{Line: line}
		}
		end := start + 2 + k + 2
		inner := bytes.TrimSuffix(bytes.TrimPrefix(src[start+2:end-2], []byte("-")), []byte("-"))
		tag := Tag{Start: start, End: end, Line: line}
		switch {
		case bytes.HasPrefix(inner, []byte("=")):
			tag.Output = true
		case bytes.HasPrefix(inner, []byte("#")):
			tag.Comment = true
		default:
			tag.Code = string(bytes.TrimSpace(inner))
		}
		if tag.Output && standalone(src, start, end) && !Evaluable(t.code(tag)) {
			tag.Structure = true
		}
		if !tag.Output && standalone(src, start, end) || tag.Structure {
			blank(t.Masked[start:end])
		} else {
			tag.Masked = true
			tag.tokenLen = writeToken(t.Masked[start:end], len(t.Tags))
		}
		t.Tags = append(t.Tags, tag)
		i = end
	}
	t.trackBlocks(getenv)
	return t, nil
}

// writeToken writes "ERB<index>_" padded with "_" over a tag, up to its first
// line break, and returns its length. Every output tag has room
// ("<%=x%>" is six bytes); a shorter control tag gets a cut token that
// reads as plain text.
func writeToken(b []byte, index int) int {
	n := len(b)
	if nl := bytes.IndexAny(b, "\r\n"); nl >= 0 {
		blank(b)
		n = nl
	}
	var buf [16]byte
	tok := strconv.AppendInt(append(buf[:0], "ERB"...), int64(index), 36)
	tok = append(tok, '_')
	m := copy(b[:n], tok)
	for i := m; i < n; i++ {
		b[i] = '_'
	}
	return n
}

// code is a tag's Ruby.
func (t *Template) code(tag Tag) string {
	if tag.Code != "" || !tag.Output {
		return tag.Code
	}
	inner := bytes.TrimSuffix(t.src[tag.Start+3:tag.End-2], []byte("-"))
	return string(bytes.TrimSpace(inner))
}

// tokens finds the tags whose tokens a value read from the masked text holds,
// with their offsets in the value.
func (t *Template) tokens(s string, fn func(at int, tag Tag)) {
	for at := 0; ; {
		i := strings.Index(s[at:], "ERB")
		if i < 0 {
			return
		}
		at += i
		j := at + 3
		for j < len(s) && s[j] != '_' && (s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'z') {
			j++
		}
		idx, err := strconv.ParseInt(s[at+3:j], 36, 64)
		if err == nil && j < len(s) && s[j] == '_' && idx < int64(len(t.Tags)) {
			tag := t.Tags[idx]
			if tag.Masked && at+tag.tokenLen <= len(s) && s[at:at+tag.tokenLen] == string(t.Masked[tag.Start:tag.Start+tag.tokenLen]) {
				fn(at, tag)
				at += tag.tokenLen
				continue
			}
		}
		at += 3
	}
}

// standalone reports whether only white space surrounds the span on its
// line. It looks only as far as the first other byte, so a long line of tags
// costs each tag its own neighbourhood, not the whole line.
func standalone(src []byte, start, end int) bool {
	for i := start - 1; i >= 0 && src[i] != '\n'; i-- {
		if !isSpace(src[i]) {
			return false
		}
	}
	for i := end; i < len(src) && src[i] != '\n'; i++ {
		if !isSpace(src[i]) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

func blank(b []byte) {
	for i, c := range b {
		if c != '\n' && c != '\r' {
			b[i] = ' '
		}
	}
}

// Contains reports whether a value read from the masked text holds ERB.
func (t *Template) Contains(s string) bool {
	found := false
	t.tokens(s, func(int, Tag) { found = true })
	return found
}

// UnresolvedError says that a value needs Ruby this package does not run.
type UnresolvedError struct {
	Line  int
	Code  string
	Why   string
	Unset string // the variable whose absence left the value unresolved, when the value is that one tag
	// Control marks a control tag (<% … %>), which renders nothing of its own.
	Control bool
}

func (e *UnresolvedError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Detail()) }

// Detail is the message without the line.
func (e *UnresolvedError) Detail() string {
	if e.Control {
		return fmt.Sprintf("ERB <%% %s %%> %s", e.Code, e.Why)
	}
	return fmt.Sprintf("ERB <%%= %s %%> %s", e.Code, e.Why)
}

// UnclosedError is a tag that opens with <% and never closes.
type UnclosedError struct{ Line int }

func (e *UnclosedError) Error() string {
	return fmt.Sprintf("line %d: ERB tag is not closed with %%>", e.Line)
}

// Expand replaces the tokens in a value read from the masked text with what
// each tag evaluates to.
func (t *Template) Expand(s string, getenv func(string) string) (string, error) {
	if len(t.Tags) == 0 {
		return s, nil
	}
	var b strings.Builder
	var err error
	last, comment := 0, false
	t.tokens(s, func(at int, tag Tag) {
		if err != nil {
			return
		}
		b.WriteString(s[last:at])
		last = at + tag.tokenLen
		switch {
		case tag.Comment:
			comment = true
		case !tag.Output:
			err = &UnresolvedError{Line: tag.Line, Code: tag.Code, Why: "is Ruby control flow inside a value", Control: true}
		default:
			v, uerr := Eval(t.code(tag), getenv)
			if uerr != nil {
				uerr.Line = tag.Line
				if at != 0 || tag.tokenLen != len(s) {
					uerr.Unset = "" // the variable is only part of the value
				}
				err = uerr
			}
			b.WriteString(v)
		}
	})
	if err != nil {
		return "", err
	}
	if last == 0 {
		return s, nil
	}
	b.WriteString(s[last:])
	if comment { // the space before an inline comment tag was the scalar's end
		return strings.TrimSpace(b.String()), nil
	}
	return b.String(), nil
}

// Render is what Ruby's ERB writes for a value read from the masked text,
// as far as it can be known without running Ruby: ENV["X"] of an unset X
// renders nothing, as in Ruby, and X is listed in unset. ok is false when
// some tag needs Ruby (or fails in Ruby, as ENV.fetch("X") does without X).
func (t *Template) Render(s string, getenv func(string) string) (out string, unset []string, ok bool) {
	ok = true
	var b strings.Builder
	last := 0
	t.tokens(s, func(at int, tag Tag) {
		b.WriteString(s[last:at])
		last = at + tag.tokenLen
		switch {
		case tag.Comment:
		case !tag.Output:
			ok = false
		default:
			v, err := Eval(t.code(tag), getenv)
			switch {
			case err == nil:
			case err.Unset != "" && strings.HasPrefix(err.Why, "is empty"):
				unset = append(unset, err.Unset)
			default:
				ok = false
			}
			b.WriteString(v)
		}
	})
	b.WriteString(s[last:])
	return b.String(), unset, ok
}

var (
	envIndex = regexp.MustCompile(`^ENV\[\s*(?:"([^"]*)"|'([^']*)')\s*\]$`)
	envFetch = regexp.MustCompile(`^ENV\.fetch\(\s*(?:"([^"]*)"|'([^']*)')\s*(?:,\s*(?:"([^"#]*)"|'([^']*)'|(-?\d+)|(nil))\s*)?\)$`)
	literal  = regexp.MustCompile(`^(?:"([^"#\\]*)"|'([^'\\]*)')$`)
	// ENV.fetch("X") { … }: the block runs only when X is unset
	envFetchBlock = regexp.MustCompile(`^ENV\.fetch\(\s*(?:"([^"]*)"|'([^']*)')\s*\)\s*(?:\{.*\}|do\b.*\bend)$`)
)

// Evaluable reports whether Eval understands the form of code (whatever the
// environment holds).
func Evaluable(code string) bool {
	code = strings.TrimSpace(code)
	return envIndex.MatchString(code) || envFetch.MatchString(code) || envFetchBlock.MatchString(code) || literal.MatchString(code)
}

// Eval evaluates the few side-effect-free forms of an output tag: ENV["X"],
// ENV['X'], ENV.fetch("X"), ENV.fetch("X", "default"), ENV.fetch("X") { … }
// with X set, and string literals.
// An empty variable counts as unset, as it does for the Actions runner's inputs.
func Eval(code string, getenv func(string) string) (string, *UnresolvedError) {
	code = strings.TrimSpace(code)
	if m := envIndex.FindStringSubmatch(code); m != nil {
		name := m[1] + m[2]
		v := getenv(name)
		if v == "" {
			return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("is empty: environment variable %s is not set", name), Unset: name}
		}
		return v, nil
	}
	if m := envFetch.FindStringSubmatch(code); m != nil {
		name := m[1] + m[2]
		if v := getenv(name); v != "" {
			return v, nil
		}
		hasDefault := strings.Contains(code, ",")
		if !hasDefault {
			return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("fails: environment variable %s is not set", name), Unset: name}
		}
		if m[6] == "nil" {
			return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("is empty: environment variable %s is not set", name), Unset: name}
		}
		return m[3] + m[4] + m[5], nil
	}
	if m := envFetchBlock.FindStringSubmatch(code); m != nil {
		name := m[1] + m[2]
		if v := getenv(name); v != "" {
			return v, nil
		}
		return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("runs Ruby: environment variable %s is not set", name)}
	}
	if m := literal.FindStringSubmatch(code); m != nil {
		return m[1] + m[2], nil
	}
	return "", &UnresolvedError{Code: code, Why: "is Ruby this action does not run"}
}
