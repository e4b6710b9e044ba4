// Package inputs is the one description of kamal-ecr's inputs and outputs:
// the action's inputs, the CLI's flags, --help, action.yml and the README's
// tables are all made from the tables here. Add an input here, then run go
// generate at the repository root.
package inputs

import (
	"regexp"
	"slices"
	"strings"
)

// Kind is what values an input takes, and how a flag reads it.
type Kind int

const (
	String Kind = iota
	Bool        // true or false; a flag may stand alone
	Int         // a whole number from Min to Max
	Enum        // one of Values, case-insensitive
	List        // items one per line or comma-separated; a flag may be repeated
)

// Group is where --help lists an input.
type Group int

const (
	Reading Group = iota
	Creating
	Caching
	PullingThrough
	Reporting
	Modes
)

// Title is the group's heading in --help.
func (g Group) Title() string {
	return [...]string{"What to read", "What to create", "The build cache", "Pull-through cache", "Output", "Modes"}[g]
}

// Groups lists the groups in --help order.
var Groups = []Group{Reading, Creating, Caching, PullingThrough, Reporting, Modes}

// Input is one input of the action, or one flag of the CLI alone.
type Input struct {
	Name    string
	Default string
	// Description is Markdown (code in backticks) as the README shows it;
	// action.yml and --help show it plain.
	Description string
	Kind        Kind
	Group       Group
	Min, Max    int      // Int
	Values      []string // Enum: the accepted values, as written back
	MaxLen      int      // String: the longest value accepted (0: no bound of its own)
	CLIOnly     bool     // a flag only: not in action.yml, never read from INPUT_*
}

// Plain is the description without Markdown.
func (in Input) Plain() string { return strings.ReplaceAll(in.Description, "`", "") }

// codeSpan is a Markdown code span in a description: `name` or `name: value`.
var codeSpan = regexp.MustCompile("`([^`:]+)(?:: ([^`]+))?`")

// AsFlags is the description without Markdown, each code span that names
// an input (`kms-key`, `pull-through-cache: auto`) said as the flag a
// terminal gives (--kms-key, --pull-through-cache=auto).
func (in Input) AsFlags() string {
	text := codeSpan.ReplaceAllStringFunc(in.Description, func(span string) string {
		m := codeSpan.FindStringSubmatch(span)
		if _, ok := Lookup(m[1]); !ok {
			return strings.Trim(span, "`")
		}
		if m[2] == "" || m[2] == "true" {
			return "--" + m[1]
		}
		return "--" + m[1] + "=" + m[2]
	})
	return strings.ReplaceAll(text, "`", "") // spans the pattern leaves, such as `image:`
}

// Output is one output of the action.
type Output struct {
	Name        string
	Description string // Markdown, as for Input
}

// Plain is the description without Markdown.
func (o Output) Plain() string { return strings.ReplaceAll(o.Description, "`", "") }

