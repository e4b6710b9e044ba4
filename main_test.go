package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/cli"
	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	account = "123456789012"
	host    = account + ".dkr.ecr.us-east-1.amazonaws.com"
)

func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true") // never reach for instance metadata
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	os.Exit(m.Run())
}

// step is one run of the action the way the runner starts it.
type step struct {
	t         *testing.T
	env       map[string]string
	workspace string
	srv       *ecrtest.Server
	stdout    bytes.Buffer
	stderr    bytes.Buffer
	code      int
}

// newStep copies the fixture workspace and starts a local ECR with pull-through rules.
func newStep(t *testing.T, with map[string]string) *step {
	t.Helper()
	return newStepFrom(t, filepath.Join("testdata", "e2e", "workspace"), with)
}

// newStepFrom is newStep with the workspace copied from dir.
func newStepFrom(t *testing.T, dir string, with map[string]string) *step {
	t.Helper()
	ws := t.TempDir()
	copyDir(t, dir, ws)
	srv := ecrtest.New(account, "us-east-1")
	srv.AddRule(ecrtest.Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"})
	srv.AddRule(ecrtest.Rule{Prefix: "ecr-public", UpstreamURL: "public.ecr.aws", UpstreamRegistry: "ecr-public"})
	srv.AddRule(ecrtest.Rule{Prefix: "github", UpstreamURL: "ghcr.io", UpstreamRegistry: "github-container-registry"})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	runner := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws,
		"GITHUB_OUTPUT": filepath.Join(runner, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(runner, "summary"),
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
		"AWS_ENDPOINT_URL_ECR": hs.URL, "AWS_ENDPOINT_URL_STS": hs.URL,
	}
	for _, in := range inputs.Action() {
		env[inputs.EnvName(in.Name)] = in.Default // the runner fills in defaults
	}
	// Go reads HTTPS_PROXY and SSL_CERT_FILE once per process, so an
	// in-process run cannot reach a local registry API: verify_test.go runs
	// the binary for that.
	env[inputs.EnvName("verify-images")] = "false"
	for k, v := range with {
		env[inputs.EnvName(k)] = v
	}
	return &step{t: t, env: env, workspace: ws, srv: srv}
}

// run runs the command as main does, with env as the whole environment.
func run(ctx context.Context, args []string, env map[string]string, stdout, stderr io.Writer) int {
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	cmd := cli.Command{Stdout: stdout, Stderr: stderr}
	return cmd.Run(ctx, args, environ)
}

func (s *step) run() *step {
	s.code = run(context.Background(), nil, s.env, &s.stdout, &s.stderr)
	if bad := s.srv.BadSignatures(); len(bad) > 0 {
		s.t.Errorf("requests with a wrong SigV4 scope: %v", bad)
	}
	return s
}

func (s *step) file(name string) string {
	b, err := os.ReadFile(filepath.Join(s.workspace, name))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

// summary is the job summary; a step that wrote none has an empty one.
func (s *step) summary() string {
	b, err := os.ReadFile(s.env["GITHUB_STEP_SUMMARY"])
	if err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	return string(b)
}

func (s *step) outputs() map[string]string {
	s.t.Helper()
	return readOutputs(s.t, s.env["GITHUB_OUTPUT"])
}

// readOutputs parses GITHUB_OUTPUT's name<<delimiter heredocs.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	head := regexp.MustCompile(`^([a-z-]+)<<(ghadelimiter_[A-Za-z0-9]+)$`)
	for sc.Scan() {
		m := head.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("GITHUB_OUTPUT line %q is not a heredoc head", sc.Text())
		}
		var val []string
		for sc.Scan() && sc.Text() != m[2] {
			val = append(val, sc.Text())
		}
		out[m[1]] = strings.Join(val, "\n")
	}
	return out
}

