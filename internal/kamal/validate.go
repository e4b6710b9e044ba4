package kamal

import (
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal/validate"
)

// KamalVersion is the Kamal whose validation Validate reproduces.
const KamalVersion = validate.KamalVersion

// Validation is the verdict of Kamal's own checks on the merged config.
type Validation = validate.Validation

// Validate checks the loaded config the way Kamal 2.12 does when it loads
// it, reporting every problem instead of stopping at the first.
func (c *Config) Validate() Validation {
	return validate.Check(c.tree, c.checkInput())
}

// MissingDestination is Kamal's refusal of a config that requires a
// destination when none is given, or nil: the one check that runs with
// validate: false, on the same typed values.
func (c *Config) MissingDestination() *diag.Finding {
	return validate.RequireDestination(c.tree, c.checkInput())
}

func (c *Config) checkInput() validate.Input {
	in := validate.Input{
		File:        c.Files[0].Path,
		Destination: c.Destination,
		AppRoot:     AppRoot(c.Files[0].Path),
		Exists: func(name string) bool {
			_, err := c.read(name)
			return err == nil
		},
	}
	if r := c.topLevelRuby(); r != nil {
		in.TopRuby = &r.Pos
	}
	return in
}
