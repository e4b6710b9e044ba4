package main

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// startMoto runs moto_server, an AWS mock written apart from this project,
// on a free loopback port, and returns its URL.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed (pip install 'moto[server]'): the independent AWS peer is not run")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strings.TrimPrefix(addr.String(), "127.0.0.1:"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr.String()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(url + "/moto-api/"); err == nil {
			res.Body.Close()
			return url
		}
	}
	t.Fatal("moto_server did not start within 30 s")
	return ""
}

// motoStep is a step whose AWS is moto; moto lacks DescribePullThroughCacheRules
// and BatchCheckLayerAvailability, so the rules are given as pairs.
func motoStep(t *testing.T, url string, with map[string]string) *step {
	inputs := map[string]string{"pull-through-cache": "docker.io=docker-hub"}
	for k, v := range with {
		inputs[k] = v
	}
	s := newStep(t, inputs)
	s.env["AWS_ENDPOINT_URL_ECR"], s.env["AWS_ENDPOINT_URL_STS"] = url, url
	return s
}

func motoECR(t *testing.T, url string) *ecr.Client {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL_ECR": url, "AWS_ENDPOINT_URL_STS": url}
	c, err := registry.NewClients(context.Background(), func(k string) string { return env[k] }, "us-east-1", nil, registry.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c.ECR
}

func TestAgainstMoto(t *testing.T) {
	url := startMoto(t)
	api := motoECR(t, url)
	ctx := context.Background()
	reset := func() {
		res, err := http.Post(url+"/moto-api/reset", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	policy := func(repo string) string {
		out, err := api.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(repo)})
		if err != nil {
			return ""
		}
		return aws.ToString(out.LifecyclePolicyText)
	}
	expect := func(s *step, code int, wants ...string) {
		t.Helper()
		s.run()
		out := s.stdout.String()
		if s.code != code {
			t.Fatalf("exit %d, want %d:\n%s%s", s.code, code, out, s.stderr.String())
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}

	t.Run("fresh registry, tags, exclusion, then a second run", func(t *testing.T) {
		reset()
		expect(motoStep(t, url, map[string]string{"repository-tags": "team=web", "image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION"}), 0,
			"acme/shop` | app | created | IMMUTABLE\\_WITH\\_EXCLUSION (latest\\*)", "expire untagged after 7 days: put")
		d, err := api.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"acme/shop"}})
		if err != nil || d.Repositories[0].ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion {
			t.Errorf("moto holds %+v, %v", d, err)
		}
		tags, err := api.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: d.Repositories[0].RepositoryArn})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
			t.Errorf("tags %+v, %v", tags, err)
		}
		if policy("acme/shop-build-cache") != registry.LifecyclePolicy(7) {
			t.Errorf("cache policy %q", policy("acme/shop-build-cache"))
		}
		expect(motoStep(t, url, nil), 0, "acme/shop` | app | exists", "expire untagged after 7 days: already set")
	})

	t.Run("app lifecycle put, then updated; a user's policy kept", func(t *testing.T) {
		reset()
		expect(motoStep(t, url, map[string]string{"app-lifecycle-keep": "10"}), 0, "keep the newest 10 deploys: put")
		expect(motoStep(t, url, map[string]string{"app-lifecycle-keep": "12"}), 0, "keep the newest 12 deploys: updated")
		if policy("acme/shop") != registry.AppLifecycle(12).Text {
			t.Errorf("app policy %q", policy("acme/shop"))
		}
		users := `{"rules":[{"rulePriority":1,"description":"mine","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}`
		if _, err := api.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("acme/shop-build-cache"), LifecyclePolicyText: aws.String(users)}); err != nil {
			t.Fatal(err)
		}
		expect(motoStep(t, url, nil), 0, "kept the repository's own policy")
		if got := policy("acme/shop-build-cache"); !strings.Contains(got, `"mine"`) {
			t.Errorf("the user's policy was replaced: %s", got)
		}
	})

	t.Run("a pre-created IMMUTABLE repository fails the step", func(t *testing.T) {
		reset()
		if _, err := api.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("acme/shop"), ImageTagMutability: types.ImageTagMutabilityImmutable}); err != nil {
			t.Fatal(err)
		}
		expect(motoStep(t, url, nil), 1, "ECR repository acme/shop is IMMUTABLE, but Kamal overwrites the tag")
	})

	t.Run("login", func(t *testing.T) {
		reset()
		s := motoStep(t, url, map[string]string{"login": "true"})
		expect(s, 0)
		if out := s.outputs(); out["registry-username"] != "AWS" || out["registry-password"] == "" {
			t.Errorf("login outputs %q", out["registry-username"])
		}
	})

	t.Run("create-repositories false", func(t *testing.T) {
		reset()
		expect(motoStep(t, url, map[string]string{"create-repositories": "false"}), 1, "acme/shop does not exist and create-repositories: false does not create it")
		for _, name := range []string{"acme/shop", "acme/shop-build-cache"} {
			if _, err := api.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
		}
		expect(motoStep(t, url, map[string]string{"create-repositories": "false"}), 0, "expire untagged after 7 days: not put: create-repositories is false")
		if got := policy("acme/shop-build-cache"); got != "" {
			t.Errorf("create-repositories false put a policy: %s", got)
		}
	})
}
