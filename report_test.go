package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// After a failure nothing is reported as changed, and repositories say what
// happened to them.
func TestReportAfterFailure(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	s.srv.Deny("CreateRepository")
	s.run()
	out := s.stdout.String()
	if s.code != 1 {
		t.Fatalf("exit %d\n%s", s.code, out)
	}
	for _, bad := range []string{"changed from", "rewritten from", "corrected from", "| exists |", "7 days: |", "7 days:  |", "context canceled"} {
		if strings.Contains(out, bad) {
			t.Errorf("report says %q after a failure:\n%s", bad, out)
		}
	}
	summary := s.summary()
	for _, want := range []string{"## ❌ AWS denied ecr:CreateRepository\n", "config not changed", "| ❌ missing, creation denied, see above |",
		"expire untagged after 7 days: not checked"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

func TestReportDryRun(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"dry-run": "true", "rewrite-accessories": "true"}).run()
	out := s.stdout.String()
	if s.code != 0 || !strings.Contains(out, "builder.cache.options would change from mode=max to mode=max,image-manifest=true,oci-mediatypes=true") ||
		!strings.Contains(out, "would be corrected from") || strings.Contains(out, "changed from") {
		t.Errorf("exit %d:\n%s", s.code, out)
	}
}

// Without credentials a dry run reads no rules, and says so instead of
// claiming that no rule matches.
func TestReportRulesNotRead(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"dry-run": "true"})
	delete(s.env, "AWS_ACCESS_KEY_ID")
	delete(s.env, "AWS_SECRET_ACCESS_KEY")
	s.run()
	summary := s.summary()
	if s.code != 0 || !strings.Contains(summary, "The pull-through cache rules were not read, so no image was translated") ||
		!strings.Contains(summary, "are used as written (the rules were not read)") ||
		!strings.Contains(summary, "give the rules in the pull-through-cache input (such as docker.io=docker-hub)") ||
		strings.Contains(summary, "no pull-through cache rule for") || strings.Contains(summary, "Rules from not read") {
		t.Errorf("exit %d, summary:\n%s", s.code, summary)
	}
}

// A repository the action may not create fails the run, dry or not.
func TestMissingRepositoryWithoutCreate(t *testing.T) {
	t.Parallel()
	for _, dry := range []string{"false", "true"} {
		s := newStep(t, map[string]string{"create-repositories": "false", "dry-run": dry}).run()
		want := "ECR repository acme/shop does not exist and create-repositories: false does not create it, so Kamal's push would fail"
		if s.code != 1 || !strings.Contains(s.stdout.String(), want) {
			t.Errorf("dry-run %s: exit %d\n%s", dry, s.code, s.stdout.String())
		}
		if s.file("config/deploy.yml") != original(t, "config/deploy.yml") || s.srv.Calls()["CreateRepository"] != 0 {
			t.Errorf("dry-run %s: config changed or repository created", dry)
		}
	}
}

