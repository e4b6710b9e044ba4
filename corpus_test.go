package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
	placed := regexp.MustCompile(`::error file=[^,:]+[,:]`)
	sc := bufio.NewScanner(f)
	ok, failed := 0, 0
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if c[0] == "dir" {
			continue
		}
		repo, config, dest := c[0], c[1], c[2]
		t.Run(repo+"/"+dest, func(t *testing.T) {
			s := newStep(t, map[string]string{"config-file": config, "destination": dest, "registry": host,
				"enable-cache": "true", "rewrite-accessories": "true"})
			os.RemoveAll(filepath.Join(s.workspace, "config"))
			copyDir(t, filepath.Join(dir, repo), s.workspace)
			before := snapshot(t, s.workspace)
			s.run()
			switch s.code {
			case 0:
				ok++
				if out := s.outputs(); out["image"] == "" || out["registry"] != host {
					t.Errorf("outputs = %v", out)
				}
			case 2:
				failed++
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
