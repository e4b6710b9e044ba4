package action

import (
	"fmt"
	"strings"
)

// ActionYAML renders action.yml from InputDefs and OutputDefs, so the
// metadata, the CLI flags and the code cannot drift apart.
func ActionYAML(image string) string {
	var b strings.Builder
	b.WriteString(`# Generated from internal/action/inputs.go: edit there, then run go test ./internal/action -update.
name: kamal-ecr
description: Get a Kamal app ready for AWS ECR - repositories, a build cache ECR accepts, and pull-through cache paths.
author: kamal-ecr
branding:
  icon: package
  color: orange
inputs:
`)
	for _, in := range InputDefs {
		fmt.Fprintf(&b, "  %s:\n    description: %s\n    required: false\n    default: %s\n", in.Name, quote(in.Description), quote(in.Default))
	}
	b.WriteString("outputs:\n")
	for _, out := range OutputDefs {
		fmt.Fprintf(&b, "  %s:\n    description: %s\n", out.Name, quote(out.Description))
	}
	fmt.Fprintf(&b, "runs:\n  using: docker\n  image: %s\n", image)
	return b.String()
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
