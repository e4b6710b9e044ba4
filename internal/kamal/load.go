// Package kamal reads a Kamal deploy config the way Kamal resolves it, without
// running Ruby, and plans minimal-diff edits to it.
package kamal

// CodeConfigNotFound is the code of the finding for a config file that does
// not exist.
const CodeConfigNotFound = "config-not-found"

// Load reads the base config and, with a destination, its destination file,
// in stages, each in its own file and run once, in this order:
//
//	read.go     read the files, within the limits
//	mask.go     mask the ERB tags
//	parse.go    parse the YAML
//	merge.go    merge the destination over the base
//	resolve.go  resolve the values the action needs
//	ruby.go     find the sections Ruby writes
//	typed.go    type every value as Kamal's YAML loader does
//	check.go    run the action's own checks
//
// Validation (Validate, with package validate), patching (PlanCache,
// PlanImage, Apply) and locating errors are steps that take the loaded config. ERB sees getenv plus
// KAMAL_DESTINATION, as in Kamal. Problems the user must fix come back as a
// *diag.Finding error; softer ones in Config.Findings.
func Load(read ReadFunc, getenv func(string) string, file, destination string) (*Config, error) {
	return loadConfig(read, getenv, file, destination, false)
}

// loadConfig is Load, or with verifying the part of it that verifies the
// action's own patch: the values it resolves, without the limits (a file at
// the limits may grow a few bytes over them).
func loadConfig(read ReadFunc, getenv func(string) string, file, destination string, verifying bool) (*Config, error) {
	env := func(k string) string {
		if k == "KAMAL_DESTINATION" {
			return destination
		}
		return getenv(k)
	}
	sources, err := readSources(read, file, destination, !verifying)
	if err != nil {
		return nil, err
	}
	masked, err := maskERB(sources, env)
	if err != nil {
		return nil, err
	}
	files, err := parse(masked)
	if err != nil {
		return nil, err
	}
	c := &Config{Files: files, Destination: destination, read: read, getenv: env}
	c.root = merge(files)
	c.resolve()
	if verifying {
		return c, nil
	}
	c.Ruby = rubySections(files)
	if c.tree, err = c.typed(); err != nil {
		return nil, err
	}
	c.Findings = c.check()
	return c, nil
}
