package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

// getenvFrom looks variables up in environ ("KEY=value" entries, the last
// one winning as in the process environment).
func getenvFrom(environ []string) func(string) string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// unknownInputs warns about INPUT_* variables that name no input, such as
// INPUT_DRY_RUN from docker run -e, which would be silently ignored.
func unknownInputs(environ []string) []string {
	known := map[string]bool{}
	for _, in := range inputs.Action() {
		known[inputs.EnvName(in.Name)] = true
	}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "INPUT_") || known[k] {
			continue
		}
		known[k] = true // said once
		msg := fmt.Sprintf("%s names no input of kamal-ecr, so it is ignored", k)
		if near := nearestInput(strings.TrimPrefix(k, "INPUT_")); near != "" {
			msg += fmt.Sprintf("; did you mean %s (%s)?", near, inputs.EnvName(near))
		}
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

// nearestInput is the input a mistyped name most likely meant: the same
// name with underscores for hyphens, or one at most two edits away.
func nearestInput(name string) string {
	name = strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	best, dist := "", 3
	for _, in := range inputs.Action() {
		if d := editDistance(name, in.Name); d < dist {
			best, dist = in.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
