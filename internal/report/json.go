package report

import (
	"bytes"
	"encoding/json"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
)

// Document is the run as one JSON document (--format json), for scripts
// and editors: the outputs but registry-password, every finding and error
// at its place, and the plan. Messages name flags, as on a terminal.
type Document struct {
	OK       bool              `json:"ok"`
	Mode     string            `json:"mode"` // "run", "dry-run" or "check"
	Outputs  map[string]any    `json:"outputs"`
	Findings []DocumentFinding `json:"findings"`
	Plan     *DocumentPlan     `json:"plan"` // null when the run stopped before it planned
}

// DocumentFinding is one finding or error.
type DocumentFinding struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

// DocumentPlan is what the run found and did, or would do.
type DocumentPlan struct {
	Registry     string            `json:"registry,omitempty"`
	RegistryFrom string            `json:"registry_from,omitempty"`
	Identity     *DocumentIdentity `json:"identity,omitempty"`
	Repositories []DocumentRepo    `json:"repositories"`
	Changes      []DocumentChange  `json:"changes"`
	Images       []DocumentImage   `json:"images"`
}

// DocumentIdentity is who the AWS calls were made as.
type DocumentIdentity struct {
	ARN     string `json:"arn"`
	Account string `json:"account"`
}

// DocumentRepo is one repository and what happened to it.
type DocumentRepo struct {
	Name    string `json:"name"`
	URI     string `json:"uri"`
	Role    string `json:"role"`
	Status  string `json:"status"`
	Created bool   `json:"created"`
}

// DocumentChange is one config file's change, as a unified diff.
type DocumentChange struct {
	File    string `json:"file"`
	Written bool   `json:"written"`
	Diff    string `json:"diff"`
}

// DocumentImage is one image reference and its pull-through path.
type DocumentImage struct {
	Source      string `json:"source"` // "images input", "accessory", "kamal-proxy"
	Name        string `json:"name"`
	Reference   string `json:"reference"`
	PullThrough string `json:"pull_through"`
	Status      string `json:"status"`
	Note        string `json:"note,omitempty"`
	Digest      string `json:"digest,omitempty"`
	PullProblem string `json:"pull_problem,omitempty"`
}

// JSON is the document for a run, indented, ending in a newline; inActions
// says the run is a workflow's step (for the fixes that differ there).
func JSON(in action.Inputs, r *action.Result, err error, inActions bool) []byte {
	doc := Document{OK: err == nil, Mode: mode(in), Findings: []DocumentFinding{}}
	var findings []*diag.Finding
	if r != nil {
		findings = r.Findings
	}
	if r != nil && r.Plan != nil {
		doc.Plan = documentPlan(in, r, err)
		if err == nil {
			doc.Outputs = documentOutputs(r)
		}
	}
	for _, f := range findings {
		doc.Findings = append(doc.Findings, documentFinding(onTerminal(f.AsFlags())))
	}
	for _, f := range problems(err, where{diff: "the diff is in plan.changes", inActions: inActions}) {
		doc.Findings = append(doc.Findings, documentFinding(onTerminal(f)))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic(err) // strings, numbers, bools and raw JSON made by Outputs always encode
	}
	return b.Bytes()
}

func mode(in action.Inputs) string {
	switch {
	case in.Check:
		return "check"
	case in.DryRun:
		return "dry-run"
	}
	return "run"
}

// documentOutputs are the step outputs but the password, JSON values as
// JSON and booleans as booleans; a value made from a secret as printed.
func documentOutputs(r *action.Result) map[string]any {
	out := map[string]any{}
	for _, o := range Outputs(r) {
		v := o.Printed()
		switch {
		case o.Secret:
			continue // registry-password: never printed
		case v == "true" || v == "false":
			out[o.Name] = v == "true"
		case json.Valid([]byte(v)) && (v[0] == '[' || v[0] == '{'):
			out[o.Name] = json.RawMessage(v)
		default:
			out[o.Name] = v
		}
	}
	return out
}

func documentFinding(f *diag.Finding) DocumentFinding {
	return DocumentFinding{File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col, Severity: f.Severity.String(),
		Code: f.Code, Message: f.Msg, Fix: f.Fix}
}

func documentPlan(in action.Inputs, r *action.Result, err error) *DocumentPlan {
	p := &DocumentPlan{Registry: r.Registry, Repositories: []DocumentRepo{}, Changes: []DocumentChange{}, Images: []DocumentImage{}}
	if r.Registry != "" {
		p.RegistryFrom = terminalRegistryFrom(r.RegistryFrom)
	}
	if r.Identity != nil {
		p.Identity = &DocumentIdentity{ARN: r.Identity.ARN, Account: r.Identity.Account}
	}
	for _, s := range r.Repos {
		p.Repositories = append(p.Repositories, DocumentRepo{Name: s.Name, URI: s.URI, Role: s.Role,
			Status: plainStatus(repoStatus(in, r, s)), Created: s.Created})
	}
	for _, c := range r.Changes {
		p.Changes = append(p.Changes, DocumentChange{File: c.Path, Written: r.Patched && err == nil,
			Diff: unifiedDiff([]action.FileChange{c})})
	}
	for _, t := range r.Translations {
		img := DocumentImage{Source: t.From, Name: t.Name, Reference: t.ShownRef(), PullThrough: t.ShownOutput(), Status: string(t.Status), Note: t.ShownNote()}
		if t.Status == imageref.Unchanged {
			img.PullThrough = t.ShownRef()
		}
		if t.Pull != nil {
			img.Digest, img.PullProblem = t.Pull.Digest, t.Pull.Problem
		}
		p.Images = append(p.Images, img)
	}
	return p
}
