package ecrtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPolicyAllows(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ecr:CreateRepository","ecr:Describe*"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/acme/shop"},
		{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},
		{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/docker-hub/*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	shop := "arn:aws:ecr:us-east-1:123456789012:repository/acme/shop"
	for _, c := range []struct {
		action, resource string
		want             bool
	}{
		{"ecr:CreateRepository", shop, true},
		{"ECR:createrepository", shop, true},
		{"ecr:DescribeRepositories", shop, true},
		{"ecr:CreateRepository", shop + "-build-cache", false},
		{"ecr:PutLifecyclePolicy", shop, false},
		{"ecr:GetAuthorizationToken", "*", true},
		{"ecr:DescribePullThroughCacheRules", "*", false},
		{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/docker-hub/library/nginx", true},
		{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/quay/x", false},
	} {
		if got := p.Allows(c.action, c.resource); got != c.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", c.action, c.resource, got, c.want)
		}
	}
	if _, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)); err == nil {
		t.Error("a Deny statement was accepted")
	}
}

// A role with only push rights gets BatchCheckLayerAvailability answered and
// everything else denied, tags in CreateRepository included.
func TestPolicyDeniesTheRest(t *testing.T) {
	t.Parallel()
	srv := New("123456789012", "")
	srv.AddRepository(Repository{Name: "acme/shop"})
	p, _ := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchCheckLayerAvailability","ecr:CreateRepository"],"Resource":"arn:aws:ecr:*:123456789012:repository/acme/*"}]}`))
	srv.SetPolicy(p)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	call := func(op string, body any) (int, string) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", hs.URL, bytes.NewReader(b))
		req.Header.Set("X-Amz-Target", targetPrefix+op)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecr/aws4_request")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(res.Body)
		return res.StatusCode, out.String()
	}
	digest := "sha256:" + strings.Repeat("0", 64)
	if code, body := call("BatchCheckLayerAvailability", map[string]any{"repositoryName": "acme/shop", "layerDigests": []string{digest}}); code != 200 || !strings.Contains(body, "MissingLayerDigest") {
		t.Errorf("existing repository: %d %s", code, body)
	}
	if _, body := call("BatchCheckLayerAvailability", map[string]any{"repositoryName": "acme/gone", "layerDigests": []string{digest}}); !strings.Contains(body, "RepositoryNotFoundException") {
		t.Errorf("missing repository: %s", body)
	}
	if _, body := call("DescribeRepositories", map[string]any{"repositoryNames": []string{"acme/shop"}}); !strings.Contains(body, "AccessDeniedException") {
		t.Errorf("describe outside the policy: %s", body)
	}
	if _, body := call("CreateRepository", map[string]any{"repositoryName": "acme/new", "tags": []any{map[string]string{"Key": "a", "Value": "b"}}}); !strings.Contains(body, "ecr:TagResource") {
		t.Errorf("create with tags and no ecr:TagResource: %s", body)
	}
	if got := srv.Denied(); len(got) != 2 {
		t.Errorf("Denied() = %q, want the describe and the tagging", got)
	}
}
