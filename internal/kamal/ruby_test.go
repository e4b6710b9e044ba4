package kamal

import (
	"strings"
	"testing"
)

func TestRubySections(t *testing.T) {
	base := "service: app\nimage: acme/app\nregistry:\n  server: r\n  username: AWS\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n"
	for _, tt := range []struct {
		name, dest string
		want       []string // findings, severity and text prefix
	}{
		{"hosts from Ruby", "<% web_ips = `bash .kamal/server-ips web stage`.strip.split(',') %>\nservers:\n  web:\n    hosts:\n<%= web_ips.map { |ip| \"      - #{ip}\" }.join(\"\\n\") %>\nbuilder:\n  args:\n    RAILS_ENV: staging\n",
			[]string{"notice config/deploy.staging.yml:5:1: servers.web.hosts is written by Ruby here; the action does not need it"}},
		{"indented in env", "env:\n  clear:\n    A: 1\n    <%= extra.map { |k, v| \"#{k}: #{v}\" }.join(\"\\n    \") %>\n",
			[]string{"notice config/deploy.staging.yml:4:5: env.clear is written by Ruby here"}},
		{"builder from Ruby", "builder:\n<%= File.read(\"builder.yml\") %>\n",
			[]string{"error config/deploy.staging.yml:2:1: builder is written by Ruby here, which the action does not run"}},
		{"top level", "<%= File.read(\"extra.yml\") %>\nservers:\n  - 1.2.3.4\n",
			[]string{"warning config/deploy.staging.yml:1:1: this ERB writes top-level YAML"}},
		{"a value stays a value", "image:\n  <%= ENV[\"IMAGE\"] %>\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, map[string]string{"config/deploy.yml": base, "config/deploy.staging.yml": tt.dest}, map[string]string{"IMAGE": "acme/other"}, "staging")
			if err != nil {
				t.Fatal(err)
			}
			got := wantFindings(t, c, tt.want)
			if strings.Contains(strings.Join(got, "\n"), "ERB0") {
				t.Error("a placeholder leaked")
			}
		})
	}
}

// A file that is all Ruby cannot be read: stopped at its tag, without the
// internal placeholder.
func TestWholeFileRuby(t *testing.T) {
	_, err := load(t, map[string]string{"config/deploy.yml": "<%= ERB.new(File.read(\"config/deploy.base.yml\")).result %>\n"}, nil, "")
	if err == nil || !strings.HasPrefix(err.Error(), "config/deploy.yml:1:1: this config is written by Ruby, which the action does not run") || strings.Contains(err.Error(), "ERB0") {
		t.Errorf("err = %v", err)
	}
}
