// Package action is the orchestrator: it reads the inputs and the Kamal
// config, plans the repositories and edits, ensures them in ECR, writes the
// config, and returns what happened for the report.
package action

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Inputs are the validated inputs.
type Inputs struct {
	ConfigFile, Destination string
	Region, Registry        string
	CreateRepositories      bool
	Settings                registry.Settings
	LifecycleDays           int
	AppKeep                 int // app-lifecycle-keep
	PatchCache, EnableCache bool
	CacheMode               string
	Discover                bool            // pull-through-cache: auto
	Rules                   []imageref.Rule // explicit rules
	Images                  []string
	ExtraRepositories       []string
	RewriteAccessories      bool
	Login, DryRun           bool
	Validate, Check         bool
	VerifyImages            bool
	Notes                   []*diag.Finding // warnings about the inputs, reported with the run's findings
	// Hook is set under a Kamal hook, which runs after Kamal has read the
	// config: the config is never written there (nil: not under a hook).
	Hook *Hook
}

// Hook is a run under a Kamal hook (KAMAL_VERSION set).
type Hook struct {
	Command string // the command that applies the change outside the hook
	// Destination is KAMAL_DESTINATION when the destination came from it
	// (no --destination), so that a missing file's fix names its source.
	Destination string
}

// InputError names the input that is wrong.
type InputError struct {
	Input, Msg string
	Also       []diag.Setting // other inputs Msg names, said as diag.Setting.InActions says them
}

func (e *InputError) Error() string { return "input " + e.Input + ": " + e.Msg }

// NamedInputs are the inputs the message names.
func (e *InputError) NamedInputs() []diag.Setting {
	return append([]diag.Setting{{Name: e.Input}}, e.Also...)
}

var destinationPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ParseInputs validates every input; lookup returns an input's value or its
// default. Each value is first checked against its kind in the inputs table.
func ParseInputs(lookup func(name string) string) (Inputs, error) {
	p := inputParser{lookup: lookup, bad: map[string]bool{}}
	for _, def := range inputs.Action() {
		v := p.str(def.Name)
		if def.Name == "image-tag-mutability" && strings.EqualFold(v, "IMMUTABLE") {
			p.fail(def.Name, "IMMUTABLE breaks Kamal, which moves the latest tag on every deploy; use IMMUTABLE_WITH_EXCLUSION, which keeps latest* mutable")
		} else if msg := def.Check(v); msg != "" {
			p.fail(def.Name, msg)
		}
	}
	in := Inputs{
		ConfigFile:         p.str("config-file"),
		Destination:        p.str("destination"),
		Region:             p.str("aws-region"),
		Registry:           p.str("registry"),
		CreateRepositories: p.bool("create-repositories"),
		LifecycleDays:      p.int("cache-lifecycle-days"),
		AppKeep:            p.int("app-lifecycle-keep"),
		PatchCache:         p.bool("patch-cache"),
		EnableCache:        p.bool("enable-cache"),
		CacheMode:          p.enum("cache-mode"),
		Images:             inputs.Split(p.str("images")),
		ExtraRepositories:  inputs.Split(p.str("extra-repositories")),
		RewriteAccessories: p.bool("rewrite-accessories"),
		Login:              p.bool("login"),
		DryRun:             p.bool("dry-run"),
		Validate:           p.bool("validate"),
		Check:              p.bool("check"),
		VerifyImages:       p.bool("verify-images"),
	}
	in.Settings = registry.Settings{ScanOnPush: p.bool("scan-on-push"), KMSKey: p.str("kms-key"),
		Mutability: types.ImageTagMutability(p.enum("image-tag-mutability")),
		Encryption: types.EncryptionType(p.enum("encryption-type"))}
	if in.Settings.Encryption == types.EncryptionTypeAes256 && in.Settings.KMSKey != "" {
		p.errs = append(p.errs, &InputError{Input: "kms-key", Msg: "is set, but encryption-type: AES256 does not use it: set encryption-type: KMS or remove the kms-key input",
			Also: []diag.Setting{{Name: "encryption-type", Value: "AES256"}, {Name: "encryption-type", Value: "KMS"}, {Name: "kms-key"}}})
	}
	in.Settings.Tags = p.tags("repository-tags")
	if in.Check {
		in.DryRun = true // a check changes nothing, and asks AWS nothing (login's secrets are still checked)
	}
	if in.ConfigFile != "" { // annotations need the path as GitHub shows it
		in.ConfigFile = path.Clean(filepath.ToSlash(in.ConfigFile))
	}
	switch {
	case p.bad["config-file"] || p.bad["destination"] || p.bad["aws-region"]:
	case in.ConfigFile == "":
		p.fail("config-file", "is empty: give the path of your Kamal config, such as config/deploy.yml")
	case !filepath.IsLocal(in.ConfigFile):
		p.fail("config-file", fmt.Sprintf("%q is outside the workspace: give the path relative to the workspace, such as config/deploy.yml", p.str("config-file")))
	case in.Destination != "" && !destinationPattern.MatchString(in.Destination):
		p.fail("destination", fmt.Sprintf("%q is not a destination name (letters, digits, . _ -)", in.Destination))
	case in.Region != "" && !registry.ValidRegion(in.Region):
		p.fail("aws-region", fmt.Sprintf("%q is not an AWS region such as us-east-1", in.Region))
	}
	if in.Registry != "" && !p.bad["registry"] {
		h, err := registry.ParseHost(in.Registry)
		if err != nil {
			p.fail("registry", err.Error())
		}
		in.Registry = h.Name
	}
	for _, name := range in.ExtraRepositories {
		if err := registry.ValidateName(name); err != nil {
			p.fail("extra-repositories", err.Error())
		}
	}
	in.Discover, in.Rules = p.pullThrough("pull-through-cache")
	in.Notes = p.notes
	return in, errors.Join(p.errs...)
}

