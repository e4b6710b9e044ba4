package action

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

const verifyConfig = `image: acme/shop
registry:
  server: ` + reg + `
  username: AWS
  password: secret
builder:
  arch: amd64
accessories:
  db:
    image: mysql:8.4
  operator:
    image: percona/percona-xtradb-cluster-operator:1.15.0
  search:
    image: ghcr.io/acme/search:2
  tool:
    image: ` + reg + `/acme/tool:1
  cache:
    image: redis:7
  hub:
    image: mysql:8.4
    registry:
      server: registry.example.com
      username: u
      password: p
  ownreg:
    image: acme/worker:2
    registry:
      server: ` + reg + `
      username: AWS
      password: p
proxy:
  run:
    registry: ` + reg + `/docker-hub
    repository: basecamp/kamal-proxy
    version: v0.9.2
`

// Lines of verifyConfig's image values.
const (
	lineDB       = 10
	lineOperator = 12
	lineSearch   = 14
	lineTool     = 16
	lineCache    = 18
	lineProxy    = 32
)

// verifyWorld is a registry with its pull-through rules, upstreams and the
// registry API behind a TLS proxy, and a Kamal config that uses them.
type verifyWorld struct {
	srv    *ecrtest.Server
	reg    *ecrtest.Registry
	hub    *ecrtest.Upstream
	gh     *ecrtest.Upstream
	files  map[string]string
	deps   Deps
	inputs map[string]string
}

