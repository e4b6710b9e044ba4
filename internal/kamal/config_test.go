package kamal

import (
	"errors"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"io/fs"
	"strings"
	"testing"
)

func load(t *testing.T, files map[string]string, env map[string]string, dest string) (*Config, error) {
	t.Helper()
	read := func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	return Load(read, func(k string) string { return env[k] }, "config/deploy.yml", dest)
}

func TestDestinationDeepMerge(t *testing.T) {
	files := map[string]string{
		"config/deploy.yml": `service: app
image: acme/app
registry:
  server: 111111111111.dkr.ecr.us-east-1.amazonaws.com
builder:
  arch: amd64
  cache:
    type: registry
    options: mode=max
accessories:
  db:
    image: mysql:8
  cache:
    image: redis:7
`,
		"config/deploy.staging.yml": `image: acme/app-staging
builder:
  cache:
    image: acme/staging-cache
accessories:
  db:
    image: mysql:8.4
    registry:
      server: 222222222222.dkr.ecr.eu-west-1.amazonaws.com
  search:
    image: <%= ENV.fetch("SEARCH_IMAGE", "opensearchproject/opensearch:2") %>
`,
	}
	c, err := load(t, files, nil, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if c.Image.Text != "acme/app-staging" || c.Image.Pos.File != "config/deploy.staging.yml" || c.Image.Pos.Line != 1 {
		t.Errorf("image = %q at %v", c.Image.Text, c.Image.Pos)
	}
	if c.Cache.Options.Text != "mode=max" || c.Cache.Options.Pos.File != "config/deploy.yml" || c.CacheImage() != "acme/staging-cache" {
		t.Errorf("cache options %q at %v, image %q", c.Cache.Options.Text, c.Cache.Options.Pos, c.CacheImage())
	}
	got := map[string]string{}
	for _, a := range c.Accessories {
		got[a.Name] = a.Ref()
	}
	want := map[string]string{"db": "222222222222.dkr.ecr.eu-west-1.amazonaws.com/mysql:8.4", "cache": "redis:7", "search": "opensearchproject/opensearch:2"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("accessory %s = %q, want %q", k, got[k], v)
		}
	}
	if names := []string{c.Accessories[0].Name, c.Accessories[1].Name, c.Accessories[2].Name}; strings.Join(names, ",") != "db,cache,search" {
		t.Errorf("accessory order %v", names)
	}
}

