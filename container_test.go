package main

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
)

// The image users run, run the way the Actions runner runs a Docker action:
// its exact docker run line (workdir, the four mounts, INPUT_ variables with
// their dashes, GITHUB_ variables, file-command files owned by the runner's
// user), plus --read-only. .ci/run builds the image from the Dockerfile and
// sets KAMAL_ECR_IMAGE; KAMAL_ECR_ENGINE is docker (the runner's) or podman
// (this machine's, with its host quirks); KAMAL_ECR_PULL=true pulls the image
// first, as the runner does for uses: docker://….
func TestContainer(t *testing.T) {
	image := os.Getenv("KAMAL_ECR_IMAGE")
	if image == "" {
		t.Skip("KAMAL_ECR_IMAGE is not set: .ci/run builds the image and runs this")
	}
	engine := cmp.Or(os.Getenv("KAMAL_ECR_ENGINE"), "docker")
	if os.Getenv("KAMAL_ECR_PULL") == "true" {
		if out, err := exec.Command(engine, "pull", image).CombinedOutput(); err != nil {
			t.Fatalf("%s pull %s: %v\n%s", engine, image, err, out)
		}
	}
	t.Run("version", func(t *testing.T) {
		args := []string{"run", "--rm"}
		if engine == "podman" {
			args = append(args, podmanQuirks...)
		}
		args = append(args, image, "--version")
		out, err := exec.Command(engine, args...).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "kamal-ecr ") {
			t.Errorf("--version: %v\n%s", err, out)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		r := newRunnerStep(t, engine, image, map[string]string{"dry-run": "true"})
		before := r.snapshot()
		r.run()
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.log)
		}
		out := readOutputs(t, r.output)
		if out["patched"] != "false" || out["config-file"] != "config/deploy.yml" || out["image"] != host+"/acme/shop" {
			t.Errorf("outputs = %v", out)
		}
		if summary := r.summary(); !strings.Contains(summary, "## ✅ Dry run: a run would make this ready for kamal deploy") || !strings.Contains(summary, "config would be patched") {
			t.Errorf("summary:\n%s", summary)
		}
		if after := r.snapshot(); !slices.Equal(before, after) {
			t.Errorf("the dry run changed the workspace:\n%v\n%v", before, after)
		}
	})
	t.Run("real", func(t *testing.T) {
		srv := ecrtest.New(account, "us-east-1")
		srv.AddRule(ecrtest.Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"})
		srv.AddRule(ecrtest.Rule{Prefix: "ecr-public", UpstreamURL: "public.ecr.aws", UpstreamRegistry: "ecr-public"})
		srv.AddRule(ecrtest.Rule{Prefix: "github", UpstreamURL: "ghcr.io", UpstreamRegistry: "github-container-registry"})
		hs := httptest.NewServer(srv) // on 127.0.0.1: the container shares the host's network
		t.Cleanup(hs.Close)
		r := newRunnerStep(t, engine, image, map[string]string{"login": "true", "rewrite-accessories": "true",
			"images": "nginx:1.27\npublic.ecr.aws/docker/library/node:22\nquay.io/x/y:1"})
		r.env["AWS_ACCESS_KEY_ID"], r.env["AWS_SECRET_ACCESS_KEY"], r.env["AWS_REGION"] = "AKIDTEST", "secret", "us-east-1"
		r.env["AWS_ENDPOINT_URL_ECR"], r.env["AWS_ENDPOINT_URL_STS"] = hs.URL, hs.URL
		// The registry API at https://<registry host>, through HTTPS_PROXY with
		// the test CA in SSL_CERT_FILE, as a runner behind a proxy would set them.
		_, _, proxy, _ := serveRegistryAPI(t, srv, filepath.Join(r.temp, "_github_home"))
		r.env["HTTPS_PROXY"], r.env["SSL_CERT_FILE"] = proxy.URL, "/github/home/ca.pem"
		before := r.snapshot()
		r.run()
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.log)
		}
		out := readOutputs(t, r.output)
		if out["created"] != `["acme/shop","acme/shop-build-cache"]` || out["patched"] != "true" || out["registry-password"] != "local-secret-password-"+account {
			t.Errorf("outputs = %v", out)
		}
		if !strings.HasPrefix(r.log, "::add-mask::local-secret-password-"+account+"\n") || strings.Count(r.log, "local-secret-password") != 1 {
			t.Errorf("the password was not masked first, or printed again:\n%s", r.log)
		}
		if summary := r.summary(); !strings.Contains(summary, "| `acme/shop` | app | created |") || !strings.Contains(summary, " · 6 images verified to pull") {
			t.Errorf("summary:\n%s", summary)
		}
		golden(t, filepath.Join("testdata", "e2e", "want", "deploy.yml"), r.file("config/deploy.yml"))
		info, err := os.Stat(filepath.Join(r.workspace, "config", "deploy.yml"))
		if err != nil {
			t.Fatal(err)
		}
		if st := info.Sys().(*syscall.Stat_t); info.Mode().Perm() != 0o640 || os.Geteuid() == 0 && (st.Uid != runnerUID || st.Gid != runnerUID) {
			t.Errorf("patched file mode %v owner %d:%d, want 0640 %d:%d", info.Mode().Perm(), st.Uid, st.Gid, runnerUID, runnerUID)
		}
		after := r.snapshot()
		if len(before) != len(after) {
			t.Errorf("files left behind or removed:\n%v\n%v", before, after)
		}
		if calls := srv.Calls(); calls["CreateRepository"] != 2 || calls["GetAuthorizationToken"] != 1 {
			t.Errorf("calls = %v", calls)
		}
		var digests map[string]string
		if json.Unmarshal([]byte(out["image-digests"]), &digests); len(digests) != 6 || len(proxy.Tunnels()) == 0 {
			t.Errorf("image-digests = %s through %d tunnels", out["image-digests"], len(proxy.Tunnels()))
		}
	})
}

