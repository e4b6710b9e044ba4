// Package report renders what a run did: the job summary, the annotations
// and the step outputs, all from the action's Result. It decides nothing
// about the run; a terminal renderer belongs beside these.
package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Summary is the job summary in GitHub-flavoured Markdown. Every value from
// the config, the environment or AWS is escaped, so none renders as HTML,
// a link or table structure.
func Summary(in action.Inputs, r *action.Result, err error) string {
	var b strings.Builder
	for _, section := range []func(*strings.Builder, action.Inputs, *action.Result, error){
		heading, registryLine, failure, repositories, configDiff, images, notes,
	} {
		section(&b, in, r, err)
	}
	return b.String()
}

func heading(b *strings.Builder, in action.Inputs, _ *action.Result, _ error) {
	b.WriteString("## kamal-ecr")
	switch {
	case in.Check:
		b.WriteString(" (check: nothing was changed, AWS was not asked)")
	case in.DryRun:
		b.WriteString(" (dry run: nothing was changed)")
	}
	b.WriteString("\n\n")
}

func registryLine(b *strings.Builder, _ action.Inputs, r *action.Result, _ error) {
	if r.Registry != "" {
		fmt.Fprintf(b, "Registry %s (from %s).\n\n", code(r.Registry), text(registryFrom(r.RegistryFrom)))
	}
	if r.Identity != nil {
		fmt.Fprintf(b, "AWS identity %s (account %s).\n\n", code(r.Identity.ARN), code(r.Identity.Account))
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

func failure(b *strings.Builder, in action.Inputs, r *action.Result, err error) {
	if err == nil {
		return
	}
	switch {
	case r.Unrestored != "":
		fmt.Fprintf(b, "**Failed.** %s may have been changed: putting it back failed.\n\n", code(r.Unrestored))
	case in.Check:
		b.WriteString("**Check failed.** Nothing was changed.\n\n")
	default:
		b.WriteString("**Failed.** The Kamal config was not changed.\n\n")
	}
	for _, e := range diag.Flatten(err) {
		fmt.Fprintf(b, "- :x: %s\n", text(e.Error()))
	}
	b.WriteString("\n")
}

func repositories(b *strings.Builder, in action.Inputs, r *action.Result, _ error) {
	if len(r.Repos) == 0 {
		return
	}
	b.WriteString("### Repositories\n\n| Repository | Role | Status | Tag mutability | Scan on push | Encryption | Lifecycle policy |\n|---|---|---|---|---|---|---|\n")
	for _, s := range r.Repos {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(s.URI), text(s.Role), text(repoStatus(in, r, s)),
			orDash(text(mutability(s))), orDash(scan(s)), orDash(text(string(s.Encryption))), text(policy(s)))
	}
	b.WriteString("\n")
}

func configDiff(b *strings.Builder, _ action.Inputs, r *action.Result, err error) {
	if len(r.Changes) == 0 {
		return
	}
	verb := "Patched"
	if !r.Patched {
		verb = "Would patch"
	}
	if err != nil {
		verb = "Planned, not written:"
	}
	names := make([]string, len(r.Changes))
	for i, c := range r.Changes {
		names[i] = code(c.Path)
	}
	d := cutDiff(unifiedDiff(r.Changes), maxDiffLines)
	fence := fenceFor(d.text)
	fmt.Fprintf(b, "### Kamal config\n\n%s %s:\n\n%sdiff\n%s%s\n\n", verb, strings.Join(names, " and "), fence, d.text, fence)
	if d.more > 0 {
		fmt.Fprintf(b, "… %d more changed lines, not shown: this diff is cut, so it no longer applies with git apply. %s has every change.\n\n",
			d.more, changedWhere(r))
	}
}

// changedWhere says where the whole change is to be seen.
func changedWhere(r *action.Result) string {
	if r.Patched {
		return "The written file"
	}
	return "A run without dry-run or check"
}

func images(b *strings.Builder, _ action.Inputs, r *action.Result, _ error) {
	if len(r.Translations) == 0 {
		return
	}
	b.WriteString("### Images through the pull-through cache\n\n")
	switch r.RulesFrom {
	case action.RulesOff:
		b.WriteString("No pull-through cache rules (pull-through-cache: off): images are used as written.\n\n")
	case action.RulesNotRead:
		b.WriteString("The pull-through cache rules were not read, so no image was translated (see the notes).\n\n")
	case action.RulesFromInput:
		b.WriteString("Rules from the pull-through-cache input.\n\n")
	case action.RulesFromRegistry:
		b.WriteString("Rules from the registry's rules (DescribePullThroughCacheRules).\n\n")
	}
	pullsAbove(b, r.Translations)
	b.WriteString("| Source | Reference | Pull through | Status | Pull |\n|---|---|---|---|---|\n")
	for _, t := range r.Translations {
		src := text(t.From)
		if t.From == "accessory" {
			src = "accessory " + cell(t.Name)
		}
		status := string(t.Status)
		if t.Note != "" {
			status += ": " + t.Note
		}
		out := cell(t.Output)
		if t.Status == imageref.Unchanged {
			out = "(as is)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", src, cell(t.Ref), out, text(status), pullCell(t.Pull))
	}
	b.WriteString("\n")
}

func notes(b *strings.Builder, _ action.Inputs, r *action.Result, _ error) {
	if len(r.Findings) == 0 {
		return
	}
	b.WriteString("### Notes\n\n")
	for _, f := range r.Findings {
		where := ""
		if f.Pos.File != "" {
			where = code(f.Pos.String()) + " "
		}
		fix := ""
		if f.Fix != "" {
			fix = " Fix: " + text(f.Fix) + "."
		}
		fmt.Fprintf(b, "- **%s** %s%s.%s\n", f.Severity, where, text(f.Msg), fix)
	}
	b.WriteString("\n")
}

// repoStatus says what happened to a repository, and only that.
func repoStatus(in action.Inputs, r *action.Result, s registry.Status) string {
	var missing *registry.MissingError
	switch {
	case errors.As(s.Err, &missing):
		return "missing, and this role may not create it (see above)"
	case s.Err != nil:
		return "failed: " + s.Err.Error()
	case s.Unchecked != nil:
		return "not checked: access denied (see the warnings)"
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
		return "missing"
	}
	st := "exists"
	if s.CreateDenied {
		st += " (this role may not create repositories)"
	}
	if len(s.Drift) > 0 {
		st += "; differs from the inputs, which apply only when the action creates it: " + strings.Join(s.Drift, ", ")
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
	case s.PolicyErr != nil && s.Policy == registry.PolicyFailed:
		state = "not set: " + s.PolicyErr.Error()
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
