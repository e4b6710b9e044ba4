package kamal

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each testdata/validate/<case>/deploy.yml is checked as Kamal checks it;
// want.out lists every problem at its place, Kamal's wording then the fix.
func TestValidateGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "validate", "*"))
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
			c, err := Load(read, emptyEnv, "deploy.yml", "")
			if err != nil {
				t.Fatal(err)
			}
			v := c.Validate()
			var b strings.Builder
			for _, p := range v.Problems {
				fmt.Fprintf(&b, "%s\n", p.Error())
			}
			if v.Skipped != nil {
				fmt.Fprintf(&b, "notice %s\n", v.Skipped.Error())
			}
			want := filepath.Join(dir, "want.out")
			if *update {
				os.WriteFile(want, []byte(b.String()), 0o644)
				return
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if b.String() != string(w) {
				t.Errorf("problems:\n%s\nwant:\n%s", b.String(), w)
			}
		})
	}
}

func TestValidateTypes(t *testing.T) {
	base := "service: s\nimage: a/b\nservers:\n  - 1.2.3.4\nregistry:\n  server: r\n  username: u\n  password: [P]\nbuilder:\n  arch: amd64\n"
	for _, tt := range []struct{ name, extra, want string }{
		{"clean", "", ""},
		{"yes is a boolean", "proxy:\n  host: a.example\n  ssl: yes\n", ""},
		{"integer as string", "retain_containers: \"3\"\n", "retain_containers: should be an integer"},
		{"number is a string", "env:\n  clear:\n    PORT: 3000\n", ""},
		{"null is no string", "env:\n  clear:\n    PORT:\n", "env/clear/PORT: should be a string"},
		{"date is no string", "env:\n  clear:\n    SINCE: 2024-01-01\n", "env/clear/SINCE: should be a string"},
		{"x- keys at the top", "x-anchors:\n  a: 1\n", ""},
		{"x- keys nested", "builder:\n  arch: amd64\n  x-note: 1\n", "builder: unknown key: x-note"},
		{"arch list", "builder:\n  arch: [amd64, arm64]\n", ""},
		{"arch wrong", "builder:\n  arch: {a: 1}\n", "builder/arch: should be an array or a string"},
		{"proxy false in a role", "servers:\n  web:\n    hosts: [1.2.3.4]\n    proxy: false\n  jobs:\n    hosts: [1.2.3.5]\n    proxy: true\n", ""},
		{"localhost registry", "registry:\n  server: localhost:5555\n", ""},
		{"tags in a role env", "servers:\n  web:\n    hosts: [1.2.3.4]\n    env:\n      clear: {A: b}\n      tags: {x: {A: c}}\n", "servers/web/env: tags are only allowed in the root env"},
		{"alias on a command", "aliases:\n  deploy: app exec bin/deploy\n", "aliases/deploy: Alias 'deploy' conflicts with a built-in command."},
		{"restart policy", "accessories:\n  db:\n    image: mysql\n    host: 1.2.3.4\n    options:\n      restart: sometimes\n", "accessories/db/options/restart: should be no, always, unless-stopped, on-failure, or on-failure:N"},
		{"ssl on two hosts", "servers:\n  web:\n    hosts: [1.2.3.4, 1.2.3.5]\n    proxy:\n      host: a.example\n      ssl: true\n", "SSL is only supported on a single server unless you provide custom certificates, found 2 servers for role web"},
		{"minimum version", "minimum_version: 3.0.0\n", "Current version is 2.12.0, minimum required is 3.0.0"},
		{"merge keys", "x-b: &b\n  arch: amd64\n  bogus: 1\nbuilder:\n  <<: *b\n", "builder: unknown key: bogus"},
		{"Ruby value skipped", "env:\n  clear:\n    V: <%= `git rev-parse HEAD` %>\n", ""},
		{"proxy runs conflict", "proxy:\n  run: {http_port: 81}\naccessories:\n  db:\n    image: x\n    host: 1.2.3.4\n    proxy:\n      run: {http_port: 82}\n", "Conflicting proxy run configurations for host 1.2.3.4"},
		{"hooks_output list", "hooks_output: [a]\n", "hooks_output: should be a string or a symbol"},
		{"primary_role number", "primary_role: 3\n", "The primary_role 3 isn't defined"},
		{"tag env nests no tags", "env:\n  tags:\n    t:\n      clear: {A: 1}\n      tags: {}\n", "env/tags/t: tags are only allowed in the root env"},
		{"tag env keys", "env:\n  tags:\n    t: {A: 1, clear: {}}\n", "env/tags/t: unknown key: A"},
		{"accessory without hosts", "accessories:\n  db:\n    image: x\n", "accessories/db: specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`"},
		{"empty registry username", "registry:\n  server: r\n  username: \"\"\n  password: [P]\n", "registry/username: is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, map[string]string{"config/deploy.yml": base + tt.extra}, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			v := c.Validate()
			got := ""
			if len(v.Problems) > 0 {
				got = v.Problems[0].Msg
			}
			if got != tt.want {
				t.Errorf("first problem %q, want %q (all: %v)", got, tt.want, v.Problems)
			}
		})
	}
}

