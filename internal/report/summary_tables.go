package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// shownElsewhere are findings the summary says in another form: a change
// is a line of the diff, an image's path a row of the images table.
var shownElsewhere = map[string]bool{
	"config/cache-options":       true,
	"config/accessory-image":     true,
	"pull-through/would-rewrite": true,
	"pull-through/wrong-path":    true,
	"pull-through/no-rule":       true,
}

// warnings are shown: a deploy works without what they are about, but
// someone should look.
func (s *summary) warnings(b *strings.Builder) {
	items := s.findings(func(f *diag.Finding) bool { return f.Severity == diag.Warning })
	if len(items) == 0 {
		return
	}
	b.WriteString("### Warnings\n\n")
	shown := min(len(items), maxWarningsShown)
	for _, item := range items[:shown] {
		b.WriteString("- ⚠️ " + item)
	}
	b.WriteString("\n")
	if rest := items[shown:]; len(rest) > 0 {
		details(b, false, fmt.Sprintf("%d more warnings", len(rest)), func(b *strings.Builder) {
			for _, item := range rest {
				b.WriteString("- ⚠️ " + item)
			}
			b.WriteString("\n")
		})
	}
}

// maxWarningsShown keeps a successful run's summary short: the rest are
// a click away.
const maxWarningsShown = 5

// notes are the notices, closed.
func (s *summary) notes(b *strings.Builder) {
	items := s.findings(func(f *diag.Finding) bool { return f.Severity < diag.Warning })
	if len(items) == 0 {
		return
	}
	details(b, false, fmt.Sprintf("Notes (%d)", len(items)), func(b *strings.Builder) {
		for _, item := range items {
			b.WriteString("- " + item)
		}
		b.WriteString("\n")
	})
}

// findings are list items for the findings keep selects, except those said
// in another form.
func (s *summary) findings(keep func(*diag.Finding) bool) []string {
	var out []string
	for _, f := range s.r.Findings {
		if !keep(f) || shownElsewhere[f.Code] {
			continue
		}
		item := ""
		if f.Pos.File != "" {
			item = code(f.Pos.String()) + " "
		}
		item += text(f.Msg)
		if f.Fix != "" {
			item += "; fix: " + text(f.Fix)
		}
		out = append(out, item+"\n")
	}
	return out
}

// repositories is the repositories table, closed; settings columns only
// where a repository differs from ECR's defaults.
func (s *summary) repositories(b *strings.Builder) {
	if len(s.r.Repos) == 0 {
		return
	}
	cols := []repoColumn{{"Repository", func(st registry.Status) string { return code(st.Name) }},
		{"Role", func(st registry.Status) string { return text(st.Role) }},
		{"Status", func(st registry.Status) string { return text(repoStatus(s.in, s.r, st)) }}}
	for _, c := range settingColumns {
		if slices.ContainsFunc(s.r.Repos, func(st registry.Status) bool { return !c.isDefault(st) }) {
			cols = append(cols, repoColumn{c.head, c.cell})
		}
	}
	if slices.ContainsFunc(s.r.Repos, func(st registry.Status) bool { return st.Lifecycle != nil }) {
		cols = append(cols, repoColumn{"Lifecycle policy", func(st registry.Status) string { return text(policy(st)) }})
	}
	label := fmt.Sprintf("Repositories (%d)", len(s.r.Repos))
	if s.r.Registry != "" {
		label += " in " + s.r.Registry
	}
	details(b, false, label, func(b *strings.Builder) {
		row := func(cells func(repoColumn) string) {
			for _, c := range cols {
				b.WriteString("| " + cells(c) + " ")
			}
			b.WriteString("|\n")
		}
		row(func(c repoColumn) string { return c.head })
		row(func(repoColumn) string { return "---" })
		for _, st := range s.r.Repos {
			row(func(c repoColumn) string { return c.cell(st) })
		}
		b.WriteString("\n")
	})
}

type repoColumn struct {
	head string
	cell func(registry.Status) string
}

// settingColumns are shown only when some repository is not at the default.
var settingColumns = []struct {
	head      string
	isDefault func(registry.Status) bool
	cell      func(registry.Status) string
}{
	{"Tag mutability", func(st registry.Status) bool {
		return (st.Mutability == "" || st.Mutability == types.ImageTagMutabilityMutable) && len(st.Filters) == 0
	}, func(st registry.Status) string { return orDash(text(mutability(st))) }},
	{"Scan on push", func(st registry.Status) bool { return !st.ScanOnPush },
		func(st registry.Status) string { return orDash(scan(st)) }},
	{"Encryption", func(st registry.Status) bool {
		return st.Encryption == "" || st.Encryption == types.EncryptionTypeAes256
	}, func(st registry.Status) string { return orDash(text(string(st.Encryption))) }},
}

// repoStatus says what happened to a repository, and only that: an
// error's text is said once, above the table.
func repoStatus(in action.Inputs, r *action.Result, s registry.Status) string {
	var missing *registry.MissingError
	switch {
	case errors.As(s.Err, &missing) && missing.Denied != nil:
		return "❌ missing, creation denied, see above"
	case s.Err != nil:
		return "❌ failed, see above"
	case s.Unchecked != nil:
		return "⚠️ not checked: access denied, see the warnings"
	case s.Created:
		return "created"
	case in.Check:
		return "not checked (a check asks AWS nothing)"
	case !r.Checked && in.DryRun && in.CreateRepositories:
		return "would create if missing (AWS not asked: no credentials)"
	case !r.Checked && in.DryRun:
		return "not checked (AWS not asked: no credentials)"
	case !s.Checked:
		return "not checked"
	case s.Missing && in.DryRun && in.CreateRepositories:
		return "would create"
	case s.Missing:
		return "❌ missing, see above"
	}
	st := "exists"
	if s.CreateDenied {
		st += " (this role may not create repositories)"
	}
	if len(s.Drift) > 0 {
		st += "; settings differ from the inputs, see the notes"
	}
	return st
}

func scan(s registry.Status) string {
	if !s.Checked && !s.Created && s.Mutability == "" {
		return ""
	}
	return fmt.Sprint(s.ScanOnPush)
}

func mutability(s registry.Status) string {
	m := string(s.Mutability)
	if len(s.Filters) > 0 {
		m += " (" + strings.Join(s.Filters, ", ") + ")"
	}
	return m
}

func policy(s registry.Status) string {
	if s.Lifecycle == nil {
		return "none"
	}
	state := string(s.Policy)
	switch {
	case s.PolicyErr != nil: // the error is said once, in the warnings
		return "⚠️ " + s.Lifecycle.Summary + ": " + state + ", see the warnings"
	case s.Policy == registry.PolicyNone:
		state = "not checked"
	}
	return s.Lifecycle.Summary + ": " + state
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// listed says whether an image gets a row: it changed, or it failed.
func listed(t action.Translation) bool {
	failed := t.Pull != nil && (t.Pull.Problem != "" || t.Pull.Unanswered)
	return failed || t.Status == imageref.Translated || t.Status == imageref.Corrected
}