// inputParser collects every bad input, so that one run reports them all.
type inputParser struct {
	lookup func(string) string
	errs   []error
	notes  []*diag.Finding
	bad    map[string]bool // inputs already reported
}

// warn notes something odd about an input that does not stop the run.
func (p *inputParser) warn(name, msg, fix string) {
	p.notes = append(p.notes, &diag.Finding{Severity: diag.Warning, Code: "input/" + name,
		Msg: "the " + name + " input, " + strings.TrimPrefix(msg, name+" "), Fix: fix, Inputs: []diag.Setting{{Name: name}}})
}

func (p *inputParser) fail(name, msg string) {
	p.bad[name] = true
	p.errs = append(p.errs, &InputError{Input: name, Msg: msg})
}

func (p *inputParser) str(name string) string { return strings.TrimSpace(p.lookup(name)) }

// bool, int and enum read values their kind has checked.
func (p *inputParser) bool(name string) bool {
	v, _ := inputs.ParseBool(p.str(name))
	return v
}

func (p *inputParser) int(name string) int {
	n, _ := strconv.Atoi(p.str(name))
	return n
}

func (p *inputParser) enum(name string) string {
	def, _ := inputs.Lookup(name)
	v, _ := def.EnumValue(p.str(name))
	return v
}

// pullThrough reads auto, off, or upstream=prefix pairs. Every bad pair is
// reported; a pair that looks reversed is a warning.
func (p *inputParser) pullThrough(name string) (discover bool, rules []imageref.Rule) {
	v := p.str(name)
	switch strings.ToLower(v) {
	case "auto":
		return true, nil
	case "off", "":
		return false, nil
	}
	for i, l := range inputs.Split(v) {
		where := fmt.Sprintf("line %d", i+1) // the error names the input
		r, err := imageref.ParseRule(l, where)
		if err != nil {
			p.fail(name, err.Error()+"; or use auto or off")
			continue
		}
		r.Source = name + " " + where
		up, prefix := strings.TrimSpace(strings.Split(l, "=")[0]), r.Prefix
		if err := prefixError(prefix); err != nil {
			p.fail(name, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		if !validUpstream.MatchString(r.Upstream) {
			p.fail(name, fmt.Sprintf("%s: upstream %q is not a registry host such as docker.io or ghcr.io", where, up))
			continue
		}
		if !strings.Contains(up, ".") && hostLike.MatchString(prefix) {
			p.warn(name, fmt.Sprintf("%s: %s=%s looks reversed: the upstream registry comes first, then the ECR prefix", where, up, prefix),
				fmt.Sprintf("did you mean %s=%s?", prefix, up))
		}
		rules = append(rules, r)
	}
	return false, rules
}

// hostLike is a prefix that reads as a registry host, such as quay.io.
var hostLike = regexp.MustCompile(`^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::[0-9]+)?$`)

// tags reads key=value pairs, one per line or comma-separated.
func (p *inputParser) tags(name string) []types.Tag {
	var out []types.Tag
	for _, kv := range inputs.Split(p.str(name)) {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || len(k) > 128 || len(v) > 256 {
			p.fail(name, fmt.Sprintf("%q is not key=value (key 1-128 characters, value up to 256)", kv))
			continue
		}
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if len(out) > 50 {
		p.fail(name, fmt.Sprintf("has %d tags; ECR allows 50", len(out)))
	}
	return out
}
