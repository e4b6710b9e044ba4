package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/iampolicy"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

const testHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

// busy is a successful run with much to say: two repositories created, a
// patch, six accessories (two rewritten, three already in the cache, one
// without a rule) and a dozen notices.
func busy() *action.Result {
	r := &action.Result{Registry: testHost, Checked: true, Patched: true, Files: []string{"config/deploy.yml"}, RulesFrom: action.RulesFromRegistry,
		Changes: []action.FileChange{{Path: "config/deploy.yml", Before: []byte("a: 1\nb: 2\n"), After: []byte("a: 2\nb: 3\n")}},
		Repos: []registry.Status{
			{Repo: registry.Repo{Name: "acme/shop", Role: "app"}, Checked: true, Created: true},
			{Repo: registry.Repo{Name: "acme/shop-build-cache", Role: "cache", Lifecycle: registry.CacheLifecycle(7)}, Checked: true, Created: true, Policy: registry.PolicyPut},
		}}
	for i, name := range []string{"db", "redis", "a", "b", "c", "d"} {
		t := action.Translation{Source: action.Source{From: "accessory", Name: name, Ref: "x/" + name + ":1"},
			Result: imageref.Result{Status: imageref.Correct, Output: testHost + "/docker-hub/x/" + name + ":1"}}
		switch {
		case i < 2:
			t.Status = imageref.Translated
			r.Edits = append(r.Edits, &kamal.Edit{File: "config/deploy.yml", Line: i + 1, Key: "accessories." + name + ".image"})
		case i == 5:
			t.Status = imageref.Unchanged
		}
		r.Translations = append(r.Translations, t)
	}
	for i := range 12 {
		r.Findings = append(r.Findings, &diag.Finding{Pos: diag.Pos{File: "config/deploy.yml", Line: i + 1}, Severity: diag.Notice, Code: "x/note", Msg: fmt.Sprintf("note %d", i)})
	}
	r.Findings = append(r.Findings, &diag.Finding{Pos: diag.Pos{File: "config/deploy.yml", Line: 1}, Severity: diag.Notice, Code: "config/cache-options", Msg: "builder.cache.options changed"})
	return r
}

// outsideDetails are the non-blank lines a reader sees with every
// <details> closed.
func outsideDetails(s string) []string {
	var out []string
	depth := 0
	for line := range strings.Lines(s) {
		switch {
		case strings.HasPrefix(line, "<details"):
			depth++
		case strings.HasPrefix(line, "</details>"):
			depth--
		case depth == 0 && strings.TrimSpace(line) != "":
			out = append(out, line)
		}
	}
	return out
}

// A successful run shows at most 20 lines outside <details>, opens with
// the verdict and one tally line, and says each thing once.
func TestSummaryAtAGlance(t *testing.T) {
	t.Parallel()
	s := Summary(action.Inputs{ConfigFile: "config/deploy.yml", RewriteAccessories: true}, busy(), nil)
	if lines := outsideDetails(s); len(lines) > 20 {
		t.Errorf("%d lines outside <details>:\n%s", len(lines), strings.Join(lines, ""))
	}
	lines := strings.Split(s, "\n")
	if lines[0] != "## ✅ Ready for kamal deploy" || lines[2] != "Created 2 repositories · config patched +2 −2 · 5 images through the cache" {
		t.Errorf("verdict and tally:\n%s", strings.Join(lines[:3], "\n"))
	}
	if !strings.Contains(s, "<details open><summary>Patch: config/deploy.yml +2 −2</summary>") {
		t.Errorf("the diff is not open:\n%s", s)
	}
	for _, bad := range []string{"builder.cache.options changed", testHost + "/docker-hub", "accessory `a`", "Tag mutability", "Scan on push", "Encryption"} {
		if strings.Contains(s, bad) {
			t.Errorf("says %q, which the diff or the one line already says:\n%s", bad, s)
		}
	}
	for _, want := range []string{"3 images already use the cache: `a`, `b`, `c`.", "1 image is used as written (no pull-through cache rule applies): `d`.",
		"| accessory `db` | `x/db:1` | `…/docker-hub/x/db:1` | translated, rewritten |", "`…/` is `" + testHost + "/`",
		"`kamal accessory reboot db` and `kamal accessory reboot redis`", "<details><summary>Notes (12)</summary>"} {
		if !strings.Contains(s, want) {
			t.Errorf("lacks %q:\n%s", want, s)
		}
	}
}

