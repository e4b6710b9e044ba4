package imageref

import (
	"errors"
	"strings"
	"testing"

	"github.com/distribution/reference"
)

const reg = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

var testRules = []Rule{
	{Upstream: NormalizeUpstream("registry-1.docker.io"), Prefix: "docker-hub"},
	{Upstream: NormalizeUpstream("public.ecr.aws"), Prefix: "ecr-public"},
	{Upstream: NormalizeUpstream("quay"), Prefix: "quay"},
	{Upstream: NormalizeUpstream("ghcr.io"), Prefix: "mirrors/github"},
	{Upstream: NormalizeUpstream("registry.k8s.io"), Prefix: "k8s"},
	{Upstream: NormalizeUpstream("registry.gitlab.com"), Prefix: "gitlab"},
	{Upstream: NormalizeUpstream("myacr.azurecr.io"), Prefix: "azure"},
	{Upstream: NormalizeUpstream("chainguard"), Prefix: "cgr"},
	{Upstream: NormalizeUpstream("210987654321.dkr.ecr.eu-west-1.amazonaws.com/team"), Prefix: "central"},
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		in, want string
		status   Status
		warn     bool
	}{
		// Docker Hub, every spelling; official images get library/.
		{"nginx", reg + "/docker-hub/library/nginx", Translated, false},
		{"nginx:1.27", reg + "/docker-hub/library/nginx:1.27", Translated, false},
		{"docker.io/nginx:1.27", reg + "/docker-hub/library/nginx:1.27", Translated, false},
		{"docker.io/library/nginx:1.27", reg + "/docker-hub/library/nginx:1.27", Translated, false},
		{"index.docker.io/redis:7", reg + "/docker-hub/library/redis:7", Translated, false},
		{"registry-1.docker.io/redis:7", reg + "/docker-hub/library/redis:7", Translated, false},
		{"registry-1.docker.io/percona/percona-xtradb-cluster-operator:1.15.0", reg + "/docker-hub/percona/percona-xtradb-cluster-operator:1.15.0", Translated, false},
		{"percona/percona-xtradb-cluster-operator:1.15.0", reg + "/docker-hub/percona/percona-xtradb-cluster-operator:1.15.0", Translated, false},
		{"basecamp/kamal-proxy:v0.9.2", reg + "/docker-hub/basecamp/kamal-proxy:v0.9.2", Translated, false},
		// Digests.
		{"redis@sha256:" + sha, reg + "/docker-hub/library/redis@sha256:" + sha, Translated, true},
		{"redis:7@sha256:" + sha, reg + "/docker-hub/library/redis:7@sha256:" + sha, Translated, false},
		// Other upstreams keep their path, library/ included.
		{"public.ecr.aws/docker/library/nginx:1.27", reg + "/ecr-public/docker/library/nginx:1.27", Translated, false},
		{"quay.io/prometheus/node-exporter:v1.8.0", reg + "/quay/prometheus/node-exporter:v1.8.0", Translated, false},
		{"ghcr.io/basecamp/kamal-proxy:v0.9.2", reg + "/mirrors/github/basecamp/kamal-proxy:v0.9.2", Translated, false},
		{"registry.k8s.io/pause:3.9", reg + "/k8s/pause:3.9", Translated, false},
		{"registry.gitlab.com/group/project/image:1", reg + "/gitlab/group/project/image:1", Translated, false},
		{"myacr.azurecr.io/app/api:2", reg + "/azure/app/api:2", Translated, false},
		{"cgr.dev/chainguard/nginx:latest", reg + "/cgr/chainguard/nginx:latest", Translated, false},
		{"210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/api:3", reg + "/central/api:3", Translated, false},
		// Corrections of paths already through the cache, both directions.
		{reg + "/docker-hub/library/percona/percona-xtradb-cluster-operator:1.15.0", reg + "/docker-hub/percona/percona-xtradb-cluster-operator:1.15.0", Corrected, false},
		{reg + "/docker-hub/redis:7", reg + "/docker-hub/library/redis:7", Corrected, false},
		{reg + "/docker-hub/library/redis:7", reg + "/docker-hub/library/redis:7", Correct, false},
		{reg + "/docker-hub/bitnami/redis:7", reg + "/docker-hub/bitnami/redis:7", Correct, false},
		{reg + "/ecr-public/docker/library/nginx", reg + "/ecr-public/docker/library/nginx", Correct, false},
		// Left alone.
		{reg + "/myapp:1", reg + "/myapp:1", Unchanged, false},
		{"localhost:5000/foo/bar:1", "localhost:5000/foo/bar:1", Unchanged, false},
		{"mcr.microsoft.com/mssql/server:2022-latest", "mcr.microsoft.com/mssql/server:2022-latest", Unchanged, false},
		{"mcr.microsoft.com/x@sha256:" + sha, "mcr.microsoft.com/x@sha256:" + sha, Unchanged, false},
	}
	tr := NewTranslator(reg, testRules)
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := tr.Translate(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tt.want || got.Status != tt.status {
				t.Errorf("Translate(%q) = %q (%s), want %q (%s)", tt.in, got.Output, got.Status, tt.want, tt.status)
			}
			if (got.Warning != "") != tt.warn {
				t.Errorf("warning = %q, want one: %v", got.Warning, tt.warn)
			}
			if (got.Status == Unchanged || got.Status == Corrected) && got.Note == "" {
				t.Errorf("%s without a note", got.Status)
			}
		})
	}
}

