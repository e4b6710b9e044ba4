package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Outputs are the step outputs of a successful run.
func Outputs(r *Result) []gha.Output {
	type repo struct {
		Name    string `json:"name"`
		URI     string `json:"uri"`
		Created bool   `json:"created"`
	}
	repos := []repo{}
	created := []string{}
	for _, s := range r.Repos {
		repos = append(repos, repo{s.Name, s.URI, s.Created})
		if s.Created {
			created = append(created, s.Name)
		}
	}
	images, accessories := map[string]string{}, map[string]string{}
	for _, t := range r.Translations {
		switch t.From {
		case "images input", "kamal-proxy":
			images[t.Ref] = t.Output
		case "accessory":
			accessories[t.Name] = t.Output
		}
	}
	outs := []gha.Output{
		{Name: "registry", Value: r.Registry},
		{Name: "image", Value: r.Image},
		{Name: "cache-image", Value: r.CacheImage},
		{Name: "repositories", Value: jsonText(repos)},
		{Name: "created", Value: jsonText(created)},
		{Name: "patched", Value: fmt.Sprint(r.Patched)},
		{Name: "config-file", Value: r.ConfigFile},
		{Name: "changed-files", Value: jsonText(orEmpty(r.ChangedFiles))},
		{Name: "images", Value: jsonText(images)},
		{Name: "accessory-images", Value: jsonText(accessories)},
		{Name: "registry-username", Value: r.Username},
		{Name: "registry-password", Value: r.Password, Secret: true},
	}
	if r.Username == "" && r.Password == "" {
		outs = outs[:len(outs)-2] // no empty login outputs: none was fetched
	}
	return outs
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

// Annotations are one per finding and one per error, at the config's file and line.
func Annotations(r *Result, err error) []gha.Annotation {
	var out []gha.Annotation
	add := func(f *diag.Finding) {
		msg := f.Msg
		if f.Fix != "" {
			msg += ". Fix: " + f.Fix
		}
		out = append(out, gha.Annotation{Level: gha.Level(f.Severity.String()), File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Title: "kamal-ecr", Message: msg})
	}
	if r != nil {
		for _, f := range r.Findings {
			add(f)
		}
	}
	for _, e := range Flatten(err) {
		var f *diag.Finding
		if errors.As(e, &f) {
			g := *f
			g.Severity = diag.Error
			add(&g)
			continue
		}
		out = append(out, gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: e.Error()})
	}
	return out
}

// Flatten lists the errors joined in err, each message once: parallel
// calls often fail for the same reason.
func Flatten(err error) []error {
	var out []error
	seen := map[string]bool{}
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			out = append(out, err)
		}
	}
	walk(err)
	return out
}

// Summary is the job summary in GitHub-flavoured Markdown. Every value from
// the config, the environment or AWS is escaped, so none renders as HTML,
// a link or table structure.
func Summary(r *Result, err error) string {
	var b strings.Builder
	b.WriteString("## kamal-ecr")
	switch {
	case r.Check:
		b.WriteString(" (check: nothing was changed, AWS was not asked)")
	case r.DryRun:
		b.WriteString(" (dry run: nothing was changed)")
	}
	b.WriteString("\n\n")
	if r.Registry != "" {
		fmt.Fprintf(&b, "Registry %s (from %s).\n\n", code(r.Registry), text(r.RegistryFrom))
	}
	if err != nil {
		switch {
		case r.Unrestored != "":
			fmt.Fprintf(&b, "**Failed.** %s may have been changed: putting it back failed.\n\n", code(r.Unrestored))
		case r.Check:
			b.WriteString("**Check failed.** Nothing was changed.\n\n")
		default:
			b.WriteString("**Failed.** The Kamal config was not changed.\n\n")
		}
		for _, e := range Flatten(err) {
			fmt.Fprintf(&b, "- :x: %s\n", text(e.Error()))
		}
		b.WriteString("\n")
	}
	if len(r.Repos) > 0 {
		b.WriteString("### Repositories\n\n| Repository | Role | Status | Tag mutability | Scan on push | Encryption | Lifecycle policy |\n|---|---|---|---|---|---|---|\n")
		for _, s := range r.Repos {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(s.URI), text(s.Role), text(repoStatus(r, s)),
				orDash(text(mutability(s))), orDash(scan(s)), orDash(text(string(s.Encryption))), text(policy(s)))
		}
		b.WriteString("\n")
	}
	if r.Diff != "" {
		verb := "Patched"
		if !r.Patched {
			verb = "Would patch"
		}
		if err != nil {
			verb = "Planned, not written:"
		}
		names := make([]string, len(r.ChangedFiles))
		for i, f := range r.ChangedFiles {
			names[i] = code(f)
		}
		fence := fenceFor(r.Diff)
		fmt.Fprintf(&b, "### Kamal config\n\n%s %s:\n\n%sdiff\n%s%s\n\n", verb, strings.Join(names, " and "), fence, r.Diff, fence)
	}
	if len(r.Translations) > 0 {
		b.WriteString("### Images through the pull-through cache\n\n")
		switch r.RulesFrom {
		case "off":
			b.WriteString("No pull-through cache rules (pull-through-cache: off): images are used as written.\n\n")
		default:
			fmt.Fprintf(&b, "Rules from %s.\n\n", text(r.RulesFrom))
		case "":
			b.WriteString("The pull-through cache rules were not read, so no image was translated (see the notes).\n\n")
		}
		b.WriteString("| Source | Reference | Pull through | Status |\n|---|---|---|---|\n")
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
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", src, cell(t.Ref), out, text(status))
		}
		b.WriteString("\n")
	}
	if len(r.Findings) > 0 {
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
			fmt.Fprintf(&b, "- **%s** %s%s.%s\n", f.Severity, where, text(f.Msg), fix)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// repoStatus says what happened to a repository, and only that.
func repoStatus(r *Result, s registry.Status) string {
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
	case r.Check:
		return "not checked (a check asks AWS nothing)"
	case !r.Checked && r.DryRun && r.CreateRepositories:
		return "would create if missing (AWS not asked: no credentials)"
	case !r.Checked && r.DryRun:
		return "not checked (AWS not asked: no credentials)"
	case !s.Checked:
		return "not checked"
	case s.Missing && r.DryRun && r.CreateRepositories:
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

// text escapes a value for Markdown prose or a table cell: HTML, emphasis,
// links, table pipes and line breaks all stay literal.
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\n', '\r':
			b.WriteByte(' ')
		case '\\', '`', '*', '_', '[', ']', '|', '~': // with [ ] escaped, no link can form
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code is a value as inline code in prose: HTML in a code span is shown as
// it is; a fence longer than any backtick run inside keeps it closed.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// cell is code inside a table cell, where a pipe would end the cell.
func cell(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

// fenceFor is a code fence that the text inside cannot close.
func fenceFor(s string) string { return strings.Repeat("`", max(3, longestRun(s, '`')+1)) }

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
