package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

var built struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// binary builds the action once for the tests that start it as a process.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "kamal-ecr-bin")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "kamal-ecr")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// pullStep is a step whose registry API is reached as in production, at
// https://<registry host>, through HTTPS_PROXY: a CONNECT proxy on loopback
// that terminates TLS with a test CA given in SSL_CERT_FILE. The binary runs
// as its own process, since Go reads both variables once per process.
type pullStep struct {
	*step
	reg   *ecrtest.Registry
	hub   *ecrtest.Upstream
	proxy *ecrtest.Proxy
	out   string
}

func newPullStep(t *testing.T, with map[string]string) *pullStep {
	t.Helper()
	s := &pullStep{step: newStep(t, with)}
	s.env[inputs.EnvName("verify-images")] = inputs.Default("verify-images")
	var caFile string
	s.reg, s.hub, s.proxy, caFile = serveRegistryAPI(t, s.srv, t.TempDir())
	s.env["HTTPS_PROXY"], s.env["SSL_CERT_FILE"] = s.proxy.URL, caFile
	return s
}

// serveRegistryAPI gives srv the registry API with upstreams holding the
// fixture's images, behind a TLS-terminating CONNECT proxy on loopback
// whose CA it writes to dir/ca.pem.
func serveRegistryAPI(t *testing.T, srv *ecrtest.Server, dir string) (*ecrtest.Registry, *ecrtest.Upstream, *ecrtest.Proxy, string) {
	t.Helper()
	hub, gh, public := ecrtest.NewUpstream(), ecrtest.NewUpstream(), ecrtest.NewUpstream()
	for _, img := range []string{"library/mysql:8.4", "library/redis:7.4", "percona/percona-xtradb-cluster-operator:1.15.0", "library/nginx:1.27"} {
		name, tag, _ := strings.Cut(img, ":")
		hub.Put(name, tag, "application/vnd.oci.image.index.v1+json", ecrtest.Index(img))
	}
	gh.Put("acme/search", "2", "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2}`))
	public.Put("docker/library/node", "22", "application/vnd.docker.distribution.manifest.list.v2+json", ecrtest.Index("node"))
	reg := ecrtest.NewRegistry(srv)
	reg.SetUpstream("registry-1.docker.io", hub)
	reg.SetUpstream("ghcr.io", gh)
	reg.SetUpstream("public.ecr.aws", public)
	ca, err := ecrtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := ecrtest.NewProxy(ca, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return reg, hub, proxy, caFile
}

// exec runs the binary with the step's environment and nothing else.
func (s *pullStep) exec(args ...string) *pullStep {
	s.t.Helper()
	hs := httptest.NewServer(s.srv) // the ECR API on loopback, which no proxy is used for
	defer hs.Close()
	s.env["AWS_ENDPOINT_URL_ECR"], s.env["AWS_ENDPOINT_URL_STS"] = hs.URL, hs.URL
	cmd := exec.Command(binary(s.t), args...)
	cmd.Dir = s.workspace
	cmd.Env = []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME=" + s.t.TempDir()}
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	s.out = string(out) + stderr.String()
	s.stdout.Reset()
	s.stdout.Write(out)
	s.code = cmd.ProcessState.ExitCode()
	if err != nil && s.code <= 0 {
		s.t.Fatalf("run: %v\n%s", err, out)
	}
	return s
}

func TestBinaryVerifiesImagesThroughProxy(t *testing.T) {
	t.Parallel()
	s := newPullStep(t, map[string]string{"rewrite-accessories": "true", "images": "nginx:1.27"}).exec()
	if s.code != 0 {
		t.Fatalf("exit %d\n%s", s.code, s.out)
	}
	var digests map[string]string
	if err := json.Unmarshal([]byte(s.outputs()["image-digests"]), &digests); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"docker-hub/library/mysql:8.4", "docker-hub/library/redis:7.4", "docker-hub/percona/percona-xtradb-cluster-operator:1.15.0", "github/acme/search:2", "docker-hub/library/nginx:1.27"} {
		if d := digests[host+"/"+path]; !strings.HasPrefix(d, "sha256:") || len(d) != 71 {
			t.Errorf("digest of %s = %q", path, d)
		}
		if n := s.reg.Pulls()[path]; n != 1 {
			t.Errorf("%s pulled %d times", path, n)
		}
	}
	if len(digests) != 5 {
		t.Errorf("image-digests = %v", digests)
	}
	for _, tunnel := range s.proxy.Tunnels() {
		if tunnel != host+":443" {
			t.Errorf("tunnel to %s", tunnel)
		}
	}
	if len(s.proxy.Tunnels()) == 0 {
		t.Error("nothing went through HTTPS_PROXY")
	}
	if sum := s.summary(); !strings.Contains(sum, " · 5 images verified to pull") || !strings.Contains(sum, "5 images were verified") || !strings.Contains(sum, "| corrected, rewritten | pulls `") {
		t.Errorf("summary:\n%s", sum)
	}
	golden(t, filepath.Join("testdata", "e2e", "want", "deploy.yml"), s.file("config/deploy.yml"))
}

// A rewritten path that does not pull is never written: the failures come
// last, at the image's line, with the exit status of their cause.
func TestBinaryImageFailuresKeepTheConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(s *pullStep)
		code  int
		want  string
	}{
		{"a tag upstream lacks", func(s *pullStep) { s.reg.SetUpstream("registry-1.docker.io", ecrtest.NewUpstream()) }, 2,
			"::error col=12,file=config/deploy.yml,line=25,title=kamal-ecr::accessory redis: " + host + "/docker-hub/library/redis:7.4 does not pull: the registry answered NAME_UNKNOWN"},
		{"the role may not import", func(s *pullStep) { s.reg.DenyImport("github") }, 1,
			"::error col=12,file=config/deploy.yml,line=31,title=kamal-ecr::accessory search: " + host + "/github/acme/search:2 does not pull: the registry answered DENIED"},
		{"an images input entry", func(s *pullStep) { // no file: the annotation names the input
			s.env[inputs.EnvName("images")] = "nginx:1.99"
		}, 2, "::error title=kamal-ecr::nginx:1.99 in the images input: " + host + "/docker-hub/library/nginx:1.99 does not pull: the registry answered MANIFEST_UNKNOWN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newPullStep(t, map[string]string{"rewrite-accessories": "true"})
			tc.setup(s)
			s.exec()
			if s.code != tc.code || !strings.Contains(s.out, tc.want) {
				t.Errorf("exit %d, want %d and %q in\n%s", s.code, tc.code, tc.want, s.out)
			}
			if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
				t.Error("the config was written")
			}
			if !strings.Contains(s.summary(), ", see above |") || !strings.Contains(s.summary(), " image failing to pull") && !strings.Contains(s.summary(), " images failing to pull") {
				t.Errorf("summary:\n%s", s.summary())
			}
		})
	}
}

