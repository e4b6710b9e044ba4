package action

import (
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Result is what happened: outcomes only, for the report to render.
type Result struct {
	Plan         *Plan
	Registry     string
	RegistryFrom RegistrySource
	Image        string
	CacheImage   string
	Repos        []registry.Status
	Checked      bool // AWS was asked about the repositories
	Rules        []imageref.Rule
	RulesFrom    RulesSource
	Changes      []FileChange // every config file the edits change, base first
	Patched      bool         // the changes were written
	Unrestored   string       // a file written before a later write failed, and not put back
	Translations []Translation
	Edits        []*kamal.Edit
	ConfigFile   string
	Files        []string // the config files read, base first
	Findings     []*diag.Finding
	Username     string
	Password     string
	Identity     *registry.Identity // who the AWS calls were made as (outside Actions)
	token        loginToken         // for verify-images, with or without login
}

// FileChange is one config file before and after the edits.
type FileChange struct {
	Path          string
	Before, After []byte
}

// ChangedFiles are the paths of the changed files, base first.
func (r *Result) ChangedFiles() []string {
	out := []string{}
	for _, c := range r.Changes {
		out = append(out, c.Path)
	}
	return out
}

// RegistrySource is where the registry worked on came from.
type RegistrySource int

const (
	FromServer               RegistrySource = iota // registry.server
	FromInput                                      // the registry input
	FromSTS                                        // the caller's account
	PlaceholderForCheck                            // a check asks AWS nothing
	PlaceholderNoCredentials                       // a dry run without credentials
)

// RulesSource is where the pull-through cache rules came from.
type RulesSource int

const (
	RulesOff          RulesSource = iota // pull-through-cache: off
	RulesFromInput                       // upstream=prefix pairs
	RulesFromRegistry                    // DescribePullThroughCacheRules
	RulesNotRead                         // auto, but they could not be read
)
