package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// e2eCase is testdata/e2e/<case>/case.yml: how the step is run. The case's
// before/ is the workspace; the test writes after/ (the workspace after the
// run), summary.md, annotations.txt, outputs.txt and terminal.txt (the same
// run outside Actions), refreshed with -update.
type e2eCase struct {
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Deny []string          `yaml:"deny"` // ECR operations the server refuses
	Runs int               `yaml:"runs"` // the report is the last run's (default 1)
}

// TestE2E runs each case as the runner runs the action, and outside Actions
// as a terminal would, and compares everything the user sees with goldens.
func TestE2E(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "e2e", "*", "case.yml"))
	if err != nil || len(dirs) < 8 {
		t.Fatalf("%d cases (%v)", len(dirs), err)
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			var c e2eCase
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			s := c.run(t, dir, true)
			golden(t, filepath.Join(dir, "summary.md"), s.normal(s.summary()))
			if n := linesOutsideDetails(s.summary()); s.code == 0 && n > 20 {
				t.Errorf("a successful run shows %d lines outside <details>, more than 20", n)
			}
			golden(t, filepath.Join(dir, "annotations.txt"), s.normal(annotations(s.stdout.String())))
			golden(t, filepath.Join(dir, "outputs.txt"), s.normal(outputsText(s.outputs())))
			compareTree(t, filepath.Join(dir, "after"), s.workspace)
			term := c.run(t, dir, false)
			golden(t, filepath.Join(dir, "terminal.txt"), term.normal(fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", term.code, term.stdout.String(), term.stderr.String())))
			if s.code != term.code {
				t.Errorf("exit %d in Actions, %d on a terminal", s.code, term.code)
			}
		})
	}
}

// run runs the case's step, in Actions or as a terminal does.
func (c e2eCase) run(t *testing.T, dir string, inActions bool) *step {
	s := newStepFrom(t, filepath.Join(dir, "before"), c.With)
	maps.Copy(s.env, c.Env)
	if !inActions {
		delete(s.env, "GITHUB_ACTIONS")
		delete(s.env, "GITHUB_OUTPUT")
		delete(s.env, "GITHUB_STEP_SUMMARY")
	}
	for _, op := range c.Deny {
		s.srv.Deny(op)
	}
	for range max(c.Runs, 1) - 1 {
		if s.run(); s.code != 0 {
			t.Fatalf("an earlier run: exit %d\n%s", s.code, s.stdout.String())
		}
	}
	for _, f := range []string{s.env["GITHUB_OUTPUT"], s.env["GITHUB_STEP_SUMMARY"]} {
		if f != "" {
			if err := os.RemoveAll(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.stdout.Reset()
	s.stderr.Reset()
	return s.run()
}

// normal replaces what differs from run to run: the server's address and
// the workspace's path.
func (s *step) normal(text string) string {
	text = strings.ReplaceAll(text, s.env["AWS_ENDPOINT_URL_ECR"], "http://ecr.test")
	text = strings.ReplaceAll(text, s.workspace, "/workspace")
	return elapsed.ReplaceAllString(text, "${1}<elapsed>")
}

var elapsed = regexp.MustCompile(`(after )\d+(?:\.\d+)?(?:ns|µs|ms|s|m[0-9.]+s)\b`)

// annotations are the workflow commands that annotate files.
func annotations(stdout string) string {
	var b strings.Builder
	for line := range strings.Lines(stdout) {
		if strings.HasPrefix(line, "::error") || strings.HasPrefix(line, "::warning") || strings.HasPrefix(line, "::notice") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func outputsText(outs map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		v := outs[k]
		if k == "registry-password" && v != "" {
			v = "<token>"
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return b.String()
}

// compareTree compares the workspace after the run with want/ (written by
// -update), file by file.
func compareTree(t *testing.T, want, ws string) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		copyDir(t, ws, want)
		return
	}
	got := map[string]string{}
	err := filepath.WalkDir(ws, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(ws, p)
		got[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel, content := range got {
		golden(t, filepath.Join(want, rel), content)
	}
	err = filepath.WalkDir(want, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		if _, ok := got[rel]; !ok {
			t.Errorf("%s is gone from the workspace", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The same run gives the same report, byte for byte: findings in file
// order, the AWS errors of two denied repositories always both, in order.
func TestReportsDeterministic(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"dry-run", "access-denied", "destination-rewrite"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "e2e", name)
			var c e2eCase
			b, err := os.ReadFile(filepath.Join(dir, "case.yml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			first := ""
			for i := range 20 {
				s := c.run(t, dir, true)
				got := s.normal(s.summary() + annotations(s.stdout.String()))
				if i == 0 {
					first = got
					continue
				}
				if got != first {
					t.Fatalf("run %d differs from run 1:\n%s\n--- run 1\n%s", i+1, got, first)
				}
			}
			if name == "access-denied" && strings.Count(first, "does not exist and this role may not create it") != 4 {
				t.Errorf("both denied repositories, in the summary and as annotations:\n%s", first)
			}
		})
	}
}
