package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An accessory image read from a secret-looking variable is shown as its
// ERB source in every message, the summary, the terminal and the JSON, in a
// check and in a dry run with pull-through pairs, whether or not the value
// is a valid reference, nor any part of it: only ::add-mask:: lines and GITHUB_OUTPUT (masked by
// the runner) carry it.
func TestSecretImageNeverShown(t *testing.T) {
	t.Parallel()
	const source = `<%= ENV["AWS_SECRET_ACCESS_KEY"] %>`
	for _, tt := range []struct {
		name, secret string
		with         map[string]string
		named        bool // a message names the image: its source is shown
	}{
		{"check invalid", "Sup3rS3cret/Value", map[string]string{"check": "true"}, true},
		{"check valid", "sup3rs3cretvalue", map[string]string{"check": "true"}, false},
		{"dry run pairs invalid", "Sup3rS3cret/Value", map[string]string{"dry-run": "true", "pull-through-cache": "docker.io=docker-hub"}, true},
		{"dry run pairs valid", "sup3rs3cretvalue", map[string]string{"dry-run": "true", "pull-through-cache": "docker.io=docker-hub"}, true},
		{"dry run rewrite", "sup3rs3cretvalue", map[string]string{"dry-run": "true", "pull-through-cache": "docker.io=docker-hub", "rewrite-accessories": "true"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, tt.with)
			p := filepath.Join(s.workspace, "config", "deploy.yml")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cfg := strings.Replace(string(b), "image: mysql:8.4", "image: "+source, 1)
			if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			s.env["AWS_SECRET_ACCESS_KEY"] = tt.secret
			s.run()
			shown := func(where, text string) {
				t.Helper()
				for _, line := range strings.Split(text, "\n") {
					// "s3cret" is in both values and not in the source: nor
					// may a part of the value, lower-cased or not, be shown
					if strings.Contains(strings.ToLower(line), "s3cret") && line != "::add-mask::"+tt.secret {
						t.Errorf("%s shows the secret: %q", where, line)
					}
				}
			}
			shown("stdout", s.stdout.String())
			shown("stderr", s.stderr.String())
			shown("summary", s.summary())
			if tt.named && !strings.Contains(s.stdout.String()+s.stderr.String(), `ENV["AWS_SECRET_ACCESS_KEY"]`) {
				t.Errorf("no message shows the ERB source:\n%s%s", s.stdout.String(), s.stderr.String())
			}
			if s.code == 0 && tt.with["dry-run"] == "true" && !strings.Contains(s.outputs()["accessory-images"], tt.secret) {
				t.Errorf("accessory-images = %q, want the pull-through path for later steps", s.outputs()["accessory-images"])
			}
			env := map[string]string{}
			for k, v := range s.env {
				if !strings.HasPrefix(k, "GITHUB_") && !strings.HasPrefix(k, "INPUT_") {
					env[k] = v
				}
			}
			args := []string{"--verify-images=false"}
			for k, v := range tt.with {
				args = append(args, "--"+k+"="+v)
			}
			for _, format := range []string{"", "--format=json"} {
				r := runTerminal(t, s.workspace, append(args, format), env, true)
				shown("terminal "+format+" stdout", r.stdout.String())
				shown("terminal "+format+" stderr", r.stderr.String())
			}
		})
	}
}
