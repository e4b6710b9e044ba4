package erb

import (
	"fmt"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestMaskKeepsOffsets(t *testing.T) {
	src := "image: <%= ENV[\"IMAGE\"] %>\n<% if ENV['CI'] -%>\nssh:\n  user: ci\n<% end -%>\npassword: <%= %x(aws ecr get-login-password) %>\nliteral: <%% not a tag\n# <%# comment %>\n"
	tm, err := Mask([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Masked) != len(src) {
		t.Fatalf("masked length %d, source %d", len(tm.Masked), len(src))
	}
	for i := range src { // every byte outside a tag is unchanged
		inTag := false
		for _, tag := range tm.Tags {
			inTag = inTag || (tag.Start <= i && i < tag.End)
		}
		if !inTag && src[i] != tm.Masked[i] {
			t.Fatalf("byte %d changed outside a tag", i)
		}
	}
	if len(tm.Tags) != 5 {
		t.Fatalf("found %d tags, want 5: %+v", len(tm.Tags), tm.Tags)
	}
	lines := strings.Split(string(tm.Masked), "\n")
	if strings.TrimSpace(lines[1]) != "" || strings.TrimSpace(lines[4]) != "" {
		t.Errorf("standalone control tags not blanked: %q %q", lines[1], lines[4])
	}
	if tm.Block(strings.Index(src, "user: ci")) != 2 || tm.Block(0) != 0 {
		t.Errorf("Block: %d %d", tm.Block(strings.Index(src, "user: ci")), tm.Block(0))
	}
}

func TestExpandDropsInlineComments(t *testing.T) {
	tm, _ := Mask([]byte("image: acme/app <%# the app %>\n"), nil)
	got, err := tm.Expand(strings.TrimPrefix(string(tm.Masked), "image: "), env(nil))
	if err != nil || got != "acme/app" {
		t.Errorf("Expand = %q, %v", got, err)
	}
}

func TestMaskUnclosed(t *testing.T) {
	if _, err := Mask([]byte("a: 1\nb: <%= ENV['X']\n"), nil); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v", err)
	}
}

func TestEval(t *testing.T) {
	e := env(map[string]string{"X": "x-value", "KAMAL_DESTINATION": "staging"})
	for _, tt := range []struct {
		code, want string
		ok         bool
	}{
		{`ENV["X"]`, "x-value", true},
		{`ENV['X']`, "x-value", true},
		{`ENV.fetch("X")`, "x-value", true},
		{`ENV.fetch('Y', 'dflt')`, "dflt", true},
		{`ENV.fetch("Y", "a.b/c:1")`, "a.b/c:1", true},
		{`ENV.fetch("Y", 22)`, "22", true},
		{`ENV.fetch("X", "dflt")`, "x-value", true},
		{`ENV.fetch('X') { raise 'IMAGE env required' }`, "x-value", true},
		{`ENV.fetch('Y') { raise 'IMAGE env required' }`, "", false},
		{`"literal"`, "literal", true},
		{`'literal'`, "literal", true},
		{`ENV["Y"]`, "", false},
		{`ENV.fetch("Y")`, "", false},
		{`ENV.fetch("Y", nil)`, "", false},
		{`"#{ENV['X']}"`, "", false},
		{`%x(aws ecr get-login-password)`, "", false},
		{"`whoami`", "", false},
		{`File.read(".ruby-version").strip`, "", false},
		{`ENV["X"].upcase`, "", false},
	} {
		got, err := Eval(tt.code, e)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Eval(%s) = %q, %v", tt.code, got, err)
		}
	}
}

func TestExpand(t *testing.T) {
	src := `server: <%= ENV["ACCOUNT"] %>.dkr.ecr.<%= ENV.fetch("REGION", "us-east-1") %>.amazonaws.com`
	tm, _ := Mask([]byte(src), nil)
	value := strings.TrimPrefix(string(tm.Masked), "server: ")
	if !tm.Contains(value) || tm.Contains("plain") {
		t.Fatal("Contains is wrong")
	}
	got, err := tm.Expand(value, env(map[string]string{"ACCOUNT": "123456789012"}))
	if err != nil || got != "123456789012.dkr.ecr.us-east-1.amazonaws.com" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	_, err = tm.Expand(value, env(nil))
	if ue, ok := err.(*UnresolvedError); !ok || ue.Line != 1 || !strings.Contains(ue.Error(), "ACCOUNT") {
		t.Errorf("err = %v", err)
	}
}

// Tokens are found by scanning the value, for any number of tags, and text
// that only looks like a token is left alone.
func TestExpandManyTags(t *testing.T) {
	var src strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&src, "k%d: <%%= ENV['V%d'] %%>\n", i, i%3)
	}
	src.WriteString("last: a-<%= ENV['V1'] %>-<%= \"lit\" %>-ERB1_ ERBzz_\n")
	tm, err := Mask([]byte(src.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(tm.Masked), "\n")
	value := strings.TrimPrefix(lines[2000], "last: ")
	got, err := tm.Expand(value, env(map[string]string{"V1": "one"}))
	if err != nil || got != "a-one-lit-ERB1_ ERBzz_" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if !tm.Contains(strings.TrimPrefix(lines[1999], "k1999: ")) || tm.Contains("ERB1_ plain") {
		t.Error("Contains is wrong")
	}
}

