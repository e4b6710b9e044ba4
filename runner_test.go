package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A runner that cannot take the results fails the step before anything is
// changed: GITHUB_OUTPUT missing in Actions, or a directory.
func TestBrokenRunnerFailsBeforeAnyChange(t *testing.T) {
	t.Parallel()
	for name, output := range map[string]func(s *step) string{
		"unset":     func(*step) string { return "" },
		"directory": func(s *step) string { return s.workspace },
		"no parent": func(s *step) string { return filepath.Join(s.workspace, "missing", "output") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, nil)
			s.env["GITHUB_OUTPUT"] = output(s)
			s.run()
			if s.code != 1 || !strings.Contains(s.stdout.String(), "nothing was changed") || len(s.srv.Calls()) != 0 {
				t.Errorf("exit %d, calls %v\n%s", s.code, s.srv.Calls(), s.stdout.String())
			}
			if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
				t.Error("the config changed")
			}
		})
	}
}

// Outputs are written after the config; when writing them fails, the config
// is put back and the summary says the run failed and changed nothing.
func TestOutputsFailConfigPutBack(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	s := newStep(t, nil)
	s.env["GITHUB_OUTPUT"] = "/dev/full" // opens, and every write fails
	s.run()
	if s.code != 1 || !strings.Contains(s.summary(), "config not changed") ||
		!strings.Contains(s.summary(), "set outputs: write /dev/full") || strings.Contains(s.summary(), "patched in this job's checkout") {
		t.Errorf("exit %d\n%s", s.code, s.summary())
	}
	if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
		t.Error("the config was not put back")
	}
}

// Outputs over GitHub's limit for a job fail the step, naming the largest,
// and the config is put back.
func TestOutputsOverGitHubLimit(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"pull-through-cache": "docker.io=docker-hub"})
	var b strings.Builder
	for i := range 6000 {
		fmt.Fprintf(&b, "  extra-accessory-number-%d:\n    image: example/some-fairly-long-image-name-%d:1.0\n    host: 10.0.0.10\n", i, i)
	}
	s.replace("config/deploy.yml", "accessories:\n", "accessories:\n"+b.String())
	before := s.file("config/deploy.yml")
	s.run()
	if s.code != 1 || !strings.Contains(s.summary(), "over GitHub's 1.0 MiB for a job's outputs; the largest is accessory-images") {
		t.Errorf("exit %d\n%.3000s", s.code, s.summary())
	}
	if s.file("config/deploy.yml") != before {
		t.Error("the config was not put back")
	}
}
