package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/iampolicy"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// missingCode is an error about a repository the role may not create:
// the IAM statement below the list says the fix for all of them at once.
const missingCode = "aws/missing-repository"

// actionNeeded is what the reader must do, only when there is something:
// each problem in file order with its fix, the IAM statement that covers
// every denial, and the patch to commit.
func (s *summary) actionNeeded(b *strings.Builder) {
	statements := deniedStatements(s.r, s.errs)
	problems := s.problems()
	patch := s.patchToCommit()
	if len(problems) == 0 && len(statements) == 0 && !patch {
		return
	}
	b.WriteString("### Action needed\n\n")
	for _, p := range problems {
		b.WriteString(p)
	}
	if len(problems) > 0 {
		b.WriteString("\n")
	}
	if len(statements) > 0 {
		b.WriteString("Allow what was denied: add this to the Statement of the policy of the role this workflow assumes (or create the missing repositories where they are managed):\n\n")
		doc := statementJSON(statements)
		fmt.Fprintf(b, "%sjson\n%s\n%s\n\n", fenceFor(string(doc)), doc, fenceFor(string(doc)))
	}
	if patch {
		s.patchNote(b)
		s.diff(b, true)
	}
	s.rebootNote(b)
}

// rebootNote names the accessories whose image was rewritten: neither
// kamal deploy nor kamal setup restarts an accessory that is running.
func (s *summary) rebootNote(b *strings.Builder) {
	if !s.r.Patched {
		return
	}
	var cmds []string
	for _, t := range s.r.Translations {
		if s.rewritten(t) {
			cmd := "kamal accessory reboot " + t.Name
			if s.in.Destination != "" {
				cmd += " -d " + s.in.Destination
			}
			cmds = append(cmds, code(cmd))
		}
	}
	if len(cmds) > 0 {
		fmt.Fprintf(b, "**Reboot the rewritten accessories** once the patch is deployed: neither kamal deploy nor kamal setup restarts an accessory that is already running. Run %s.\n\n", joinAnd(cmds))
	}
}

// problems are the errors as list items: those at a line in file order,
// then the others; a check's own error is the patch, said below.
func (s *summary) problems() []string {
	var out []string
	for _, f := range errorFindings(s.errs, s.r.Files) {
		item := fmt.Sprintf("- ❌ %s %s", code(f.Pos.String()), text(f.Msg))
		switch {
		case f.Code == missingCode:
		case strings.Contains(f.Fix, "\n"): // a snippet to paste
			item += "; fix:\n\n" + indent(fenceFor(f.Fix)+"yaml\n"+f.Fix+"\n"+fenceFor(f.Fix), "  ")
		case f.Fix != "":
			item += "; fix: " + text(f.Fix)
		}
		out = append(out, item+"\n")
	}
	for _, e := range s.errs {
		var f *diag.Finding
		var pd *action.PullDeniedError
		var ce *action.CheckError
		var denied *registry.AccessDeniedError
		switch {
		case errors.As(e, &f), errors.As(e, &pd), errors.As(e, &ce):
		case errors.As(e, &denied):
			out = append(out, fmt.Sprintf("- ❌ AWS denied %s on %s\n", code(denied.Action), code(denied.Resource)))
		default:
			out = append(out, "- ❌ "+text(e.Error())+"\n")
		}
	}
	return out
}

// patchToCommit says whether the config was, or would be, patched: the
// patch lives only in this job's checkout until someone commits it.
func (s *summary) patchToCommit() bool {
	var check *action.CheckError
	return len(s.r.Changes) > 0 && (s.r.Patched || s.planned() && (s.err == nil || errors.As(s.err, &check)))
}

func (s *summary) patchNote(b *strings.Builder) {
	var names []string
	for _, f := range s.r.ChangedFiles() {
		names = append(names, code(f))
	}
	files := strings.Join(names, " and ")
	var check *action.CheckError
	switch {
	case errors.As(s.err, &check):
		fmt.Fprintf(b, "**Commit the patch.** The check fails until %s %s this change.", files, map[bool]string{true: "has", false: "have"}[len(names) == 1])
	case s.r.Patched:
		fmt.Fprintf(b, "**Commit the patch.** %s %s patched in this job's checkout only: every run patches again until the change is committed.", files, map[bool]string{true: "was", false: "were"}[len(names) == 1])
	default:
		fmt.Fprintf(b, "**Commit the patch.** A run would patch %s in its checkout only, and again on every run until the change is committed.", files)
	}
	if cutDiff(unifiedDiff(s.r.Changes), maxDiffLines).more > 0 {
		b.WriteString(" The diff is too long to show whole: run kamal-ecr in your clone and commit what it writes.\n\n")
		return
	}
	b.WriteString(" Save the diff below as `kamal-ecr.diff`, run `git apply kamal-ecr.diff` in your clone, and commit.\n\n")
}

