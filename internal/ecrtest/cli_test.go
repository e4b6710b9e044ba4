package ecrtest

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The AWS CLI, a real client written apart from the Go SDK, gets the answers
// it expects from the server.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	srv := New("123456789012", "eu-west-1")
	srv.AddRule(Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"})
	srv.AddRule(Rule{Prefix: "quay", UpstreamURL: "quay.io", UpstreamRegistry: "quay"})
	srv.AddRule(Rule{Prefix: "ghcr", UpstreamURL: "ghcr.io", UpstreamRegistry: "github-container-registry"})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	aws := func(wantOK bool, args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--endpoint-url", hs.URL, "--region", "eu-west-1", "--output", "json")...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret", "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("aws %s: err %v\n%s", strings.Join(args, " "), err, out)
		}
		if !wantOK {
			return map[string]any{"error": string(out)}
		}
		var m map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		return m
	}

	created := aws(true, "ecr", "create-repository", "--repository-name", "acme/app", "--image-tag-mutability", "MUTABLE",
		"--image-scanning-configuration", "scanOnPush=true", "--tags", "Key=team,Value=web")
	repo := created["repository"].(map[string]any)
	if repo["repositoryUri"] != "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/app" || repo["imageScanningConfiguration"].(map[string]any)["scanOnPush"] != true {
		t.Errorf("create-repository = %v", created)
	}
	if r, _ := srv.Repository("", "acme/app"); r.Tags["team"] != "web" {
		t.Errorf("tags = %v", r.Tags)
	}
	if out := aws(false, "ecr", "create-repository", "--repository-name", "acme/app"); !strings.Contains(out["error"].(string), "RepositoryAlreadyExistsException") {
		t.Errorf("second create: %s", out["error"])
	}
	if out := aws(false, "ecr", "describe-repositories", "--repository-names", "acme/app", "nope"); !strings.Contains(out["error"].(string), "RepositoryNotFoundException") {
		t.Errorf("describe missing: %s", out["error"])
	}
	if out := aws(false, "ecr", "get-lifecycle-policy", "--repository-name", "acme/app"); !strings.Contains(out["error"].(string), "LifecyclePolicyNotFoundException") {
		t.Errorf("get-lifecycle-policy: %s", out["error"])
	}
	policy := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`
	aws(true, "ecr", "put-lifecycle-policy", "--repository-name", "acme/app", "--lifecycle-policy-text", policy)
	if got := aws(true, "ecr", "get-lifecycle-policy", "--repository-name", "acme/app"); got["lifecyclePolicyText"] != policy {
		t.Errorf("get-lifecycle-policy = %v", got)
	}
	// The CLI follows nextToken across pages (the server pages by two).
	rules := aws(true, "ecr", "describe-pull-through-cache-rules")["pullThroughCacheRules"].([]any)
	if len(rules) != 3 || rules[2].(map[string]any)["ecrRepositoryPrefix"] != "ghcr" {
		t.Errorf("rules = %v", rules)
	}
	if token := aws(true, "ecr", "get-authorization-token")["authorizationData"].([]any); len(token) != 1 {
		t.Errorf("token = %v", token)
	}
	if id := aws(true, "sts", "get-caller-identity"); id["Account"] != "123456789012" {
		t.Errorf("get-caller-identity = %v", id)
	}
	if bad := srv.BadSignatures(); len(bad) > 0 {
		t.Errorf("the CLI's SigV4 scope was refused: %v", bad)
	}
	srv.Throttle("DescribeRepositories", 2) // the CLI retries throttling too
	aws(true, "ecr", "describe-repositories")
}