func original(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "e2e", "workspace", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestActionEndToEnd(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"login": "true", "rewrite-accessories": "true", "images": "nginx:1.27\npublic.ecr.aws/docker/library/node:22\nquay.io/x/y:1"}).run()
	if s.code != 0 {
		t.Fatalf("exit %d\n%s%s", s.code, s.stdout.String(), s.stderr.String())
	}
	out := s.outputs()
	want := map[string]string{
		"registry":          host,
		"image":             host + "/acme/shop",
		"cache-image":       host + "/acme/shop-build-cache",
		"repositories":      `[{"name":"acme/shop","uri":"` + host + `/acme/shop","created":true},{"name":"acme/shop-build-cache","uri":"` + host + `/acme/shop-build-cache","created":true}]`,
		"created":           `["acme/shop","acme/shop-build-cache"]`,
		"patched":           "true",
		"config-file":       "config/deploy.yml",
		"images":            `{"basecamp/kamal-proxy:v0.9.2":"` + host + `/docker-hub/basecamp/kamal-proxy:v0.9.2","nginx:1.27":"` + host + `/docker-hub/library/nginx:1.27","public.ecr.aws/docker/library/node:22":"` + host + `/ecr-public/docker/library/node:22","quay.io/x/y:1":"quay.io/x/y:1"}`,
		"accessory-images":  `{"db":"` + host + `/docker-hub/library/mysql:8.4","operator":"` + host + `/docker-hub/percona/percona-xtradb-cluster-operator:1.15.0","redis":"` + host + `/docker-hub/library/redis:7.4","search":"` + host + `/github/acme/search:2"}`,
		"registry-username": "AWS",
		"registry-password": "local-secret-password-" + account,
	}
	if !maps.Equal(out, want) {
		for k := range want {
			if out[k] != want[k] {
				t.Errorf("output %s = %q\n want %q", k, out[k], want[k])
			}
		}
	}
	// The password is masked before anything else could print it.
	stdout := s.stdout.String()
	if i := strings.Index(stdout, "::add-mask::local-secret-password"); i != 0 || strings.Count(stdout, "local-secret-password") != 1 {
		t.Errorf("password printed or masked late:\n%s", stdout)
	}
	for _, a := range []string{"::notice file=config/deploy.yml,line=18,title=kamal-ecr::builder.cache.options changed from mode=max to mode=max,image-manifest=true,oci-mediatypes=true",
		"::notice col=12,file=config/deploy.yml,line=25,title=kamal-ecr::accessories.redis.image corrected from " + host + "/docker-hub/redis:7.4 to " + host + "/docker-hub/library/redis:7.4"} {
		if !strings.Contains(stdout, a) {
			t.Errorf("missing annotation %q in\n%s", a, stdout)
		}
	}
	summary := s.summary()
	for _, part := range []string{"| `acme/shop` | app | created |", "expire untagged after 7 days: put",
		"-    options: mode=max   # every stage\n+    options: mode=max,image-manifest=true,oci-mediatypes=true   # every stage",
		"| accessory `redis` | `…/docker-hub/redis:7.4` | `…/docker-hub/library/redis:7.4` | corrected"} {
		if !strings.Contains(summary, part) {
			t.Errorf("summary lacks %q:\n%s", part, summary)
		}
	}
	if r, _ := s.srv.Repository("", "acme/shop-build-cache"); r.Policy != registry.LifecyclePolicy(7) {
		t.Errorf("cache lifecycle policy = %q", r.Policy)
	}
	golden(t, filepath.Join("testdata", "e2e", "want", "deploy.yml"), s.file("config/deploy.yml"))
	if s.file("config/deploy.staging.yml") != original(t, "config/deploy.staging.yml") {
		t.Error("the destination file changed")
	}
}

func TestActionDestination(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"destination": "staging", "pull-through-cache": "off", "image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION"}).run()
	if s.code != 0 {
		t.Fatalf("exit %d\n%s", s.code, s.stdout.String())
	}
	out := s.outputs()
	if out["image"] != host+"/acme/shop-staging" || out["cache-image"] != host+"/acme/shop-staging-cache" || out["accessory-images"] != `{"db":"mysql:8.4","operator":"percona/percona-xtradb-cluster-operator:1.15.0","redis":"`+host+`/docker-hub/redis:7.4","search":"ghcr.io/acme/search:2"}` {
		t.Errorf("outputs = %v", out)
	}
	if r, _ := s.srv.Repository("", "acme/shop-staging"); r.Mutability != "IMMUTABLE_WITH_EXCLUSION" || strings.Join(r.Filters, ",") != "latest*" {
		t.Errorf("app repository = %+v", r)
	}
	if s.srv.Calls()["DescribePullThroughCacheRules"] != 0 {
		t.Error("read rules with pull-through-cache: off")
	}
}

