package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

// The whole action over every real config in the shared corpus: a run either
// succeeds, or fails with an error annotation at a file of the config and
// leaves every file byte-identical. None fails for any other reason.
func TestActionOverCorpus(t *testing.T) {
	dir := filepath.Join("..", "shared", "corpus", "kamal")
	f, err := os.Open(filepath.Join(dir, "KAMAL.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared corpus not found beside the checkout")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	placed := regexp.MustCompile(`::error (?:col=\d+,)?file=[^,:]+[,:]`)
	sc := bufio.NewScanner(f)
	ok, failed := 0, 0
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if c[0] == "dir" {
			continue
		}
		repo, config, dest := c[0], c[1], c[2]
		t.Run(repo+"/"+dest, func(t *testing.T) {
			s := newStep(t, map[string]string{"config-file": config, "destination": dest,
				"enable-cache": "true", "rewrite-accessories": "true"})
			os.RemoveAll(filepath.Join(s.workspace, "config"))
			copyDir(t, filepath.Join(dir, repo), s.workspace)
			pointServerAt(t, s.workspace, config, dest, host)
			before := snapshot(t, s.workspace)
			s.run()
			outputs, _ := os.ReadFile(s.env["GITHUB_OUTPUT"])
			if m := placeholder.FindString(s.stdout.String() + s.stderr.String() + s.summary() + string(outputs)); m != "" {
				t.Errorf("the internal placeholder %q reached the user:\n%s", m, s.stdout.String())
			}
			switch s.code {
			case 0:
				ok++
				if out := s.outputs(); out["image"] == "" || out["registry"] != host {
					t.Errorf("outputs = %v", out)
				}
			case 2:
				failed++
				t.Logf("stopped: %s", firstError(s.stdout.String()))
				if !placed.MatchString(s.stdout.String()) {
					t.Errorf("error without a file:\n%s", s.stdout.String())
				}
				if after := snapshot(t, s.workspace); !equal(before, after) {
					t.Error("files changed on failure")
				}
			default:
				t.Errorf("exit %d:\n%s", s.code, s.stdout.String())
			}
		})
	}
	t.Logf("%d runs succeeded, %d stopped at a config error", ok, failed)
	if ok == 0 {
		t.Error("no corpus config went through")
	}
}

// pointServerAt rewrites the line that sets registry.server, and only it, to
// the test registry, so that Kamal would push where the action works.
func pointServerAt(t *testing.T, ws, config, dest, server string) {
	t.Helper()
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(ws, name)) }
	cfg, err := kamal.Load(read, func(string) string { return "" }, config, dest)
	if err != nil || !cfg.Server.Set || cfg.Server.Pos.Col == 0 {
		return // the action reports it
	}
	p := cfg.Server.Pos
	name := filepath.Join(ws, p.File)
	b, _ := os.ReadFile(name)
	lines := strings.SplitAfter(string(b), "\n")
	line := []rune(lines[p.Line-1])
	end := "\n"
	if strings.HasSuffix(lines[p.Line-1], "\r\n") {
		end = "\r\n"
	}
	lines[p.Line-1] = string(line[:p.Col-1]) + server + end
	if err := os.WriteFile(name, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		}
		return nil
	})
	return m
}

func equal(a, b map[string]string) bool {
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

var errorLine = regexp.MustCompile(`(?m)^::error [^:]*::(.*)$`)

func firstError(stdout string) string {
	if m := errorLine.FindStringSubmatch(stdout); m != nil {
		return m[1]
	}
	return ""
}
