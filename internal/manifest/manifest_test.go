package manifest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

const (
	account = "123456789012"
	region  = "eu-west-1"
	host    = account + ".dkr.ecr." + region + ".amazonaws.com"
)

// world is the project's ECR server with its registry API, reached at the
// real registry host through a TLS-terminating CONNECT proxy on loopback.
type world struct {
	ecr      *ecrtest.Server
	reg      *ecrtest.Registry
	hub      *ecrtest.Upstream
	api      *ecr.Client
	client   *http.Client
	proxy    *ecrtest.Proxy
	accepts  *recorder
	redis    string // digest of docker-hub/library/redis:7
	nginxIdx string
}

type recorder struct {
	mu   sync.Mutex
	seen [][]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{ecr: ecrtest.New(account, region), hub: ecrtest.NewUpstream(), accepts: &recorder{}}
	w.ecr.AddRule(ecrtest.Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub", CredentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub"})
	w.ecr.AddRule(ecrtest.Rule{Prefix: "quay", UpstreamURL: "quay.io", UpstreamRegistry: "quay"})
	w.ecr.AddRule(ecrtest.Rule{Prefix: "ghcr", UpstreamURL: "ghcr.io", UpstreamRegistry: "github-container-registry",
		CredentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/gh", Failure: "Bad credentials"})
	w.redis = w.hub.Put("library/redis", "7", "application/vnd.oci.image.index.v1+json", ecrtest.Index("amd64"))
	w.nginxIdx = w.hub.Put("library/nginx", "1.27", "application/vnd.docker.distribution.manifest.list.v2+json", ecrtest.Index("arm64"))
	w.reg = ecrtest.NewRegistry(w.ecr)
	w.reg.SetUpstream("registry-1.docker.io", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.accepts.mu.Lock()
		w.accepts.seen = append(w.accepts.seen, r.Header.Values("Accept"))
		w.accepts.mu.Unlock()
		w.hub.ServeHTTP(rw, r)
	}))
	w.reg.SetUpstream("quay.io", ecrtest.NewUpstream())
	w.reg.DenyImport("quay")
	w.reg.Fail("docker-hub/library/flaky", http.StatusServiceUnavailable)

	ca, err := ecrtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v2/", w.reg)
	mux.Handle("/", w.ecr) // the ECR API, behind the same proxy
	w.proxy, err = ecrtest.NewProxy(ca, mux)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.proxy.Close)
	proxyURL, _ := url.Parse(w.proxy.URL)
	tr := &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: ca.TLSClientConfig()}
	t.Cleanup(tr.CloseIdleConnections)
	w.client = &http.Client{Transport: tr}
	w.api = ecr.New(ecr.Options{Region: region, HTTPClient: w.client, BaseEndpoint: aws.String("https://api.ecr." + region + ".amazonaws.com"),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	return w
}

// checker logs in as Kamal's servers do: with GetAuthorizationToken's password.
func (w *world) checker(t *testing.T) *manifest.Checker {
	t.Helper()
	user, pass, err := registry.Login(context.Background(), w.api, registry.Host{Name: host, Account: account, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	return &manifest.Checker{Client: w.client, Host: host, User: user, Password: pass}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.checker(t)
	tests := []struct {
		ref        manifest.Ref
		digest     string
		kind       manifest.Kind
		status     int
		code, text string
		down       bool // an UnavailableError
	}{
		{ref: manifest.Ref{Repository: "docker-hub/library/redis", Reference: "7"}, digest: w.redis},
		{ref: manifest.Ref{Repository: "docker-hub/library/nginx", Reference: w.nginxIdx}, digest: w.nginxIdx},
		{ref: manifest.Ref{Repository: "docker-hub/library/percona", Reference: "8"}, kind: manifest.NameUnknown, status: 404, code: "NAME_UNKNOWN", text: "does not exist"},
		{ref: manifest.Ref{Repository: "docker-hub/library/redis", Reference: "99"}, kind: manifest.ManifestUnknown, status: 404, code: "MANIFEST_UNKNOWN"},
		{ref: manifest.Ref{Repository: "quay/prometheus/node-exporter", Reference: "v1"}, kind: manifest.Denied, status: 403, code: "DENIED", text: "ecr:BatchImportUpstreamImage"},
		{ref: manifest.Ref{Repository: "ghcr/acme/tool", Reference: "v1"}, kind: manifest.UpstreamDenied, status: 403, code: "DENIED", text: "upstream registry"},
		{ref: manifest.Ref{Repository: "acme/not-a-cache", Reference: "v1"}, kind: manifest.NameUnknown, status: 404, code: "NAME_UNKNOWN"},
		{ref: manifest.Ref{Repository: "docker-hub/library/flaky", Reference: "1"}, down: true, status: 503, text: "SERVICE_UNAVAILABLE"},
	}
	refs := make([]manifest.Ref, len(tests))
	for i, tc := range tests {
		refs[i] = tc.ref
	}
	results := c.Check(context.Background(), refs)
	for i, tc := range tests {
		got := results[i]
		if got.Ref != tc.ref {
			t.Errorf("result %d is for %v, want %v", i, got.Ref, tc.ref)
		}
		var re *manifest.Error
		var ue *manifest.UnavailableError
		switch {
		case tc.digest != "":
			if got.Err != nil || got.Digest != tc.digest {
				t.Errorf("%v: digest %q, err %v; want %s", tc.ref, got.Digest, got.Err, tc.digest)
			}
		case tc.down:
			if !errors.As(got.Err, &ue) || ue.Status != tc.status || !strings.Contains(ue.Error(), tc.text) {
				t.Errorf("%v: err %v, want unavailable %d %s", tc.ref, got.Err, tc.status, tc.text)
			}
		default:
			if !errors.As(got.Err, &re) || re.Kind() != tc.kind || re.Status != tc.status || re.Code != tc.code || !strings.Contains(re.Message, tc.text) {
				t.Errorf("%v: err %#v, want kind %d, %d %s %q", tc.ref, got.Err, tc.kind, tc.status, tc.code, tc.text)
			}
		}
	}
	if _, ok := w.ecr.Repository("", "docker-hub/library/redis"); !ok {
		t.Error("the first pull did not create the cached repository docker-hub/library/redis")
	}
	if _, ok := w.ecr.Repository("", "docker-hub/library/percona"); ok {
		t.Error("a failed pull created a repository")
	}
	w.accepts.mu.Lock()
	defer w.accepts.mu.Unlock()
	want := []string{"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"}
	for _, a := range w.accepts.seen {
		if !slices.Equal(a, want) {
			t.Errorf("the upstream was asked with Accept %q, want %q", a, want)
		}
	}
	if len(w.accepts.seen) == 0 {
		t.Error("no request reached the upstream")
	}
}

func TestCheckWrongPassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.checker(t)
	c.Password = "not-the-token"
	res := c.Check(context.Background(), []manifest.Ref{{Repository: "docker-hub/library/redis", Reference: "7"}})
	var re *manifest.Error
	if !errors.As(res[0].Err, &re) || re.Status != 401 || re.Kind() != manifest.Denied {
		t.Fatalf("err = %v, want a 401 denial", res[0].Err)
	}
	if _, ok := w.ecr.Repository("", "docker-hub/library/redis"); ok {
		t.Error("an unauthorized pull created the cached repository")
	}
}

// A first pull through the cache can be slow: it is bounded by the
// checker's timeout, and passes when the timeout allows for it.
func TestCheckSlowFirstPull(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.reg.FirstPullDelay = 300 * time.Millisecond
	c := w.checker(t)
	c.Timeout = 50 * time.Millisecond
	ref := manifest.Ref{Repository: "docker-hub/library/redis", Reference: "7"}
	var ue *manifest.UnavailableError
	if res := c.Check(context.Background(), []manifest.Ref{ref}); !errors.As(res[0].Err, &ue) || !ue.Timeout {
		t.Fatalf("err = %v, want a timeout", res[0].Err)
	}
	c.Timeout = 0 // manifest.Timeout
	if res := c.Check(context.Background(), []manifest.Ref{ref}); res[0].Err != nil || res[0].Digest != w.redis {
		t.Fatalf("with the default timeout: %+v", res[0])
	}
}

// The run's deadline bounds every request, whatever the checker's timeout.
func TestCheckRunDeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.reg.FirstPullDelay = time.Minute
	c := w.checker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res := c.Check(ctx, []manifest.Ref{{Repository: "docker-hub/library/redis", Reference: "7"}, {Repository: "docker-hub/library/nginx", Reference: "1.27"}})
	for _, r := range res {
		var ue *manifest.UnavailableError
		if !errors.As(r.Err, &ue) || !ue.Timeout {
			t.Errorf("%v: err = %v, want a timeout", r.Ref, r.Err)
		}
	}
}