func TestActionDryRun(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"dry-run": "true", "login": "true"}).run()
	if s.code != 0 {
		t.Fatalf("exit %d\n%s", s.code, s.stdout.String())
	}
	for op := range s.srv.Calls() {
		if !strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "Get") || op == "GetAuthorizationToken" {
			t.Errorf("dry run called %s", op)
		}
	}
	if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
		t.Error("dry run changed the config")
	}
	out := s.outputs()
	if out["patched"] != "false" || out["config-file"] != "config/deploy.yml" || out["created"] != "[]" || out["registry-password"] != "" {
		t.Errorf("outputs = %v", out)
	}
	if !strings.Contains(s.summary(), "would create") || !strings.Contains(s.summary(), "config would be patched +") {
		t.Errorf("summary:\n%s", s.summary())
	}
}

func TestActionFailuresLeaveConfigUntouched(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		inputs map[string]string
		setup  func(*ecrtest.Server)
		code   int
		want   string
	}{
		{"access denied", nil, func(s *ecrtest.Server) { s.Deny("CreateRepository") }, 1,
			"title=kamal-ecr::ECR repository acme/shop does not exist and this role may not create it (AWS denied ecr:CreateRepository)"},
		{"immutable repository", nil, func(s *ecrtest.Server) {
			s.AddRepository(ecrtest.Repository{Name: "acme/shop", Mutability: "IMMUTABLE"})
		}, 1,
			"::error title=kamal-ecr::ECR repository acme/shop is IMMUTABLE, but Kamal overwrites the tag \"latest\""},
		{"bad input", map[string]string{"image-tag-mutability": "SOMETIMES"}, nil, 2,
			"::error title=kamal-ecr::input image-tag-mutability: \"SOMETIMES\" is not MUTABLE or IMMUTABLE_WITH_EXCLUSION"},
		{"bad lifecycle days", map[string]string{"cache-lifecycle-days": "seven"}, nil, 2, "input cache-lifecycle-days: \"seven\" is not a whole number"},
		{"bad region", map[string]string{"aws-region": "mars-1"}, nil, 2, "input aws-region: \"mars-1\" is not an AWS region"},
		{"missing destination", map[string]string{"destination": "prod"}, nil, 2,
			"::error file=config/deploy.prod.yml,title=kamal-ecr::config file not found. Fix: create it or check the destination input"},
		{"invalid image input", map[string]string{"images": "Nginx:1"}, nil, 2, "::error title=kamal-ecr::Nginx:1 in the images input: invalid image reference"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t, tt.inputs)
			if tt.setup != nil {
				tt.setup(s.srv)
			}
			s.run()
			if s.code != tt.code || !strings.Contains(s.stdout.String(), tt.want) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s", s.code, tt.code, tt.want, s.stdout.String())
			}
			if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
				t.Error("the config changed on failure")
			}
			if out := s.outputs(); len(out) != 0 {
				t.Errorf("outputs set on failure: %v", out)
			}
		})
	}
}

func TestActionConfigErrorAtLine(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	cfg := filepath.Join(s.workspace, "config", "deploy.yml")
	src := mustReplace(t, original(t, "config/deploy.yml"), "image: acme/shop", `image: <%= ENV["APP_IMAGE"] %>`)
	must(t, os.WriteFile(cfg, []byte(src), 0o644))
	s.run()
	want := `::error col=8,file=config/deploy.yml,line=3,title=kamal-ecr::image: should be a string. Fix: the ERB here renders nothing because APP_IMAGE is not set at this step: set APP_IMAGE in the workflow's env`
	if s.code != 2 || !strings.Contains(s.stdout.String(), want) {
		t.Errorf("exit %d; stdout lacks %q:\n%s", s.code, want, s.stdout.String())
	}
	if b, _ := os.ReadFile(cfg); string(b) != src {
		t.Error("the config changed on failure")
	}
	if len(s.srv.Calls()) != 0 {
		t.Errorf("called AWS before the config was read: %v", s.srv.Calls())
	}
	s.env["APP_IMAGE"] = "acme/shop"
	if s.stdout.Reset(); s.run().code != 0 {
		t.Errorf("with APP_IMAGE set: exit %d\n%s", s.code, s.stdout.String())
	}
}