// The summary's diff is a real patch: git apply turns the original files
// into the written ones, both of them.
func TestSummaryDiffApplies(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	s := newStep(t, map[string]string{"destination": "staging", "rewrite-accessories": "true"})
	stagingCache := "builder:\n  cache:\n    options: mode=min\n"
	dest := filepath.Join(s.workspace, "config", "deploy.staging.yml")
	b, err := os.ReadFile(dest)
	must(t, err)
	must(t, os.WriteFile(dest, append(b, stagingCache...), 0o644))
	orig := t.TempDir()
	copyDir(t, s.workspace, orig)
	s.run()
	if s.code != 0 {
		t.Fatalf("exit %d\n%s", s.code, s.stdout.String())
	}
	out := s.outputs()
	if out["changed-files"] != `["config/deploy.yml","config/deploy.staging.yml"]` || out["config-file"] != "config/deploy.staging.yml" {
		t.Errorf("changed-files %s, config-file %s", out["changed-files"], out["config-file"])
	}
	m := regexp.MustCompile("(?s)```diff\n(.*?)```").FindStringSubmatch(s.summary())
	if m == nil {
		t.Fatalf("no diff in the summary:\n%s", s.summary())
	}
	must(t, os.WriteFile(filepath.Join(orig, "p.diff"), []byte(m[1]), 0o644))
	cmd := exec.Command("git", "apply", "p.diff")
	cmd.Dir = orig
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\n%s", err, b, m[1])
	}
	for _, f := range []string{"config/deploy.yml", "config/deploy.staging.yml"} {
		got, err := os.ReadFile(filepath.Join(orig, f))
		must(t, err)
		if string(got) != s.file(f) {
			t.Errorf("%s: applying the summary's diff gives\n%s\nthe action wrote\n%s", f, got, s.file(f))
		}
	}
	if !strings.Contains(s.summary(), "`config/deploy.yml` and `config/deploy.staging.yml` were patched in this job's checkout only") {
		t.Errorf("summary does not name both files:\n%s", s.summary())
	}
}

// Values from the config cannot turn into HTML, links or table cells.
func TestSummaryEscapes(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"pull-through-cache": "docker.io=docker-hub"})
	cfg := filepath.Join(s.workspace, "config", "deploy.yml")
	src := mustReplace(t, original(t, "config/deploy.yml"), "  db:\n", "  \"<img src=x onerror=alert(1)>|`[x](http://e)`\":\n    image: redis:7\n    host: 10.0.0.10\n  db:\n")
	must(t, os.WriteFile(cfg, []byte(src), 0o644))
	s.run()
	summary := s.summary()
	prose := regexp.MustCompile("(?s)```diff\n.*?```").ReplaceAllString(summary, "") // a fence shows its text as it is
	if text := withoutCodeSpans(prose); s.code != 0 || strings.Contains(text, "<img") || regexp.MustCompile(`[^\\]\]\(http`).MatchString(text) {
		t.Errorf("exit %d, summary:\n%s", s.code, summary)
	}
	rows := 0
	for _, line := range strings.Split(prose, "\n") {
		if strings.HasPrefix(line, "|") && strings.Contains(line, "onerror") {
			rows++
			if cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); cells != 5 {
				t.Errorf("the name broke the table row (%d pipes): %s", cells, line)
			}
		}
	}
	if rows != 1 {
		t.Errorf("%d image table rows name the accessory", rows)
	}
	checkRenders(t, summary)
}

// withoutCodeSpans drops inline code, which shows its text as it is.
func withoutCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := strings.Repeat("`", n)
		end := strings.Index(s[i+n:], fence)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		i += n + end + n
	}
	return b.String()
}

func TestNoLoginOutputsWithoutLogin(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil).run()
	b, err := os.ReadFile(s.env["GITHUB_OUTPUT"])
	must(t, err)
	if s.code != 0 || bytes.Contains(b, []byte("registry-username")) || bytes.Contains(b, []byte("registry-password")) {
		t.Errorf("exit %d, outputs:\n%s", s.code, b)
	}
}

func TestEmptyWorkspaceHint(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	must(t, os.RemoveAll(s.workspace))
	must(t, os.Mkdir(s.workspace, 0o755))
	s.run()
	if s.code != 2 || !strings.Contains(s.stdout.String(), "the workspace is empty: add actions/checkout before this step") {
		t.Errorf("exit %d\n%s", s.code, s.stdout.String())
	}
}

// A stopped run ends within the grace period, whatever AWS is doing, and
// says it was stopped, with the config untouched.
func TestStopWhileAWSHangs(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); hs.Close() })
	s := newStep(t, nil)
	s.env["AWS_ENDPOINT_URL_ECR"], s.env["AWS_ENDPOINT_URL_STS"] = hs.URL, hs.URL
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(300*time.Millisecond, func() { cancel(&StoppedError{Signal: syscall.SIGTERM}) })
	s.code = run(ctx, nil, s.env, &s.stdout, &s.stderr)
	if s.code != 1 || !strings.Contains(s.stdout.String(), "stopped by terminated") {
		t.Errorf("exit %d\n%s", s.code, s.stdout.String())
	}
	if s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
		t.Error("the config changed")
	}
}

