// Package yamledit changes YAML files with the smallest possible diff: the
// parser locates a node, the original bytes are spliced, and the caller
// re-parses the result to verify it.
package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ErrUnsupported is returned for scalars whose source cannot be spliced
// safely: block (| >) and multi-line scalars.
var ErrUnsupported = errors.New("unsupported YAML scalar")

// Doc indexes the lines of a YAML source.
type Doc struct {
	src    []byte
	starts []int // byte offset where each line starts
}

// NewDoc indexes src.
func NewDoc(src []byte) *Doc {
	starts := make([]int, 1, 64+bytes.Count(src, []byte("\n")))
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &Doc{src: src, starts: starts}
}

// Offset converts yaml.v3's 1-based line and column, which counts runes, to
// a byte offset.
func (d *Doc) Offset(line, col int) (int, error) {
	if line < 1 || line > len(d.starts) || col < 1 {
		return 0, fmt.Errorf("position %d:%d is outside the file", line, col)
	}
	off := d.starts[line-1]
	for range col - 1 {
		if off >= len(d.src) || d.src[off] == '\n' {
			return 0, fmt.Errorf("position %d:%d is outside the line", line, col)
		}
		_, size := utf8.DecodeRune(d.src[off:])
		off += size
	}
	return off, nil
}

// LineEnd is the offset just past line's line break (or the end of the file).
func (d *Doc) LineEnd(line int) int {
	if line < len(d.starts) {
		return d.starts[line]
	}
	return len(d.src)
}

// Line is line n (from 1) without its line break, nil past the end.
func (d *Doc) Line(n int) []byte {
	if n < 1 || n > len(d.starts) {
		return nil
	}
	end := len(d.src)
	if n < len(d.starts) {
		end = d.starts[n] - 1
	}
	return bytes.TrimSuffix(d.src[d.starts[n-1]:end], []byte("\r"))
}

// Position is the 1-based line and rune column of a byte offset, as yaml.v3
// counts them.
func (d *Doc) Position(off int) (line, col int) {
	line, _ = slices.BinarySearch(d.starts, off+1)
	return line, utf8.RuneCount(d.src[d.starts[line-1]:off]) + 1
}

// EOL is the file's line break: CRLF when its first line ends with one.
func (d *Doc) EOL() string {
	if i := bytes.IndexByte(d.src, '\n'); i > 0 && d.src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// ScalarSpan is the byte span of a single-line scalar's source text, quotes
// included.
func (d *Doc) ScalarSpan(n *yaml.Node) (start, end int, err error) {
	if n.Kind != yaml.ScalarNode {
		return 0, 0, fmt.Errorf("%w: not a scalar", ErrUnsupported)
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 0, 0, fmt.Errorf("%w: block scalar (| or >)", ErrUnsupported)
	}
	start, err = d.Offset(n.Line, n.Column)
	if err != nil {
		return 0, 0, err
	}
	start = skipProperties(d.src, start)
	lineEnd := len(d.src)
	if i := bytes.IndexByte(d.src[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	text := d.src[start:lineEnd]
	var want string
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		end := closingQuote(text)
		if end < 0 {
			return 0, 0, fmt.Errorf("%w: multi-line quoted scalar", ErrUnsupported)
		}
		var got string
		if yaml.Unmarshal(text[:end+1], &got) != nil || got != n.Value {
			return 0, 0, fmt.Errorf("%w: quoted scalar does not match its source", ErrUnsupported)
		}
		return start, start + end + 1, nil
	case n.Style&yaml.SingleQuotedStyle != 0:
		want = "'" + strings.ReplaceAll(n.Value, "'", "''") + "'"
	default:
		want = n.Value
	}
	if strings.ContainsAny(n.Value, "\r\n") || !bytes.HasPrefix(text, []byte(want)) {
		return 0, 0, fmt.Errorf("%w: multi-line scalar", ErrUnsupported)
	}
	return start, start + len(want), nil
}

// skipProperties steps over an anchor (&a) or tag (!!str) before a scalar.
func skipProperties(src []byte, i int) int {
	for i < len(src) && (src[i] == '&' || src[i] == '!') {
		for i < len(src) && src[i] != ' ' && src[i] != '\t' && src[i] != '\n' {
			i++
		}
		for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
			i++
		}
	}
	return i
}

func closingQuote(text []byte) int {
	for i := 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// Render writes value as a scalar in the given style. A plain scalar that
// would read back as something else (a number, a comment, a flow indicator
// inside a flow collection) is double-quoted instead.
func Render(value string, style yaml.Style, inFlow bool) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0 && !strings.ContainsAny(value, "\r\n"):
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case style&yaml.DoubleQuotedStyle != 0:
		return doubleQuote(value)
	case PlainSafe(value, inFlow):
		return value
	default:
		return doubleQuote(value)
	}
}

// PlainSafe reports whether value reads back unchanged as a plain scalar.
func PlainSafe(value string, inFlow bool) bool {
	if value == "" || value != strings.TrimSpace(value) || strings.ContainsAny(value, "\r\n\t") {
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(value[0])) {
		return false
	}
	if strings.Contains(value, ": ") || strings.Contains(value, " #") || strings.HasSuffix(value, ":") {
		return false
	}
	if inFlow && strings.ContainsAny(value, ",[]{}") {
		return false
	}
	var got any
	if err := yaml.Unmarshal([]byte("v: "+value), &got); err != nil {
		return false
	}
	s, ok := got.(map[string]any)["v"].(string)
	return ok && s == value
}

func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Edit replaces src[Start:End] with Text; Start == End inserts.
type Edit struct {
	Start, End int
	Text       string
}

// Apply splices non-overlapping edits into a copy of src.
func Apply(src []byte, edits []Edit) ([]byte, error) {
	edits = slices.Clone(edits)
	slices.SortFunc(edits, func(a, b Edit) int { return a.Start - b.Start })
	var out bytes.Buffer
	out.Grow(len(src) + 256)
	prev := 0
	for _, e := range edits {
		if e.Start < prev || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("edits overlap or fall outside the file at byte %d", e.Start)
		}
		out.Write(src[prev:e.Start])
		out.WriteString(e.Text)
		prev = e.End
	}
	out.Write(src[prev:])
	return out.Bytes(), nil
}

// InsertLines is the edit that adds lines (given without line breaks) after
// line, using the file's line break and keeping a missing final newline missing.
func (d *Doc) InsertLines(line int, lines []string) Edit {
	eol := d.EOL()
	at := d.LineEnd(line)
	body := strings.Join(lines, eol)
	if at == len(d.src) && (len(d.src) == 0 || d.src[len(d.src)-1] != '\n') {
		return Edit{Start: at, End: at, Text: eol + body}
	}
	return Edit{Start: at, End: at, Text: body + eol}
}