// Kamal pushes to registry.server: the action prepares that registry or
// stops before any AWS call. Only a server read from a variable a later step
// sets is taken from the registry input or STS.
func TestActionRegistryRules(t *testing.T) {
	t.Parallel()
	const other = "999999999999.dkr.ecr.eu-west-1.amazonaws.com"
	for _, tt := range []struct {
		name, server string // the server: line, "" to remove it
		inputs       map[string]string
		code         int
		want         string // in stdout
		calls        []string
	}{
		{"no server", "", nil, 2,
			"::error col=1,file=config/deploy.yml,line=9,title=kamal-ecr::registry.server is not set, so Kamal pushes to Docker Hub, not ECR. Fix: set registry.server: <account>.dkr.ecr.<region>.amazonaws.com", nil},
		{"no server, registry input", "", map[string]string{"registry": host}, 2,
			"Fix: set registry.server: " + host, nil},
		{"not ECR", "  server: ghcr.io", nil, 2,
			"::error col=11,file=config/deploy.yml,line=10,title=kamal-ecr::registry.server: \"ghcr.io\" is not an ECR registry host", nil},
		{"input differs", "  server: " + host, map[string]string{"registry": other}, 2,
			"::error col=11,file=config/deploy.yml,line=10,title=kamal-ecr::registry.server is " + host + " but the registry input is " + other, nil},
		{"input matches", "  server: " + host, map[string]string{"registry": host}, 0, "", []string{"CreateRepository"}},
		{"variable set later, STS", `  server: <%= ENV["ECR_REGISTRY"] %>`, nil, 0,
			"::notice col=11,file=config/deploy.yml,line=10,title=kamal-ecr::registry.server reads ECR_REGISTRY, which is not set in this step; kamal-ecr worked on " + host + ". Fix: set ECR_REGISTRY for kamal deploy to this step's registry output",
			[]string{"GetCallerIdentity", "CreateRepository"}},
		{"variable set later, input", `  server: <%= ENV.fetch("ECR_REGISTRY") %>`, map[string]string{"registry": host}, 0,
			"registry.server reads ECR_REGISTRY, which is not set in this step", []string{"CreateRepository"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t, tt.inputs)
			src := original(t, "config/deploy.yml")
			line := "  server: " + host
			if tt.server == "" {
				line += "\n"
			}
			src = mustReplace(t, src, line, tt.server)
			must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644))
			s.run()
			if s.code != tt.code || !strings.Contains(s.stdout.String(), tt.want) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s", s.code, tt.code, tt.want, s.stdout.String())
			}
			calls := s.srv.Calls()
			for _, c := range tt.calls {
				if calls[c] == 0 {
					t.Errorf("no %s call: %v", c, calls)
				}
			}
			if tt.code != 0 && (len(calls) != 0 || s.file("config/deploy.yml") != src) {
				t.Errorf("config changed or AWS called: %v", calls)
			}
			if tt.code == 0 && (s.outputs()["registry"] != host || calls["GetCallerIdentity"] != 0 && tt.inputs["registry"] != "") {
				t.Errorf("outputs %v, calls %v", s.outputs(), calls)
			}
		})
	}
}

func TestActionCLI(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "demo"), dir)
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--dry-run", "--pull-through-cache", "docker.io=docker-hub"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"kamal-ecr dry run: nothing is changed", "would create if missing (AWS not asked: no credentials)", "+    options: mode=max,image-manifest=true,oci-mediatypes=true",
		"accessory-images: {\"db\":\"123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/mysql:8.4\""} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if code := run(context.Background(), []string{"--cache-mode", "fast"}, nil, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "kamal-ecr: error: --cache-mode: \"fast\" is not min or max") {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}
}

