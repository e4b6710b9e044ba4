package kamal

import (
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"reflect"
	"testing"
)

func TestParseSecrets(t *testing.T) {
	src := "# comment\nKAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\nexport A=1\nEMPTY=\nQUOTED_EMPTY=\"\"\nB = 'two words' # note\nC: three\nD=four # note\nRAILS_MASTER_KEY=$(cat config/master.key)\n\r\nnot a line\n"
	want := map[string]string{"KAMAL_REGISTRY_PASSWORD": "$KAMAL_REGISTRY_PASSWORD", "A": "1", "EMPTY": "", "QUOTED_EMPTY": "",
		"B": "two words", "C": "three", "D": "four", "RAILS_MASTER_KEY": "$(cat config/master.key)"}
	if got := ParseSecrets([]byte(src)); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestSecretsFiles(t *testing.T) {
	if got := SecretsFiles(".kamal/secrets", ""); !reflect.DeepEqual(got, []string{".kamal/secrets-common", ".kamal/secrets"}) {
		t.Error(got)
	}
	if got := SecretsFiles("s", "prod"); !reflect.DeepEqual(got, []string{"s-common", "s.prod"}) {
		t.Error(got)
	}
	for in, want := range map[string]string{"config/deploy.yml": ".", "app/config/deploy.yml": "app", "deploy.yml": ".", "ops/deploy.yml": "."} {
		if got := AppRoot(in); got != want {
			t.Errorf("AppRoot(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRegistrySecrets(t *testing.T) {
	src := "image: a/b\nregistry:\n  server: r\n  username: AWS\n  password:\n    - KAMAL_REGISTRY_PASSWORD\naccessories:\n  db:\n    image: x\n    registry:\n      server: s\n      username: [DB_USER]\n      password: [DB_PASS]\n"
	c, err := load(t, map[string]string{"config/deploy.yml": src}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Secret{
		{"KAMAL_REGISTRY_PASSWORD", "registry.password", diag.Pos{File: "config/deploy.yml", Line: 6, Col: 7}},
		{"DB_USER", "accessories.db.registry.username", diag.Pos{File: "config/deploy.yml", Line: 12, Col: 18}},
		{"DB_PASS", "accessories.db.registry.password", diag.Pos{File: "config/deploy.yml", Line: 13, Col: 18}},
	}
	if !reflect.DeepEqual(c.Secrets, want) || c.RegistryPos.Line != 2 {
		t.Errorf("secrets %+v, registry at %v", c.Secrets, c.RegistryPos)
	}
}
