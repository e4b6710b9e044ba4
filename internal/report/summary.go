// Package report renders what a run did: the job summary, the annotations
// and the step outputs, all from the action's Result. It decides nothing
// about the run; a terminal renderer belongs beside these.
package report

import (
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Summary is the job summary in GitHub-flavoured Markdown: the verdict
// first, one tally line and what was read; "Action needed" only when there
// is something to do; the long parts (the diff open, the tables and notes
// closed) under <details>. Every value from the config, the environment or
// AWS is escaped, so none renders as HTML, a link or table structure.
func Summary(in action.Inputs, r *action.Result, err error) string {
	s := &summary{in: in, r: r, err: err, errs: diag.Flatten(err)}
	var b strings.Builder
	for _, section := range []func(*strings.Builder){
		s.verdict, s.tally, s.context, s.actionNeeded, s.warnings, s.plannedDiff, s.repositories, s.images, s.notes,
	} {
		section(&b)
	}
	return b.String()
}

// summary is one run as the summary sees it.
type summary struct {
	in   action.Inputs
	r    *action.Result
	err  error
	errs []error // err, flattened

	edited map[string]bool // the keys of r.Edits, made on first use
}

// planned says the run writes nothing by design: a dry run or a check.
func (s *summary) planned() bool { return s.in.DryRun || s.in.Check }

func (s *summary) verdict(b *strings.Builder) {
	fmt.Fprintf(b, "## %s\n\n", s.verdictText())
}

// verdictText is the outcome in a few words: what the reader must know
// first, for the worst class of problem when there are several.
func (s *summary) verdictText() string {
	if s.err == nil {
		switch {
		case s.in.Check:
			return "✅ Check passed: the config is ready for ECR"
		case s.in.DryRun:
			return "✅ Dry run: a run would make this ready for kamal deploy"
		}
		return "✅ Ready for kamal deploy"
	}
	if s.r.Unrestored != "" {
		return "❌ Failed, and " + code(s.r.Unrestored) + " may have been changed: putting it back failed"
	}
	if n, files := s.refusals(); n > 0 {
		return fmt.Sprintf("❌ Kamal would refuse %s (%s)", strings.Join(files, " + "), plural(n, "problem"))
	}
	if denied := deniedActions(s.r, s.errs); len(denied) > 0 {
		return "❌ AWS denied " + joinAnd(denied)
	}
	if n := s.missingNotCreated(); n > 0 {
		return fmt.Sprintf("❌ %s missing, and create-repositories is false", plural(n, "ECR repository"))
	}
	var creds *registry.CredentialsError
	var check *action.CheckError
	var input *action.InputError
	switch {
	case errors.As(s.err, &creds):
		return "❌ No usable AWS credentials"
	case errors.As(s.err, &input):
		return "❌ Input " + text(input.Input) + " needs a change"
	}
	if n, _ := s.findingsWhere(func(f *diag.Finding) bool { return strings.HasPrefix(f.Code, "ecr/pull-") }); n > 0 {
		return fmt.Sprintf("❌ %s not pull", map[bool]string{true: "1 image does", false: fmt.Sprintf("%d images do", n)}[n == 1])
	}
	if n, files := s.configProblems(); n > 0 {
		return fmt.Sprintf("❌ %s needs a change (%s)", strings.Join(files, " + "), plural(n, "problem"))
	}
	if errors.As(s.err, &check) {
		return "❌ Check failed: kamal-ecr would change " + text(strings.Join(check.Files, " + "))
	}
	return "❌ Not ready for kamal deploy (" + plural(len(s.errs), "error") + ")"
}

// missingNotCreated counts the repositories Kamal's push needs that do not
// exist and that the inputs say not to create.
func (s *summary) missingNotCreated() int {
	n := 0
	for _, st := range s.r.Repos {
		if st.Missing && st.Err == nil && !s.in.CreateRepositories {
			n++
		}
	}
	return n
}

// refusals counts Kamal's refusals of the config and names their files.
func (s *summary) refusals() (int, []string) {
	return s.findingsWhere(func(f *diag.Finding) bool { return strings.HasPrefix(f.Code, "kamal/") })
}

// configProblems counts the other errors at a line of the config.
func (s *summary) configProblems() (int, []string) {
	return s.findingsWhere(func(f *diag.Finding) bool { return f.Pos.File != "" })
}

func (s *summary) findingsWhere(keep func(*diag.Finding) bool) (n int, files []string) {
	for _, f := range errorFindings(s.errs, s.r.Files) {
		if !keep(f) {
			continue
		}
		n++
		if name := text(f.Pos.File); f.Pos.File != "" && !slices.Contains(files, name) {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		files = []string{"the config"}
	}
	return n, files
}

// errorFindings are the errors that are findings at a line, in file order.
func errorFindings(errs []error, files []string) []*diag.Finding {
	var out []*diag.Finding
	for _, e := range errs {
		var f *diag.Finding
		var pd *action.PullDeniedError
		if errors.As(e, &pd) {
			f = pd.Finding
		}
		if f != nil || errors.As(e, &f) {
			out = append(out, f)
		}
	}
	sortByPos(out, files)
	return out
}

// tally is one line of counts: what was created, patched, and pulls
// through the cache; "No changes" when a run changed nothing.
func (s *summary) tally(b *strings.Builder) {
	repos, created := s.repoTally()
	config := s.configTally()
	var rest []string
	rest = append(rest, s.imageTally()...)
	if s.in.Login && s.r.Password != "" {
		rest = append(rest, "login ready")
	}
	if s.err == nil && !s.planned() && !created && !s.r.Patched {
		first := strings.Join(nonEmpty(repos, config), ", ")
		fmt.Fprintf(b, "No changes: %s\n\n", strings.Join(nonEmpty(append([]string{first}, rest...)...), " · "))
		return
	}
	line := strings.Join(nonEmpty(append([]string{repos, config}, rest...)...), " · ")
	fmt.Fprintf(b, "%s\n\n", upperFirst(line))
}

// repoTally says what happened to the repositories, and whether any was created.
func (s *summary) repoTally() (string, bool) {
	var created, would, exist, unchecked int
	for _, st := range s.r.Repos {
		switch {
		case st.Created:
			created++
		case st.Err != nil || st.Unchecked != nil: // said in the errors or warnings
		case !s.r.Checked || !st.Checked:
			unchecked++
		case st.Missing && s.in.DryRun && s.in.CreateRepositories:
			would++
		case !st.Missing:
			exist++
		}
	}
	var parts []string
	if created > 0 {
		parts = append(parts, "created "+plural(created, "repository"))
	}
	if would > 0 {
		parts = append(parts, "would create "+plural(would, "repository"))
	}
	if exist > 0 && len(parts) > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", exist, map[bool]string{true: "exists", false: "exist"}[exist == 1]))
	} else if exist > 0 {
		parts = append(parts, plural(exist, "repository")+map[bool]string{true: " exists", false: " exist"}[exist == 1])
	}
	if unchecked > 0 {
		parts = append(parts, plural(unchecked, "repository")+" not checked")
	}
	if len(parts) == 0 && s.err != nil && !s.in.Check {
		parts = append(parts, "nothing created")
	}
	return strings.Join(parts, ", "), created > 0
}

// configTally says what happened to the config, with the diff's size.
func (s *summary) configTally() string {
	var check *action.CheckError
	size := diffSize(s.r.Changes)
	switch {
	case s.r.Patched:
		return "config patched " + size
	case len(s.r.Changes) > 0 && (s.err == nil || errors.As(s.err, &check)):
		return "config would be patched " + size
	case s.err != nil:
		return "config not changed"
	}
	return "config already ready for ECR"
}

// context names the files read, the destination, the mode and the registry.
func (s *summary) context(b *strings.Builder) {
	files := s.r.Files
	if len(files) == 0 {
		files = []string{s.in.ConfigFile}
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = code(f)
	}
	line := "kamal-ecr · " + strings.Join(names, " + ")
	if s.in.Destination != "" {
		line += ", destination " + code(s.in.Destination)
	}
	switch {
	case s.in.Check:
		line += " · check: nothing was changed, AWS was not asked"
	case s.in.DryRun:
		line += " · dry run: nothing was changed"
	}
	b.WriteString(line + "\n\n")
	if s.r.Registry != "" {
		fmt.Fprintf(b, "Registry %s (from %s)", code(s.r.Registry), text(registryFrom(s.r.RegistryFrom)))
		if id := s.r.Identity; id != nil {
			fmt.Fprintf(b, " · AWS identity %s (account %s)", code(id.ARN), code(id.Account))
		}
		b.WriteString("\n\n")
	}
}

// registryFrom says where the registry came from.
func registryFrom(s action.RegistrySource) string {
	switch s {
	case action.FromInput:
		return "registry input"
	case action.FromSTS:
		return "STS"
	case action.PlaceholderForCheck:
		return "a placeholder account: a check asks AWS nothing"
	case action.PlaceholderNoCredentials:
		return "a placeholder account: no AWS credentials to ask STS"
	}
	return "registry.server"
}

// details is a collapsible part; label is plain text, escaped here, since
// GitHub does not render Markdown inside <summary>.
func details(b *strings.Builder, open bool, label string, body func(*strings.Builder)) {
	tag := "<details>"
	if open {
		tag = "<details open>"
	}
	fmt.Fprintf(b, "%s<summary>%s</summary>\n\n", tag, html.EscapeString(label))
	body(b)
	b.WriteString("</details>\n\n")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func nonEmpty(items ...string) []string {
	var out []string
	for _, s := range items {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