func newVerifyWorld(t testing.TB) *verifyWorld {
	t.Helper()
	w := &verifyWorld{srv: ecrtest.New("123456789012", "us-east-1"), hub: ecrtest.NewUpstream(), gh: ecrtest.NewUpstream(),
		files: map[string]string{"config/deploy.yml": verifyConfig}, inputs: map[string]string{"validate": "false", "rewrite-accessories": "true", "images": "nginx:1.27\nquay.io/x/y:1"}}
	w.srv.AddRule(ecrtest.Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub", CredentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub"})
	w.srv.AddRule(ecrtest.Rule{Prefix: "github", UpstreamURL: "ghcr.io", UpstreamRegistry: "github-container-registry", CredentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/gh"})
	for _, img := range []string{"library/mysql:8.4", "percona/percona-xtradb-cluster-operator:1.15.0", "library/redis:7", "basecamp/kamal-proxy:v0.9.2", "library/nginx:1.27"} {
		name, tag, _ := strings.Cut(img, ":")
		w.hub.Put(name, tag, "application/vnd.oci.image.index.v1+json", ecrtest.Index(img))
	}
	w.gh.Put("acme/search", "2", "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2}`))
	w.reg = ecrtest.NewRegistry(w.srv)
	w.reg.SetUpstream("registry-1.docker.io", w.hub)
	w.reg.SetUpstream("ghcr.io", w.gh)
	w.reg.Own().Put("acme/tool", "1", "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2,"tool":1}`))
	w.reg.Own().Put("acme/worker", "2", "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2,"worker":2}`))

	api := httptest.NewServer(w.srv)
	t.Cleanup(api.Close)
	ca, err := ecrtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := ecrtest.NewProxy(ca, w.reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	pu, _ := url.Parse(proxy.URL)
	tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: ca.TLSClientConfig()}
	t.Cleanup(tr.CloseIdleConnections)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_ECR": api.URL, "AWS_ENDPOINT_URL_STS": api.URL}
	getenv := func(k string) string { return env[k] }
	w.deps = Deps{
		ReadFile: func(name string) ([]byte, error) {
			if s, ok := w.files[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		WriteFile: func(name string, b []byte) error { w.files[name] = string(b); return nil },
		Getenv:    getenv,
		Mask:      func(string) {},
		Clients: func(ctx context.Context, region string, h *registry.Host) (*registry.Clients, error) {
			return registry.NewClients(ctx, getenv, region, h, registry.ClientOptions{})
		},
		HTTP: &http.Client{Transport: tr},
	}
	return w
}

func (w *verifyWorld) run(t *testing.T) (*Result, error) {
	t.Helper()
	return Run(context.Background(), w.deps, parsed(t, w.inputs))
}

// Every path the action reports or writes in this registry is pulled once;
// nothing else is.
func TestVerifyAllPull(t *testing.T) {
	t.Parallel()
	w := newVerifyWorld(t)
	res, err := w.run(t)
	if err != nil {
		t.Fatal(err)
	}
	wantPulls := map[string]int{"docker-hub/library/mysql:8.4": 1, "docker-hub/percona/percona-xtradb-cluster-operator:1.15.0": 1,
		"github/acme/search:2": 1, "acme/tool:1": 1, "docker-hub/library/redis:7": 1, "docker-hub/basecamp/kamal-proxy:v0.9.2": 1,
		"docker-hub/library/nginx:1.27": 1, "acme/worker:2": 1} // an accessory with its own registry, when it is this one
	if got := w.reg.Pulls(); !mapsEqual(got, wantPulls) {
		t.Errorf("pulls = %v\n want %v", got, wantPulls)
	}
	digests := map[string]string{}
	for _, tr := range res.Translations {
		if tr.Pull != nil {
			digests[tr.Output] = tr.Pull.Digest
		}
	}
	if len(digests) != len(wantPulls) || digests[reg+"/acme/tool:1"] != w.reg.Own().Digest("acme/tool", "1") {
		t.Errorf("digests = %v", digests)
	}
	if !res.Patched || !strings.Contains(w.files["config/deploy.yml"], reg+"/docker-hub/library/mysql:8.4") {
		t.Errorf("not written:\n%s", w.files["config/deploy.yml"])
	}
	if calls := w.srv.Calls(); calls["GetAuthorizationToken"] != 1 || calls["ValidatePullThroughCacheRule"] != 0 {
		t.Errorf("calls = %v", calls)
	}
}

func problems(res *Result) int {
	n := 0
	for _, tr := range res.Translations {
		if tr.Pull != nil && tr.Pull.Problem != "" {
			n++
		}
	}
	return n
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(w *verifyWorld)
		line    int
		denied  bool // a PullDeniedError (exit 1), else a *diag.Finding (exit 2)
		code    string
		input   string   // the input the finding names, with no file position; "" for config/deploy.yml
		want    []string // in the message and fix
		validat int      // ValidatePullThroughCacheRule calls
	}{
		{name: "a tag the upstream lacks", code: "ecr/pull-manifest-unknown", setup: func(w *verifyWorld) { w.reg.SetUpstream("registry-1.docker.io", without(w.hub, "library/redis", "7")) },
			line: lineCache, want: []string{"MANIFEST_UNKNOWN", "ECR tried docker.io/library/redis:7", "use a tag that exists at docker.io/library/redis"}, validat: 1},
		{name: "a repository the upstream lacks", code: "ecr/pull-name-unknown", setup: func(w *verifyWorld) {
			w.reg.SetUpstream("registry-1.docker.io", without(w.hub, "percona/percona-xtradb-cluster-operator", ""))
		}, line: lineOperator, want: []string{"NAME_UNKNOWN", "Docker Hub has no repository percona/percona-xtradb-cluster-operator", reg + "/docker-hub/library/percona-xtradb-cluster-operator:1.15.0"}, validat: 1},
		{name: "the role may not import", code: "ecr/pull-denied", setup: func(w *verifyWorld) { w.reg.DenyImport("github") },
			line: lineSearch, denied: true, want: []string{`DENIED "User: arn:aws:sts::123456789012:assumed-role`, "lacks ecr:BatchImportUpstreamImage (and ecr:CreateRepository the first time) on arn:aws:ecr:us-east-1:123456789012:repository/github/*"}, validat: 1},
		{name: "the rule's credentials fail", code: "ecr/pull-upstream-denied", setup: func(w *verifyWorld) { w.srv.SetRuleFailure("github", "401 Bad credentials") },
			line: lineSearch, denied: true, want: []string{"The authentication to the upstream registry failed", `ValidatePullThroughCacheRule says "401 Bad credentials"`, "update the secret arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/gh"}, validat: 1},
		{name: "Docker Hub answers an unknown repository as unauthorized", code: "ecr/pull-upstream-denied", setup: func(w *verifyWorld) {
			w.reg.SetUpstream("registry-1.docker.io", unauthorizedFor(w.hub, "percona/percona-xtradb-cluster-operator"))
		}, line: lineOperator, want: []string{"the rule's credentials work", "most likely Docker Hub has no percona/percona-xtradb-cluster-operator", "library/percona-xtradb-cluster-operator"}, validat: 1},
		{name: "ValidatePullThroughCacheRule denied", code: "ecr/pull-upstream-denied", setup: func(w *verifyWorld) {
			w.srv.SetRuleFailure("github", "401 Bad credentials")
			w.srv.Deny("ValidatePullThroughCacheRule")
		}, line: lineSearch, denied: true, want: []string{"ecr:ValidatePullThroughCacheRule was denied, so the rule's credentials were not tested"}, validat: 1},
		{name: "a rule from the input is not validated", code: "ecr/pull-upstream-denied", setup: func(w *verifyWorld) {
			w.inputs["pull-through-cache"] = "docker.io=docker-hub\nghcr.io=github"
			w.srv.SetRuleFailure("github", "401 Bad credentials")
		}, line: lineSearch, denied: true, want: []string{"the rule came from the pull-through-cache input, so its credentials were not tested", "aws ecr validate-pull-through-cache-rule --ecr-repository-prefix github"}},
		{name: "an own image not pushed", code: "ecr/pull-name-unknown", setup: func(w *verifyWorld) {
			w.reg.Own().Put("acme/other", "1", "x", []byte("{}"))
			w.files["config/deploy.yml"] = strings.Replace(verifyConfig, "acme/tool:1", "acme/tool2:1", 1)
		},
			line: lineTool, want: []string{"NAME_UNKNOWN", "there is no repository acme/tool2 in " + reg, "push the image there first"}},
		{name: "a digest not cached yet", code: "ecr/pull-manifest-unknown", input: "images", setup: func(w *verifyWorld) {
			w.inputs["images"] = "nginx@sha256:" + strings.Repeat("0", 64)
		}, want: []string{"nginx@sha256:" + strings.Repeat("0", 64) + " in the images input: ", "ECR tried docker.io/library/nginx@sha256:", "a first pull by digest through the cache fails until the image is cached: pull it once by tag"}, validat: 1},
		{name: "kamal-proxy in the cache", code: "ecr/pull-manifest-unknown", setup: func(w *verifyWorld) {
			w.reg.SetUpstream("registry-1.docker.io", without(w.hub, "basecamp/kamal-proxy", "v0.9.2"))
		}, line: lineProxy, want: []string{"kamal-proxy kamal-proxy: " + reg + "/docker-hub/basecamp/kamal-proxy:v0.9.2 does not pull", "MANIFEST_UNKNOWN"}, validat: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newVerifyWorld(t)
			tc.setup(w)
			before := w.files["config/deploy.yml"]
			res, err := w.run(t)
			if err == nil {
				t.Fatal("no error")
			}
			var pd *PullDeniedError
			var f *diag.Finding
			isDenied := errors.As(err, &pd)
			if isDenied != tc.denied || !tc.denied && !errors.As(err, &f) || tc.denied && errors.As(err, &f) {
				t.Fatalf("err %T %v: want denied %v", err, err, tc.denied)
			}
			if isDenied {
				f = pd.Finding
			}
			t.Logf("%s\nFix: %s", f.Msg, f.Fix)
			wantFile := "config/deploy.yml"
			if tc.input != "" {
				wantFile = ""
			}
			if f.Pos.File != wantFile || f.Pos.Line != tc.line || f.Severity != diag.Error || f.Code != tc.code {
				t.Errorf("finding at %v (%s, %s), want %q line %d, %s", f.Pos, f.Severity, f.Code, wantFile, tc.line, tc.code)
			}
			if named := slices.ContainsFunc(f.Inputs, func(s diag.Setting) bool { return s.Name == tc.input }); tc.input != "" && !named {
				t.Errorf("the finding names inputs %v, want %s", f.Inputs, tc.input)
			}
			for _, s := range tc.want {
				if !strings.Contains(f.Msg+" Fix: "+f.Fix, s) {
					t.Errorf("message lacks %q:\n%s\nFix: %s", s, f.Msg, f.Fix)
				}
			}
			if w.files["config/deploy.yml"] != before || res.Patched {
				t.Error("the config was written though an image does not pull")
			}
			if n := w.srv.Calls()["ValidatePullThroughCacheRule"]; n != tc.validat {
				t.Errorf("ValidatePullThroughCacheRule called %d times, want %d", n, tc.validat)
			}
			if n := problems(res); n == 0 {
				t.Error("no translation says it does not pull")
			}
		})
	}
}

// Warnings, not failures: the registry does not answer, or the token
// cannot be had; and nothing is pulled when it must not be.
func TestVerifyWarnsOrSkips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(w *verifyWorld)
		pulls   int
		warning string
		token   int // GetAuthorizationToken calls
	}{
		{name: "5xx", setup: func(w *verifyWorld) { w.reg.Fail("docker-hub/library/mysql", 503) }, pulls: 8, token: 1,
			warning: "accessory db: " + reg + "/docker-hub/library/mysql:8.4 was not verified: HTTP 503: SERVICE_UNAVAILABLE: Service Unavailable; the registry or its upstream failed or did not answer in time"},
		{name: "token denied", setup: func(w *verifyWorld) { w.srv.Deny("GetAuthorizationToken") }, token: 1,
			warning: "images were not verified: ecr:GetAuthorizationToken was denied"},
		{name: "verify-images false", setup: func(w *verifyWorld) { w.inputs["verify-images"] = "false" }},
		{name: "dry run", setup: func(w *verifyWorld) { w.inputs["dry-run"] = "true" }},
		{name: "check", setup: func(w *verifyWorld) { w.inputs["check"] = "true"; w.inputs["rewrite-accessories"] = "false" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newVerifyWorld(t)
			tc.setup(w)
			res, err := w.run(t)
			var ce *CheckError
			if err != nil && !errors.As(err, &ce) {
				t.Fatal(err)
			}
			n := 0
			for _, c := range w.reg.Pulls() {
				n += c
			}
			if n != tc.pulls {
				t.Errorf("%d pulls, want %d", n, tc.pulls)
			}
			if got := w.srv.Calls()["GetAuthorizationToken"]; got != tc.token {
				t.Errorf("GetAuthorizationToken called %d times, want %d", got, tc.token)
			}
			warnings := 0
			for _, f := range res.Findings {
				if strings.Contains(f.Msg, "verified") {
					warnings++
					if f.Severity != diag.Warning || !strings.Contains(f.Msg, tc.warning) {
						t.Errorf("finding %s: %s", f.Severity, f.Msg)
					}
				}
			}
			if want := min(len(tc.warning), 1); warnings != want {
				t.Errorf("%d findings about verification, want %d: %v", warnings, want, res.Findings)
			}
			if tc.warning != "" && !res.Patched {
				t.Error("a warning kept the config from being written")
			}
		})
	}
}

// without is the hub's images less one repository (tag "") or one tag.
func without(hub http.Handler, repo, tag string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/v2/"+repo+"/manifests/")
		switch {
		case p != r.URL.Path && tag == "":
			http.Error(w, `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`, http.StatusNotFound)
		case p != r.URL.Path && p == tag:
			http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`, http.StatusNotFound)
		default:
			hub.ServeHTTP(w, r)
		}
	})
}

// unauthorizedFor answers repo as Docker Hub answers a repository it does not have.
func unauthorizedFor(hub http.Handler, repo string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/"+repo+"/") {
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		hub.ServeHTTP(w, r)
	})
}

// An image read from a secret-looking variable that does not pull: the
// finding shows the ERB source, and nothing of the path made from the value.
func TestVerifySecretImageNotShown(t *testing.T) {
	t.Parallel()
	w := newVerifyWorld(t)
	w.files["config/deploy.yml"] = strings.Replace(verifyConfig, "image: mysql:8.4\n  operator", "image: <%= ENV[\"DB_PASSWORD\"] %>\n  operator", 1)
	getenv := w.deps.Getenv
	w.deps.Getenv = func(k string) string {
		if k == "DB_PASSWORD" {
			return "acme/s3cret-image:1"
		}
		return getenv(k)
	}
	res, err := w.run(t)
	var f *diag.Finding
	if !errors.As(err, &f) || f.Code != "ecr/pull-name-unknown" || f.Pos.Line != lineDB {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(f.Msg, `<%= ENV["DB_PASSWORD"] %>`) || !strings.Contains(f.Msg, "NAME_UNKNOWN") {
		t.Errorf("message %q lacks the source or the registry's answer", f.Msg)
	}
	texts := []string{f.Msg, f.Fix}
	for _, g := range res.Findings {
		texts = append(texts, g.Msg, g.Fix)
	}
	for _, tr := range res.Translations {
		texts = append(texts, tr.ShownRef(), tr.ShownOutput(), tr.ShownNote())
		if tr.Pull != nil {
			texts = append(texts, tr.Pull.Problem)
		}
	}
	for _, s := range texts {
		if strings.Contains(s, "s3cret") {
			t.Errorf("shows the secret: %q", s)
		}
	}
}
