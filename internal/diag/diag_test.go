package diag

import "testing"

// A setting reads as a workflow writes it and as a shell flag.
func TestSetting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s             Setting
		actions, flag string
	}{
		{Setting{"enable-cache", "true"}, "enable-cache: true", "--enable-cache"},
		{Setting{"cache-lifecycle-days", "0"}, "cache-lifecycle-days: 0", "--cache-lifecycle-days=0"},
		{Setting{"images", "a b"}, "images: a b", "--images='a b'"},
		{Setting{"images", "it's"}, "images: it's", `--images='it'\''s'`},
	} {
		if got := tt.s.InActions(); got != tt.actions {
			t.Errorf("InActions = %q, want %q", got, tt.actions)
		}
		if got := tt.s.Flag(); got != tt.flag {
			t.Errorf("Flag = %q, want %q", got, tt.flag)
		}
	}
}

// A finding without a file says only its message.
func TestErrorWithoutFile(t *testing.T) {
	t.Parallel()
	if got := Errorf(Pos{}, "x", "fix it", "broken").Error(); got != "broken; fix it" {
		t.Errorf("Error() = %q", got)
	}
	if got := Errorf(Pos{File: "a.yml", Line: 2}, "x", "", "broken").Error(); got != "a.yml:2: broken" {
		t.Errorf("Error() = %q", got)
	}
}
