package diag

import "testing"

// A message written for Actions names flags on a terminal: the examples of
// issue 19 and the shapes fixes take.
func TestAsFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text     string
		settings []Setting
		want     string
	}{
		{"point the config-file input at your Kamal config", []Setting{{Name: "config-file"}}, "point --config-file at your Kamal config"},
		{"run it without check: true, or apply the diff", []Setting{{"check", "true"}}, "run it without --check, or apply the diff"},
		{"set rewrite-accessories: true to write it into the config", []Setting{{"rewrite-accessories", "true"}}, "run with --rewrite-accessories to write it into the config"},
		{"create it, or set create-repositories: true", []Setting{{"create-repositories", "true"}}, "create it, or run with --create-repositories"},
		{"or set verify-images: false", []Setting{{"verify-images", "false"}}, "or run with --verify-images=false"},
		{"give the registry input (or the aws-region input)", []Setting{{Name: "registry"}, {Name: "aws-region"}}, "give --registry (or --aws-region)"},
		{"set images: a b", []Setting{{"images", "a b"}}, "run with --images='a b'"},
		{"nothing named here", []Setting{{"check", "true"}}, "nothing named here"},
	} {
		if got := AsFlags(tt.text, tt.settings); got != tt.want {
			t.Errorf("AsFlags(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// AsFlags copies: the finding made is never changed.
func TestFindingAsFlagsCopies(t *testing.T) {
	t.Parallel()
	f := Errorf(Pos{File: "config/deploy.yml"}, "config-not-found", "point the config-file input at your Kamal config", "config file not found").WithInputs(Setting{Name: "config-file"})
	g := f.AsFlags()
	if f.Fix != "point the config-file input at your Kamal config" || g.Fix != "point --config-file at your Kamal config" {
		t.Errorf("fix %q, flags %q", f.Fix, g.Fix)
	}
}