// The built binary, started as the runner starts a container action, twice at
// once against one registry: both succeed and each repository is created once.
func TestBinaryConcurrentRuns(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "kamal-ecr")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	steps := []*step{newStep(t, nil), newStep(t, nil)}
	steps[1].srv = steps[0].srv // one registry
	hs := httptest.NewServer(steps[0].srv)
	t.Cleanup(hs.Close)
	var wg sync.WaitGroup
	outs := make([][]byte, len(steps))
	errs := make([]error, len(steps))
	for i, s := range steps {
		s.env["AWS_ENDPOINT_URL_ECR"], s.env["AWS_ENDPOINT_URL_STS"] = hs.URL, hs.URL
		cmd := exec.Command(bin)
		cmd.Dir = s.workspace
		for k, v := range s.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Env = append(cmd.Env, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		wg.Go(func() { outs[i], errs[i] = cmd.CombinedOutput() })
	}
	wg.Wait()
	created := 0
	for i, s := range steps {
		if errs[i] != nil {
			t.Fatalf("run %d: %v\n%s", i, errs[i], outs[i])
		}
		out := s.outputs()
		if out["image"] != host+"/acme/shop" || out["patched"] != "true" {
			t.Errorf("run %d outputs = %v", i, out)
		}
		var names []string
		must(t, json.Unmarshal([]byte(out["created"]), &names))
		created += len(names)
		golden(t, filepath.Join("testdata", "e2e", "want", "deploy.default.yml"), s.file("config/deploy.yml"))
		if sum := s.summary(); !strings.HasPrefix(sum, "## ✅ Ready for kamal deploy\n") || !strings.Contains(sum, "| `acme/shop-build-cache` | cache |") ||
			!strings.Contains(sum, "+    options: mode=max,image-manifest=true,oci-mediatypes=true   # every stage") {
			t.Errorf("run %d summary:\n%s", i, sum)
		}
	}
	for name, n := range steps[0].srv.Creations() {
		if n != 1 {
			t.Errorf("%s created %d times", name, n)
		}
	}
	if created != 2 {
		t.Errorf("the two runs report %d creations, want 2", created)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch:\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// With login, every secret the registry sections name must reach Kamal
// through its secrets files; the check reads only whether each has a value.
func TestActionRegistrySecrets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, dest string
		files      map[string]string // secrets files by workspace path
		code       int
		want       string
	}{
		{"forwarded", "", map[string]string{".kamal/secrets": "KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n"}, 0, ""},
		{"in common", "", map[string]string{".kamal/secrets-common": "KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n", ".kamal/secrets": "OTHER=1\n"}, 0, ""},
		{"missing", "", map[string]string{".kamal/secrets": "RAILS_MASTER_KEY=$RAILS_MASTER_KEY\n"}, 2,
			"::error col=7,file=config/deploy.yml,line=13,title=kamal-ecr::registry.password names the secret KAMAL_REGISTRY_PASSWORD, but .kamal/secrets does not define it, so kamal deploy will fail. Fix: add the line KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD to .kamal/secrets"},
		{"empty", "", map[string]string{".kamal/secrets": "KAMAL_REGISTRY_PASSWORD=\n"}, 2, "but .kamal/secrets gives it no value"},
		{"destination file instead", "staging", map[string]string{".kamal/secrets": "KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n", ".kamal/secrets.staging": "X=1\n"}, 2,
			"but .kamal/secrets.staging does not define it"},
		{"no file yet", "", nil, 0,
			"::warning col=7,file=config/deploy.yml,line=13,title=kamal-ecr::registry.password names the secret KAMAL_REGISTRY_PASSWORD, and there is no secrets file (.kamal/secrets) yet"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t, map[string]string{"login": "true", "destination": tt.dest})
			src := mustReplace(t, original(t, "config/deploy.yml"), "  password: <%= %x(aws ecr get-login-password) %>", "  password:\n    - KAMAL_REGISTRY_PASSWORD")
			must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644))
			for name, content := range tt.files {
				must(t, os.MkdirAll(filepath.Join(s.workspace, ".kamal"), 0o755))
				must(t, os.WriteFile(filepath.Join(s.workspace, name), []byte(content), 0o600))
			}
			s.run()
			if s.code != tt.code || !strings.Contains(s.stdout.String(), tt.want) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s", s.code, tt.code, tt.want, s.stdout.String())
			}
			if tt.code != 0 && len(s.srv.Calls()) != 0 {
				t.Errorf("AWS called: %v", s.srv.Calls())
			}
			if strings.Contains(s.stdout.String(), "RAILS_MASTER_KEY") {
				t.Error("printed an unrelated secret's name")
			}
		})
	}
}

