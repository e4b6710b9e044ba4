package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
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
	return []gha.Output{
		{Name: "registry", Value: r.Registry},
		{Name: "image", Value: r.Image},
		{Name: "cache-image", Value: r.CacheImage},
		{Name: "repositories", Value: jsonText(repos)},
		{Name: "created", Value: jsonText(created)},
		{Name: "patched", Value: fmt.Sprint(r.Patched)},
		{Name: "config-file", Value: r.ConfigFile},
		{Name: "images", Value: jsonText(images)},
		{Name: "accessory-images", Value: jsonText(accessories)},
		{Name: "registry-username", Value: r.Username},
		{Name: "registry-password", Value: r.Password, Secret: true},
	}
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
	add := func(f *kamal.Finding) {
		msg := f.Msg
		if f.Fix != "" {
			msg += ". Fix: " + f.Fix
		}
		file := f.Pos.File
		if file == "images input" {
			file = ""
		}
		out = append(out, gha.Annotation{Level: gha.Level(f.Severity.String()), File: file, Line: f.Pos.Line, Col: f.Pos.Col, Title: "kamal-ecr", Message: msg})
	}
	if r != nil {
		for _, f := range r.Findings {
			add(f)
		}
	}
	for _, e := range flatten(err) {
		var f *kamal.Finding
		if errors.As(e, &f) {
			g := *f
			g.Severity = kamal.Error
			add(&g)
			continue
		}
		out = append(out, gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: e.Error()})
	}
	return out
}

// flatten lists the errors joined in err, each message once: parallel
// calls often fail for the same reason.
func flatten(err error) []error {
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

// Summary is the job summary in GitHub-flavoured Markdown.
func Summary(r *Result, err error) string {
	var b strings.Builder
	b.WriteString("## kamal-ecr")
	if r.DryRun {
		b.WriteString(" (dry run: nothing was changed)")
	}
	b.WriteString("\n\n")
	if r.Registry != "" {
		fmt.Fprintf(&b, "Registry `%s` (from %s).\n\n", r.Registry, r.RegistryFrom)
	}
	if err != nil {
		b.WriteString("**Failed.** The Kamal config was not changed.\n\n")
		for _, e := range flatten(err) {
			fmt.Fprintf(&b, "- :x: %s\n", md(e.Error()))
		}
		b.WriteString("\n")
	}
	if len(r.Repos) > 0 {
		b.WriteString("### Repositories\n\n| Repository | Role | Status | Tag mutability | Scan on push | Encryption | Lifecycle policy |\n|---|---|---|---|---|---|---|\n")
		for _, s := range r.Repos {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %v | %s | %s |\n", s.URI, s.Role, repoStatus(r, s), mutability(s), s.ScanOnPush, s.Encryption, policy(s))
		}
		b.WriteString("\n")
	}
	if r.Diff != "" {
		verb := "Patched"
		if !r.Patched {
			verb = "Would patch"
		}
		fmt.Fprintf(&b, "### Kamal config\n\n%s `%s`:\n\n```diff\n%s```\n\n", verb, r.ConfigFile, r.Diff)
	}
	if len(r.Translations) > 0 {
		fmt.Fprintf(&b, "### Images through the pull-through cache\n\nRules from %s.\n\n| Source | Reference | Pull through | Status |\n|---|---|---|---|\n", r.RulesFrom)
		for _, t := range r.Translations {
			src := t.From
			if t.From == "accessory" {
				src = "accessory `" + t.Name + "`"
			}
			status := string(t.Status)
			if t.Note != "" {
				status += ": " + t.Note
			}
			out := "`" + t.Output + "`"
			if t.Status == imageref.Unchanged {
				out = "(as is)"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", src, t.Ref, out, md(status))
		}
		b.WriteString("\n")
	}
	if len(r.Findings) > 0 {
		b.WriteString("### Notes\n\n")
		for _, f := range r.Findings {
			where := ""
			if f.Pos.File != "" {
				where = "`" + f.Pos.String() + "` "
			}
			fix := ""
			if f.Fix != "" {
				fix = " Fix: " + md(f.Fix) + "."
			}
			fmt.Fprintf(&b, "- **%s** %s%s.%s\n", f.Severity, where, md(f.Msg), fix)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func repoStatus(r *Result, s registry.Status) string {
	switch {
	case s.Created:
		return "created"
	case !r.Checked && r.DryRun:
		return "would ensure (AWS not asked: no credentials)"
	case !r.Checked:
		return "not checked"
	case s.Missing && r.DryRun:
		return "would create"
	case s.Missing:
		return "missing"
	}
	return "exists"
}

func mutability(s registry.Status) string {
	m := string(s.Mutability)
	if len(s.Filters) > 0 {
		m += " (" + strings.Join(s.Filters, ", ") + ")"
	}
	return m
}

func policy(s registry.Status) string {
	if s.LifecycleDays == 0 {
		return "none"
	}
	return fmt.Sprintf("expire untagged after %d days: %s", s.LifecycleDays, s.Policy)
}

// md keeps a message from breaking a table row.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// diff shows each edit as a unified diff hunk of the lines it touches.
func diff(cfg *kamal.Config, edits []*kamal.Edit) string {
	var b strings.Builder
	header := ""
	for _, e := range edits {
		var src []byte
		for _, f := range cfg.Files {
			if f.Path == e.File {
				src = f.Src
			}
		}
		ls := bytes.LastIndexByte(src[:e.Start], '\n') + 1
		le := ls
		if !(e.Start == e.End && e.Start == ls) {
			le = len(src)
			if i := bytes.IndexByte(src[e.End:], '\n'); i >= 0 {
				le = e.End + i + 1
			}
		}
		old := splitLines(string(src[ls:le]))
		repl := splitLines(string(src[ls:e.Start]) + e.Text + string(src[e.End:le]))
		line := 1 + bytes.Count(src[:ls], []byte("\n"))
		if header != e.File {
			header = e.File
			fmt.Fprintf(&b, "--- %s\n+++ %s\n", e.File, e.File)
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", line, len(old), line, len(repl))
		for _, l := range old {
			b.WriteString("-" + l + "\n")
		}
		for _, l := range repl {
			b.WriteString("+" + l + "\n")
		}
	}
	return b.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	return strings.Split(s, "\n")
}
