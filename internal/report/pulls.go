package report

import (
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
)

// pullsAbove says, above the images table, what the Pull column means.
func pullsAbove(b *strings.Builder, ts []action.Translation) {
	n, failed, unanswered := 0, 0, 0
	for _, t := range ts {
		switch {
		case t.Pull == nil:
			continue
		case t.Pull.Unanswered:
			unanswered++
		case t.Pull.Problem != "":
			failed++
		}
		n++
	}
	if n == 0 {
		return
	}
	pulled := n - failed - unanswered
	fmt.Fprintf(b, "%s %s verified in the registry with the login token, one manifest GET each: %d %s", plural(n, "image"),
		map[bool]string{true: "was", false: "were"}[n == 1], pulled, verbS(pulled, "pull"))
	if failed > 0 {
		fmt.Fprintf(b, ", %d %s not", failed, map[bool]string{true: "does", false: "do"}[failed == 1])
	}
	if unanswered > 0 {
		fmt.Fprintf(b, ", %d got no answer in time (the servers may still pull them)", unanswered)
	}
	if failed+unanswered > 0 {
		b.WriteString(" (why is in the errors and notes)")
	}
	b.WriteString(".\n\n")
}

// pullTally counts the verified images that pull and those that do not
// (an image that got no answer is neither).
func pullTally(ts []action.Translation) (pulled, failed int) {
	for _, t := range ts {
		switch {
		case t.Pull == nil, t.Pull.Unanswered:
		case t.Pull.Problem != "":
			failed++
		default:
			pulled++
		}
	}
	return pulled, failed
}

// pullCell is a short cell: the short digest, or that it failed; the
// registry's answer is said once, in the errors or warnings.
func pullCell(p *action.Pull) string {
	switch {
	case p == nil:
		return "-"
	case p.Unanswered:
		return "⚠️ " + text(p.Problem) + ", see the warnings"
	case p.Problem != "":
		return "❌ " + text(p.Problem) + ", see above"
	}
	return "pulls " + code(manifest.Short(p.Digest))
}
