package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runWithin runs the step, failing the test if it blocks: a guard against a
// hang, not a speed target.
func (s *step) runWithin(d time.Duration) *step {
	s.t.Helper()
	done := make(chan struct{})
	go func() { s.run(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		s.t.Fatalf("the run blocks")
	}
	return s
}

// A named pipe or a loop of links where a file is read is refused at once,
// naming the file, as something the config must change (exit 2); nothing is
// written and AWS is not asked.
func TestActionRefusesOddFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, file string
		with       map[string]string
		make       func(path string) error
		want       string
	}{
		{"config is a pipe", "config/deploy.yml", nil, mkfifo, "file=config/deploy.yml,title=kamal-ecr::config/deploy.yml: it is a named pipe (FIFO)"},
		{"destination is a pipe", "config/deploy.staging.yml", map[string]string{"destination": "staging"}, mkfifo, "config/deploy.staging.yml: it is a named pipe (FIFO)"},
		{"secrets is a pipe", ".kamal/secrets", map[string]string{"login": "true"}, mkfifo, "file=.kamal/secrets,title=kamal-ecr::secrets file .kamal/secrets: it is a named pipe (FIFO)"},
		{"config is a loop", "config/deploy.yml", nil, loop, "config/deploy.yml: it is a loop of symbolic links"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, tt.with)
			if tt.file == ".kamal/secrets" {
				src := strings.Replace(original(t, "config/deploy.yml"), "  password: <%= %x(aws ecr get-login-password) %>", "  password:\n    - KAMAL_REGISTRY_PASSWORD", 1)
				os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644)
				os.MkdirAll(filepath.Join(s.workspace, ".kamal"), 0o755)
			}
			before := s.file("config/deploy.yml")
			path := filepath.Join(s.workspace, tt.file)
			os.Remove(path)
			if err := tt.make(path); err != nil {
				t.Skip(err)
			}
			s.runWithin(30 * time.Second)
			if s.code != 2 || !strings.Contains(s.stdout.String(), tt.want) {
				t.Errorf("exit %d, want 2; stdout lacks %q:\n%s%s", s.code, tt.want, s.stdout.String(), s.stderr.String())
			}
			if tt.file != "config/deploy.yml" && s.file("config/deploy.yml") != before {
				t.Error("the config changed")
			}
			if calls := s.srv.Calls(); len(calls) != 0 {
				t.Errorf("AWS called: %v", calls)
			}
		})
	}
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }

func loop(path string) error { return os.Symlink(filepath.Base(path), path) }

// Kamal allows an absolute secrets_path; the action reads nothing outside
// the workspace, and says at the key that it could not check the secrets.
func TestActionSecretsPathOutside(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/etc/passwd", "../secrets"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, map[string]string{"login": "true"})
			src := strings.Replace(original(t, "config/deploy.yml"), "  password: <%= %x(aws ecr get-login-password) %>", "  password:\n    - KAMAL_REGISTRY_PASSWORD", 1)
			src += "secrets_path: " + p + "\n"
			os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644)
			os.MkdirAll(filepath.Join(s.workspace, "etc"), 0o755) // what a workspace-relative reading would find
			os.WriteFile(filepath.Join(s.workspace, "etc", "passwd"), []byte("KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n"), 0o644)
			s.run()
			line := strings.Count(src, "\n")
			want := "::warning col=15,file=config/deploy.yml,line=" + strconv.Itoa(line) + ",title=kamal-ecr::secrets_path " + p + " is outside the workspace, so the action did not read it: it could not check that the secrets define KAMAL_REGISTRY_PASSWORD"
			if s.code != 0 || !strings.Contains(s.stdout.String(), want) {
				t.Errorf("exit %d; stdout lacks %q:\n%s%s", s.code, want, s.stdout.String(), s.stderr.String())
			}
		})
	}
}

// Two runs on one workspace at once, with different cache modes, take
// turns: the second reads the file the first wrote, so its diff starts from
// the first's result and the file ends with both runs' work (the accessory
// rewrite of the max run stays whichever run went first).
func TestActionConcurrentRunsOnOneWorkspace(t *testing.T) {
	t.Parallel()
	first := newStep(t, map[string]string{"cache-mode": "min"})
	second := newStep(t, map[string]string{"cache-mode": "max", "rewrite-accessories": "true"})
	second.env["GITHUB_WORKSPACE"], second.workspace = first.workspace, first.workspace
	var wg sync.WaitGroup
	for _, s := range []*step{first, second} {
		wg.Go(func() { s.code = run(context.Background(), nil, s.env, &s.stdout, &s.stderr) })
	}
	wg.Wait()
	for _, s := range []*step{first, second} {
		if s.code != 0 || s.outputs()["patched"] != "true" {
			t.Fatalf("exit %d, outputs %v:\n%s%s", s.code, s.outputs(), s.stdout.String(), s.stderr.String())
		}
	}
	final := first.file("config/deploy.yml")
	original := "-    options: mode=max   # every stage"
	minLine := "+    options: mode=min,image-manifest=true,oci-mediatypes=true   # every stage"
	maxLine := "+    options: mode=max,image-manifest=true,oci-mediatypes=true   # every stage"
	sum1, sum2 := first.summary(), second.summary()
	switch {
	case strings.Contains(final, "mode=max,"): // min ran first, max read its result
		if !strings.Contains(sum1, original) || !strings.Contains(sum2, "-"+minLine[1:]) || !strings.Contains(sum2, maxLine) {
			t.Errorf("the max run did not start from the min run's file:\n%s\n---\n%s", sum1, sum2)
		}
	default: // max ran first, min read its result
		if !strings.Contains(sum2, original) || !strings.Contains(sum1, "-"+maxLine[1:]) || !strings.Contains(sum1, minLine) {
			t.Errorf("the min run did not start from the max run's file:\n%s\n---\n%s", sum2, sum1)
		}
	}
	if !strings.Contains(final, "image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/mysql:8.4") {
		t.Errorf("the accessory rewrite was lost:\n%s", final)
	}
}
