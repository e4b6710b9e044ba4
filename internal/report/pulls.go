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
	fmt.Fprintf(b, "%d of these were verified in the registry with the login token, one manifest GET each: %d pull", n, n-failed-unanswered)
	if failed > 0 {
		fmt.Fprintf(b, ", %d do not", failed)
	}
	if unanswered > 0 {
		fmt.Fprintf(b, ", %d got no answer in time (the servers may still pull them)", unanswered)
	}
	if failed+unanswered > 0 {
		b.WriteString(" (why is in the errors and notes)")
	}
	b.WriteString(".\n\n")
}

// pullCell is a short cell: the short digest, or the registry's code.
func pullCell(p *action.Pull) string {
	switch {
	case p == nil:
		return "-"
	case p.Unanswered:
		return "not verified: " + text(p.Problem)
	case p.Problem != "":
		return "does not pull: " + text(p.Problem)
	}
	return "pulls " + code(manifest.Short(p.Digest))
}
