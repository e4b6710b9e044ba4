package main

import (
	"strings"
	"testing"
)

// Bad pull-through-cache pairs fail the step; a reversed pair among them is
// still warned about, with its fix; each error names the input once.
func TestPullThroughPairErrorsKeepTheWarning(t *testing.T) {
	t.Parallel()
	const pairs = "quay=quay.io\ndocker.io"
	check := func(where, text string) {
		t.Helper()
		if !strings.Contains(text, "did you mean quay.io=quay?") {
			t.Errorf("%s: no reversed-pair warning:\n%s", where, text)
		}
		if !strings.Contains(text, "is not upstream=prefix") {
			t.Errorf("%s: no error for the bad pair:\n%s", where, text)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "is not upstream=prefix") && strings.Count(line, "pull-through-cache") != 1 {
				t.Errorf("%s: the input is not named once: %q", where, line)
			}
		}
	}
	s := newStep(t, map[string]string{"pull-through-cache": pairs}).run()
	if s.code != 2 {
		t.Errorf("in Actions: exit %d, want 2", s.code)
	}
	check("in Actions", s.stdout.String()+s.stderr.String())
	env := map[string]string{}
	for k, v := range s.env {
		if !strings.HasPrefix(k, "GITHUB_") && !strings.HasPrefix(k, "INPUT_") {
			env[k] = v
		}
	}
	for _, format := range []string{"--format=text", "--format=json"} {
		r := runTerminal(t, s.workspace, []string{format, "--pull-through-cache=" + pairs}, env, false)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2", format, r.code)
		}
		check(format, r.stdout.String()+r.stderr.String())
	}
}
