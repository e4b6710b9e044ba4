package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// The policy --iam-policy prints is enough: for each input combination that
// changes it, a run on a fresh registry and on an existing one, real and
// dry, makes no call that the policy does not allow.
func TestIAMPolicyIsSufficient(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inputs map[string]string
		exist  bool   // create-repositories false needs them
		has    string // an action the policy must have
		lacks  string // and one it must not
		stored string // the prefix of a rule with stored upstream credentials
	}{
		{"defaults but verify-images false", nil, false, "ecr:PutLifecyclePolicy", "ecr:GetAuthorizationToken", ""},
		// verify-images pulls with the token, and tests a failing rule's credentials when the rule read from
		// the registry has them; the pulls need the registry API, which an in-process run cannot reach
		// (verify_test.go runs them): the policy only
		{"verify-images, a rule with credentials", map[string]string{"verify-images": "true"}, false, "ecr:ValidatePullThroughCacheRule", "ecr:TagResource", "github"},
		{"verify-images, rules without credentials", map[string]string{"verify-images": "true"}, false, "ecr:GetAuthorizationToken", "ecr:ValidatePullThroughCacheRule", ""},
		{"verify-images, explicit pairs", map[string]string{"verify-images": "true", "pull-through-cache": "docker.io=docker-hub\nghcr.io=github"}, false, "ecr:GetAuthorizationToken", "ecr:ValidatePullThroughCacheRule", "github"},
		{"create-repositories false", map[string]string{"create-repositories": "false"}, true, "ecr:DescribeRepositories", "ecr:PutLifecyclePolicy", ""},
		{"login", map[string]string{"login": "true", "verify-images": "false"}, false, "ecr:GetAuthorizationToken", "ecr:TagResource", ""},
		{"explicit pairs", map[string]string{"pull-through-cache": "docker.io=docker-hub"}, false, "repository/docker-hub/*", "ecr:DescribePullThroughCacheRules", ""},
		{"off", map[string]string{"pull-through-cache": "off"}, false, "ecr:CreateRepository", "ecr:BatchImportUpstreamImage", ""},
		{"tags", map[string]string{"repository-tags": "team=web"}, false, "ecr:TagResource", "kms:", ""},
		{"app policy, no cache policy", map[string]string{"app-lifecycle-keep": "10", "cache-lifecycle-days": "0"}, false, "repository/acme/shop\"", "kms:", ""},
		{"extra repositories", map[string]string{"extra-repositories": "acme/worker"}, false, "repository/acme/worker", "kms:", ""},
		{"KMS", map[string]string{"encryption-type": "KMS", "kms-key": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, false,
			"arn:aws:kms:us-east-1:123456789012:key/1234abcd", "key/*", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t, tt.inputs)
			s.srv.SetRuleCredentials(tt.stored, "arn:aws:secretsmanager:us-east-1:"+account+":secret:ecr-pullthroughcache/gh")
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"--iam-policy"}, s.env, &stdout, &stderr); code != 0 {
				t.Fatalf("--iam-policy: exit %d\n%s", code, stderr.String())
			}
			doc := stdout.Bytes()
			if !json.Valid(doc) || !strings.Contains(string(doc), tt.has) || strings.Contains(string(doc), tt.lacks) {
				t.Errorf("policy (want %s, not %s):\n%s", tt.has, tt.lacks, doc)
			}
			if n := len(s.srv.Creations()); n != 0 || s.srv.Calls()["PutLifecyclePolicy"] != 0 {
				t.Errorf("--iam-policy wrote to AWS: %v", s.srv.Calls())
			}
			policy, err := ecrtest.ParsePolicy(doc)
			if err != nil {
				t.Fatal(err)
			}
			if tt.inputs["verify-images"] == "true" {
				if !strings.Contains(string(doc), "ecr:GetAuthorizationToken") {
					t.Errorf("verify-images without ecr:GetAuthorizationToken:\n%s", doc)
				}
				return
			}
			for _, exist := range []bool{false, true} {
				if tt.exist && !exist {
					continue
				}
				for _, dry := range []string{"false", "true"} {
					inputs := map[string]string{"dry-run": dry}
					for k, v := range tt.inputs {
						inputs[k] = v
					}
					r := newStep(t, inputs)
					if exist {
						r.srv.AddRepository(ecrtest.Repository{Name: "acme/shop"})
						r.srv.AddRepository(ecrtest.Repository{Name: "acme/shop-build-cache", Policy: registry.LifecyclePolicy(3)}) // an older one of ours: updated
					}
					r.srv.SetPolicy(policy)
					r.run()
					if r.code != 0 || len(r.srv.Denied()) > 0 {
						t.Errorf("existing %v, dry-run %s: exit %d, denied %q\n%s", exist, dry, r.code, r.srv.Denied(), r.stdout.String())
					}
				}
			}
		})
	}
}

