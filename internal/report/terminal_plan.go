package report

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// plan writes what the run found and did, section by section.
func (t Terminal) plan(p *painter, in action.Inputs, r *action.Result, err error) {
	if r == nil {
		return
	}
	switch {
	case in.Check:
		p.line(bold, "kamal-ecr check: nothing is changed, AWS is not asked")
	case in.DryRun:
		p.line(bold, "kamal-ecr dry run: nothing is changed")
	}
	if r.Registry != "" {
		p.line("", fmt.Sprintf("Registry %s (from %s)", r.Registry, terminalRegistryFrom(r.RegistryFrom)))
	}
	if r.Identity != nil {
		p.line("", fmt.Sprintf("AWS identity %s (account %s)", r.Identity.ARN, r.Identity.Account))
	}
	terminalRepos(p, in, r)
	terminalDiff(p, r, err)
	terminalImages(p, r)
}

// terminalRegistryFrom says where the registry came from, in flags.
func terminalRegistryFrom(s action.RegistrySource) string {
	if s == action.FromInput {
		return "--registry"
	}
	return registryFrom(s)
}

func terminalRepos(p *painter, in action.Inputs, r *action.Result) {
	if len(r.Repos) == 0 {
		return
	}
	p.heading("Repositories in " + r.Registry)
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	for _, s := range r.Repos {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, s.Role, oneLine(repoDetails(in, r, s)))
	}
	tw.Flush()
}

// repoDetails is the status, then the settings that are not the default.
func repoDetails(in action.Inputs, r *action.Result, s registry.Status) string {
	parts := []string{plainStatus(repoStatus(in, r, s))}
	if m := mutability(s); m != "" && m != "MUTABLE" {
		parts = append(parts, "tags "+m)
	}
	if s.ScanOnPush {
		parts = append(parts, "scan on push")
	}
	if e := string(s.Encryption); e != "" && e != "AES256" {
		parts = append(parts, "encryption "+e)
	}
	if s.Lifecycle != nil {
		parts = append(parts, "lifecycle: "+plainStatus(policy(s)))
	}
	return strings.Join(parts, "; ")
}

func terminalDiff(p *painter, r *action.Result, err error) {
	if len(r.Changes) == 0 {
		return
	}
	verb := "Patched"
	switch {
	case err != nil:
		verb = "Planned, not written:"
	case !r.Patched:
		verb = "Would patch"
	}
	p.heading(verb + " " + strings.Join(r.ChangedFiles(), " and "))
	d := cutDiff(unifiedDiff(r.Changes), maxDiffLines)
	for line := range strings.Lines(d.text) {
		line = strings.TrimSuffix(line, "\n")
		style := ""
		switch {
		case strings.HasPrefix(line, "+++ "), strings.HasPrefix(line, "--- "):
			style = bold
		case strings.HasPrefix(line, "@@"):
			style = cyan
		case strings.HasPrefix(line, "+"):
			style = green
		case strings.HasPrefix(line, "-"):
			style = red
		}
		p.line(style, line)
	}
	if d.more > 0 {
		fmt.Fprintf(p.w, "... %d more changed lines, not shown: this diff is cut, so it no longer applies with git apply\n", d.more)
	}
}

func terminalImages(p *painter, r *action.Result) {
	if len(r.Translations) == 0 {
		return
	}
	p.heading("Images through the pull-through cache (" + terminalRulesFrom(r.RulesFrom) + ")")
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	for _, t := range r.Translations {
		src := t.From
		switch t.From {
		case "accessory":
			src += " " + t.Name
		case "images input":
			src = "--images" // the terminal names flags, not inputs
		}
		status := string(t.Status)
		if t.Note != "" {
			status += ": " + t.ShownNote()
		}
		if pull := terminalPull(t.Pull); pull != "" {
			status += "; " + pull
		}
		out := "-> " + t.ShownOutput()
		if t.Status == imageref.Unchanged {
			out = "(as is)"
		}
		fmt.Fprintf(tw, "  %s\t%s\n  \t%s\n  \t%s\n", src, oneLine(t.ShownRef()), oneLine(out), oneLine(status))
	}
	tw.Flush()
}

// terminalRulesFrom says where the pull-through cache rules came from.
func terminalRulesFrom(s action.RulesSource) string {
	switch s {
	case action.RulesOff:
		return "--pull-through-cache=off: images are used as written"
	case action.RulesNotRead:
		return "the rules were not read, so no image was translated"
	case action.RulesFromInput:
		return "rules from --pull-through-cache"
	}
	return "rules from the registry"
}

func terminalPull(pl *action.Pull) string {
	switch {
	case pl == nil:
		return ""
	case pl.Unanswered:
		return "not verified: " + pl.Problem
	case pl.Problem != "":
		return "does not pull: " + pl.Problem
	}
	return "pulls " + manifest.Short(pl.Digest)
}

// outputs are the step outputs, secrets starred.
func (t Terminal) outputs(p *painter, r *action.Result) {
	p.heading("Outputs")
	for _, o := range Outputs(r) {
		fmt.Fprintf(p.w, "  %s: %s\n", o.Name, oneLine(o.Printed()))
	}
}

func (p *painter) heading(s string) {
	fmt.Fprintln(p.w)
	p.line(bold, s)
}

// plainStatus is a status cell of the summary as plain words: without
// its leading symbol (the summary's ❌ or ⚠️), and with the errors below
// it on a terminal rather than above.
func plainStatus(s string) string {
	if sym, rest, ok := strings.Cut(s, " "); ok && strings.IndexFunc(sym, func(r rune) bool {
		return !unicode.Is(unicode.So, r) && r != '\uFE0F'
	}) < 0 {
		s = rest
	}
	return strings.NewReplacer("(see above)", "(see the errors)", "see above", "see the errors").Replace(s)
}

// oneLine keeps a value from the config or AWS on its line.
func oneLine(s string) string {
	return printable(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s))
}