// diff shows the patch; open when it is the thing to commit.
func (s *summary) diff(b *strings.Builder, open bool) {
	d := cutDiff(unifiedDiff(s.r.Changes), maxDiffLines)
	label := "Patch"
	if !open {
		label = "The patch a successful run would write (not written)"
	}
	label += ": " + strings.Join(s.r.ChangedFiles(), " + ") + " " + diffSize(s.r.Changes)
	details(b, open, label, func(b *strings.Builder) {
		fence := fenceFor(d.text)
		fmt.Fprintf(b, "%sdiff\n%s%s\n\n", fence, d.text, fence)
		if d.more > 0 {
			fmt.Fprintf(b, "… %d more changed lines, not shown: this diff is cut, so it no longer applies with git apply. %s has every change.\n\n",
				d.more, changedWhere(s.r))
		}
	})
}

// plannedDiff is the diff of a run that failed before writing it.
func (s *summary) plannedDiff(b *strings.Builder) {
	if len(s.r.Changes) > 0 && !s.patchToCommit() {
		s.diff(b, false)
	}
}

// changedWhere says where the whole change is to be seen.
func changedWhere(r *action.Result) string {
	if r.Patched {
		return "The written file"
	}
	return "A run without dry-run or check"
}

// diffSize is "+added −removed" over every changed file.
func diffSize(changes []action.FileChange) string {
	var add, del int
	for line := range strings.Lines(unifiedDiff(changes)) {
		switch {
		case strings.HasPrefix(line, "+++ "), strings.HasPrefix(line, "--- "):
		case line[0] == '+':
			add++
		case line[0] == '-':
			del++
		}
	}
	return fmt.Sprintf("+%d −%d", add, del)
}

// denial is one IAM action AWS refused, and on what.
type denial struct{ action, resource string }

// denials are every refusal that stopped the run: the repositories the
// role may not create (all of them, whatever the timing) and the calls
// denied outright.
func denials(r *action.Result, errs []error) []denial {
	var out []denial
	for _, st := range r.Repos {
		var missing *registry.MissingError
		var denied *registry.AccessDeniedError
		if errors.As(st.Err, &missing) && errors.As(missing.Denied, &denied) {
			out = append(out, denial{denied.Action, missing.ARN})
		}
	}
	for _, e := range errs {
		var denied *registry.AccessDeniedError
		if errors.As(e, &denied) {
			out = append(out, denial{denied.Action, cmp.Or(denied.Resource, "*")})
		}
	}
	slices.SortFunc(out, func(a, b denial) int {
		return cmp.Or(cmp.Compare(a.action, b.action), cmp.Compare(a.resource, b.resource))
	})
	return slices.Compact(out)
}

// deniedActions are the refused IAM actions, each once.
func deniedActions(r *action.Result, errs []error) []string {
	var out []string
	for _, d := range denials(r, errs) {
		if !slices.Contains(out, d.action) {
			out = append(out, d.action)
		}
	}
	return out
}

// deniedStatements allow every refused action on every resource it was
// refused on, actions refused on the same resources sharing a statement;
// nil when nothing was denied.
func deniedStatements(r *action.Result, errs []error) []iampolicy.Statement {
	byAction := map[string][]string{}
	var actions []string
	for _, d := range denials(r, errs) {
		if _, ok := byAction[d.action]; !ok {
			actions = append(actions, d.action)
		}
		byAction[d.action] = append(byAction[d.action], d.resource)
	}
	var out []iampolicy.Statement
	for _, a := range actions {
		i := slices.IndexFunc(out, func(st iampolicy.Statement) bool { return slices.Equal(st.Resource, byAction[a]) })
		if i < 0 {
			out = append(out, iampolicy.Statement{Effect: "Allow", Resource: byAction[a]})
			i = len(out) - 1
		}
		out[i].Action = append(out[i].Action, a)
	}
	for i := range out {
		out[i].Sid = fmt.Sprintf("KamalEcrDenied%d", i+1)
	}
	if len(out) == 1 {
		out[0].Sid = "KamalEcrDenied"
	}
	return out
}

// statementJSON is one statement as an object, several as an array, as
// they go into a policy's Statement.
func statementJSON(sts []iampolicy.Statement) []byte {
	var v any = sts
	if len(sts) == 1 {
		v = sts[0]
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return b
}

func indent(s, by string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) != "" {
			b.WriteString(by)
		}
		b.WriteString(line)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// sortByPos puts findings in file order: the config files as read (base
// first), then by line and column.
func sortByPos(fs []*diag.Finding, files []string) {
	order := func(f string) int {
		if i := slices.Index(files, f); i >= 0 {
			return i
		}
		return len(files)
	}
	slices.SortStableFunc(fs, func(a, b *diag.Finding) int {
		return cmp.Or(cmp.Compare(order(a.Pos.File), order(b.Pos.File)), cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}
