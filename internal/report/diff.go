package report

import (
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
)

// maxDiffLines bounds the diff the summary shows: the written file and
// changed-files are what count, the summary only shows the change.
const maxDiffLines = 400

// unifiedDiff is a unified diff of every changed file, with a/ and b/ paths
// relative to the workspace, which git apply accepts.
func unifiedDiff(changes []action.FileChange) string {
	var b strings.Builder
	for _, c := range changes {
		before, after := string(c.Before), string(c.After)
		b.WriteString(udiff.Unified("a/"+c.Path, "b/"+c.Path, before, after))
	}
	return b.String()
}

// shownDiff is a diff as the summary shows it.
type shownDiff struct {
	text string
	more int // changed lines left out
}

// cutDiff keeps the first limit lines of a diff (whole lines; a file's
// headers and hunks as they come) and counts the changed lines after them.
func cutDiff(d string, limit int) shownDiff {
	n, end := 0, 0
	for end < len(d) && n < limit {
		i := strings.IndexByte(d[end:], '\n')
		if i < 0 {
			end = len(d)
			break
		}
		end += i + 1
		n++
	}
	more := 0
	for line := range strings.Lines(d[end:]) {
		if (line[0] == '+' || line[0] == '-') && !strings.HasPrefix(line, "+++ ") && !strings.HasPrefix(line, "--- ") {
			more++
		}
	}
	return shownDiff{text: d[:end], more: more}
}
