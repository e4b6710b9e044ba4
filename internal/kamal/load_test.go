package kamal

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// require_destination is read as Kamal's YAML loader reads it, by Validate
// and by the check that runs with validate: false alike.
func TestRequireDestinationOneReader(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"true", "yes", "True", "on", `"no"`} {
		c, err := load(t, map[string]string{"config/deploy.yml": "image: a/b\nrequire_destination: " + value + "\n"}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if f := c.MissingDestination(); f == nil || f.Code != "kamal/require-destination" || f.Pos.Line != 2 {
			t.Errorf("require_destination: %s: MissingDestination() = %v", value, f)
		}
		if p := c.Validate().Problems; !slices.ContainsFunc(p, func(f *diag.Finding) bool { return f.Msg == "You must specify a destination" }) {
			t.Errorf("require_destination: %s: Validate() = %v", value, p)
		}
	}
	for _, value := range []string{"false", "no", "~"} {
		c, _ := load(t, map[string]string{"config/deploy.yml": "image: a/b\nrequire_destination: " + value + "\n"}, nil, "")
		if f := c.MissingDestination(); f != nil {
			t.Errorf("require_destination: %s: refused: %v", value, f)
		}
	}
}

// The findings come out in one order, run after run.
func TestFindingsDeterministic(t *testing.T) {
	t.Parallel()
	src := "<% if ENV.key?('A') && true %>\nimage: a/b:v1\nregistry:\n  server: r\nbuilder:\n  cache:\n    type: registry\n    options: mode=max\n<% end %>\n"
	var first string
	for i := range 50 {
		c, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, f := range c.Findings {
			fmt.Fprintln(&b, f.Code, f.Error())
		}
		if i == 0 {
			first = b.String()
			if strings.Count(first, "erb/in-block") != 4 {
				t.Fatalf("findings:\n%s", first)
			}
		} else if b.String() != first {
			t.Fatalf("load %d:\n%s\nfirst:\n%s", i, b.String(), first)
		}
	}
}

// Every finding made while loading and validating has a stable code.
func TestEveryFindingHasACode(t *testing.T) {
	t.Parallel()
	srcs := []string{
		"service: x\n",
		"image: ghcr.io/a/b:v1\nbuilder:\n  cache:\n    options: oci-mediatypes=false x\n",
		"image: a/b\nbuilder:\n  cache:\n    type: s3\naccessories:\n  db: 1\n  <%= ENV['NOPE'] %>:\n    image: x\nproxy:\n  run:\n    version: <%= ENV['V'] %>\n",
		"image: a/b\nbuilder:\n  cache: [x]\nservers:\n<%= hosts %>\n<%= File.read('x') %>\nenv:\n  clear:\n<%= more %>\n",
		"image: a/b\nbuilder:\n  cache:\n    type: <%= ENV['T'] %>\n",
		"service: a b\nimage: a/b\nservers: {web: []}\nretain_containers: 0\nminimum_version: 9.0\nhooks_output: loud\nbuilder: {arch: amd64, bogus: 1}\n" +
			"proxy: {ssl: true, run: {publish: false, http_port: 80}}\naccessories:\n  db: {image: x, role: nope, labels: {role: x}, options: {restart: 1}}\naliases:\n  deploy: x\n  BAD: y\n",
	}
	for _, src := range srcs {
		c, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		v := c.Validate()
		all := append(append([]*diag.Finding{}, c.Findings...), v.Problems...)
		if len(all) == 0 {
			t.Errorf("no findings for %q", src)
		}
		for _, f := range all {
			if f.Code == "" {
				t.Errorf("no code: %v", f)
			}
		}
	}
	for _, src := range []string{"a: [", "- a\n", "a: <%= x\n", "a: \"x\n", "a: \x00\n", "a: *x\n", "a: b\rc: d\r", "<%= x %>\n"} {
		_, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
		var f *diag.Finding
		if !errors.As(err, &f) || f.Code == "" {
			t.Errorf("load %q: %#v", src, err)
		}
	}
}

