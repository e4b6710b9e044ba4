package action

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var (
	update = flag.Bool("update", false, "rewrite action.yml")
	image  = flag.String("image", "Dockerfile", "with -update: the image action.yml runs (the release passes docker://ghcr.io/<owner>/kamal-ecr@sha256:<digest>)")
)

// action.yml is what ActionYAML renders from the input and output tables, in
// one of two forms: image: Dockerfile on main, which builds the current code;
// a digest-pinned prebuilt image on a release commit.
func TestActionYAMLUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "action.yml")
	if *update {
		if !validImage(*image) {
			t.Fatalf("-image %q is neither Dockerfile nor docker://ghcr.io/<owner>/kamal-ecr@sha256:<digest>", *image)
		}
		if err := os.WriteFile(path, []byte(ActionYAML(*image)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var run struct{ Runs struct{ Image string } }
	if err := yaml.Unmarshal(got, &run); err != nil {
		t.Fatal(err)
	}
	if !validImage(run.Runs.Image) {
		t.Fatalf("action.yml runs %q: neither Dockerfile nor a digest-pinned ghcr.io image", run.Runs.Image)
	}
	if string(got) != ActionYAML(run.Runs.Image) {
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

var pinnedImage = regexp.MustCompile(`^docker://ghcr\.io/[a-z0-9][a-z0-9-]*/kamal-ecr@sha256:[0-9a-f]{64}$`)

func validImage(s string) bool { return s == "Dockerfile" || pinnedImage.MatchString(s) }

func TestValidImage(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	for s, want := range map[string]bool{
		"Dockerfile": true,
		"docker://ghcr.io/acme/kamal-ecr@sha256:" + digest:        true,
		"docker://ghcr.io/acme/kamal-ecr:v1":                      false, // a tag can move
		"docker://ghcr.io/Acme/kamal-ecr@sha256:" + digest:        false, // GHCR names are lower-case
		"docker://ghcr.io/acme/kamal-ecr@sha256:" + digest[:10]:   false,
		"docker://docker.io/acme/kamal-ecr@sha256:" + digest:      false,
		"docker://ghcr.io/acme/kamal-ecr@sha256:" + digest + "\n": false,
	} {
		if validImage(s) != want {
			t.Errorf("validImage(%q) = %v", s, !want)
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
	// The outputs table says what action.yml says (code marks aside).
	_, outputs, _ := strings.Cut(readme, "| Output | Value |")
	for _, d := range OutputDefs {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(d.Name) + "` \\| (.*) \\|$").FindStringSubmatch(outputs)
		if row == nil || strings.ReplaceAll(row[1], "`", "") != d.Description {
			t.Errorf("README's row for output %s does not say %q", d.Name, d.Description)
		}
	}
	for _, cmd := range []string{"go run . --dry-run --config-file testdata/demo/config/deploy.yml", "go test ./..."} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README lacks the set-up command %q", cmd)
		}
	}
}
