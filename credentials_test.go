package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Outside Actions a dry run resolves credentials through the SDK's whole
// chain, here a default profile with credential_process in ~/.aws/config,
// asks AWS, and says which identity it used in its first lines.
func TestLaptopCredentialsChain(t *testing.T) {
	s := newStep(t, map[string]string{"dry-run": "true"})
	for _, k := range []string{"GITHUB_ACTIONS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		delete(s.env, k)
	}
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	config := "[default]\ncredential_process = /bin/sh -c 'echo {\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIDPROCESS\\\",\\\"SecretAccessKey\\\":\\\"secret\\\"}'\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s.env["HOME"] = home
	s.env["AWS_EC2_METADATA_DISABLED"] = "true"
	s.run()
	out := s.stdout.String()
	if s.code != 0 || s.srv.Calls()["DescribeRepositories"] == 0 {
		t.Fatalf("exit %d, calls %v:\n%s%s", s.code, s.srv.Calls(), out, s.stderr.String())
	}
	head := strings.Join(strings.SplitN(out, "\n", 6)[:5], "\n")
	if !strings.Contains(head, "AWS identity arn:aws:iam::"+account+":user/ci (account "+account+")") {
		t.Errorf("the first lines do not name the identity:\n%s", out)
	}
}
