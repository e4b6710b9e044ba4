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

	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Input is one input of action.yml; this table is the source of truth that
// action.yml, the CLI flags and the README are checked against.
type Input struct {
	Name, Default, Description string
}

// InputDefs lists every input in action.yml order.
var InputDefs = []Input{
	{"config-file", "config/deploy.yml", "Kamal config, relative to GITHUB_WORKSPACE (or the working directory outside Actions)"},
	{"destination", "", "Kamal destination: also loads config/deploy.<destination>.yml and merges it as Kamal does"},
	{"aws-region", "", "AWS region; else AWS_REGION/AWS_DEFAULT_REGION, else the region in the registry host"},
	{"registry", "", "The ECR registry host; must equal registry.server when the config names one. Used when registry.server reads a variable a later step sets; else the caller's account from STS"},
	{"create-repositories", "true", "Create the app and cache repositories when missing"},
	{"image-tag-mutability", "MUTABLE", "For repositories it creates: MUTABLE, or IMMUTABLE_WITH_EXCLUSION (latest* stays mutable)"},
	{"scan-on-push", "false", "For repositories it creates"},
	{"encryption-type", "AES256", "AES256 or KMS (with kms-key), for repositories it creates"},
	{"kms-key", "", "KMS key for encryption-type: KMS (empty: the AWS managed key)"},
	{"repository-tags", "", "key=value pairs, one per line or comma-separated, for repositories it creates"},
	{"cache-lifecycle-days", "7", "Expire untagged images in the cache repository after N days; 0 = no policy"},
	{"app-lifecycle-keep", "0", "Keep the newest N deploys (tagged images) in the app repository and expire older ones; 0 = no policy. At least the config's retain_containers"},
	{"patch-cache", "true", "Fix an existing builder.cache of type registry for ECR"},
	{"enable-cache", "false", "Add a registry cache (type: registry) when the builder has none"},
	{"cache-mode", "", "min or max to set the cache mode; empty keeps what the config says"},
	{"pull-through-cache", "auto", "auto: discover the registry's pull-through cache rules; off; or upstream=prefix pairs, one per line or comma-separated, such as docker.io=docker-hub"},
	{"images", "", "Extra image references, one per line or comma-separated, to translate into pull-through cache paths"},
	{"extra-repositories", "", "More repository names, one per line or comma-separated, to ensure with the same settings, e.g. images you build besides the app"},
	{"rewrite-accessories", "false", "Also rewrite accessories' image: lines in the config to their pull-through cache paths"},
	{"login", "false", "Fetch an ECR token and output registry-username/registry-password (masked) for KAMAL_REGISTRY_PASSWORD"},
	{"dry-run", "false", "Make no changes anywhere (no AWS writes, no file writes); report the plan"},
	{"validate", "true", "Check the config the way Kamal 2.12 does and stop, at the file and line, where kamal deploy would refuse it"},
	{"check", "false", "For pull requests: no AWS credentials, no AWS call, nothing written; fail (exit 1) when the config would be changed or Kamal would refuse it"},
}

// OutputDefs lists every output in action.yml order. The README's outputs
// table says the same, word for word.
var OutputDefs = []Input{
	{"registry", "", "the ECR registry host"},
	{"image", "", "full repository URI of the app image, no tag"},
	{"cache-image", "", "full URI of the build-cache repository (empty without a registry cache)"},
	{"repositories", "", `JSON array of {"name","uri","created"}`},
	{"created", "", "JSON array of repository names created in this run"},
	{"patched", "", "true when the Kamal config was changed"},
	{"config-file", "", "the config file that holds the builder's cache options, changed (or that would change in a dry run); else the first file changed"},
	{"changed-files", "", "JSON array of every config file changed, or that would change in a dry run"},
	{"images", "", "JSON object: each images input, and the kamal-proxy image when proxy.run names one, to its pull-through path (unchanged when no rule applies)"},
	{"accessory-images", "", "JSON object: accessory name to its pull-through path"},
	{"registry-username", "", "ECR login user name (with login)"},
	{"registry-password", "", "ECR login password, masked (with login)"},
}

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
}

// InputError names the input that is wrong.
type InputError struct {
	Input, Msg string
}

func (e *InputError) Error() string { return "input " + e.Input + ": " + e.Msg }

var destinationPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ParseInputs validates every input; lookup returns an input's value or its default.
func ParseInputs(lookup func(name string) string) (Inputs, error) {
	p := inputParser{lookup: lookup}
	in := Inputs{
		ConfigFile:         p.str("config-file"),
		Destination:        p.str("destination"),
		Region:             p.str("aws-region"),
		Registry:           p.str("registry"),
		CreateRepositories: p.bool("create-repositories"),
		LifecycleDays:      p.int("cache-lifecycle-days", 0, 3650),
		AppKeep:            p.int("app-lifecycle-keep", 0, 10000),
		PatchCache:         p.bool("patch-cache"),
		EnableCache:        p.bool("enable-cache"),
		CacheMode:          p.oneOf("cache-mode", "", "min", "max"),
		Images:             list(p.str("images")),
		ExtraRepositories:  list(p.str("extra-repositories")),
		RewriteAccessories: p.bool("rewrite-accessories"),
		Login:              p.bool("login"),
		DryRun:             p.bool("dry-run"),
		Validate:           p.bool("validate"),
		Check:              p.bool("check"),
	}
	in.Settings = registry.Settings{ScanOnPush: p.bool("scan-on-push"), KMSKey: p.str("kms-key")}
	switch m := strings.ToUpper(p.str("image-tag-mutability")); m {
	case "MUTABLE", "IMMUTABLE_WITH_EXCLUSION":
		in.Settings.Mutability = types.ImageTagMutability(m)
	case "IMMUTABLE":
		p.fail("image-tag-mutability", "IMMUTABLE breaks Kamal, which moves the latest tag on every deploy; use IMMUTABLE_WITH_EXCLUSION, which keeps latest* mutable")
	default:
		p.fail("image-tag-mutability", fmt.Sprintf("%q is not MUTABLE or IMMUTABLE_WITH_EXCLUSION", p.str("image-tag-mutability")))
	}
	switch e := strings.ToUpper(p.str("encryption-type")); e {
	case "AES256", "KMS":
		in.Settings.Encryption = types.EncryptionType(e)
		if e == "AES256" && in.Settings.KMSKey != "" {
			p.fail("kms-key", "is set, but encryption-type is AES256: set encryption-type: KMS or remove kms-key")
		}
	default:
		p.fail("encryption-type", fmt.Sprintf("%q is not AES256 or KMS", p.str("encryption-type")))
	}
	in.Settings.Tags = p.tags("repository-tags")
	if in.Check {
		in.DryRun = true // a check changes nothing, and asks AWS nothing (login's secrets are still checked)
	}
	if in.ConfigFile != "" { // annotations need the path as GitHub shows it
		in.ConfigFile = path.Clean(filepath.ToSlash(in.ConfigFile))
	}
	switch {
	case in.ConfigFile == "":
		p.fail("config-file", "is empty: give the path of your Kamal config, such as config/deploy.yml")
	case !filepath.IsLocal(in.ConfigFile):
		p.fail("config-file", fmt.Sprintf("%q is outside the workspace: give the path relative to the workspace, such as config/deploy.yml", p.str("config-file")))
	case in.Destination != "" && !destinationPattern.MatchString(in.Destination):
		p.fail("destination", fmt.Sprintf("%q is not a destination name (letters, digits, . _ -)", in.Destination))
	case in.Region != "" && !registry.ValidRegion(in.Region):
		p.fail("aws-region", fmt.Sprintf("%q is not an AWS region such as us-east-1", in.Region))
	}
	if in.Registry != "" {
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
	switch ptc := p.str("pull-through-cache"); strings.ToLower(ptc) {
	case "auto":
		in.Discover = true
	case "off", "":
	default:
		rules, err := imageref.ParseRules(list(ptc), "pull-through-cache")
		if err != nil {
			p.fail("pull-through-cache", err.Error()+"; or use auto or off")
		}
		in.Rules = rules
	}
	return in, errors.Join(p.errs...)
}

// inputParser collects every bad input, so that one run reports them all.
type inputParser struct {
	lookup func(string) string
	errs   []error
}

func (p *inputParser) fail(name, msg string) {
	p.errs = append(p.errs, &InputError{Input: name, Msg: msg})
}

func (p *inputParser) str(name string) string { return strings.TrimSpace(p.lookup(name)) }

func (p *inputParser) bool(name string) bool {
	switch v := p.str(name); strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	default:
		p.fail(name, fmt.Sprintf("%q is not true or false", v))
		return false
	}
}

func (p *inputParser) int(name string, lo, hi int) int {
	v := p.str(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, fmt.Sprintf("%q is not a whole number from %d to %d", v, lo, hi))
	}
	return n
}

func (p *inputParser) oneOf(name string, allowed ...string) string {
	v := p.str(name)
	for _, a := range allowed {
		if strings.ToLower(v) == a {
			return a
		}
	}
	p.fail(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed[1:], ", ")))
	return ""
}

// tags reads key=value pairs, one per line or comma-separated.
func (p *inputParser) tags(name string) []types.Tag {
	var out []types.Tag
	for _, kv := range list(p.str(name)) {
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

// list splits a list input the same way for every list: items one per line
// or separated by commas, blanks and # comment lines dropped.
func list(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, item := range strings.Split(l, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// Defaults is a lookup that answers every input's default.
func Defaults(name string) string {
	for _, d := range InputDefs {
		if d.Name == name {
			return d.Default
		}
	}
	return ""
}