// On a terminal, an images entry that does not pull is said against the
// --images flag, with no file position.
func TestBinaryImagesEntryOnTerminal(t *testing.T) {
	t.Parallel()
	s := newPullStep(t, map[string]string{"images": "nginx:1.99"})
	delete(s.env, "GITHUB_ACTIONS")
	want := "kamal-ecr: error: nginx:1.99 in --images: " + host + "/docker-hub/library/nginx:1.99 does not pull"
	if s.exec(); s.code != 2 || !strings.Contains(s.out, want) {
		t.Errorf("exit %d, want 2 and %q in\n%s", s.code, want, s.out)
	}
}

// The policy --iam-policy prints covers the verification: the token, the
// rules' credential test, and a first pull through each prefix in use, with
// the registry API refusing everything outside the policy.
func TestBinaryIAMPolicyCoversVerification(t *testing.T) {
	t.Parallel()
	s := newPullStep(t, map[string]string{"rewrite-accessories": "true", "images": "nginx:1.27"})
	s.srv.SetRuleCredentials("github", "arn:aws:secretsmanager:us-east-1:"+account+":secret:ecr-pullthroughcache/gh") // ghcr.io/acme/search goes through it
	if s.exec("--iam-policy"); s.code != 0 {
		t.Fatalf("--iam-policy: exit %d\n%s", s.code, s.out)
	}
	doc := s.stdout.Bytes()
	for _, action := range []string{"ecr:GetAuthorizationToken", "ecr:ValidatePullThroughCacheRule", "ecr:BatchImportUpstreamImage"} {
		if !bytes.Contains(doc, []byte(action)) {
			t.Errorf("the policy lacks %s:\n%s", action, doc)
		}
	}
	policy, err := ecrtest.ParsePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	s.srv.SetPolicy(policy)
	if s.exec(); s.code != 0 || len(s.srv.Denied()) > 0 {
		t.Fatalf("exit %d, denied %q\n%s", s.code, s.srv.Denied(), s.out)
	}
	var digests map[string]string
	if json.Unmarshal([]byte(s.outputs()["image-digests"]), &digests); len(digests) != 5 {
		t.Errorf("image-digests = %v", digests)
	}
}

// Every finding about an images entry names the input as a flag on a
// terminal: a reference that is not one, and one no rule applies to.
func TestBinaryImagesEntriesNameTheFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ images, want string }{
		{"Nginx:1", "kamal-ecr: error: Nginx:1 in --images: invalid image reference"},
		{"quay.io/x/y:1", "kamal-ecr: notice: quay.io/x/y:1 in --images left as is"},
	} {
		s := newPullStep(t, map[string]string{"images": tc.images})
		delete(s.env, "GITHUB_ACTIONS")
		if s.exec(); !strings.Contains(s.out, tc.want) || strings.Contains(s.out, "images input") {
			t.Errorf("%s: want %q and no \"images input\" in\n%s", tc.images, tc.want, s.out)
		}
	}
}