func TestTranslateMultiSegmentPrefixAndNoRules(t *testing.T) {
	tr := NewTranslator(reg, []Rule{{Upstream: dockerHub, Prefix: "platform/cache/hub"}})
	got, _ := tr.Translate("mysql:8.0")
	if want := reg + "/platform/cache/hub/library/mysql:8.0"; got.Output != want {
		t.Errorf("got %q, want %q", got.Output, want)
	}
	got, _ = tr.Translate(reg + "/platform/cache/hub/library/bitnami/redis")
	if want := reg + "/platform/cache/hub/bitnami/redis"; got.Output != want || got.Status != Corrected {
		t.Errorf("got %q %s, want %q", got.Output, got.Status, want)
	}
	none := NewTranslator(reg, nil)
	if got, _ := none.Translate("redis:7"); got.Output != "redis:7" || got.Status != Unchanged {
		t.Errorf("without rules: %+v", got)
	}
}

func TestTranslateInvalid(t *testing.T) {
	tr := NewTranslator(reg, testRules)
	for _, in := range []string{"Redis:7", "ghcr.io/Owner/app", "redis:7 ", "", "redis::7", "redis@sha256:abc"} {
		_, err := tr.Translate(in)
		var inv *InvalidError
		if !errors.As(err, &inv) || inv.Ref != in {
			t.Errorf("Translate(%q) error = %v, want *InvalidError", in, err)
		}
	}
}

// A translation whose path ECR would refuse as a repository name is an
// error naming the path, never a result.
func TestTranslateInvalidRepository(t *testing.T) {
	tr := NewTranslator(reg, append(testRules, Rule{Upstream: "example.com", Prefix: "team/platform/pull-through/example"}))
	long := strings.Repeat("a", 229) // a valid reference; docker-hub/library/ makes it 248
	for _, tt := range []struct{ in, why string }{
		{"example.com/" + long + ":1", "264 characters"},
		{"ghcr.io/" + strings.Repeat("ab/", 80) + "cdefgh:1", "261 characters"},
		{"docker.io/a__b/c:1", "not a name ECR accepts"},
		{"example.com/a--b:1", "not a name ECR accepts"},
		{reg + "/docker-hub/library/a__b/c:1", "not a name ECR accepts"}, // corrected to docker-hub/a__b/c
	} {
		res, err := tr.Translate(tt.in)
		var pe *PathError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.why) || pe.Fix() == "" {
			t.Errorf("Translate(%.40q…) = %q, %v; want a *PathError saying %q", tt.in, res.Output, err, tt.why)
			continue
		}
		if ValidRepository(pe.Repository) == nil {
			t.Errorf("PathError names %q, a valid name", pe.Repository)
		}
	}
	if res, err := tr.Translate(long + ":1"); err != nil || len(res.Output) <= 256 {
		t.Errorf("a 248-character path is valid: %q, %v", res.Output, err)
	}
}

func TestValidRepository(t *testing.T) {
	for name, ok := range map[string]bool{
		"a": false, "ab": true, "docker-hub/library/nginx": true, "a.b_c-d/e": true, strings.Repeat("a", 256): true,
		strings.Repeat("a", 257): false, "a__b": false, "a--b": false, "A": false, "a/": false, "/a": false, "a//b": false, "-a": false,
	} {
		if got := ValidRepository(name) == nil; got != ok {
			t.Errorf("ValidRepository(%.30q) = %v, want %v", name, got, ok)
		}
	}
}

func TestParseRule(t *testing.T) {
	t.Parallel()
	for pair, want := range map[string]Rule{
		"docker.io=docker-hub":     {Upstream: dockerHub, Prefix: "docker-hub", Source: "line"},
		"https://ghcr.io/=github/": {Upstream: "ghcr.io", Prefix: "github", Source: "line"},
		"docker-hub=hub2":          {Upstream: dockerHub, Prefix: "hub2", Source: "line"},
	} {
		if got, err := ParseRule(pair, "line"); err != nil || got != want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", pair, got, err, want)
		}
	}
	for _, bad := range []string{"docker.io", "=x", "docker.io="} {
		if _, err := ParseRule(bad, "line"); err == nil {
			t.Errorf("ParseRule(%q) accepted", bad)
		}
	}
}

const sha = "4c4d2ab5a9fb4b2e5b6f1c3a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"

func BenchmarkTranslate(b *testing.B) {
	tr := NewTranslator(reg, testRules)
	refs := []string{"nginx:1.27", "percona/percona-xtradb-cluster-operator:1.15.0", "ghcr.io/basecamp/kamal-proxy:v0.9.2", reg + "/docker-hub/redis:7"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := tr.Translate(refs[i%len(refs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// Any reference either fails as invalid or translates to a valid reference;
// a pull-through path always lies in the registry.
func FuzzTranslate(f *testing.F) {
	for _, s := range []string{"nginx:1.27", "percona/x:1", reg + "/docker-hub/redis", "ghcr.io/a/b@sha256:" + sha, "localhost:5000/a", "Nginx", "ghcr.io/a__b/c"} {
		f.Add(s)
	}
	tr := NewTranslator(reg, testRules)
	f.Fuzz(func(t *testing.T, ref string) {
		res, err := tr.Translate(ref)
		if err != nil {
			return
		}
		out, err := parse(res.Output)
		if err != nil {
			t.Fatalf("Translate(%q) = %q, not a valid reference: %v", ref, res.Output, err)
		}
		switch res.Status {
		case Translated, Corrected:
			if !strings.HasPrefix(res.Output, reg+"/") {
				t.Fatalf("Translate(%q) = %q, outside the registry", ref, res.Output)
			}
			if err := ValidRepository(reference.Path(out)); err != nil {
				t.Fatalf("Translate(%q) = %q, not an ECR repository: %v", ref, res.Output, err)
			}
		default:
			if res.Output != ref {
				t.Fatalf("Translate(%q) = %q with status %s", ref, res.Output, res.Status)
			}
		}
	})
}
