package kamal

import (
	"strings"
	"testing"
)

// Each syntax error is reported at the offending character, in words a Kamal
// user understands; yaml.v3 alone puts most of these a line early.
func TestSyntaxErrorPosition(t *testing.T) {
	head := "service: app\nimage: acme/app\nregistry:\n  server: r\nenv:\n  clear:\n"
	for _, tt := range []struct{ name, src, want string }{
		{"tab indent", head + "\tA: 1\n", "config/deploy.yml:7:1: invalid YAML: a tab is not allowed for indentation; indent with spaces"},
		{"tab in list", "image: a/b\nservers:\n\t- x\n", "config/deploy.yml:3:1: invalid YAML: a tab is not allowed for indentation"},
		{"tab in block scalar", "image: a/b\nx: |\n  a\n\tb\n", "config/deploy.yml:4:1: invalid YAML: a tab is not allowed for indentation"},
		{"unclosed brace", head + "    A: {x: 1, y: 2\nbuilder:\n  arch: amd64\n", "config/deploy.yml:7:8: invalid YAML: this `{` is never closed"},
		{"unclosed brace over lines", head + "    A: {x: 1,\n      y: 2\nbuilder:\n  arch: amd64\n", "config/deploy.yml:7:8: invalid YAML: this `{` is never closed"},
		{"unclosed bracket", "image: a/b\nbuilder:\n  arch: [amd64\n", "config/deploy.yml:3:9: invalid YAML: this `[` is never closed"},
		{"unclosed quote", "image: a/b\nservice: \"app\nbuilder:\n  arch: amd64\n", "config/deploy.yml:2:10: invalid YAML: this `\"` is never closed"},
		{"colon in value", "image: a/b\nservice: a: b\n", "config/deploy.yml:2:11: invalid YAML: a `: ` here would start a key inside a value"},
		{"bad indent", "image: a/b\nbuilder:\n  arch: amd64\n cache: x\n", "config/deploy.yml:4:2: invalid YAML: this line does not fit the structure above it"},
		{"backtick", "image: a/b\nservice: `x`\n", "config/deploy.yml:2:10: invalid YAML: a value cannot start with `` ` ``; quote the value"},
		{"NUL byte", "image: a/b\nenv:\n  X: a\x00b\n", "config/deploy.yml:3:7: invalid YAML: this character is not allowed in a YAML file"},
		{"invalid UTF-8", "image: a/b\nx: \xff\n", "config/deploy.yml:2:4: invalid YAML: this character is not allowed"},
		{"unknown alias", "image: a/b\nx:\n  y: *nope\n", "config/deploy.yml:3:6: invalid YAML: the alias *nope names no anchor defined above it; define &nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, map[string]string{"config/deploy.yml": tt.src}, nil, "")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// A quoted string that runs over lines looking like top-level keys is one
// value: there is no builder here, whatever the lines inside it say.
func TestMultiLineStringIsNotAKey(t *testing.T) {
	src := `service: s
image: acme/diffp
registry:
  server: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
env:
  clear:
    NOTE: "first line
builder:
  cache:
    type: registry
    options: mode=max
x: end"
`
	c, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Cache.Present || len(c.builder) != 0 {
		t.Errorf("found a builder cache at %v inside a string", c.Cache.Pos)
	}
	e, err := c.PlanCache(CacheRequest{Patch: true})
	if err != nil || e != nil {
		t.Errorf("planned edit %+v, err %v", e, err)
	}
}

// Errors in sections the action does not read still stop it, as they stop Kamal.
func TestSyntaxErrorInUnreadSection(t *testing.T) {
	base := "service: s\nimage: a/b\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n"
	for name, extra := range map[string]string{
		"NUL":           "env:\n  clear:\n    X: \"\x00\"\n",
		"deep nesting":  "ssh:\n  x: " + strings.Repeat("[", 100000) + "\n",
		"unclosed flow": "servers:\n  web: [1.2.3.4\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, map[string]string{"config/deploy.yml": base + extra}, nil, "")
			if err == nil || !strings.Contains(err.Error(), "invalid YAML") {
				t.Errorf("err = %v", err)
			}
		})
	}
}
