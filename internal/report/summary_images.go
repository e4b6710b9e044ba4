package report

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
)

// imageTally counts the images by what this run did with them: those the
// config now pulls through the cache, those it would or could, and the
// paths only given in the images output.
func (s *summary) imageTally() []string {
	var through, mapped, would, could int
	for _, t := range s.r.Translations {
		switch {
		case t.Status == imageref.Unchanged:
		case t.Status == imageref.Correct:
			through++
		case t.From != "accessory":
			mapped++
		case s.rewritten(t) && s.r.Patched:
			through++
		case s.rewritten(t) && s.err == nil:
			would++
		case !s.rewritten(t):
			could++
		}
	}
	pulled, failed := pullTally(s.r.Translations)
	var out []string
	for _, c := range []struct {
		n          int
		noun, rest string
	}{{through, "image", " through the cache"}, {would, "accessory", " would pull through the cache"},
		{could, "accessory", " could pull through the cache"}, {mapped, "image", " mapped in the images output"},
		{pulled, "image", " verified to pull"}, {failed, "image", " failing to pull"}} {
		if c.n > 0 {
			out = append(out, plural(c.n, c.noun)+c.rest)
		}
	}
	return out
}

// rewritten says whether the run planned to write t's path into the config.
func (s *summary) rewritten(t action.Translation) bool {
	if t.From != "accessory" {
		return false
	}
	if s.edited == nil { // once, not once per image: thousands of accessories stay linear
		s.edited = make(map[string]bool, len(s.r.Edits))
		for _, e := range s.r.Edits {
			s.edited[e.Key] = true
		}
	}
	return s.edited["accessories."+t.Name+".image"]
}

// images is the images table, closed: only the images that changed or
// failed, the others in one line; paths in the registry are short, with
// the registry once above.
func (s *summary) images(b *strings.Builder) {
	ts := s.r.Translations
	if len(ts) == 0 {
		return
	}
	var rows []action.Translation
	for _, t := range ts {
		if listed(t) {
			rows = append(rows, t)
		}
	}
	label := fmt.Sprintf("Images through the pull-through cache (%d of %d listed)", len(rows), len(ts))
	details(b, false, label, func(b *strings.Builder) {
		s.rulesLine(b)
		pullsAbove(b, ts)
		if len(rows) > 0 {
			s.imageRows(b, rows)
		}
		if rest := unlisted(ts, s.r.RulesFrom); rest != "" {
			b.WriteString(rest + "\n\n")
		}
	})
}

func (s *summary) rulesLine(b *strings.Builder) {
	switch s.r.RulesFrom {
	case action.RulesOff:
		b.WriteString("No pull-through cache rules (pull-through-cache: off): images are used as written.\n\n")
	case action.RulesNotRead:
		b.WriteString("The pull-through cache rules were not read, so no image was translated (see the notes).\n\n")
	case action.RulesFromInput:
		b.WriteString("Rules from the pull-through-cache input.")
	case action.RulesFromRegistry:
		b.WriteString("Rules from the registry (DescribePullThroughCacheRules).")
	}
	if s.r.RulesFrom == action.RulesFromInput || s.r.RulesFrom == action.RulesFromRegistry {
		fmt.Fprintf(b, " `…/` is %s.\n\n", code(s.r.Registry+"/"))
	}
}

func (s *summary) imageRows(b *strings.Builder, rows []action.Translation) {
	pulls := false
	for _, t := range rows {
		pulls = pulls || t.Pull != nil
	}
	b.WriteString("| Image | As written | Through the cache | Status |")
	if pulls {
		b.WriteString(" Pull |")
	}
	b.WriteString("\n| --- | --- | --- | --- |")
	if pulls {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	var notes []string
	for _, t := range rows {
		src := text(t.From)
		if t.From == "accessory" {
			src = "accessory " + cell(t.Name)
		}
		status := s.imageStatus(t)
		if t.Status == imageref.Corrected && t.Note != "" && !contains(notes, t.ShownNote()) {
			notes = append(notes, t.ShownNote())
		}
		out := cell(s.short(t.ShownOutput()))
		if t.Status == imageref.Unchanged || t.Status == imageref.Correct {
			out = "(as written)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |", src, cell(s.short(t.ShownRef())), out, status)
		if pulls {
			fmt.Fprintf(b, " %s |", pullCell(t.Pull))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, n := range notes {
		fmt.Fprintf(b, "Corrected: %s.\n\n", text(n))
	}
	if s.in.RewriteAccessories {
		return
	}
	for _, t := range rows {
		if t.From == "accessory" && (t.Status == imageref.Translated || t.Status == imageref.Corrected) {
			b.WriteString("Set rewrite-accessories: true to write these paths into the config.\n\n")
			return
		}
	}
}

// imageStatus is one word or two for what happened to an image.
func (s *summary) imageStatus(t action.Translation) string {
	verb := map[imageref.Status]string{imageref.Translated: "translated", imageref.Corrected: "corrected"}[t.Status]
	switch {
	case t.From != "accessory" || verb == "":
		return cmp.Or(verb, string(t.Status))
	case s.rewritten(t) && s.r.Patched:
		return verb + ", rewritten"
	case s.rewritten(t) && s.err == nil:
		return verb + ", would be rewritten"
	case s.rewritten(t):
		return verb + ", not written"
	}
	return verb + ", not in the config"
}

// short is a reference in the registry with the registry as `…/`.
func (s *summary) short(ref string) string {
	if s.r.Registry != "" {
		if rest, ok := strings.CutPrefix(ref, s.r.Registry+"/"); ok {
			return "…/" + rest
		}
	}
	return ref
}

// unlisted says in one line what the images without a row are.
func unlisted(ts []action.Translation, rules action.RulesSource) string {
	why := "no pull-through cache rule applies"
	switch rules {
	case action.RulesNotRead:
		why = "the rules were not read"
	case action.RulesOff:
		why = "pull-through-cache is off"
	}
	var correct, unchanged []string
	for _, t := range ts {
		if listed(t) {
			continue
		}
		name := text(t.From)
		if t.From == "accessory" {
			name = code(t.Name)
		}
		if t.From == "images input" {
			name = code(t.ShownRef())
		}
		if t.Status == imageref.Correct {
			correct = append(correct, name)
		} else {
			unchanged = append(unchanged, name)
		}
	}
	var parts []string
	if len(correct) > 0 {
		parts = append(parts, fmt.Sprintf("%s already %s the cache: %s", plural(len(correct), "image"), verbS(len(correct), "use"), names(correct)))
	}
	if len(unchanged) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s used as written (%s): %s", plural(len(unchanged), "image"), verbS(len(unchanged), "is"), why, names(unchanged)))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ". ") + "."
}

// names lists the first 20 names, and counts the rest.
func names(list []string) string {
	if len(list) <= 20 {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:20], ", ") + fmt.Sprintf(" and %d more", len(list)-20)
}

func verbS(n int, verb string) string {
	if verb == "is" {
		return map[bool]string{true: "is", false: "are"}[n == 1]
	}
	if n == 1 {
		return verb + "s"
	}
	return verb
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
