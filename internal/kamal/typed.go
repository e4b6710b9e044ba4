package kamal

import (
	"github.com/kamal-ecr/kamal-ecr/internal/kamal/validate"
)

// typed is the seventh stage: the merged config as Kamal's YAML loader
// (Psych, YAML 1.1) types it, the one reader of values for Validate and for
// the action's questions (MissingDestination), with the Ruby-written
// sections marked so that no check looks inside them.
func (c *Config) typed() (*validate.Node, error) {
	sources := make([]validate.Source, len(c.Files))
	for i, f := range c.Files {
		sources[i] = validate.Source{Path: f.Path, Root: f.root, Template: f.tmpl}
		for _, s := range c.Ruby {
			if s.Pos.File == f.Path {
				sources[i].Ruby = append(sources[i].Ruby, validate.Section{Path: s.Path, Pos: s.Pos})
			}
		}
	}
	return validate.Build(sources, validate.Options{Getenv: c.getenv, MaxCopies: 2 * MaxNodes, LaterServer: c.Server.Unset != ""})
}
