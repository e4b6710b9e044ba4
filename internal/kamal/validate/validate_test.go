package validate

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/erb"
)

func TestOneEdit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"hst", "host", true}, {"hostt", "host", true}, {"hsot", "host", true}, {"hose", "host", true},
		{"host", "host", false}, {"hs", "host", false}, {"tsoh", "host", false}, {"intervall", "interval", true}, {"", "a", true},
	} {
		if got := oneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("oneEdit(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

// Plain scalars are typed as Psych types them (YAML 1.1).
func TestPlainKind(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]vkind{
		"": vNull, "~": vNull, "null": vNull, "NULL": vNull, "nULL": vStr,
		"yes": vBool, "No": vBool, "ON": vBool, "off": vBool, "y": vStr, "yess": vStr,
		"3": vInt, "0x1F": vInt, "1_000": vInt, "3.5": vFloat, ".inf": vFloat, "2024-01-01": vDate,
		"amd64": vStr, "a/b": vStr, "1.2.3.4": vStr, "-x": vStr,
	} {
		if got := plainKind(s); got != want {
			t.Errorf("plainKind(%q) = %v, want %v", s, got, want)
		}
	}
}

// Build then Check, on a file with no ERB.
func TestCheckDirect(t *testing.T) {
	t.Parallel()
	src := "service: s\nimage: a/b\nservers: [1.2.3.4]\nregistry: {server: r, username: u, password: [P]}\nbuilder: {arch: amd64, cach: {}}\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	tmpl, _ := erb.Mask([]byte(src), nil)
	root, err := Build([]Source{{Path: "deploy.yml", Root: doc.Content[0], Template: tmpl}}, Options{MaxCopies: 100})
	if err != nil {
		t.Fatal(err)
	}
	v := Check(root, Input{File: "deploy.yml"})
	if len(v.Problems) != 1 || !strings.HasPrefix(v.Problems[0].Error(), "deploy.yml:5:24: builder: unknown key: cach; did you mean `cache`?") || v.Problems[0].Code != "kamal/unknown-key" {
		t.Errorf("problems %v", v.Problems)
	}
}

func TestListed(t *testing.T) {
	t.Parallel()
	names := make([]string, 25)
	for i := range names {
		names[i] = "k"
	}
	if got := listed(names); !strings.HasSuffix(got, "k and 5 more") || strings.Count(got, "k") != 20 {
		t.Errorf("listed = %q", got)
	}
}