func TestEvalCondition(t *testing.T) {
	e := env(map[string]string{"SET": "yes", "V": "16"})
	for _, tt := range []struct {
		cond         string
		value, known bool
	}{
		{`ENV["SET"]`, true, true},
		{`ENV['UNSET']`, false, true},
		{`ENV["SET"].present?`, true, true},
		{`ENV["UNSET"].to_s != ""`, false, true},
		{`ENV.fetch("SET", "") != ""`, true, true},
		{`ENV["UNSET"].nil?`, true, true},
		{`ENV["SET"].blank?`, false, true},
		{`!ENV["SET"]`, false, true},
		{`ENV["V"] == "16"`, true, true},
		{`ENV['V'] != '16'`, false, true},
		{`ENV.key?("SET")`, true, true},
		{`ENV["SET"] then`, true, true},
		{`File.exist?("x")`, false, false},
		{`ENV["A"] && ENV["B"]`, false, false},
		{`defined?(Rails)`, false, false},
	} {
		v, known := evalCondition(tt.cond, e)
		if v != tt.value || known != tt.known {
			t.Errorf("evalCondition(%s) = %v, %v", tt.cond, v, known)
		}
	}
}

// A block whose condition is other Ruby keeps both branches and is reported.
func TestUndecidedBlocksStay(t *testing.T) {
	src := "a: 1\n<% if File.exist?('x') %>\nb: 2\n<% else %>\nb: 3\n<% end %>\n"
	tm, err := Mask([]byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tm.Masked), "b: 2") || !strings.Contains(string(tm.Masked), "b: 3") || tm.Block(strings.Index(src, "b: 2")) != 2 {
		t.Errorf("masked %q", tm.Masked)
	}
}

// Nested blocks decided from the environment keep exactly the branches Ruby
// renders, whatever the nesting, and the tags in removed branches no longer
// count as values.
func TestNestedBlocksDecided(t *testing.T) {
	src := "a: 1\n" +
		"<% if ENV['A'] %>\n" +
		"b: <%= ENV['B'] %>\n" +
		"<% if ENV['C'] %>\n" +
		"c: 1\n" +
		"<% else %>\n" +
		"c: 2\n" +
		"<% end %>\n" +
		"<% if File.exist?('x') %>\n" +
		"d: 1\n" +
		"<% end %>\n" +
		"<% else %>\n" +
		"e: <%= ENV['E'] %>\n" +
		"<% end %>\n" +
		"f: 1\n"
	for _, tt := range []struct {
		env        map[string]string
		keep, gone []string
		blockOfD   int
	}{
		{map[string]string{"A": "1", "C": "1"}, []string{"a: 1", "b: ERB", "c: 1", "d: 1", "f: 1"}, []string{"c: 2", "e:"}, 9},
		{map[string]string{"A": "1"}, []string{"b: ERB", "c: 2", "d: 1"}, []string{"c: 1", "e:"}, 9},
		{map[string]string{"C": "1"}, []string{"a: 1", "e: ERB", "f: 1"}, []string{"b:", "c: 1", "c: 2", "d: 1"}, 0},
	} {
		tm, err := Mask([]byte(src), env(tt.env))
		if err != nil {
			t.Fatal(err)
		}
		masked := string(tm.Masked)
		if len(masked) != len(src) || strings.Count(masked, "\n") != strings.Count(src, "\n") {
			t.Fatalf("%v: offsets moved: %q", tt.env, masked)
		}
		for _, k := range tt.keep {
			if !strings.Contains(masked, k) {
				t.Errorf("%v: %q is gone from %q", tt.env, k, masked)
			}
		}
		for _, g := range tt.gone {
			if strings.Contains(masked, g) {
				t.Errorf("%v: %q stays in %q", tt.env, g, masked)
			}
		}
		for _, tag := range tm.Tags {
			if tag.Masked && strings.TrimSpace(string(tm.Masked[tag.Start:tag.End])) == "" {
				t.Errorf("%v: tag at line %d is blank but still masked", tt.env, tag.Line)
			}
		}
		if got := tm.Block(strings.Index(src, "d: 1")); tt.blockOfD != 0 && got != tt.blockOfD {
			t.Errorf("%v: Block(d) = %d, want %d", tt.env, got, tt.blockOfD)
		}
	}
}

// Block names the innermost undecided block, and 0 between and after blocks.
func TestBlockInnermost(t *testing.T) {
	src := "<% if a %>\nx: 1\n<% if b %>\ny: 1\n<% end %>\nz: 1\n<% end %>\nw: 1\n<% items.each do |i| %>\nv: 1\n"
	tm, err := Mask([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"x: 1": 1, "y: 1": 3, "z: 1": 1, "w: 1": 0, "v: 1": 9} {
		if got := tm.Block(strings.Index(src, key)); got != want {
			t.Errorf("Block(%s) = %d, want %d", key, got, want)
		}
	}
}

// A very long line of tags is masked tag by tag, each keeping its place.
func TestMaskOneLongLine(t *testing.T) {
	src := "hosts: [" + strings.Repeat("<%= ENV['H'] %>, ", 3) + "x]\n<%= hosts %>\n  <% if a %>  \n"
	tm, err := Mask([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var structure, masked int
	for _, tag := range tm.Tags {
		if tag.Structure {
			structure++
		}
		if tag.Masked {
			masked++
		}
	}
	if structure != 1 || masked != 3 {
		t.Errorf("structure %d, masked %d: %+v", structure, masked, tm.Tags)
	}
}