func TestDestinationReplacesScalarsAndLists(t *testing.T) {
	files := map[string]string{
		"config/deploy.yml":      "service: app\nimage: acme/app\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n",
		"config/deploy.prod.yml": "builder:\n  cache:\n",
	}
	c, err := load(t, files, nil, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if c.Cache.Present || c.CacheType() != "" {
		t.Errorf("a null cache in the destination must replace the base cache: %+v", c.Cache)
	}
}

func TestERBValues(t *testing.T) {
	files := map[string]string{"config/deploy.yml": `service: <%= ENV.fetch("SERVICE", "app") %>
image: <%= ENV["IMAGE"] %>
registry:
  server: <%= ENV['ACCOUNT'] %>.dkr.ecr.<%= ENV.fetch('REGION') %>.amazonaws.com
  password: <%= %x(aws ecr get-login-password) %>
builder:
  arch: amd64
  cache:
    type: registry
    image: <%= "acme/" + "cache" %>
env:
  clear:
    DEST: <%= ENV["KAMAL_DESTINATION"] %>
`}
	c, err := load(t, files, map[string]string{"IMAGE": "acme/app", "ACCOUNT": "123456789012", "REGION": "us-east-2"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Service.Text != "app" || c.Image.Text != "acme/app" || c.Server.Text != "123456789012.dkr.ecr.us-east-2.amazonaws.com" {
		t.Errorf("service %q image %q server %q", c.Service.Text, c.Image.Text, c.Server.Text)
	}
	var f *diag.Finding
	if !errors.As(c.Cache.Image.Err, &f) || f.Pos.Line != 10 || !strings.Contains(f.Msg, "does not run") {
		t.Errorf("cache image err = %v", c.Cache.Image.Err)
	}
	c, _ = load(t, files, nil, "")
	if !errors.As(c.Server.Err, &f) || f.Pos.File != "config/deploy.yml" || f.Pos.Line != 4 || !strings.Contains(f.Msg, "ACCOUNT") {
		t.Errorf("server err = %v", c.Server.Err)
	}
}

func TestKamalDestinationVisibleToERB(t *testing.T) {
	files := map[string]string{
		"config/deploy.yml":    "service: app\nimage: acme/app-<%= ENV['KAMAL_DESTINATION'] %>\n",
		"config/deploy.qa.yml": "servers: [1.1.1.1]\n",
	}
	c, err := load(t, files, nil, "qa")
	if err != nil || c.Image.Text != "acme/app-qa" {
		t.Fatalf("image %q, %v", c.Image.Text, err)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		dest  string
		want  string
	}{
		{"missing file", map[string]string{}, "", "config/deploy.yml: config file not found; point the config-file input at your Kamal config"},
		{"missing destination", map[string]string{"config/deploy.yml": "image: a/b\n"}, "qa", "config/deploy.qa.yml: config file not found"},
		{"bad yaml", map[string]string{"config/deploy.yml": "image: a/b\nbuilder:\n  arch: [amd64\n"}, "", "config/deploy.yml:3:9: invalid YAML: this `[` is never closed"},
		{"not a mapping", map[string]string{"config/deploy.yml": "- a\n- b\n"}, "", "config/deploy.yml:1: a Kamal config must be a mapping"},
		{"unclosed erb", map[string]string{"config/deploy.yml": "image: a/b\nservice: <%= ENV['X']\n"}, "", "config/deploy.yml:2: this ERB tag is never closed with %>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.files, nil, tt.dest)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFindings(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"image with host", "image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app\n", []string{"error config/deploy.yml:1:8: image \"123456789012.dkr.ecr.us-east-1.amazonaws.com/app\" includes the registry host"}},
		{"image with tag", "image: acme/app:v1\n", []string{"error config/deploy.yml:1:8: image \"acme/app:v1\" has a tag or digest; set image: acme/app"}},
		{"no image", "service: x\n", []string{"error config/deploy.yml:1: image is not set"}},
		{"cache without type", "image: a/b\nbuilder:\n  cache:\n    options: mode=max\n", []string{"warning config/deploy.yml:3:3: builder.cache has no type"}},
		{"unknown cache type", "image: a/b\nbuilder:\n  cache:\n    type: s3\n", []string{"error config/deploy.yml:4:11: builder.cache.type \"s3\""}},
		{"options with spaces", "image: a/b\nbuilder:\n  cache:\n    type: registry\n    options: mode=max, image-manifest=true\n", []string{"warning config/deploy.yml:5:14: builder.cache.options contains white space"}},
		{"options as a map", "image: a/b\nbuilder:\n  cache:\n    type: registry\n    options:\n      mode: max\n", nil},
		{"oci false", "image: a/b\nbuilder:\n  cache:\n    type: registry\n    options: oci-mediatypes=false\n", []string{"warning config/deploy.yml:5:14: oci-mediatypes=false"}},
		{"cache image with host", "image: a/b\nbuilder:\n  cache:\n    type: registry\n    image: ghcr.io/a/b-cache\n", []string{"error config/deploy.yml:5:12: builder.cache.image \"ghcr.io/a/b-cache\" includes the registry host ghcr.io"}},
		{"inside erb if", "image: a/b\n<% if File.exist?(\"x\") %>\nbuilder:\n  cache:\n    type: registry\n<% end %>\n", []string{"warning config/deploy.yml:5:11: builder.cache.type sits inside the ERB block opened at line 2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, map[string]string{"config/deploy.yml": tt.src}, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			wantFindings(t, c, tt.want)
		})
	}
}

func TestOptionsMapIsAnError(t *testing.T) {
	c, _ := load(t, map[string]string{"config/deploy.yml": "image: a/b\nbuilder:\n  cache:\n    type: registry\n    options:\n      mode: max\n"}, nil, "")
	_, err := c.PlanCache(CacheRequest{Patch: true})
	if err == nil || !strings.Contains(err.Error(), "config/deploy.yml:6:7: expected a string, found a mapping") {
		t.Errorf("err = %v", err)
	}
}

func TestProxyImage(t *testing.T) {
	c, err := load(t, map[string]string{"config/deploy.yml": "image: a/b\nproxy:\n  run:\n    registry: ghcr.io\n    version: v0.9.3\n"}, nil, "")
	if err != nil || c.Proxy == nil || c.Proxy.Image != "ghcr.io/basecamp/kamal-proxy:v0.9.3" || c.Proxy.Pos.Line != 3 {
		t.Fatalf("proxy = %+v, %v", c.Proxy, err)
	}
	c, _ = load(t, map[string]string{"config/deploy.yml": "image: a/b\nproxy:\n  run:\n    log_max_size: 50m\n"}, nil, "")
	if c.Proxy != nil {
		t.Errorf("proxy without an image setting = %+v", c.Proxy)
	}
}

func TestPlanImageRewrite(t *testing.T) {
	src := "image: a/b\naccessories:\n  db:\n    image: \"mysql:8.4\" # pinned\n  erb:\n    image: <%= ENV.fetch('X', 'redis:7') %>\n"
	c, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.PlanImage(c.Accessories[0], "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/mysql:8.4")
	if err != nil {
		t.Fatal(err)
	}
	files, after, err := applyAndReload(c, []*Edit{e})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, `"mysql:8.4"`, `"123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/mysql:8.4"`, 1)
	if string(files["config/deploy.yml"]) != want || after.Accessories[0].Image.Text != e.Want {
		t.Errorf("patched:\n%s", files["config/deploy.yml"])
	}
	if _, err := c.PlanImage(c.Accessories[1], "x/y"); err == nil || !strings.Contains(err.Error(), "config/deploy.yml:6:12: accessories.erb.image is computed by ERB") {
		t.Errorf("ERB image err = %v", err)
	}
}

// An image inside an anchored mapping that other accessories merge is shared:
// rewriting it in place would change them too.
func TestPlanImageRefusesSharedNodes(t *testing.T) {
	src := "image: a/b\naccessories:\n  one: &svc\n    image: redis:7\n  two:\n    <<: *svc\n    host: x\n"
	c, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range c.Accessories {
		if _, err := c.PlanImage(a, "r/redis:7"); err == nil || !strings.Contains(err.Error(), "config/deploy.yml:4:12: accessories."+a.Name+".image is shared with other keys") {
			t.Errorf("%s: err = %v", a.Name, err)
		}
	}
}

// Conditions that only read the environment are decided as Ruby would, so
// the action reads the branch Kamal renders.
func TestERBConditionals(t *testing.T) {
	src := `image: acme/app
<% if ENV["CI"] -%>
builder:
  arch: amd64
  cache:
    type: gha
<% else -%>
builder:
  arch: arm64
  cache:
    type: registry
<% end -%>
<% unless ENV.fetch("NO_DB", "") != "" %>
accessories:
  db:
    image: <% if ENV["PG"] == "16" %>postgres:16<% elsif ENV['PG'].present? %>postgres:<%= ENV['PG'] %><% else %>postgres:15<% end %>
<% end %>
`
	for _, tt := range []struct {
		env         map[string]string
		cache, db   string
		accessories int
	}{
		{nil, "registry", "postgres:15", 1},
		{map[string]string{"CI": "true", "PG": "16"}, "gha", "postgres:16", 1},
		{map[string]string{"PG": "17"}, "registry", "postgres:17", 1},
		{map[string]string{"NO_DB": "1"}, "registry", "", 0},
	} {
		c, err := load(t, map[string]string{"config/deploy.yml": src}, tt.env, "")
		if err != nil {
			t.Fatal(err)
		}
		db := ""
		if len(c.Accessories) > 0 {
			db = c.Accessories[0].Image.Text
		}
		if c.CacheType() != tt.cache || db != tt.db || len(c.Accessories) != tt.accessories || len(c.Findings) != 0 {
			t.Errorf("env %v: cache %q, db %q (%d), findings %v", tt.env, c.CacheType(), db, len(c.Accessories), c.Findings)
		}
		e, err := c.PlanCache(CacheRequest{Patch: true})
		if tt.cache == "registry" && (err != nil || e == nil || e.Line != 11) {
			t.Errorf("env %v: patch %+v, %v", tt.env, e, err)
		}
	}
}

func TestMissingDestination(t *testing.T) {
	c, err := load(t, map[string]string{"config/deploy.yml": "image: a/b\nrequire_destination: true\n", "config/deploy.qa.yml": ""}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if f := c.MissingDestination(); f == nil || f.Error() != "config/deploy.yml:2:1: You must specify a destination; set the destination input" {
		t.Errorf("finding = %v", f)
	}
	if c, _ := load(t, map[string]string{"config/deploy.yml": "image: a/b\nrequire_destination: true\n", "config/deploy.qa.yml": ""}, nil, "qa"); c.MissingDestination() != nil {
		t.Error("refused with a destination")
	}
}

// wantFindings checks the config's findings, each "severity file:line:col: …"
// against a prefix, and returns them.
func wantFindings(t *testing.T, c *Config, want []string) []string {
	t.Helper()
	var got []string
	for _, f := range c.Findings {
		got = append(got, f.Severity.String()+" "+f.Error())
	}
	if len(got) != len(want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %q, want prefix %q", got[i], want[i])
		}
	}
	return got
}

// options: set to null gets its value in place, without a second options
// line (which Kamal would read instead, and the verification refused).
func TestPatchNullOptions(t *testing.T) {
	t.Parallel()
	head := "image: a/b\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n"
	for _, tt := range []struct{ name, src, want string }{
		{"empty", head + "    options:\n", head + "    options: image-manifest=true,oci-mediatypes=true\n"},
		{"empty with a comment", head + "    options:   # later\n", head + "    options: image-manifest=true,oci-mediatypes=true   # later\n"},
		{"tilde", head + "    options: ~\n", head + "    options: image-manifest=true,oci-mediatypes=true\n"},
		{"null before type", "image: a/b\nbuilder:\n  cache:\n    options: null\n    type: registry\n", "image: a/b\nbuilder:\n  cache:\n    options: image-manifest=true,oci-mediatypes=true\n    type: registry\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, map[string]string{"config/deploy.yml": tt.src}, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			e, err := c.PlanCache(CacheRequest{Patch: true})
			if err != nil || e == nil {
				t.Fatalf("plan %+v, %v", e, err)
			}
			files, err := c.Apply([]*Edit{e})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(files["config/deploy.yml"]); got != tt.want {
				t.Errorf("patched:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// applyAndReload applies the edits and loads the result, as the next run would.
func applyAndReload(c *Config, edits []*Edit) (map[string][]byte, *Config, error) {
	files, err := c.Apply(edits)
	if err != nil {
		return nil, nil, err
	}
	read := func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return c.read(name)
	}
	after, err := Load(read, c.getenv, c.Files[0].Path, c.Destination)
	return files, after, err
}
