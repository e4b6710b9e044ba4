package report

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
)

// maxPerLevel is how many annotations of one level GitHub shows for a step;
// it drops the rest silently.
const maxPerLevel = 10

// grouped are the notices that come once per accessory: several become one
// annotation that lists them, under this headline.
var grouped = map[string]string{
	"pull-through/would-rewrite": "accessory images would pull through the cache",
	"pull-through/no-rule":       "images have no pull-through cache rule and are used as written",
}

// Annotations are the findings and errors at their file and line: errors,
// then warnings, then notices, each in file order, at most maxPerLevel of
// each, the last saying how many more the job summary has.
func Annotations(r *action.Result, err error) []gha.Annotation {
	var findings []*diag.Finding
	if r != nil {
		findings = append(findings, r.Findings...)
	}
	var plain []gha.Annotation
	for _, e := range diag.Flatten(err) {
		var f *diag.Finding
		var pd *action.PullDeniedError
		var he *action.HookError
		switch {
		case errors.As(e, &pd): // at its line, though not a config error
			f = pd.Finding
		case errors.As(e, &he):
			f = he.Finding()
		}
		if f != nil || errors.As(e, &f) {
			g := *f
			g.Severity = diag.Error
			findings = append(findings, &g)
			continue
		}
		a := gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: e.Error()}
		var ce *action.CheckError
		if errors.As(e, &ce) { // shown in the pull request at the first line it wants changed
			a.File, a.Line = ce.At.File, ce.At.Line
		}
		plain = append(plain, a)
	}
	out := append(plain, group(findings)...)
	slices.SortStableFunc(out, func(a, b gha.Annotation) int {
		return cmp.Or(cmp.Compare(weight(b.Level), weight(a.Level)), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return capLevels(out)
}

// group turns findings into annotations, one for each kind in grouped.
func group(findings []*diag.Finding) []gha.Annotation {
	byCode := map[string][]*diag.Finding{}
	for _, f := range findings {
		if _, ok := grouped[f.Code]; ok {
			byCode[f.Code] = append(byCode[f.Code], f)
		}
	}
	var out []gha.Annotation
	for _, f := range findings {
		same := byCode[f.Code]
		switch {
		case len(same) < 2:
			out = append(out, annotation(f, message(f)))
		case same[0] == f:
			out = append(out, annotation(f, list(same)))
		}
	}
	return out
}

func annotation(f *diag.Finding, msg string) gha.Annotation {
	return gha.Annotation{Level: gha.Level(f.Severity.String()), File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Title: "kamal-ecr", Message: msg}
}

func message(f *diag.Finding) string {
	if f.Fix != "" {
		return f.Msg + ". Fix: " + f.Fix
	}
	return f.Msg
}

// list is one message for several findings of a kind, the first 20 each
// at its line, the fix once.
func list(fs []*diag.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s: ", len(fs), grouped[fs[0].Code])
	for i, f := range fs[:min(len(fs), 20)] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Msg)
		if f.Pos.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", f.Pos.Line)
		}
	}
	if len(fs) > 20 {
		fmt.Fprintf(&b, "; and %d more in the job summary", len(fs)-20)
	}
	if fs[0].Fix != "" {
		b.WriteString(". Fix: " + fs[0].Fix)
	}
	return b.String()
}

func weight(l gha.Level) int {
	switch l {
	case gha.Error:
		return 2
	case gha.Warning:
		return 1
	}
	return 0
}

// capLevels keeps maxPerLevel annotations of each level; the last kept says
// how many more there are.
func capLevels(as []gha.Annotation) []gha.Annotation {
	count := map[gha.Level]int{}
	for _, a := range as {
		count[a.Level]++
	}
	seen := map[gha.Level]int{}
	var out []gha.Annotation
	for _, a := range as {
		seen[a.Level]++
		switch n := seen[a.Level]; {
		case n > maxPerLevel:
			continue
		case n == maxPerLevel && count[a.Level] > maxPerLevel:
			a.Message += fmt.Sprintf(" (%d more %ss are in the job summary)", count[a.Level]-maxPerLevel, a.Level)
		}
		out = append(out, a)
	}
	return out
}
