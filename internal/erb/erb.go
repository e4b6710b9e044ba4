// Package erb reads the ERB tags in a Kamal config without executing Ruby.
//
// Mask replaces every tag with a placeholder of the same byte length, so a YAML
// parser run over the masked text reports positions that are valid in the
// original bytes. Expand later resolves the few tag forms people use for
// values (ENV lookups and string literals) from the environment.
package erb

import (
	"bytes"
	"fmt"
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
