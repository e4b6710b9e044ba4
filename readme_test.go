package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The README says what the action does and shows a workflow of at most 12
// lines before anything else; the ERB and validation details come after
// Usage; and it says what a user would otherwise learn the hard way.
func TestReadmeOpensWithAWorkflow(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	usage := strings.Index(readme, "\n## Usage\n")
	if usage < 0 {
		t.Fatal("no ## Usage")
	}
	intro := readme[:usage]
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(intro)
	if m == nil {
		t.Fatalf("no workflow before Usage:\n%s", intro)
	}
	if n := strings.Count(m[1], "\n"); n > 12 {
		t.Errorf("the first workflow has %d lines, more than 12", n)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct{ Uses, Run string }
		}
	}
	if err := yaml.Unmarshal([]byte(m[1]), &wf); err != nil {
		t.Fatalf("the first workflow is not YAML: %v", err)
	}
	var steps []string
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			steps = append(steps, s.Uses+s.Run)
		}
	}
	if all := strings.Join(steps, "\n"); !strings.Contains(all, "kamal-ecr/kamal-ecr@v1") || !strings.Contains(all, "kamal deploy") {
		t.Errorf("the first workflow does not run the action and kamal deploy:\n%s", all)
	}
	if strings.Count(intro, "\n") > 45 {
		t.Errorf("the README's opening is %d lines: keep the details below Usage", strings.Count(intro, "\n"))
	}
	flat := strings.Join(strings.Fields(readme), " ")
	for _, detail := range []string{"ERB is never executed", "reports every problem `kamal deploy` would stop at"} {
		if i := strings.Index(flat, detail); i < strings.Index(flat, " ## Usage ") {
			t.Errorf("%q is not below Usage (at %d)", detail, i)
		}
	}
	for _, want := range []string{"neither `kamal deploy` nor `kamal setup` (which skips accessories already running) restarts one",
		"`kamal accessory reboot <name>`", "`registry-password` cannot cross jobs"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the README does not say %q", want)
		}
	}
}