func TestCLIHelpVersionAndInputs(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("--help exit %d", code)
	}
	for _, want := range []string{"What to read:\n  --config-file VALUE\n", "\n  --dry-run\n", "\n  --cache-lifecycle-days N\n", "(default 7)",
		"\n  --cache-mode min|max\n", "Modes:\n", "\n  --version\n", "Exit status:", "2  a problem in the inputs"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, bad := range []string{`(default "`, "\n  -dry-run", "default false"} {
		if strings.Contains(stdout.String(), bad) {
			t.Errorf("--help says %q:\n%s", bad, stdout.String())
		}
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"--version"}, nil, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "kamal-ecr ") {
		t.Errorf("--version exit %d: %q", code, stdout.String())
	}
	// Every bad input at once, each as the user wrote it.
	stdout.Reset()
	stderr.Reset()
	code := run(context.Background(), []string{"--image-tag-mutability", "sometimes", "--scan-on-push=yes", "--cache-mode", "Fast"}, nil, &stdout, &stderr)
	for _, want := range []string{`--image-tag-mutability: "sometimes" is not`, `--scan-on-push: "yes" is not true or false`, `--cache-mode: "Fast" is not min or max`} {
		if code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("exit %d; stderr lacks %q:\n%s", code, want, stderr.String())
		}
	}
}

// Repeated list flags add up, and commas separate items as newlines do.
func TestCLIListInputs(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "demo"), dir)
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--dry-run", "--pull-through-cache", "docker.io=docker-hub,ghcr.io=github", "--images", "nginx:1", "--images", "ghcr.io/a/b:1,redis:7"},
		nil, &stdout, &stderr)
	out := stdout.String()
	for _, want := range []string{`"nginx:1":"` + host + `/docker-hub/library/nginx:1"`, `"ghcr.io/a/b:1":"` + host + `/github/a/b:1"`, `"redis:7":"` + host + `/docker-hub/library/redis:7"`} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d; output lacks %s:\n%s%s", code, want, out, stderr.String())
		}
	}
}

// app-lifecycle-keep below retain_containers would expire versions Kamal
// offers for rollback: refused before any AWS call.
func TestAppLifecycleKeep(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"app-lifecycle-keep": "3"}).run()
	if s.code != 2 || !strings.Contains(s.stdout.String(), "input app-lifecycle-keep: 3 is below retain_containers (5, config/deploy.yml)") || len(s.srv.Calls()) != 0 {
		t.Errorf("exit %d, calls %v\n%s", s.code, s.srv.Calls(), s.stdout.String())
	}
	s = newStep(t, map[string]string{"app-lifecycle-keep": "8"}).run()
	if s.code != 0 || !strings.Contains(s.summary(), "| app | created |") || !strings.Contains(s.summary(), "keep the newest 8 deploys: put |") {
		t.Errorf("exit %d\n%s", s.code, s.summary())
	}
	if r, _ := s.srv.Repository("", "acme/shop"); !strings.Contains(r.Policy, `"countNumber":8`) {
		t.Errorf("app policy %s", r.Policy)
	}
	s = newStep(t, map[string]string{"app-lifecycle-keep": "8", "dry-run": "true"}).run()
	if s.code != 0 || !strings.Contains(s.summary(), "keep the newest 8 deploys: would put") || s.srv.Calls()["PutLifecyclePolicy"] != 0 {
		t.Errorf("exit %d\n%s", s.code, s.summary())
	}
}

