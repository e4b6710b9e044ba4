package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

// oneDocument decodes stdout as exactly one JSON document.
func oneDocument(t *testing.T, stdout []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout has more than one JSON document:\n%s", stdout)
	}
	return doc
}

// --format json: one document on stdout, nothing on stderr, kept as
// goldens in testdata/json/ (go test -update).
func TestJSONGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(string) string
		args []string
		code int
	}{
		{"demo-dry-run", nil, []string{"--dry-run"}, 0},
		{"kamal-refuses", func(s string) string {
			return strings.Replace(s, "  arch: amd64\n", "  arch: amd64\n  multiarch: false\n", 1)
		}, []string{"--dry-run"}, 2},
		{"bad-flags", nil, []string{"--cache-mode", "fast"}, 2},
		{"check-fails", nil, []string{"--check"}, 1},
		{"bad-flags-in-check", nil, []string{"--check", "--cache-mode", "fast"}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--format", "json", "--pull-through-cache", "docker.io=docker-hub"}, tt.args...)
			r := runTerminal(t, demoDir(t, tt.edit), args, nil, true)
			if r.code != tt.code || r.stderr.Len() > 0 {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr.String())
			}
			doc := oneDocument(t, r.stdout.Bytes())
			if doc["ok"] != (tt.code == 0) {
				t.Errorf("ok = %v", doc["ok"])
			}
			want := "run"
			for _, m := range []string{"dry-run", "check"} {
				if slices.Contains(tt.args, "--"+m) {
					want = m
				}
			}
			if doc["mode"] != want {
				t.Errorf("mode = %v, want %s", doc["mode"], want)
			}
			if strings.Contains(r.stdout.String(), "above") { // nothing is above a JSON document
				t.Errorf("a message points above the document:\n%s", r.stdout.String())
			}
			golden(t, filepath.Join("testdata", "json", tt.name+".json"), r.stdout.String())
		})
	}
}

// A real run with a login: every output but registry-password is in the
// document, the password nowhere; in Actions too, where the masks go to
// stderr so that stdout stays the document alone.
func TestJSONOutputsWithoutPassword(t *testing.T) {
	t.Parallel()
	for _, inActions := range []bool{false, true} {
		s := newStep(t, nil)
		env := map[string]string{}
		for k, v := range s.env {
			if inActions || !strings.HasPrefix(k, "GITHUB_") && !strings.HasPrefix(k, "INPUT_") {
				env[k] = v
			}
		}
		r := runTerminal(t, s.workspace, []string{"--format=json", "--login", "--verify-images=false"}, env, false)
		if r.code != 0 {
			t.Fatalf("in Actions %v: exit %d\n%s%s", inActions, r.code, r.stdout.String(), r.stderr.String())
		}
		if strings.Contains(r.stdout.String()+r.stderr.String(), "local-secret-password") && !strings.Contains(r.stderr.String(), "::add-mask::local-secret-password") {
			t.Errorf("in Actions %v: the password was printed", inActions)
		}
		if strings.Contains(r.stdout.String(), "local-secret-password") {
			t.Errorf("in Actions %v: the password is on stdout", inActions)
		}
		doc := oneDocument(t, r.stdout.Bytes())
		outs, _ := doc["outputs"].(map[string]any)
		var want, got []string
		for _, o := range inputs.Outputs {
			if o.Name != "registry-password" {
				want = append(want, o.Name)
			}
		}
		for k := range outs {
			got = append(got, k)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("in Actions %v: outputs %v, want %v", inActions, got, want)
		}
		if outs["patched"] != true || outs["registry-username"] != "AWS" {
			t.Errorf("in Actions %v: outputs %v", inActions, outs)
		}
		plan, _ := doc["plan"].(map[string]any)
		if repos, _ := plan["repositories"].([]any); len(repos) != 2 {
			t.Errorf("in Actions %v: plan %v", inActions, plan)
		}
	}
}