// podmanQuirks are this host's: crun cannot run here, and rlimits cannot be raised.
var podmanQuirks = []string{"--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"}

// runnerUID is the runner's user, who owns the checkout and the file-command files.
const runnerUID = 1001

type runnerStep struct {
	t                   *testing.T
	engine, image       string
	temp, workspace     string
	output, summaryPath string
	inputs, env         map[string]string
	code                int
	log                 string
}

// newRunnerStep lays out a runner's directories: _temp with the home,
// workflow and file-command folders, and a workspace with the fixture
// checkout, all owned by the runner's user.
func newRunnerStep(t *testing.T, engine, image string, inputs map[string]string) *runnerStep {
	root := t.TempDir()
	r := &runnerStep{t: t, engine: engine, image: image, temp: filepath.Join(root, "_temp"), workspace: filepath.Join(root, "work", "app", "app"),
		inputs: map[string]string{}, env: map[string]string{}}
	for _, d := range []string{"_github_home", "_github_workflow", "_runner_file_commands"} {
		os.MkdirAll(filepath.Join(r.temp, d), 0o755)
	}
	copyDir(t, filepath.Join("testdata", "e2e", "workspace"), r.workspace)
	os.Chmod(filepath.Join(r.workspace, "config", "deploy.yml"), 0o640)
	guid := strings.ToLower(rand.Text())
	r.output = filepath.Join(r.temp, "_runner_file_commands", "set_output_"+guid)
	r.summaryPath = filepath.Join(r.temp, "_runner_file_commands", "step_summary_"+guid)
	for _, f := range []string{r.output, r.summaryPath} {
		os.WriteFile(f, nil, 0o644)
	}
	if os.Geteuid() == 0 {
		filepath.WalkDir(root, func(p string, _ os.DirEntry, _ error) error { return os.Lchown(p, runnerUID, runnerUID) })
	}
	// The runner fills in every input's default from action.yml.
	var meta struct {
		Inputs map[string]struct{ Default string }
	}
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	for name, in := range meta.Inputs {
		r.inputs[name] = in.Default
	}
	for k, v := range inputs {
		r.inputs[k] = v
	}
	r.env = map[string]string{
		"HOME": "/github/home", "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/github/workspace",
		"GITHUB_OUTPUT":       "/github/file_commands/set_output_" + guid,
		"GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary_" + guid,
		"GITHUB_REPOSITORY":   "acme/app", "GITHUB_RUN_ID": "1", "GITHUB_JOB": "deploy", "GITHUB_EVENT_NAME": "push",
		"RUNNER_OS": "Linux", "RUNNER_TEMP": "/home/runner/work/_temp",
	}
	return r
}

// run starts the container with the runner's command line: every variable
// as -e NAME, its value in the engine client's environment.
func (r *runnerStep) run() {
	args := []string{"run", "--name", "kamal-ecr-test-" + strings.ToLower(rand.Text()[:12]), "--label", "kamal-ecr-test",
		"--workdir", "/github/workspace", "--rm"}
	env := os.Environ()
	for name, v := range r.inputs {
		key := "INPUT_" + strings.ToUpper(name)
		args = append(args, "-e", key)
		env = append(env, key+"="+v)
	}
	for k, v := range r.env {
		args = append(args, "-e", k)
		env = append(env, k+"="+v)
	}
	if _, err := os.Stat("/var/run/docker.sock"); err == nil {
		args = append(args, "-v", "/var/run/docker.sock:/var/run/docker.sock")
	}
	args = append(args,
		"-v", filepath.Join(r.temp, "_github_home")+":/github/home",
		"-v", filepath.Join(r.temp, "_github_workflow")+":/github/workflow",
		"-v", filepath.Join(r.temp, "_runner_file_commands")+":/github/file_commands",
		"-v", r.workspace+":/github/workspace",
		"--read-only", "--network", "host")
	if r.engine == "podman" {
		args = append(args, podmanQuirks...)
	}
	args = append(args, r.image)
	cmd := exec.Command(r.engine, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	r.log = string(out)
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("%s run: %v", r.engine, err)
	}
}

func (r *runnerStep) summary() string {
	b, _ := os.ReadFile(r.summaryPath)
	return string(b)
}

func (r *runnerStep) file(name string) string {
	b, err := os.ReadFile(filepath.Join(r.workspace, name))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// snapshot lists every file in the workspace with its content.
func (r *runnerStep) snapshot() []string {
	var out []string
	filepath.WalkDir(r.workspace, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(r.workspace, p)
			out = append(out, rel+"\n"+string(b))
		}
		return nil
	})
	return out
}
