package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// KamalVersion is the Kamal whose validation Validate reproduces.
const KamalVersion = "2.12.0"

// Validation is the verdict of Kamal's own checks on the merged config.
type Validation struct {
	// Problems are Kamal's refusals in the order Kamal meets them: Kamal
	// stops at the first, whose message is Kamal's own. Each is at the file,
	// line and column of the key or value, with a fix, and has a code
	// starting with "kamal/".
	Problems []*diag.Finding
	// Skipped says where checks were skipped because a value is computed by
	// Ruby the action does not run; nil when none were.
	Skipped *diag.Finding
}

// validator walks the typed config the way Kamal's validators do. Every
// problem goes through fail.
type validator struct {
	ctx      string // where the walk is, as Kamal names it: accessories/db/options
	problems []*diag.Finding
	skipped  []diag.Pos
	allowExt bool   // x- keys are free (at the top level only)
	file     string // where a problem with no place of its own is reported
}

// Input is what the checks read besides the typed config.
type Input struct {
	File        string // the base config file, where a problem with no place of its own is reported
	Destination string
	// AppRoot is the directory Kamal runs in; Exists tells whether a file
	// under it (Kamal's hooks) exists.
	AppRoot string
	Exists  func(name string) bool
	// TopRuby is the first tag that writes top-level YAML, nil when none
	// does: such Ruby may write any key the cross-section checks read.
	TopRuby *diag.Pos
}

// Check checks the config the way Kamal 2.12 does when it loads it
// (lib/kamal/configuration.rb and its validators), reporting every problem
// instead of stopping at the first. Secrets are not looked up.
func Check(root *Node, input Input) Validation {
	v := &validator{file: input.File}
	v.allowExt = true
	v.against(root, rootExample)
	v.allowExt = false
	if root.kind != vMap {
		return v.result()
	}
	in := &checkInput{Input: input, root: root, roles: v.servers(root)}
	v.sections(in)
	if input.TopRuby != nil {
		v.skipped = append(v.skipped, *input.TopRuby)
		return v.result()
	}
	for _, k := range kamalChecks {
		k.run(v, in, "kamal/"+k.name)
	}
	return v.result()
}

// RequireDestination is Kamal's refusal of a config that requires a
// destination when none is given, or nil: the first of Kamal's checks, for a
// run that skips the others.
func RequireDestination(root *Node, input Input) *diag.Finding {
	v := &validator{file: input.File}
	checkRequireDestination(v, &checkInput{Input: input, root: root}, "kamal/require-destination")
	if len(v.problems) == 0 {
		return nil
	}
	return v.problems[0]
}

// sections validates each section Kamal loads on its own, in Kamal's order.
func (v *validator) sections(in *checkInput) {
	root := in.root
	v.registrySection(in)
	if accessories := root.get("accessories"); accessories != nil && accessories.kind == vMap {
		for _, name := range accessories.keys {
			v.accessory(name, accessories.vals[name], in.roles)
		}
	}
	if aliases := root.get("aliases"); aliases != nil && aliases.kind == vMap {
		for _, name := range aliases.keys {
			v.alias(name, aliases.vals[name])
		}
	}
	v.section("boot", root.get("boot"), bootExample)
	v.builder(root.get("builder"))
	v.env("env", root.get("env"))
	v.section("logging", root.get("logging"), loggingExample)
	if out := root.get("output"); out.present() {
		v.section("output", out, outputExample)
	}
	v.proxy("proxy", root.get("proxy"))
	v.section("ssh", root.get("ssh"), sshExample)
	v.section("sshkit", root.get("sshkit"), sshkitExample)
}

func (v *validator) result() Validation {
	out := Validation{Problems: v.problems}
	if len(v.skipped) > 0 {
		var where []string
		for _, p := range v.skipped[:min(len(v.skipped), 3)] {
			where = append(where, p.String())
		}
		more := ""
		if len(v.skipped) > 3 {
			more = fmt.Sprintf(" and %d more", len(v.skipped)-3)
		}
		out.Skipped = &diag.Finding{Pos: v.skipped[0], Severity: diag.Notice, Code: "kamal/skipped",
			Msg: fmt.Sprintf("Kamal's checks of values computed by Ruby were skipped (%s%s): the action does not run Ruby", strings.Join(where, ", "), more)}
	}
	return out
}

// fail records a problem in the current context, as Kamal words it. A
// problem in a section the config does not have is at the base file's
// first line, so that an annotation shows it.
func (v *validator) fail(code string, pos diag.Pos, fix, msg string) {
	if v.ctx != "" {
		msg = v.ctx + ": " + msg
	}
	if pos.File == "" {
		pos = diag.Pos{File: v.file, Line: 1}
	}
	v.problems = append(v.problems, diag.Errorf(pos, code, fix, "%s", msg))
}

func (v *validator) with(ctx string, fn func()) {
	old := v.ctx
	if v.ctx == "" {
		v.ctx = ctx
	} else if ctx != "" {
		v.ctx = v.ctx + "/" + ctx
	}
	defer func() { v.ctx = old }()
	fn()
}

// types are the classes Kamal's validate_type! accepts.
type vtype int

const (
	tString vtype = iota
	tInt
	tBool
	tHash
	tArray
	tNil
	tSymbol // :verbose; YAML gives such a value only where a string would do too
)

var typeNames = map[vtype]string{tString: "a string", tInt: "an integer", tBool: "a boolean", tHash: "a hash", tArray: "an array", tNil: "a nilclass", tSymbol: "a symbol"}

// ok reports whether n is one of the types; a value Ruby computes passes,
// and is noted as skipped.
func (v *validator) ok(n *Node, types ...vtype) bool {
	if n.kind == vRuby {
		if !n.later {
			v.skipped = append(v.skipped, n.pos)
		}
		return true
	}
	return slices.ContainsFunc(types, func(t vtype) bool { return isType(n, t) })
}

func isType(n *Node, t vtype) bool {
	switch t {
	case tString, tSymbol:
		return n.kind == vStr || n.kind == vInt || n.kind == vFloat || n.kind == vBool
	case tInt:
		return n.kind == vInt
	case tBool:
		return n.kind == vBool
	case tHash:
		return n.kind == vMap
	case tArray:
		return n.kind == vSeq
	case tNil:
		return n.kind == vNull
	}
	return false
}

// typeCheck is validate_type!: false (with the problem recorded) when n is
// none of the types.
func (v *validator) typeCheck(n *Node, types ...vtype) bool {
	if v.ok(n, types...) {
		return true
	}
	var names []string
	for _, t := range types {
		if name := typeNames[t]; !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	want := strings.Join(names, " or ")
	fix := "write it as " + want
	if n.unset != "" {
		fix = fmt.Sprintf("the ERB here renders nothing because %s is not set at this step: set %s in the workflow's env, or write the value literally", n.unset, n.unset)
	}
	v.fail("kamal/type", n.pos, fix, "should be "+want)
	return false
}