// All lists every input and CLI-only flag, in action.yml order.
var All = []Input{
	{Name: "config-file", Default: "config/deploy.yml", Group: Reading, MaxLen: 1024,
		Description: "Kamal config, relative to `GITHUB_WORKSPACE` (or the working directory outside Actions)"},
	{Name: "destination", Group: Reading, MaxLen: 200,
		Description: "Kamal destination: also loads `config/deploy.<destination>.yml` and deep-merges it as Kamal does"},
	{Name: "aws-region", Group: Reading, MaxLen: 64,
		Description: "AWS region; else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the region in the registry host"},
	{Name: "registry", Group: Reading, MaxLen: 256,
		Description: "The ECR registry host; must equal `registry.server` when the config names one. Used when `registry.server` reads a variable a later step sets; else the caller's account from STS"},
	{Name: "create-repositories", Default: "true", Kind: Bool, Group: Creating,
		Description: "Create the app and cache repositories when missing (`false`: only check them, read-only; lifecycle policies are then left to whoever manages the repositories)"},
	{Name: "image-tag-mutability", Default: "MUTABLE", Kind: Enum, Group: Creating, Values: []string{"MUTABLE", "IMMUTABLE_WITH_EXCLUSION"},
		Description: "For repositories it creates: `MUTABLE`, or `IMMUTABLE_WITH_EXCLUSION` (`latest*` stays mutable)"},
	{Name: "scan-on-push", Default: "false", Kind: Bool, Group: Creating,
		Description: "For repositories it creates: scan each pushed image for vulnerabilities (ECR basic scanning)"},
	{Name: "encryption-type", Default: "AES256", Kind: Enum, Group: Creating, Values: []string{"AES256", "KMS"},
		Description: "`AES256` or `KMS` (with `kms-key`), for repositories it creates"},
	{Name: "kms-key", Group: Creating, MaxLen: 2048,
		Description: "KMS key for `encryption-type: KMS` (empty: the AWS managed key)"},
	{Name: "repository-tags", Kind: List, Group: Creating,
		Description: "`key=value` pairs, one per line or comma-separated, for repositories it creates"},
	{Name: "cache-lifecycle-days", Default: "7", Kind: Int, Group: Creating, Min: 0, Max: 3650,
		Description: "Expire untagged images in the cache repository after N days; `0` = no policy. An existing different policy is kept and reported"},
	{Name: "app-lifecycle-keep", Default: "0", Kind: Int, Group: Creating, Min: 0, Max: 10000,
		Description: "Keep the newest N deploys (tagged images) in the app repository and expire older ones; `0` = no policy. At least the config's `retain_containers`"},
	{Name: "patch-cache", Default: "true", Kind: Bool, Group: Caching,
		Description: "Fix an existing `builder.cache` of `type: registry` for ECR"},
	{Name: "enable-cache", Default: "false", Kind: Bool, Group: Caching,
		Description: "Add a registry cache (`type: registry`) when the builder has none"},
	{Name: "cache-mode", Kind: Enum, Group: Caching, Values: []string{"", "min", "max"},
		Description: "`min` or `max` to set the cache mode; empty keeps what the config says"},
	{Name: "pull-through-cache", Default: "auto", Kind: List, Group: PullingThrough,
		Description: "`auto`: discover the registry's pull-through cache rules (`DescribePullThroughCacheRules`); `off`; or `upstream=prefix` pairs, one per line or comma-separated, such as `docker.io=docker-hub`"},
	{Name: "images", Kind: List, Group: PullingThrough,
		Description: "Extra image references, one per line or comma-separated, to translate into pull-through cache paths"},
	{Name: "extra-repositories", Kind: List, Group: Creating,
		Description: "More repository names, one per line or comma-separated, to ensure with the same settings, e.g. images you build besides the app"},
	{Name: "rewrite-accessories", Default: "false", Kind: Bool, Group: PullingThrough,
		Description: "Also rewrite accessories' `image:` lines in the config to their pull-through cache paths"},
	{Name: "login", Default: "false", Kind: Bool, Group: Reporting,
		Description: "Fetch an ECR token and output `registry-username`/`registry-password` (masked) for `KAMAL_REGISTRY_PASSWORD`"},
	{Name: "verify-images", Default: "true", Kind: Bool, Group: PullingThrough,
		Description: "Prove that every pull-through path it reports or writes pulls (one registry API GET each, with the login token), before the config is written"},
	{Name: "dry-run", Default: "false", Kind: Bool, Group: Modes,
		Description: "Make no changes anywhere (no AWS writes, no file writes); report the plan"},
	{Name: "validate", Default: "true", Kind: Bool, Group: Modes,
		Description: "Check the config the way Kamal 2.12 does and stop, at the file and line, where `kamal deploy` would refuse it"},
	{Name: "check", Default: "false", Kind: Bool, Group: Modes,
		Description: "For pull requests: no AWS credentials, no AWS call, nothing written; fail (exit 1) when the config would be changed or Kamal would refuse it"},
	{Name: "iam-policy", Default: "false", Kind: Bool, Group: Modes, CLIOnly: true,
		Description: "Print the smallest IAM policy for this config and these inputs as JSON, and exit; writes nothing. With `pull-through-cache: auto` it reads the rules, so it needs AWS credentials"},
	{Name: "format", Default: "text", Kind: Enum, Group: Reporting, Values: []string{"text", "json"}, CLIOnly: true,
		Description: "`text` for a person (the plan on stdout, problems on stderr), or `json`: one JSON document on stdout with the outputs (all but `registry-password`), the findings and the plan, for scripts and editors"},
	{Name: "version", Default: "false", Kind: Bool, Group: Modes, CLIOnly: true,
		Description: "Print the version and exit"},
}

// Outputs lists every output in action.yml order.
var Outputs = []Output{
	{"registry", "the ECR registry host"},
	{"image", "full repository URI of the app image, no tag"},
	{"cache-image", "full URI of the build-cache repository (empty without a registry cache)"},
	{"repositories", `JSON array of {"name","uri","created"}`},
	{"created", "JSON array of repository names created in this run"},
	{"patched", "true when the Kamal config was changed"},
	{"config-file", "the config file that holds the builder's cache options, changed (or that would change in a dry run); else the first file changed"},
	{"changed-files", "JSON array of every config file changed, or that would change in a dry run"},
	{"images", "JSON object: each images input, and the kamal-proxy image when proxy.run names one, to its pull-through path (unchanged when no rule applies)"},
	{"accessory-images", "JSON object: accessory name to its pull-through path"},
	{"image-digests", "JSON object: each verified path to the digest it pulled (verify-images)"},
	{"registry-username", "ECR login user name (with login)"},
	{"registry-password", "ECR login password, masked (with login)"},
}

// Lookup finds an input or flag by name.
func Lookup(name string) (Input, bool) {
	i := slices.IndexFunc(All, func(in Input) bool { return in.Name == name })
	if i < 0 {
		return Input{}, false
	}
	return All[i], true
}

// Action lists the inputs action.yml declares.
func Action() []Input {
	return slices.DeleteFunc(slices.Clone(All), func(in Input) bool { return in.CLIOnly })
}

// Default is an input's default ("" for an unknown name).
func Default(name string) string {
	in, _ := Lookup(name)
	return in.Default
}

// EnvName is the variable the runner passes an input in: INPUT_<NAME>
// upper-cased, spaces to underscores, hyphens kept.
func EnvName(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}
