package action

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite action.yml")

// action.yml is what ActionYAML renders from the input and output tables.
func TestActionYAMLUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "action.yml")
	want := ActionYAML("Dockerfile")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("action.yml is stale: run go test ./internal/action -update")
	}
	var meta struct {
		Inputs map[string]struct {
			Default string `yaml:"default"`
		} `yaml:"inputs"`
		Outputs map[string]any `yaml:"outputs"`
		Runs    struct{ Using, Image string }
	}
	if err := yaml.Unmarshal(got, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Inputs) != len(InputDefs) || len(meta.Outputs) != len(OutputDefs) || meta.Runs.Using != "docker" {
		t.Errorf("action.yml: %d inputs, %d outputs, runs.using %q", len(meta.Inputs), len(meta.Outputs), meta.Runs.Using)
	}
	for _, in := range InputDefs {
		if meta.Inputs[in.Name].Default != in.Default {
			t.Errorf("input %s default %q, want %q", in.Name, meta.Inputs[in.Name].Default, in.Default)
		}
	}
}

// The README documents every input and output in its tables.
func TestReadmeDocumentsEveryInputAndOutput(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, d := range append(append([]Input{}, InputDefs...), OutputDefs...) {
		if !strings.Contains(readme, "| `"+d.Name+"` |") {
			t.Errorf("README has no table row for %s", d.Name)
		}
	}
	for _, cmd := range []string{"go run . --dry-run --config-file testdata/demo/config/deploy.yml", "go test ./..."} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README lacks the set-up command %q", cmd)
		}
	}
}
