package yamledit

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestOffsetCountsRunes(t *testing.T) {
	src := []byte("a: é→x\nb: 1\n")
	d := NewDoc(src)
	off, err := d.Offset(1, 6) // 'x' is the 6th rune, the 8th byte
	if err != nil || src[off] != 'x' {
		t.Fatalf("offset %d, %v", off, err)
	}
	if _, err := d.Offset(3, 5); err == nil {
		t.Error("accepted a position past the end")
	}
}

func TestScalarSpan(t *testing.T) {
	for _, tt := range []struct {
		src, want string
		ok        bool
	}{
		{"k: plain value # c\n", "plain value", true},
		{"k: 'it''s' # c\n", "'it''s'", true},
		{`k: "a\"b" # c` + "\n", `"a\"b"`, true},
		{"k: &anc value\n", "value", true},
		{"k: !!str 12\n", "12", true},
		{"k: {a: 1, v: x}\n", "", false},
		{"k: |\n  block\n", "", false},
		{"k: a\n  b\n", "", false},
		{"k: \"a\n  b\"\n", "", false},
		{"k: é — ü\n", "é — ü", true},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tt.src), &doc); err != nil {
			t.Fatal(err)
		}
		n := doc.Content[0].Content[1]
		start, end, err := NewDoc([]byte(tt.src)).ScalarSpan(n)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err = %v", tt.src, err)
			continue
		}
		if tt.ok && tt.src[start:end] != tt.want {
			t.Errorf("%q: span %q, want %q", tt.src, tt.src[start:end], tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	for _, tt := range []struct {
		v      string
		style  yaml.Style
		inFlow bool
		want   string
	}{
		{"mode=max,image-manifest=true", 0, false, "mode=max,image-manifest=true"},
		{"mode=max,image-manifest=true", 0, true, `"mode=max,image-manifest=true"`},
		{"a: b", 0, false, `"a: b"`},
		{"true", 0, false, `"true"`},
		{"123", 0, false, `"123"`},
		{"#x", 0, false, `"#x"`},
		{"it's", yaml.SingleQuotedStyle, false, "'it''s'"},
		{`a"b\c`, yaml.DoubleQuotedStyle, false, `"a\"b\\c"`},
		{"host:5000/img:1", 0, false, "host:5000/img:1"},
	} {
		if got := Render(tt.v, tt.style, tt.inFlow); got != tt.want {
			t.Errorf("Render(%q) = %s, want %s", tt.v, got, tt.want)
		}
		var back map[string]string
		if err := yaml.Unmarshal([]byte("k: "+Render(tt.v, tt.style, false)), &back); err != nil || back["k"] != tt.v {
			t.Errorf("Render(%q) reads back as %q, %v", tt.v, back["k"], err)
		}
	}
}

func TestInsertLinesKeepsLineEndings(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"a:\n  b: 1\nc: 2\n", "a:\n  b: 1\n  x: y\nc: 2\n"},
		{"a:\r\n  b: 1\r\nc: 2\r\n", "a:\r\n  b: 1\r\n  x: y\r\nc: 2\r\n"},
		{"a:\n  b: 1", "a:\n  b: 1\n  x: y"},
	} {
		d := NewDoc([]byte(tt.src))
		out, err := Apply([]byte(tt.src), []Edit{d.InsertLines(2, []string{"  x: y"})})
		if err != nil || string(out) != tt.want {
			t.Errorf("insert into %q = %q, %v", tt.src, out, err)
		}
	}
}

func TestApplyRejectsOverlap(t *testing.T) {
	if _, err := Apply([]byte("abcdef"), []Edit{{1, 3, "x"}, {2, 4, "y"}}); err == nil {
		t.Error("overlapping edits accepted")
	}
}
