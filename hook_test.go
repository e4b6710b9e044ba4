package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hookRun runs the built binary as Kamal runs .kamal/hooks/pre-build: in
// the app's directory, with Kamal's variables, on a laptop (no GITHUB_*)
// or inside a workflow step (inActions).
func hookRun(t *testing.T, s *step, inActions bool, kamal map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = s.workspace
	cmd.Env = []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME=" + t.TempDir(),
		"KAMAL_VERSION=2.12.0", "KAMAL_PERFORMER=dev", "KAMAL_HOSTS=10.0.0.10", "KAMAL_RECORDED_AT=2026-11-25T22:00:00Z"}
	for k, v := range kamal {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range s.env {
		if inActions || !strings.HasPrefix(k, "GITHUB_") && !strings.HasPrefix(k, "INPUT_") {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// Under a hook the repositories are ensured, but a config that needs a
// change is never written (Kamal has read it already): exit 2 with the
// diff and the command that applies it, on a laptop and in a workflow.
func TestHookNeverRewritesTheConfig(t *testing.T) {
	t.Parallel()
	for _, inActions := range []bool{false, true} {
		s := newStep(t, nil)
		stdout, stderr, code := hookRun(t, s, inActions, nil, "--verify-images=false")
		all := stdout + stderr
		if code != 2 {
			t.Errorf("in Actions %v: exit %d, want 2\n%s", inActions, code, all)
		}
		if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
			t.Errorf("in Actions %v: the config was written under a hook", inActions)
		}
		if _, ok := s.srv.Repository("", "acme/shop"); !ok {
			t.Errorf("in Actions %v: the app repository was not ensured", inActions)
		}
		for _, want := range []string{"+    options: mode=max,image-manifest=true,oci-mediatypes=true", "Kamal has already read the config",
			"run kamal-ecr --verify-images=false once, commit the change, then run kamal again"} {
			if !strings.Contains(all, want) {
				t.Errorf("in Actions %v: output lacks %q:\n%s", inActions, want, all)
			}
		}
		if !inActions && !strings.Contains(stderr, "config/deploy.yml:18: error: kamal-ecr would change config/deploy.yml") {
			t.Errorf("the error is not at the line it would change:\n%s", stderr)
		}
	}
}

// The destination comes from KAMAL_DESTINATION; a config that needs no
// change passes (exit 0) and is left as it is.
func TestHookDestination(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	ready, err := os.ReadFile(filepath.Join("testdata", "e2e", "want", "deploy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), ready, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := hookRun(t, s, false, map[string]string{"KAMAL_DESTINATION": "staging"}, "--verify-images=false")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if _, ok := s.srv.Repository("", "acme/shop-staging"); !ok {
		t.Errorf("the staging repository was not ensured:\n%s", stdout)
	}
	if s.file("config/deploy.yml") != string(ready) || s.file("config/deploy.staging.yml") != original(t, "config/deploy.staging.yml") {
		t.Error("the config changed")
	}
	// --destination wins over KAMAL_DESTINATION.
	_, _, code = hookRun(t, s, false, map[string]string{"KAMAL_DESTINATION": "nowhere"}, "--verify-images=false", "--destination", "staging")
	if code != 0 {
		t.Errorf("--destination staging with KAMAL_DESTINATION=nowhere: exit %d", code)
	}
}

// A destination file that is missing names KAMAL_DESTINATION when the
// destination came from it, not a --destination the user never gave.
func TestHookMissingDestinationNamesKamalDestination(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	_, stderr, code := hookRun(t, s, false, map[string]string{"KAMAL_DESTINATION": "nowhere"}, "--verify-images=false")
	if code != 2 {
		t.Errorf("exit %d, want 2\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "config/deploy.nowhere.yml: error: config file not found") ||
		!strings.Contains(stderr, `fix: create it, or check the destination "nowhere", which came from KAMAL_DESTINATION`) || strings.Contains(stderr, "--destination") {
		t.Errorf("the fix does not name KAMAL_DESTINATION:\n%s", stderr)
	}
}
