package cli

import (
	"regexp"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
)

// underHook adapts a run to a Kamal hook (.kamal/hooks/pre-build), which
// Kamal starts with KAMAL_VERSION set, after it has read the config: the
// destination comes from KAMAL_DESTINATION unless --destination (or its
// input) gives one, and the hook names the command that applies a change
// outside the hook. Not under a hook, lookup is returned as it is.
func underHook(lookup func(string) string, args []string, getenv func(string) string) (func(string) string, *action.Hook) {
	if getenv("KAMAL_VERSION") == "" {
		return lookup, nil
	}
	dest := getenv("KAMAL_DESTINATION")
	command := "kamal-ecr"
	for _, a := range args {
		command += " " + shellQuote(a)
	}
	hook := &action.Hook{}
	if strings.TrimSpace(lookup("destination")) == "" && dest != "" {
		command += " --destination " + shellQuote(dest)
		hook.Destination = dest
	}
	hook.Command = command
	return func(name string) string {
		if v := lookup(name); name != "destination" || strings.TrimSpace(v) != "" {
			return v
		}
		return dest
	}, hook
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./=:,@%+-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
