package kamal

import (
	"slices"
	"strings"
	"testing"
)

func TestSecretName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "KAMAL_REGISTRY_PASSWORD": true,
		"RAILS_MASTER_KEY": true, "db_passwd": true, "GPG_PRIVATE": true, "GOOGLE_CREDENTIALS": true, "api_key": true,
		"AWS_ACCESS_KEY_ID": false, "MY_SECRET_KEY_ID": true, "IMAGE": false, "AWS_REGION": false, "KAMAL_DESTINATION": false,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

// A value rendered from a secret-looking variable is never shown: messages
// quote the ERB source, and the value is listed for masking.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "ghcr.io/s3cr3t:v1"
	env := map[string]string{"AWS_SECRET_ACCESS_KEY": secret, "CACHE_TOKEN": "s3cr3t-type", "MIN_KEY": "99.0", "IMAGE": "acme/app", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "ROLE_TOKEN": "s3cr3t-role"}
	files := map[string]string{"config/deploy.yml": `service: app
image: <%= ENV["AWS_SECRET_ACCESS_KEY"] %>
minimum_version: <%= ENV["MIN_KEY"] %>
primary_role: <%= ENV["ROLE_TOKEN"] %>
servers: [1.1.1.1]
registry:
  server: <%= ENV["AWS_ACCESS_KEY_ID"] %>.example
builder:
  arch: amd64
  cache:
    type: <%= ENV.fetch("CACHE_TOKEN") %>
`}
	c, err := load(t, files, env, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range c.Findings {
		out = append(out, f.Error())
	}
	for _, f := range c.Validate().Problems {
		out = append(out, f.Error())
	}
	all := strings.Join(out, "\n")
	for _, s := range []string{"s3cr3t", "99.0"} {
		if strings.Contains(all, s) {
			t.Errorf("a secret value is shown:\n%s", all)
		}
	}
	for _, s := range []string{`image "<%= ENV[\"AWS_SECRET_ACCESS_KEY\"] %>" includes a registry host`, `Invalid cache type: <%= ENV.fetch("CACHE_TOKEN") %>`, `minimum required is <%= ENV["MIN_KEY"] %>`, `The primary_role <%= ENV["ROLE_TOKEN"] %> isn't defined`} {
		if !strings.Contains(all, s) {
			t.Errorf("no %q in:\n%s", s, all)
		}
	}
	if got, want := c.SecretValues(), []string{"99.0", secret, "s3cr3t-role", "s3cr3t-type"}; !slices.Equal(got, want) {
		t.Errorf("SecretValues() = %q, want %q", got, want)
	}
}
