package kamal

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/yamledit"
)

// yaml.v3 reports a syntax error at the line of its context (often the line
// before the problem, 0-based for parser errors) and never with a column.
// syntaxError finds the offending character itself and says what is wrong
// there in a Kamal user's words.

var (
	yamlLine      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

func syntaxError(path string, src []byte, err error) *diag.Finding {
	doc := yamledit.NewDoc(src)
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	hint := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		hint, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	p := diag.Pos{File: path}
	switch {
	case strings.Contains(msg, "control characters are not allowed"), strings.Contains(msg, "UTF-8"):
		p.Line, p.Col = badCharacter(src, doc)
		return diag.Errorf(p, "yaml/bad-character", "remove it, or save the file as UTF-8 text", "invalid YAML: this character is not allowed in a YAML file")
	case unknownAnchor.MatchString(err.Error()):
		name := unknownAnchor.FindStringSubmatch(err.Error())[1]
		if i := bytes.Index(src, []byte("*"+name)); i >= 0 {
			p.Line, p.Col = doc.Position(i)
		}
		return diag.Errorf(p, "yaml/unknown-anchor", fmt.Sprintf("define &%s before this line, or fix the name", name), "invalid YAML: the alias *%s names no anchor defined above it", name)
	}
	p.Line = failingLine(src, doc, msg, hint)
	if open, ok := flowOpeners[msg]; ok {
		p.Line = openerLine(doc, p.Line, open)
	}
	line := doc.Line(p.Line)
	if strings.Contains(msg, "found unexpected end of stream") && unclosedQuote(line) < 0 {
		if at := openQuoteAtEnd(src); at >= 0 { // yaml.v3 counts lines off after blank lines in a quoted value
			p.Line, _ = doc.Position(at)
			line = doc.Line(p.Line)
		}
	}
	col, what, fix := describe(msg, line)
	p.Col = col
	return diag.Errorf(p, "yaml/syntax", fix, "invalid YAML: %s", what)
}

// failingLine is the first line whose prefix of the file fails with msg:
// yaml.v3's line is the problem's or its context's, 0- or 1-based, so the
// candidates are few and each costs one parse of a prefix.
func failingLine(src []byte, doc *yamledit.Doc, msg string, hint int) int {
	for _, l := range []int{hint, hint + 1, hint + 2} {
		if l < 1 || l > lineCount(src) {
			continue
		}
		if failsWith(src[:doc.LineEnd(l)], msg) && !failsWith(src[:doc.LineEnd(l-1)], msg) {
			return l
		}
	}
	return max(hint, 1)
}

func failsWith(src []byte, msg string) bool {
	var n yaml.Node
	err := yaml.Unmarshal(src, &n)
	return err != nil && strings.HasSuffix(err.Error(), msg)
}

// flowOpeners are the brackets whose missing close yaml.v3 reports where
// the collection ends, not where it opens.
var flowOpeners = map[string]byte{
	"did not find expected ',' or '}'": '{',
	"did not find expected ',' or ']'": '[',
}

// openerLine walks back from the line where an unclosed flow collection was
// noticed to the line that opens it.
func openerLine(doc *yamledit.Doc, from int, open byte) int {
	close := map[byte]byte{'{': '}', '[': ']'}[open]
	for l := from; l >= 1 && l > from-1000; l-- {
		if _, left := unclosed(doc.Line(l), open, close); left {
			return l
		}
	}
	return from
}

// describe gives the column of the culprit on its line (0 when unknown),
// what is wrong, and the fix.
func describe(msg string, line []byte) (col int, what, fix string) {
	indent := len(line) - len(bytes.TrimLeft(line, " \t"))
	switch {
	case strings.Contains(msg, "tab character"),
		strings.Contains(msg, "cannot start any token") && bytes.IndexByte(line[:indent], '\t') >= 0:
		return column(line, bytes.IndexByte(line, '\t')), "a tab is not allowed for indentation", "indent with spaces"
	case strings.Contains(msg, "cannot start any token"):
		i := bytes.IndexAny(line[indent:], "@`")
		if i < 0 {
			return 0, "a character here cannot start a value", "quote the value"
		}
		c := line[indent+i]
		return column(line, indent+i), fmt.Sprintf("a value cannot start with %s", quoteChar(c)), "quote the value"
	case strings.Contains(msg, "expected ',' or '}'"):
		i, _ := unclosed(line, '{', '}')
		return column(line, i), "this `{` is never closed", "close it with `}`, or quote the value if it is text"
	case strings.Contains(msg, "expected ',' or ']'"):
		i, _ := unclosed(line, '[', ']')
		return column(line, i), "this `[` is never closed", "close it with `]`, or quote the value if it is text"
	case strings.Contains(msg, "found unexpected end of stream"):
		i := unclosedQuote(line)
		if i < 0 {
			return 0, "the file ends inside a value", "close the value that is still open"
		}
		return column(line, i), fmt.Sprintf("this %s is never closed", quoteChar(line[i])), fmt.Sprintf("end the value with %s", quoteChar(line[i]))
	case strings.Contains(msg, "mapping values are not allowed"):
		return column(line, lastKeyColon(line)), "a `: ` here would start a key inside a value", "quote the whole value, or indent the key under its parent"
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected node content"):
		return indent + 1, "this line does not fit the structure above it", "line up its indentation with the keys it belongs with"
	case strings.Contains(msg, "block sequence entries are not allowed"):
		return indent + 1, "a `- ` list item where a key was expected", "indent the list under its key"
	case strings.Contains(msg, "could not find expected ':'"):
		return indent + 1, "a key without `:`", "add `: ` after the key, or join the line to the value above it"
	}
	return indent + 1, msg, "fix the YAML syntax"
}

func quoteChar(c byte) string {
	if c == '`' {
		return "`` ` ``"
	}
	return "`" + string(c) + "`"
}

// unclosed is the byte offset of the last open bracket the line leaves open
// (the line's first bracket when every one closes, -1 without any).
func unclosed(line []byte, open, close byte) (off int, left bool) {
	var stack []int
	first := -1
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"' || c == '\'':
			if j := bytes.IndexByte(line[i+1:], c); j >= 0 {
				i += j + 1
			}
		case c == open:
			stack = append(stack, i)
			if first < 0 {
				first = i
			}
		case c == close && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return stack[len(stack)-1], true
	}
	return first, false
}

