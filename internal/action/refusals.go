package action

import (
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

// refusals splits what stops the run: Kamal's own refusals of the config
// (with validate, in the order Kamal meets them), then the action's, except
// where Kamal already refuses the same key. Softer findings go to res.
func refusals(in Inputs, cfg *kamal.Config, res *Result) (kamalRefusals, actionRefusals []error) {
	at := map[diag.Pos]bool{}
	if in.Validate {
		v := cfg.Validate()
		for _, p := range v.Problems {
			kamalRefusals = append(kamalRefusals, p)
			at[p.Pos] = true
		}
		if v.Skipped != nil {
			res.Findings = append(res.Findings, v.Skipped)
		}
	} else if f := cfg.MissingDestination(); f != nil {
		actionRefusals = append(actionRefusals, f)
	}
	for _, f := range cfg.Findings {
		switch {
		case f.Severity != diag.Error:
			res.Findings = append(res.Findings, f)
		case !at[f.Pos]:
			actionRefusals = append(actionRefusals, f)
		}
	}
	return kamalRefusals, actionRefusals
}

// CheckError is a check (check: true) that found the config would change.
// At is the first line it would change.
type CheckError struct {
	Files []string
	At    diag.Pos
}

func (e *CheckError) Error() string {
	return "check: kamal-ecr would change " + strings.Join(e.Files, " and ") + " (the diff is in the summary): run it without check: true, or apply the diff and commit it"
}

// HookError is a run under a Kamal hook that found the config needs a
// change: Kamal has already read the config, so the change is not written;
// the build would otherwise run with what Kamal read (such as a cache ECR
// rejects). The config must change, so the exit status is 2.
type HookError struct {
	Files   []string
	At      diag.Pos
	Command string // what applies the change: run once outside the hook, then commit
}

func (e *HookError) Error() string { return e.Finding().Error() }

// Finding is the error at the first line it would change.
func (e *HookError) Finding() *diag.Finding {
	return &diag.Finding{Pos: e.At, Severity: diag.Error, Code: "hook/config-needs-change",
		Msg: "kamal-ecr would change " + strings.Join(e.Files, " and ") + ", but Kamal has already read the config before this hook, so the change would not reach this build; nothing was written",
		Fix: "run " + e.Command + " once, commit the change, then run kamal again"}
}

// NamedInputs are the inputs the message names.
func (e *CheckError) NamedInputs() []diag.Setting {
	return []diag.Setting{{Name: "check", Value: "true"}}
}
