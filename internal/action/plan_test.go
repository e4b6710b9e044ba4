package action

import (
	"errors"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

const reg = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

func config(t *testing.T, dest string, files map[string]string) *kamal.Config {
	t.Helper()
	read := func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	c, err := kamal.Load(read, func(string) string { return "" }, "config/deploy.yml", dest)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func parsed(t *testing.T, set map[string]string) Inputs {
	t.Helper()
	in, err := ParseInputs(func(name string) string {
		if v, ok := set[name]; ok {
			return v
		}
		return inputs.Default(name)
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

type repoWant struct {
	name, role string
	policy     string
	tags       string
}

func TestNewPlan(t *testing.T) {
	t.Parallel()
	base := "service: shop\nimage: acme/shop\nregistry:\n  server: " + reg + "\nbuilder:\n  arch: amd64\n"
	for _, tt := range []struct {
		name   string
		files  map[string]string
		dest   string
		inputs map[string]string
		repos  []repoWant
		edit   string // the options the edit writes, "" for none
	}{
		{"no cache", map[string]string{"config/deploy.yml": base}, "", nil,
			[]repoWant{{"acme/shop", "app", "", "latest"}}, ""},
		{"app lifecycle", map[string]string{"config/deploy.yml": base + "retain_containers: 3\n"}, "", map[string]string{"app-lifecycle-keep": "3"},
			[]repoWant{{"acme/shop", "app", "keep the newest 3 deploys", "latest"}}, ""},
		{"enable cache", map[string]string{"config/deploy.yml": base}, "", map[string]string{"enable-cache": "true", "cache-mode": "max"},
			[]repoWant{{"acme/shop", "app", "", "latest"}, {"acme/shop-build-cache", "cache", "expire untagged after 7 days", "latest"}}, "mode=max,image-manifest=true,oci-mediatypes=true"},
		{"registry cache", map[string]string{"config/deploy.yml": base + "  cache:\n    type: registry\n"}, "", map[string]string{"cache-lifecycle-days": "14"},
			[]repoWant{{"acme/shop", "app", "", "latest"}, {"acme/shop-build-cache", "cache", "expire untagged after 14 days", "latest"}}, "image-manifest=true,oci-mediatypes=true"},
		{"patch off", map[string]string{"config/deploy.yml": base + "  cache:\n    type: registry\n"}, "", map[string]string{"patch-cache": "false"},
			[]repoWant{{"acme/shop", "app", "", "latest"}, {"acme/shop-build-cache", "cache", "expire untagged after 7 days", "latest"}}, ""},
		{"enable cache without a builder", map[string]string{"config/deploy.yml": "image: acme/shop\n"}, "", map[string]string{"enable-cache": "true"},
			[]repoWant{{"acme/shop", "app", "", "latest"}}, ""},
		{"gha cache", map[string]string{"config/deploy.yml": base + "  cache:\n    type: gha\n"}, "", nil,
			[]repoWant{{"acme/shop", "app", "", "latest"}}, ""},
		{"cache tag in the app repository", map[string]string{"config/deploy.yml": base + "  cache:\n    type: registry\n    image: acme/shop:build-cache\n"}, "", nil,
			[]repoWant{{"acme/shop", "app", "", "latest,build-cache"}}, "image-manifest=true,oci-mediatypes=true"},
		{"destination", map[string]string{"config/deploy.yml": base + "  cache:\n    type: registry\n", "config/deploy.qa.yml": "builder:\n  cache:\n    image: acme/qa-cache:v2\n"}, "qa",
			map[string]string{"extra-repositories": "acme/worker\nacme/shop"},
			[]repoWant{{"acme/shop", "app", "", "latest-qa"}, {"acme/qa-cache", "cache", "expire untagged after 7 days", "v2"}, {"acme/worker", "extra", "", ""}}, "image-manifest=true,oci-mediatypes=true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := config(t, tt.dest, tt.files)
			h := host(t)
			p, err := NewPlan(parsed(t, tt.inputs), c, h)
			if err != nil {
				t.Fatal(err)
			}
			var got []repoWant
			for _, r := range p.Repos {
				policy := ""
				if r.Lifecycle != nil {
					policy = r.Lifecycle.Summary
				}
				got = append(got, repoWant{r.Name, r.Role, policy, strings.Join(r.MutableTags, ",")})
			}
			if !slices.Equal(got, tt.repos) {
				t.Errorf("repos = %v\nwant %v", got, tt.repos)
			}
			edit := ""
			if p.CacheEdit != nil {
				edit = p.CacheEdit.Want
			}
			if edit != tt.edit {
				t.Errorf("cache edit = %q, want %q", edit, tt.edit)
			}
		})
	}
}

func TestNewPlanErrors(t *testing.T) {
	t.Parallel()
	h := host(t)
	for _, tt := range []struct{ name, src, want string }{
		{"erb image", "image: <%= ENV['APP'] %>\n", "config/deploy.yml:1:8: image: ERB <%= ENV['APP'] %> is empty: environment variable APP is not set"},
		{"upper-case image", "image: Acme/Shop\n", "config/deploy.yml:1:8: image: ECR repository name \"Acme/Shop\" is invalid"},
		{"erb options", "image: a/b\nbuilder:\n  cache:\n    type: registry\n    options: <%= ENV['O'] %>\n", "config/deploy.yml:5:14: builder.cache.options is computed by ERB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(parsed(t, nil), config(t, "", map[string]string{"config/deploy.yml": tt.src}), h)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestPlanTranslate(t *testing.T) {
	t.Parallel()
	src := "image: acme/shop\naccessories:\n  db:\n    image: mysql:8.4\n  own:\n    image: acme/tool:1\n    registry:\n      server: 999999999999.dkr.ecr.eu-west-1.amazonaws.com\n  erb:\n    image: <%= ENV['NOPE'] %>\nproxy:\n  run:\n    registry: ghcr.io\n"
	c := config(t, "", map[string]string{"config/deploy.yml": src})
	h := host(t)
	in := parsed(t, map[string]string{"images": "nginx\nregistry.k8s.io/pause:3.9", "rewrite-accessories": "true"})
	p, err := NewPlan(in, c, h)
	if err != nil {
		t.Fatal(err)
	}
	rules := []imageref.Rule{{Upstream: "docker.io", Prefix: "hub"}, {Upstream: "ghcr.io", Prefix: "gh"}}
	got, edits, err := p.Translate(in, c, rules, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"nginx":                     reg + "/hub/library/nginx",
		"registry.k8s.io/pause:3.9": "registry.k8s.io/pause:3.9",
		"db":                        reg + "/hub/library/mysql:8.4",
		"own":                       "999999999999.dkr.ecr.eu-west-1.amazonaws.com/acme/tool:1",
		"kamal-proxy":               reg + "/gh/basecamp/kamal-proxy:v0.9.2",
	}
	if len(got) != len(want) {
		t.Errorf("translations = %+v", got)
	}
	for _, tr := range got {
		if want[tr.Name] != tr.Output {
			t.Errorf("%s: %q, want %q", tr.Name, tr.Output, want[tr.Name])
		}
	}
	if len(edits) != 1 || edits[0].Key != "accessories.db.image" {
		t.Errorf("edits = %+v", edits)
	}
	var warned bool
	for _, f := range p.Findings {
		warned = warned || (f.Severity == diag.Warning && strings.Contains(f.Msg, "accessory erb: image not translated"))
	}
	if !warned {
		t.Error("no warning for the accessory whose image needs ERB")
	}
}

func TestRuleSet(t *testing.T) {
	t.Parallel()
	p := &Plan{}
	got := ruleSet([]registry.Rule{
		{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"},
		{Prefix: "central", UpstreamURL: "210987654321.dkr.ecr.eu-west-1.amazonaws.com", UpstreamRegistry: "ecr", UpstreamPrefix: "team"},
		{Prefix: "ROOT", UpstreamURL: "210987654321.dkr.ecr.eu-west-1.amazonaws.com", UpstreamRegistry: "ecr", UpstreamPrefix: "ROOT"},
		{Prefix: "evil\nprefix", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"},
		{Prefix: "Upper", UpstreamURL: "quay.io", UpstreamRegistry: "quay"},
		{Prefix: "odd-upstream", UpstreamURL: "quay.io\nx", UpstreamRegistry: "quay"},
	}, p)
	want := []imageref.Rule{
		{Upstream: "docker.io", Prefix: "docker-hub", Source: "rule docker-hub"},
		{Upstream: "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team", Prefix: "central", Source: "rule central"},
		{Upstream: "210987654321.dkr.ecr.eu-west-1.amazonaws.com", Prefix: "", Source: "rule ROOT"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ruleSet = %+v", got)
	}
	if len(p.Findings) != 3 || !strings.Contains(p.Findings[0].Msg, `pull-through cache rule "evil\nprefix"`) {
		t.Errorf("warnings = %v", p.Findings)
	}
}

func TestParseInputs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"dry-run": "yes"}, `input dry-run: "yes" is not true or false`},
		{map[string]string{"image-tag-mutability": "IMMUTABLE"}, "input image-tag-mutability: IMMUTABLE breaks Kamal"},
		{map[string]string{"encryption-type": "KMS_DSSE"}, `input encryption-type: "KMS_DSSE" is not AES256 or KMS`},
		{map[string]string{"kms-key": "alias/x"}, "input kms-key: is set, but encryption-type: AES256 does not use it"},
		{map[string]string{"repository-tags": "team"}, `input repository-tags: "team" is not key=value`},
		{map[string]string{"cache-lifecycle-days": "-1"}, "input cache-lifecycle-days"},
		{map[string]string{"cache-mode": "all"}, `input cache-mode: "all" is not min or max`},
		{map[string]string{"registry": "ghcr.io"}, "input registry: \"ghcr.io\" is not an ECR registry host"},
		{map[string]string{"aws-region": "useast1"}, "input aws-region"},
		{map[string]string{"destination": "../prod"}, "input destination"},
		{map[string]string{"config-file": " "}, "input config-file: is empty"},
		{map[string]string{"pull-through-cache": "docker.io"}, "input pull-through-cache: line 1: \"docker.io\" is not upstream=prefix"},
		{map[string]string{"extra-repositories": "Bad Name"}, "input extra-repositories"},
	} {
		_, err := ParseInputs(func(name string) string {
			if v, ok := tt.set[name]; ok {
				return v
			}
			return inputs.Default(name)
		})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.set, err, tt.want)
		}
	}
	if in := parsed(t, map[string]string{"config-file": "./deploy//config/deploy.yml"}); in.ConfigFile != "deploy/config/deploy.yml" {
		t.Errorf("config-file = %q", in.ConfigFile)
	}
	in := parsed(t, map[string]string{"repository-tags": "team=web, env=prod\ncost=1", "pull-through-cache": "docker.io=hub\n# note\nghcr.io=gh", "encryption-type": "kms", "kms-key": "alias/ecr"})
	if len(in.Settings.Tags) != 3 || len(in.Rules) != 2 || in.Discover || in.Settings.Encryption != "KMS" {
		t.Errorf("inputs = %+v", in)
	}
}

// Every bad pull-through-cache pair is reported at once, by ECR's prefix
// rule; a pair that looks reversed is a warning that suggests the fix.
func TestPullThroughPairs(t *testing.T) {
	t.Parallel()
	_, err := ParseInputs(func(name string) string {
		if name == "pull-through-cache" {
			return "docker.io=UP/Per, ghcr.io=../x\nquay.io=a b,gcr.io=x:1, k8s.io=x@sha, ok.io=fine, x"
		}
		return inputs.Default(name)
	})
	var bad []string
	joined, _ := err.(interface{ Unwrap() []error })
	if joined == nil {
		t.Fatalf("err = %v, want joined input errors", err)
	}
	for _, e := range joined.Unwrap() {
		var ie *InputError
		if !errors.As(e, &ie) || ie.Input != "pull-through-cache" {
			t.Errorf("not an input error of pull-through-cache: %v", e)
		}
		bad = append(bad, e.Error())
	}
	if len(bad) != 6 {
		t.Fatalf("%d errors, want 6 (all but ok.io=fine):\n%s", len(bad), strings.Join(bad, "\n"))
	}
	for i, want := range []string{`line 1: ECR repository prefix "UP/Per" is invalid`, `line 2: ECR repository prefix "../x" is invalid`,
		`line 3: ECR repository prefix "a b"`, `line 4: ECR repository prefix "x:1"`, `line 5: ECR repository prefix "x@sha"`, `line 7: "x" is not upstream=prefix`} {
		if !strings.Contains(bad[i], want) {
			t.Errorf("error %d = %q, want %q", i, bad[i], want)
		}
	}
	in := parsed(t, map[string]string{"pull-through-cache": "quay=quay.io\ndocker.io=docker-hub"})
	if len(in.Rules) != 2 || len(in.Notes) != 1 || in.Notes[0].Severity != diag.Warning ||
		!strings.HasSuffix(in.Notes[0].Error(), "did you mean quay.io=quay?") || in.Notes[0].Code != "input/pull-through-cache" {
		t.Errorf("rules %v, notes %v", in.Rules, in.Notes)
	}
}

// Every finding of the action has a code; one whose fix sets an input names
// it structurally, and its fix says it as a workflow does.
func TestFindingsCodedAndSettingsNamed(t *testing.T) {
	t.Parallel()
	src := "image: acme/shop\nregistry:\n  server: " + reg + "\nbuilder:\n  arch: amd64\naccessories:\n  db:\n    image: mysql:8.4\n"
	c := config(t, "", map[string]string{"config/deploy.yml": src})
	h := host(t)
	in := parsed(t, map[string]string{"images": "Bad Ref"})
	p, err := NewPlan(in, c, h)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.Translate(in, c, []imageref.Rule{{Upstream: "docker.io", Prefix: "hub"}}, true)
	var bad *diag.Finding
	if !errors.As(err, &bad) || bad.Pos.File != "" || bad.Code != "pull-through/invalid-reference" || strings.HasPrefix(bad.Error(), ":") {
		t.Errorf("a bad images input: %v (%+v)", err, bad)
	}
	inputs := map[string]bool{}
	for _, f := range p.Findings {
		if f.Code == "" {
			t.Errorf("no code: %v", f)
		}
		for _, in := range f.Inputs {
			inputs[in.Name] = true
			if !strings.Contains(f.Msg+" "+f.Fix, in.InActions()) {
				t.Errorf("%s: %q does not say %q", f.Code, f.Msg+" "+f.Fix, in.InActions())
			}
		}
	}
	if !inputs["enable-cache"] || !inputs["rewrite-accessories"] {
		t.Errorf("settings named: %v", inputs)
	}
}

func host(t *testing.T) registry.Host {
	t.Helper()
	h, err := registry.ParseHost(reg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