// A destination file that builds its hosts in Ruby does not stop the deploy:
// the hosts are not needed, the cache is patched in the base file.
func TestDestinationWithRubyHosts(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"destination": "stage"})
	dest := "<% web_ips = `bash .kamal/server-ips web stage`.strip.split(',') %>\nservers:\n  web:\n    hosts:\n<%= web_ips.map { |ip| \"      - #{ip}\" }.join(\"\\n\") %>\nbuilder:\n  args:\n    RAILS_ENV: staging\n"
	must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.stage.yml"), []byte(dest), 0o644))
	s.run()
	if s.code != 0 || !strings.Contains(s.file("config/deploy.yml"), "image-manifest=true") || s.file("config/deploy.stage.yml") != dest {
		t.Fatalf("exit %d\n%s", s.code, s.stdout.String())
	}
	if !strings.Contains(s.stdout.String(), "::notice col=1,file=config/deploy.stage.yml,line=5,title=kamal-ecr::servers.web.hosts is written by Ruby here; the action does not need it") {
		t.Errorf("no notice at the Ruby line:\n%s", s.stdout.String())
	}
}

func TestWholeFileRubyStops(t *testing.T) {
	t.Parallel()
	s := newStep(t, nil)
	must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte("<%= ERB.new(File.read(\"config/base.yml\")).result %>\n"), 0o644))
	s.run()
	if s.code != 2 || !strings.Contains(s.stdout.String(), "::error col=1,file=config/deploy.yml,line=1,title=kamal-ecr::this config is written by Ruby, which the action does not run") ||
		placeholder.MatchString(s.stdout.String()+s.summary()) {
		t.Errorf("exit %d\n%s", s.code, s.stdout.String())
	}
}

// placeholder is the shape of the tokens that stand in for ERB tags while
// parsing: none may reach a user.
var placeholder = regexp.MustCompile(`ERB[0-9a-z]+_`)

// check: true asks AWS nothing, writes nothing, and fails when the config
// would change or Kamal would refuse it, with the diff and the annotations.
func TestCheckMode(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"check": "true"})
	delete(s.env, "AWS_ACCESS_KEY_ID")
	delete(s.env, "AWS_SECRET_ACCESS_KEY")
	s.run()
	if s.code != 1 || len(s.srv.Calls()) != 0 || s.file("config/deploy.yml") != original(t, "config/deploy.yml") {
		t.Fatalf("exit %d, calls %v\n%s", s.code, s.srv.Calls(), s.stdout.String())
	}
	for _, want := range []string{"## ❌ Check failed: kamal-ecr would change config/deploy.yml\n", "check: nothing was changed, AWS was not asked", "```diff", "+    options: mode=max,image-manifest=true,oci-mediatypes=true"} {
		if !strings.Contains(s.summary(), want) {
			t.Errorf("summary lacks %q:\n%s", want, s.summary())
		}
	}
	if !strings.Contains(s.stdout.String(), "::error file=config/deploy.yml,line=18,title=kamal-ecr::check: kamal-ecr would change config/deploy.yml") {
		t.Errorf("the check's error is not at the line it wants changed:\n%s", s.stdout.String())
	}
	if !strings.Contains(s.stdout.String(), "::notice col=") || !strings.Contains(s.stdout.String(), "builder.cache.options would change from mode=max") {
		t.Errorf("no notice of the change:\n%s", s.stdout.String())
	}

	// Nothing to change and nothing Kamal refuses: it passes.
	ok := newStep(t, map[string]string{"check": "true", "patch-cache": "false", "pull-through-cache": "off"})
	src := mustReplace(t, original(t, "config/deploy.yml"), "options: mode=max   # every stage", "options: mode=max,image-manifest=true,oci-mediatypes=true")
	must(t, os.WriteFile(filepath.Join(ok.workspace, "config", "deploy.yml"), []byte(src), 0o644))
	if ok.run(); ok.code != 0 {
		t.Errorf("clean config: exit %d\n%s", ok.code, ok.stdout.String())
	}

	// Kamal would refuse it: exit 1 with Kamal's message at the line, and the diff still shown.
	bad := newStep(t, map[string]string{"check": "true"})
	src = mustReplace(t, original(t, "config/deploy.yml"), "builder:\n", "healthcheck:\n  path: /up\nbuilder:\n")
	must(t, os.WriteFile(filepath.Join(bad.workspace, "config", "deploy.yml"), []byte(src), 0o644))
	bad.run()
	if bad.code != 1 || !strings.Contains(bad.stdout.String(), "::error col=1,file=config/deploy.yml,line=14,title=kamal-ecr::unknown key: healthcheck. Fix: Kamal 2 moved healthcheck: under proxy (path → proxy.healthcheck.path, port → proxy.app_port") ||
		!strings.Contains(bad.summary(), "```diff") {
		t.Errorf("exit %d\n%s", bad.code, bad.stdout.String())
	}
}

