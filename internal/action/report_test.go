package action

import (
	"context"
	"errors"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

func TestAnnotationsOncePerProblem(t *testing.T) {
	same := errors.New("no usable AWS credentials")
	placed := &diag.Finding{Pos: diag.Pos{File: "config/deploy.yml", Line: 3}, Severity: diag.Warning, Msg: "image is wrong", Fix: "rename it"}
	got := Annotations(&Result{}, errors.Join(errors.Join(same, errors.New("no usable AWS credentials")), placed))
	if len(got) != 2 {
		t.Fatalf("annotations = %+v", got)
	}
	if a := got[1]; a.Level != "error" || a.File != "config/deploy.yml" || a.Line != 3 || a.Message != "image is wrong. Fix: rename it" {
		t.Errorf("placed error = %+v", a)
	}
	if s := Summary(&Result{}, errors.Join(same, same)); strings.Count(s, "no usable AWS credentials") != 1 {
		t.Errorf("summary:\n%s", s)
	}
}

// Only a refusal names an IAM action; the network and a stop do not.
func TestRulesFixMatchesCause(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"denied", &registry.AccessDeniedError{Action: "ecr:DescribePullThroughCacheRules", Resource: "*"}, `allow ecr:DescribePullThroughCacheRules on Resource: "*"`},
		{"dns", &net.DNSError{Err: "no such host", Name: "api.ecr.us-east-1.amazonaws.com"}, "check that the runner reaches the ECR endpoint"},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, "check that the runner reaches the ECR endpoint"},
		// an attempt that timed out is the endpoint's doing; only a run that ended was stopped
		{"attempt timeout", &registry.EndpointError{Endpoint: "https://api.ecr.us-east-1.amazonaws.com", Timeout: time.Second, Err: context.DeadlineExceeded}, "check that the runner reaches the ECR endpoint"},
		{"cancelled", fmt.Errorf("call: %w", context.Canceled), "stopped or timed out"},
		{"no credentials", &registry.CredentialsError{Err: errors.New("none")}, "give the step AWS credentials"},
	} {
		ctx := context.Background()
		if tt.name == "cancelled" {
			c, cancel := context.WithCancel(ctx)
			cancel()
			ctx = c
		}
		got := rulesFix(ctx, tt.err)
		if !strings.Contains(got, tt.want) || tt.name != "denied" && strings.Contains(got, "allow") {
			t.Errorf("%s: fix %q, want %q", tt.name, got, tt.want)
		}
	}
}