// The first line is the verdict, for every outcome; the second the tally.
func TestSummaryVerdict(t *testing.T) {
	t.Parallel()
	missing := func(name string) registry.Status {
		return registry.Status{Repo: registry.Repo{Name: name, Role: "app"}, Checked: true, Missing: true,
			Err: &registry.MissingError{Repo: name, ARN: "arn:aws:ecr:us-east-1:123456789012:repository/" + name,
				Denied: &registry.AccessDeniedError{Action: "ecr:CreateRepository", Resource: "arn:aws:ecr:us-east-1:123456789012:repository/" + name}}}
	}
	refusal := func(line int) error {
		return diag.Errorf(diag.Pos{File: "config/deploy.yml", Line: line, Col: 1}, "kamal/unknown-key", "remove it", "unknown key: k%d", line)
	}
	exists := registry.Status{Repo: registry.Repo{Name: "acme/shop", Role: "app"}, Checked: true}
	tests := []struct {
		name         string
		in           action.Inputs
		r            *action.Result
		err          error
		verdict, two string
	}{
		{"nothing to do", action.Inputs{}, &action.Result{Checked: true, Repos: []registry.Status{exists, exists}}, nil,
			"✅ Ready for kamal deploy", "No changes: 2 repositories exist, config already ready for ECR"},
		{"dry run", action.Inputs{DryRun: true, CreateRepositories: true}, &action.Result{Checked: true, Repos: []registry.Status{{Checked: true, Missing: true}}}, nil,
			"✅ Dry run: a run would make this ready for kamal deploy", "Would create 1 repository · config already ready for ECR"},
		{"check passes", action.Inputs{Check: true}, &action.Result{}, nil, "✅ Check passed: the config is ready for ECR", "Config already ready for ECR"},
		{"check fails", action.Inputs{Check: true}, &action.Result{Changes: []action.FileChange{{Path: "config/deploy.yml", Before: []byte("a\n"), After: []byte("b\n")}}},
			&action.CheckError{Files: []string{"config/deploy.yml"}}, "❌ Check failed: kamal-ecr would change config/deploy.yml", "Config would be patched +1 −1"},
		{"Kamal refuses", action.Inputs{}, &action.Result{}, errors.Join(refusal(9), refusal(3)),
			"❌ Kamal would refuse config/deploy.yml (2 problems)", "Nothing created · config not changed"},
		{"denied", action.Inputs{}, &action.Result{Checked: true, Repos: []registry.Status{missing("acme/shop"), missing("acme/shop-build-cache")}},
			errors.New("ECR repository acme/shop does not exist"), "❌ AWS denied ecr:CreateRepository", "Nothing created · config not changed"},
		{"no credentials", action.Inputs{}, &action.Result{}, &registry.CredentialsError{Err: errors.New("none")},
			"❌ No usable AWS credentials", "Nothing created · config not changed"},
		{"an image does not pull", action.Inputs{}, &action.Result{}, &action.PullDeniedError{Finding: diag.Errorf(diag.Pos{File: "config/deploy.yml", Line: 25}, "ecr/pull-denied", "allow it", "does not pull")},
			"❌ 1 image does not pull", "Nothing created · config not changed"},
		{"not to be created", action.Inputs{}, &action.Result{Checked: true, Repos: []registry.Status{{Checked: true, Missing: true}, exists}},
			errors.New("ECR repository acme/shop does not exist and create-repositories is false"), "❌ 1 ECR repository missing, and create-repositories is false", "1 repository exists · config not changed"},
		{"login", action.Inputs{Login: true}, &action.Result{Checked: true, Password: "p", Repos: []registry.Status{{Checked: true, Created: true}}}, nil,
			"✅ Ready for kamal deploy", "Created 1 repository · config already ready for ECR · login ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lines := strings.Split(Summary(tt.in, tt.r, tt.err), "\n")
			if lines[0] != "## "+tt.verdict || lines[2] != tt.two {
				t.Errorf("got\n%s\n%s\nwant\n## %s\n%s", lines[0], lines[2], tt.verdict, tt.two)
			}
		})
	}
}