// unclosedQuote is the offset of a quote that starts a value and does not end
// on its line, or -1.
func unclosedQuote(line []byte) int {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '"' && c != '\'' || i > 0 && !bytes.ContainsRune([]byte(" \t:[{,-"), rune(line[i-1])) {
			continue
		}
		j := i + 1
		for j < len(line) {
			if c == '"' && line[j] == '\\' {
				j += 2
				continue
			}
			if line[j] == c {
				if c == '\'' && j+1 < len(line) && line[j+1] == '\'' { // '' is an escaped quote
					j += 2
					continue
				}
				break
			}
			j++
		}
		if j >= len(line) {
			return i
		}
		i = j
	}
	return -1
}

// lastKeyColon is the last ": " (or ":" at the end) outside quotes.
func lastKeyColon(line []byte) int {
	line = bytes.TrimRight(line, "\r\n")
	last := -1
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"' || c == '\'':
			if j := bytes.IndexByte(line[i+1:], c); j >= 0 {
				i += j + 1
			}
		case c == '#' && (i == 0 || line[i-1] == ' '):
			return last
		case c == ':' && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t'):
			last = i
		}
	}
	return last
}

// badCharacter is the line and column of the first byte YAML refuses: a
// control character or invalid UTF-8.
func badCharacter(src []byte, doc *yamledit.Doc) (line, col int) {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		bad := r == utf8.RuneError && size <= 1 ||
			r < 0x20 && r != '\t' && r != '\n' && r != '\r' ||
			r >= 0x7f && r <= 0x9f && r != 0x85 || r == 0xfffe || r == 0xffff
		if bad {
			return doc.Position(i)
		}
		i += size
	}
	return 0, 0
}

// openQuoteAtEnd is the offset of the quote that opens a value and is still
// open at the end of src, or -1: a quote opens a value where a value starts
// (after ": ", "- ", a flow bracket or comma, or at a line's start) outside
// comments and other quoted text.
func openQuoteAtEnd(src []byte) int {
	open := -1
	start := true // a value may start here
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case open >= 0:
			switch {
			case c == '\\' && src[open] == '"':
				i++
			case c == src[open] && src[open] == '\'' && i+1 < len(src) && src[i+1] == '\'':
				i++
			case c == src[open]:
				open, start = -1, false
			}
		case c == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			start = true
		case c == '\n' || c == '[' || c == '{' || c == ',':
			start = true
		case c == ':' || c == '-' || c == '?':
			start = i+1 < len(src) && (src[i+1] == ' ' || src[i+1] == '\t' || src[i+1] == '\n')
		case c == ' ' || c == '\t' || c == '\r':
		case (c == '"' || c == '\'') && start:
			open = i
		default:
			start = false
		}
	}
	return open
}

// column is the 1-based rune column of a byte offset in a line, 0 for none.
func column(line []byte, off int) int {
	if off < 0 {
		return 0
	}
	return utf8.RuneCount(line[:off]) + 1
}

func lineCount(src []byte) int {
	n := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}
