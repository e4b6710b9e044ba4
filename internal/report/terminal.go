package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Terminal renders a run as plain text for a terminal: no Markdown. The plan
// and the results go to Out; findings and errors go to Err, as a compiler
// says them (file:line:col: level: message, the fix on the next line), in
// flags rather than inputs. Each stream is coloured only when asked.
type Terminal struct {
	Out, Err           io.Writer
	OutColor, ErrColor bool
}

// Report writes the whole run: the plan and results, then the findings and
// errors, then the verdict on the stream it belongs to.
func (t Terminal) Report(in action.Inputs, r *action.Result, err error) {
	out := &painter{w: t.Out, color: t.OutColor}
	t.plan(out, in, r, err)
	if err == nil {
		t.outputs(out, r)
	}
	var findings []*diag.Finding
	if r != nil {
		findings = r.Findings
	}
	n := t.Diagnose(findings, err)
	if err != nil {
		t.failed(in, r, n)
		return
	}
	out.line(bold, verdict(in))
}

// verdict is the last line of a run that succeeded.
func verdict(in action.Inputs) string {
	switch {
	case in.Check:
		return "Check passed: the config needs no change and Kamal would accept it."
	case in.DryRun:
		return "Dry run: nothing was changed."
	}
	return "Ready for kamal deploy."
}

// failed is the last line of a run that failed, on the error stream.
func (t Terminal) failed(in action.Inputs, r *action.Result, errs int) {
	p := &painter{w: t.Err, color: t.ErrColor}
	count := fmt.Sprintf("%d error", errs)
	if errs != 1 {
		count += "s"
	}
	switch {
	case r != nil && r.Unrestored != "":
		p.line(boldRed, fmt.Sprintf("kamal-ecr failed (%s); %s may have been changed: putting it back failed.", count, r.Unrestored))
	case in.Check:
		p.line(boldRed, fmt.Sprintf("kamal-ecr check failed (%s); nothing was changed.", count))
	default:
		p.line(boldRed, fmt.Sprintf("kamal-ecr failed (%s); the Kamal config was not changed.", count))
	}
}

// Diagnose writes the findings, then the errors in err, to Err and returns
// how many errors it wrote.
func (t Terminal) Diagnose(findings []*diag.Finding, err error) int {
	p := &painter{w: t.Err, color: t.ErrColor}
	for _, f := range findings {
		p.diagnostic(onTerminal(f.AsFlags()))
	}
	errs := problems(err, where{diff: "the diff is above"})
	for _, f := range errs {
		p.diagnostic(onTerminal(f))
	}
	return len(errs)
}

// where is what a renderer knows that an error's own text cannot: where
// its diff is, and whether the run is in Actions (for the credentials' fix).
type where struct {
	diff      string // where the diff is shown, as a message says it
	inActions bool
}

// problems are the errors joined in err as error findings, each saying
// flags where it names inputs.
func problems(err error, ctx where) []*diag.Finding {
	var out []*diag.Finding
	for _, e := range diag.Flatten(err) {
		var ie *action.InputError
		var ce *action.CheckError
		var pd *action.PullDeniedError
		var he *action.HookError
		var f *diag.Finding
		var named diag.NamesInputs
		var creds *registry.CredentialsError
		switch {
		case errors.As(e, &creds): // the fix for where the run is
			out = append(out, &diag.Finding{Severity: diag.Error, Code: "aws/no-credentials", Msg: creds.Reason(), Fix: registry.CredentialsFix(ctx.inActions)})
			continue
		case errors.As(e, &ie):
			out = append(out, &diag.Finding{Severity: diag.Error, Code: "input/invalid",
				Msg: "--" + ie.Input + ": " + diag.AsFlags(ie.Msg, ie.Also)})
			continue
		case errors.As(e, &ce): // at the first line it would change, as a compiler says it
			out = append(out, &diag.Finding{Pos: ce.At, Severity: diag.Error, Code: "check/would-change",
				Msg: "kamal-ecr would change " + strings.Join(ce.Files, " and ") + " (" + ctx.diff + ")",
				Fix: "run it without --check, or apply the diff and commit it"})
			continue
		case errors.As(e, &pd):
			f = pd.Finding
		case errors.As(e, &he):
			f = he.Finding()
		case errors.As(e, &f):
		case errors.As(e, &named):
			f = &diag.Finding{Msg: diag.AsFlags(e.Error(), named.NamedInputs())}
		default:
			f = &diag.Finding{Msg: e.Error()}
		}
		g := *f.AsFlags()
		g.Severity = diag.Error
		out = append(out, &g)
	}
	return out
}

// actionsWords are phrases messages say for a workflow, and what a terminal
// says instead; inputs are said as flags by diag.AsFlags.
var actionsWords = strings.NewReplacer("in the workflow's env", "in the environment", "not set at this step", "not set", "not set in this step", "not set",
	"give it with config-file or the inputs", "give it with --config-file or the flags", "set the matching input", "give the matching flag")

// onTerminal is a copy of f in a terminal's words.
func onTerminal(f *diag.Finding) *diag.Finding {
	g := *f
	g.Msg, g.Fix = actionsWords.Replace(f.Msg), actionsWords.Replace(f.Fix)
	return &g
}

// diagnostic is one finding: "file:line:col: level: message", then the fix.
func (p *painter) diagnostic(f *diag.Finding) {
	at := "kamal-ecr"
	if f.Pos.File != "" {
		at = f.Pos.String()
	}
	level := map[diag.Severity]string{diag.Error: boldRed, diag.Warning: boldMagenta, diag.Notice: boldCyan}[f.Severity]
	fmt.Fprintf(p.w, "%s: %s %s\n", p.paint(bold, printable(at)), p.paint(level, f.Severity.String()+":"), indentLines(f.Msg))
	if f.Fix != "" {
		fmt.Fprintf(p.w, "    %s %s\n", p.paint(boldGreen, "fix:"), indentLines(f.Fix))
	}
}

// indentLines keeps a message's later lines under the first.
func indentLines(s string) string {
	return strings.ReplaceAll(printable(strings.TrimRight(s, "\n")), "\n", "\n    ")
}

// printable keeps control characters from the config or AWS (an escape
// sequence, a carriage return) from acting on the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// ANSI styles.
const (
	bold        = "1"
	boldRed     = "1;31"
	boldGreen   = "1;32"
	boldMagenta = "1;35"
	boldCyan    = "1;36"
	red         = "31"
	green       = "32"
	cyan        = "36"
)

// painter writes to one stream, in colour when that stream takes it.
type painter struct {
	w     io.Writer
	color bool
}

func (p *painter) paint(style, s string) string {
	if !p.color || style == "" || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

func (p *painter) line(style, s string) { fmt.Fprintln(p.w, p.paint(style, printable(s))) }
