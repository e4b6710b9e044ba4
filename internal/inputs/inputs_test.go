package inputs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// action.yml and the README's tables are what go generate makes from the
// tables: a stale one fails here.
func TestGeneratedFilesUpToDate(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	image := ImageOf(got)
	if !ValidImage(image) {
		t.Fatalf("action.yml runs %q: neither Dockerfile nor a digest-pinned ghcr.io image", image)
	}
	if got != ActionYAML(image) {
		t.Errorf("action.yml is stale: run go generate at the repository root")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Readme(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(readme) {
		t.Errorf("README.md's input or output table is stale: run go generate at the repository root")
	}
}

// action.yml says what the table says, read back as YAML: every action input
// with its default, no CLI-only flag.
func TestActionYAMLParses(t *testing.T) {
	t.Parallel()
	var meta struct {
		Inputs map[string]struct {
			Default     string `yaml:"default"`
			Description string `yaml:"description"`
		} `yaml:"inputs"`
		Outputs map[string]any `yaml:"outputs"`
		Runs    struct{ Using, Image string }
	}
	if err := yaml.Unmarshal([]byte(ActionYAML("Dockerfile")), &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Inputs) != len(Action()) || len(meta.Outputs) != len(Outputs) || meta.Runs.Using != "docker" || meta.Runs.Image != "Dockerfile" {
		t.Errorf("action.yml: %d inputs, %d outputs, runs %+v", len(meta.Inputs), len(meta.Outputs), meta.Runs)
	}
	for _, in := range All {
		got, ok := meta.Inputs[in.Name]
		if in.CLIOnly {
			if ok {
				t.Errorf("CLI-only flag %s is an input of action.yml", in.Name)
			}
			continue
		}
		if got.Default != in.Default || got.Description != in.Plain() || strings.Contains(got.Description, "`") {
			t.Errorf("input %s: %+v", in.Name, got)
		}
	}
}

func TestValidImage(t *testing.T) {
	t.Parallel()
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
		if ValidImage(s) != want {
			t.Errorf("ValidImage(%q) = %v", s, !want)
		}
	}
}

func TestImageOfRoundTrips(t *testing.T) {
	t.Parallel()
	img := "docker://ghcr.io/acme/kamal-ecr@sha256:" + strings.Repeat("0f", 32)
	if got := ImageOf(ActionYAML(img)); got != img {
		t.Errorf("ImageOf = %q, want %q", got, img)
	}
}

// Every input's kind fits its default, so a run with no inputs is valid.
func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, in := range All {
		if seen[in.Name] {
			t.Errorf("%s is listed twice", in.Name)
		}
		seen[in.Name] = true
		if msg := in.Check(in.Default); msg != "" {
			t.Errorf("%s: default %s", in.Name, msg)
		}
		if (in.Kind == Enum) != (len(in.Values) > 0) || (in.Kind == Int) != (in.Max > in.Min) {
			t.Errorf("%s: kind %d with values %q, bounds %d..%d", in.Name, in.Kind, in.Values, in.Min, in.Max)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	mode, _ := Lookup("cache-mode")
	days, _ := Lookup("cache-lifecycle-days")
	dest, _ := Lookup("destination")
	dry, _ := Lookup("dry-run")
	for _, tc := range []struct {
		in   Input
		v    string
		want string
	}{
		{mode, "MAX", ""},
		{mode, "", ""},
		{mode, "mid", `"mid" is not min or max`},
		{days, "3651", `"3651" is not a whole number from 0 to 3650`},
		{days, "x", `"x" is not a whole number from 0 to 3650`},
		{dry, "yes", `"yes" is not true or false`},
		{dry, "TRUE", ""},
		{dest, strings.Repeat("a", 100<<10), "is 102400 bytes long; the longest accepted is 200"},
	} {
		if got := tc.in.Check(tc.v); got != tc.want {
			t.Errorf("%s %.20q: %q, want %q", tc.in.Name, tc.v, got, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	got := Split(" a, b\n# comment\n\nc ,,d\n")
	if strings.Join(got, "|") != "a|b|c|d" {
		t.Errorf("Split = %q", got)
	}
}