// Kamal's refusals stop a real run at the line, before AWS; validate: false
// lets a team that knows better go on.
func TestValidateInput(t *testing.T) {
	t.Parallel()
	src := mustReplace(t, original(t, "config/deploy.yml"), "  username: AWS\n", "")
	s := newStep(t, nil)
	must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644))
	s.run()
	if s.code != 2 || len(s.srv.Calls()) != 0 || !strings.Contains(s.stdout.String(), "::error col=1,file=config/deploy.yml,line=9,title=kamal-ecr::registry/username: is required. Fix: add username: AWS") {
		t.Errorf("exit %d, calls %v\n%s", s.code, s.srv.Calls(), s.stdout.String())
	}
	s = newStep(t, map[string]string{"validate": "false"})
	must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644))
	if s.run(); s.code != 0 {
		t.Errorf("validate: false: exit %d\n%s", s.code, s.stdout.String())
	}
}

// A check with login still checks that the registry's secrets reach Kamal.
func TestCheckModeSecrets(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"check": "true", "login": "true"})
	src := mustReplace(t, original(t, "config/deploy.yml"), "  password: <%= %x(aws ecr get-login-password) %>", "  password:\n    - KAMAL_REGISTRY_PASSWORD")
	must(t, os.WriteFile(filepath.Join(s.workspace, "config", "deploy.yml"), []byte(src), 0o644))
	must(t, os.MkdirAll(filepath.Join(s.workspace, ".kamal"), 0o755))
	must(t, os.WriteFile(filepath.Join(s.workspace, ".kamal", "secrets"), []byte("OTHER=1\n"), 0o600))
	s.run()
	if s.code != 1 || len(s.srv.Calls()) != 0 || !strings.Contains(s.stdout.String(), "registry.password names the secret KAMAL_REGISTRY_PASSWORD, but .kamal/secrets does not define it") {
		t.Errorf("exit %d, calls %v\n%s", s.code, s.srv.Calls(), s.stdout.String())
	}
}

// With pull-through-cache off, the summary does not claim the rules went unread.
func TestSummaryRulesOff(t *testing.T) {
	t.Parallel()
	s := newStep(t, map[string]string{"pull-through-cache": "off"}).run()
	if s.code != 0 || !strings.Contains(s.summary(), "No pull-through cache rules (pull-through-cache: off)") || strings.Contains(s.summary(), "were not read") {
		t.Errorf("exit %d\n%s", s.code, s.summary())
	}
}

// linesOutsideDetails counts the non-blank lines a reader sees with every
// <details> closed.
func linesOutsideDetails(summary string) int {
	n, depth := 0, 0
	for line := range strings.Lines(summary) {
		switch {
		case strings.HasPrefix(line, "<details"):
			depth++
		case strings.HasPrefix(line, "</details>"):
			depth--
		case depth == 0 && strings.TrimSpace(line) != "":
			n++
		}
	}
	return n
}