// Each position problem of a file is reported at its file and line, with a fix.
func TestPositions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, src, want, code string }{
		{"unclosed erb", "image: a/b\nservice: <%= ENV['X']\n", "config/deploy.yml:2: this ERB tag is never closed", "erb/unclosed"},
		{"CR line breaks", "image: a/b\rservice: x\r", "config/deploy.yml:1: the file breaks lines with a lone CR", "config/cr-line-breaks"},
		{"CR after CRLF lines", "image: a/b\r\nservice: x\rx: y\n", "config/deploy.yml:2: the file breaks lines with a lone CR", "config/cr-line-breaks"},
		{"unclosed quote over blank lines", "image: \"a/b\n\n\n\ny: 1\n", "config/deploy.yml:1:8: invalid YAML: this `\"` is never closed", "yaml/syntax"},
		{"unclosed single quote over blank lines", "image: a/b\nenv:\n  clear:\n    A: 'x\n\n\n    B: y\n", "config/deploy.yml:4:8: invalid YAML: this `'` is never closed", "yaml/syntax"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, map[string]string{"config/deploy.yml": tt.src}, nil, "")
			var f *diag.Finding
			if !errors.As(err, &f) || !strings.HasPrefix(f.Error(), tt.want) || f.Code != tt.code || f.Fix == "" {
				t.Errorf("err = %v (%#v)\nwant %s", err, f, tt.want)
			}
		})
	}
}

// A control tag inside a value is quoted as written, not as an output tag.
func TestControlTagQuotedAsWritten(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"config/deploy.yml": "image: a/b<% if x %>-c<% end %>\n"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Image.Err == nil || !strings.Contains(c.Image.Err.Error(), "config/deploy.yml:1: ERB <% if x %> is Ruby control flow inside a value; write the value literally") {
		t.Errorf("image error = %v", c.Image.Err)
	}
}

// An accessory named by ERB goes by the name it renders to, or is skipped
// with a notice; its placeholder is never seen.
func TestAccessoryNamedByERB(t *testing.T) {
	t.Parallel()
	src := "image: a/b\naccessories:\n  <%= ENV['ACC'] %>:\n    image: redis:7\n    host: 1.2.3.4\n  db:\n    image: mysql:8\n    host: 1.2.3.4\n"
	c, err := load(t, map[string]string{"config/deploy.yml": src}, map[string]string{"ACC": "cache"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Accessories) != 2 || c.Accessories[0].Name != "cache" || c.Accessories[0].Ref() != "redis:7" {
		t.Errorf("accessories %+v", c.Accessories)
	}
	c, err = load(t, map[string]string{"config/deploy.yml": src}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Accessories) != 1 || c.Accessories[0].Name != "db" {
		t.Errorf("accessories %+v", c.Accessories)
	}
	got := wantFindings(t, c, []string{"notice config/deploy.yml:3:3: accessory <%= ENV['ACC'] %> is skipped: its name is computed by ERB"})
	if strings.Contains(strings.Join(got, "\n"), "ERB0") {
		t.Errorf("a placeholder leaked: %q", got)
	}
}

// A file over the limits is refused at line 1, before it is parsed, with the number.
func TestBounds(t *testing.T) {
	t.Parallel()
	flow := func(n int) string { return "image: a/b\nx: [" + strings.Repeat("a,", n) + "a]\n" }
	for _, tt := range []struct{ name, src, want, code string }{
		{"too large", "image: a/b\nx: \"" + strings.Repeat("a", MaxFileSize) + "\"\n", fmt.Sprintf("config/deploy.yml:1: the file is %d bytes, more than the 1048576 (1 MiB)", MaxFileSize+17), "config/too-large"},
		{"too many values", flow(MaxNodes), fmt.Sprintf("config/deploy.yml:1: the file has about %d YAML values, more than the 200000", MaxNodes+5), "config/too-many-nodes"},
		{"merges that copy too much", mergeBomb(), "config/deploy.yml:1: the merge keys (<<) here copy more than", "config/too-many-nodes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, map[string]string{"config/deploy.yml": tt.src}, nil, "")
			var f *diag.Finding
			if !errors.As(err, &f) || !strings.HasPrefix(f.Error(), tt.want) || f.Code != tt.code {
				t.Errorf("err = %.300v\nwant %s", err, tt.want)
			}
		})
	}
	if _, err := load(t, map[string]string{"config/deploy.yml": flow(MaxNodes / 2), "config/deploy.qa.yml": flow(MaxNodes / 2)}, nil, "qa"); err != nil {
		t.Errorf("a base and destination within the limits: %.300v", err)
	}
}

// mergeBomb is a small file whose merge keys copy one big mapping into
// many others.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("image: a/b\nx-big: &big\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  k%d: 1\n", i)
	}
	for i := range 2000 {
		fmt.Fprintf(&b, "x-%d: {<<: *big}\n", i)
	}
	return b.String()
}
