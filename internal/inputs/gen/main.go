// Command gen writes action.yml and the README's input and output tables
// from internal/inputs. go generate runs it at the repository root, keeping
// the image action.yml runs; the release passes -image with the pinned one.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"

	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

func main() {
	image := flag.String("image", "", "the image action.yml runs: Dockerfile, or docker://ghcr.io/<owner>/kamal-ecr@sha256:<digest> (default: the one it runs now)")
	flag.Parse()
	if err := generate(*image); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func generate(image string) error {
	old, err := os.ReadFile("action.yml")
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	image = cmp.Or(image, inputs.ImageOf(string(old)), "Dockerfile")
	if !inputs.ValidImage(image) {
		return fmt.Errorf("image %q is neither Dockerfile nor docker://ghcr.io/<owner>/kamal-ecr@sha256:<digest>", image)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		return err
	}
	table, err := inputs.Readme(string(readme))
	if err != nil {
		return err
	}
	if err := os.WriteFile("action.yml", []byte(inputs.ActionYAML(image)), 0o644); err != nil {
		return err
	}
	return os.WriteFile("README.md", []byte(table), 0o644)
}