// The config is read only inside the workspace: nothing outside is read or
// quoted, and a link inside it is edited at its target and stays a link.
func TestActionConfigPath(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	must(t, os.WriteFile(filepath.Join(outside, "deploy.yml"), []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644))
	for _, tt := range []struct{ name, file, want string }{
		{"absolute", "/etc/passwd", `input config-file: "/etc/passwd" is outside the workspace`},
		{"dot-dot", "../deploy.yml", `input config-file: "../deploy.yml" is outside the workspace`},
		{"linked directory", "out/deploy.yml", "out/deploy.yml: it is a link to a file outside the workspace"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t, map[string]string{"config-file": tt.file})
			must(t, os.Symlink(outside, filepath.Join(s.workspace, "out")))
			s.run()
			if s.code != 2 || !strings.Contains(s.stdout.String(), tt.want) || strings.Contains(s.stdout.String(), "root:") {
				t.Errorf("exit %d; stdout lacks %q or quotes the file:\n%s", s.code, tt.want, s.stdout.String())
			}
		})
	}
	t.Run("link inside", func(t *testing.T) {
		s := newStep(t, map[string]string{"pull-through-cache": "off"})
		cfg := filepath.Join(s.workspace, "config", "deploy.yml")
		os.Rename(cfg, filepath.Join(s.workspace, "config", "real.yml"))
		must(t, os.Symlink("real.yml", cfg))
		if s.run(); s.code != 0 {
			t.Fatalf("exit %d\n%s", s.code, s.stdout.String())
		}
		if fi, _ := os.Lstat(cfg); fi.Mode()&os.ModeSymlink == 0 {
			t.Error("the link was replaced by a file")
		}
		if !strings.Contains(s.file("config/real.yml"), "image-manifest=true") {
			t.Error("the target was not patched")
		}
	})
}

// A server from a variable a later step sets is not "computed by Ruby".
func TestDeferredServerNoSkipNotice(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil).replace("config/deploy.yml", "  server: "+host, `  server: <%= ENV["ECR_REGISTRY"] %>`).
		replace("config/deploy.yml", "  password: <%= %x(aws ecr get-login-password) %>", "  password: [KAMAL_REGISTRY_PASSWORD]")
	s.run()
	if s.code != 0 || strings.Contains(s.stdout.String(), "computed by Ruby") {
		t.Errorf("exit %d\n%s", s.code, s.stdout.String())
	}
}

// replace edits a workspace file, failing when the edit changes nothing:
// a fixture reformatted under a test must not leave it testing nothing.
func (s *step) replace(name, old, new string) *step {
	s.t.Helper()
	s.write(name, mustReplace(s.t, s.file(name), old, new))
	return s
}

// mustReplace replaces the first old in src, failing when there is none.
func mustReplace(t testing.TB, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("no %q to replace", old)
	}
	return strings.Replace(src, old, new, 1)
}

// must fails the test on a set-up call's error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// write puts a file into the workspace, making its directory.
func (s *step) write(name, content string) *step {
	s.t.Helper()
	p := filepath.Join(s.workspace, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return s
}

// A value read from a secret-looking variable is masked before anything
// else is printed.
func TestSecretMaskedFirst(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil).replace("config/deploy.yml", "image: acme/shop", `image: <%= ENV["APP_TOKEN"] %>`)
	s.env["APP_TOKEN"] = "acme/shop"
	s.run()
	if first, _, _ := strings.Cut(s.stdout.String(), "\n"); s.code != 0 || first != "::add-mask::acme/shop" {
		t.Errorf("exit %d, first line %q\n%s", s.code, first, s.stdout.String())
	}
}