// Kamal 1's traefik reboot hooks in the hooks folder are refused, as Kamal does.
func TestValidateTraefikHooks(t *testing.T) {
	files := map[string]string{
		"config/deploy.yml":                "service: s\nimage: a/b\nservers: [a]\nregistry:\n  server: r\n  username: u\n  password: [P]\nbuilder:\n  arch: amd64\n",
		".kamal/hooks/pre-traefik-reboot":  "#!/bin/sh\n",
		".kamal/hooks/post-traefik-reboot": "#!/bin/sh\n",
	}
	c, err := load(t, files, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	v := c.Validate()
	if len(v.Problems) != 1 || v.Problems[0].Error() != ".kamal/hooks/pre-traefik-reboot: Found pre-traefik-reboot, post-traefik-reboot, these should be renamed to (pre|post)-proxy-reboot; rename them" {
		t.Errorf("problems %v", v.Problems)
	}
}

// Fixes that work when followed: where each moved key goes, with YAML to
// paste; the known key a misspelt one is one edit from; one problem, with
// the section to add, for a config without a registry.
func TestValidateFixes(t *testing.T) {
	t.Parallel()
	base := "service: s\nimage: a/b\nservers:\n  - 1.2.3.4\nregistry:\n  server: r\n  username: u\n  password: [P]\nbuilder:\n  arch: amd64\n"
	for _, tt := range []struct{ name, src, want string }{
		{"healthcheck", base + "healthcheck:\n  path: /up\n  port: 3000\n  max_attempts: 7\n",
			"config/deploy.yml:11:1: unknown key: healthcheck; Kamal 2 moved healthcheck: under proxy (path → proxy.healthcheck.path, port → proxy.app_port, interval → proxy.healthcheck.interval; the others have no place in Kamal 2); write proxy: {app_port: 3000, healthcheck: {path: /up}}"},
		// proxy: is there already: the keys to add under it, not a second proxy:
		{"healthcheck with proxy", base + "proxy:\n  host: a.example\nhealthcheck:\n  path: /up\n  port: 3000\n",
			"config/deploy.yml:13:1: unknown key: healthcheck; Kamal 2 moved healthcheck: under proxy (path → proxy.healthcheck.path, port → proxy.app_port, interval → proxy.healthcheck.interval; the others have no place in Kamal 2); add app_port: 3000 under proxy: and healthcheck: {path: /up} under proxy: (the config has proxy: already), then remove healthcheck:"},
		{"healthcheck with proxy.healthcheck", base + "proxy:\n  app_port: 3000\n  healthcheck:\n    interval: 3\nhealthcheck:\n  path: /up\n  port: 3000\n",
			"config/deploy.yml:15:1: unknown key: healthcheck; Kamal 2 moved healthcheck: under proxy (path → proxy.healthcheck.path, port → proxy.app_port, interval → proxy.healthcheck.interval; the others have no place in Kamal 2); add path: /up under proxy.healthcheck: (the config has proxy: already), then remove healthcheck:"},
		{"one edit away", base + "accessories:\n  db:\n    image: x\n    hst: 1.2.3.4\n",
			"config/deploy.yml:14:5: accessories/db: unknown key: hst; did you mean `host`?"},
		{"swapped letters", base + "proxy:\n  hsot: a.example\n", "config/deploy.yml:12:3: proxy: unknown key: hsot; did you mean `host`?"},
		{"far from any key", base + "proxy:\n  colour: red\n", "config/deploy.yml:12:3: proxy: unknown key: colour; remove it or fix its spelling"},
		{"no registry", strings.Replace(base, "registry:\n  server: r\n  username: u\n  password: [P]\n", "", 1),
			"config/deploy.yml:2:1: registry/username: is required; add the registry Kamal pushes to: registry: {server: <account>.dkr.ecr.<region>.amazonaws.com, username: AWS, password: [KAMAL_REGISTRY_PASSWORD]}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, map[string]string{"config/deploy.yml": tt.src}, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			p := c.Validate().Problems
			if len(p) != 1 || !strings.HasPrefix(p[0].Error(), tt.want) {
				t.Errorf("problems %v\nwant one: %s", p, tt.want)
			}
		})
	}
}

// A key the config lacks is reported at the base file's first line, so an
// annotation shows it.
func TestMissingKeysHaveALine(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"config/deploy.yml": "servers: [1.2.3.4]\nbuilder:\n  arch: amd64\n"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Validate().Problems {
		got = append(got, p.Error())
	}
	want := []string{
		"config/deploy.yml:1: registry/username: is required; add the registry Kamal pushes to",
		"config/deploy.yml:1: Missing required configuration for service; add service: to the config",
		"config/deploy.yml:1: Missing required configuration for image; add image: <namespace>/<name>",
	}
	if len(got) != len(want) {
		t.Fatalf("problems %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %q, want %q", got[i], want[i])
		}
	}
}