// Every repository the role may not create is in the one IAM statement,
// whatever the timing; the errors are in file order, and no cell holds an
// error's text.
func TestSummaryActionNeeded(t *testing.T) {
	t.Parallel()
	arn := func(n string) string { return "arn:aws:ecr:us-east-1:123456789012:repository/" + n }
	r := &action.Result{Checked: true, Files: []string{"config/deploy.yml", "config/deploy.staging.yml"}}
	for _, n := range []string{"acme/shop", "acme/shop-build-cache"} {
		r.Repos = append(r.Repos, registry.Status{Repo: registry.Repo{Name: n, Role: "app"}, Checked: true, Missing: true,
			Err: &registry.MissingError{Repo: n, ARN: arn(n), Denied: &registry.AccessDeniedError{Action: "ecr:CreateRepository", Resource: arn(n), Detail: "a very long text from AWS"}}})
	}
	err := errors.Join(
		diag.Errorf(diag.Pos{File: "config/deploy.yml", Line: 3, Col: 8}, missingCode, "create it, or allow", "ECR repository acme/shop does not exist"),
		diag.Errorf(diag.Pos{File: "config/deploy.staging.yml", Line: 2}, "config/x", "write:\n  a: 1", "staging problem"),
		diag.Errorf(diag.Pos{File: "config/deploy.yml", Line: 9}, "config/y", "do y", "base problem"),
		&registry.AccessDeniedError{Action: "ecr:GetAuthorizationToken", Resource: "*"})
	s := Summary(action.Inputs{}, r, err)
	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(s)
	var got []iampolicy.Statement
	if m == nil || json.Unmarshal([]byte(m[1]), &got) != nil {
		t.Fatalf("no JSON statements:\n%s", s)
	}
	want := []iampolicy.Statement{{Sid: "KamalEcrDenied1", Effect: "Allow", Action: []string{"ecr:CreateRepository"}, Resource: []string{arn("acme/shop"), arn("acme/shop-build-cache")}},
		{Sid: "KamalEcrDenied2", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statements = %+v", got)
	}
	base, other, staging := strings.Index(s, "`config/deploy.yml:3:8`"), strings.Index(s, "`config/deploy.yml:9` base problem; fix: do y"), strings.Index(s, "`config/deploy.staging.yml:2` staging problem; fix:\n\n  ```yaml\n  write:\n    a: 1\n  ```")
	if base < 0 || other < base || staging < other {
		t.Errorf("problems not in file order with their fixes (%d %d %d):\n%s", base, other, staging, s)
	}
	if strings.Contains(s, "create it, or allow") || strings.Contains(s, "a very long text") {
		t.Errorf("a fix the IAM statement covers, or AWS's text, is repeated:\n%s", s)
	}
	for _, row := range regexp.MustCompile(`(?m)^\| .*$`).FindAllString(s, -1) {
		if strings.Contains(row, "denied ecr") || strings.Contains(row, "does not exist") {
			t.Errorf("an error's text in a cell: %s", row)
		}
	}
}

// A failing check is annotated at the first line it wants changed.
func TestAnnotationsCheckAtFirstChange(t *testing.T) {
	t.Parallel()
	got := Annotations(&action.Result{}, &action.CheckError{Files: []string{"config/deploy.yml"}, At: diag.Pos{File: "config/deploy.yml", Line: 18}})
	if len(got) != 1 || got[0].File != "config/deploy.yml" || got[0].Line != 18 {
		t.Errorf("annotations = %+v", got)
	}
}

// A settings column appears when a repository is not at ECR's default.
func TestSummarySettingsColumns(t *testing.T) {
	t.Parallel()
	r := busy()
	r.Repos[1].ScanOnPush = true
	s := Summary(action.Inputs{}, r, nil)
	if !strings.Contains(s, "| Repository | Role | Status | Scan on push | Lifecycle policy |") || !strings.Contains(s, "| `acme/shop` | app | created | false | none |") {
		t.Errorf("no scan-on-push column:\n%s", s)
	}
}

// Warnings beyond the first five, and names beyond the first twenty, wait
// behind a click: a successful run stays at a glance.
func TestSummaryBoundsWhatIsShown(t *testing.T) {
	t.Parallel()
	r := busy()
	for i := range 30 {
		r.Findings = append(r.Findings, &diag.Finding{Pos: diag.Pos{File: "config/deploy.yml", Line: 40 + i}, Severity: diag.Warning, Code: "x/w", Msg: fmt.Sprintf("warning %d", i)})
		r.Translations = append(r.Translations, action.Translation{Source: action.Source{From: "accessory", Name: fmt.Sprintf("ok%d", i)}, Result: imageref.Result{Status: imageref.Correct}})
	}
	s := Summary(action.Inputs{RewriteAccessories: true}, r, nil)
	if lines := outsideDetails(s); len(lines) > 20 {
		t.Errorf("%d lines outside <details>:\n%s", len(lines), strings.Join(lines, ""))
	}
	if !strings.Contains(s, "<details><summary>25 more warnings</summary>") || !strings.Contains(s, "`ok16` and 13 more.") {
		t.Errorf("summary:\n%s", s)
	}
}

// The line above the images table counts the pulls in words that agree.
func TestPullsAbove(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	pullsAbove(&b, []action.Translation{{Pull: &action.Pull{Digest: "sha256:ab"}}, {Pull: &action.Pull{Problem: "DENIED"}}})
	if want := "2 images were verified in the registry with the login token, one manifest GET each: 1 pulls, 1 does not (why is in the errors and notes).\n\n"; b.String() != want {
		t.Errorf("got %q", b.String())
	}
}