// Without credentials, auto cannot read the rules: exit 2, no policy.
func TestIAMPolicyAutoNeedsCredentials(t *testing.T) {
	s := newStep(t, nil)
	delete(s.env, "AWS_ACCESS_KEY_ID")
	delete(s.env, "AWS_SECRET_ACCESS_KEY")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--iam-policy"}, s.env, &stdout, &stderr)
	if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "pull-through-cache") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// The README shows the policy the flag makes for the demo config.
func TestREADMEIAMPolicy(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(readme), "<!-- iam-policy: made by kamal-ecr --iam-policy for the demo config; a test keeps it equal -->\n```json\n")
	shown, _, ok := strings.Cut(after, "```\n<!-- end iam-policy -->")
	if !ok {
		t.Fatal("README has no generated IAM policy between its markers")
	}
	env := map[string]string{"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull}
	var stdout, stderr bytes.Buffer
	args := []string{"--iam-policy", "--config-file", "testdata/demo/config/deploy.yml", "--pull-through-cache", "docker.io=docker-hub"}
	if code := run(context.Background(), args, env, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if shown != stdout.String() {
		t.Errorf("the README's policy differs from what kamal-ecr %s prints:\n%s", strings.Join(args, " "), stdout.String())
	}
}

// What the policy cannot say goes to stderr; a bad input prints no policy.
func TestIAMPolicyNotices(t *testing.T) {
	for _, tt := range []struct {
		name      string
		inputs    map[string]string
		otherAcct bool
		code      int
		stdout    string // in the policy
		stderr    string
	}{
		{"another account", nil, true, 0, "arn:aws:ecr:us-east-1:210987654321:repository/acme/shop",
			"the registry is in account 210987654321 and these credentials in " + account},
		{"KMS alias", map[string]string{"encryption-type": "KMS", "kms-key": "alias/ecr"}, false, 0, `"arn:aws:kms:us-east-1:` + account + `:key/*"`,
			`kms-key "alias/ecr" is not a key ARN`},
		{"bad input", map[string]string{"cache-lifecycle-days": "seven"}, false, 2, "", "cache-lifecycle-days"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t, tt.inputs)
			delete(s.env, "GITHUB_ACTIONS")
			if tt.otherAcct {
				cfg := filepath.Join(s.workspace, "config", "deploy.yml")
				b, _ := os.ReadFile(cfg)
				os.WriteFile(cfg, bytes.ReplaceAll(b, []byte(account+".dkr.ecr"), []byte("210987654321.dkr.ecr")), 0o644)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"--iam-policy"}, s.env, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
			}
			if tt.stdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout:\n%s", stdout.String())
			}
		})
	}
}

// The account comes from registry.server, else the registry input, else STS;
// without credentials a registry set by a later step needs the input.
func TestIAMPolicyAccountFromSTS(t *testing.T) {
	for _, creds := range []bool{true, false} {
		s := newStep(t, map[string]string{"pull-through-cache": "off", "aws-region": "eu-west-1"})
		cfg := filepath.Join(s.workspace, "config", "deploy.yml")
		b, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, bytes.ReplaceAll(b, []byte("server: "+account+".dkr.ecr.us-east-1.amazonaws.com"), []byte(`server: <%= ENV["ECR_REGISTRY"] %>`)), 0o644)
		s.srv.Region = "eu-west-1"
		if !creds {
			delete(s.env, "AWS_ACCESS_KEY_ID")
			delete(s.env, "AWS_SECRET_ACCESS_KEY")
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"--iam-policy"}, s.env, &stdout, &stderr)
		if creds && (code != 0 || !strings.Contains(stdout.String(), "arn:aws:ecr:eu-west-1:"+account+":repository/acme/shop")) {
			t.Errorf("with credentials: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
		if !creds && (code != 2 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "registry")) {
			t.Errorf("without credentials: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
	}
}
