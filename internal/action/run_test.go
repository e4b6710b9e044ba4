package action

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true") // never reach for instance metadata
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	os.Exit(m.Run())
}

// When the second of two edited files cannot be written, the first is put
// back: on any failure the config is byte-identical to before.
func TestRunWritesAllOrNothing(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"config/deploy.yml":    "image: acme/shop\nregistry:\n  server: " + reg + "\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\naccessories:\n  db:\n    image: mysql:8.4\n",
		"config/deploy.qa.yml": "builder:\n  cache:\n    options: mode=max\n",
	}
	orig := map[string]string{}
	for k, v := range files {
		orig[k] = v
	}
	srv := ecrtest.New("123456789012", "us-east-1")
	srv.AddRule(ecrtest.Rule{Prefix: "hub", UpstreamURL: "registry-1.docker.io"})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_ECR": hs.URL, "AWS_ENDPOINT_URL_STS": hs.URL}
	getenv := func(k string) string { return env[k] }
	full := errors.New("disk full")
	d := Deps{
		ReadFile: func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		WriteFile: func(name string, b []byte) error {
			if name == "config/deploy.qa.yml" && string(b) != orig[name] {
				return full
			}
			files[name] = string(b)
			return nil
		},
		Getenv: getenv,
		Mask:   func(string) {},
		Clients: func(ctx context.Context, region string, h *registry.Host) (*registry.Clients, error) {
			return registry.NewClients(ctx, getenv, region, h, registry.ClientOptions{})
		},
	}
	in := parsed(t, map[string]string{"destination": "qa", "rewrite-accessories": "true", "validate": "false", "verify-images": "false"}) // a partial config; pulls are verify_test.go's
	res, err := Run(context.Background(), d, in)
	if !errors.Is(err, full) || res.Patched {
		t.Fatalf("err = %v, patched %v", err, res.Patched)
	}
	for name, want := range orig {
		if files[name] != want {
			t.Errorf("%s changed:\n%s", name, files[name])
		}
	}
	if len(res.Edits) != 2 || res.Edits[0].File != "config/deploy.qa.yml" || !strings.HasPrefix(res.Edits[1].Key, "accessories.db") {
		t.Errorf("edits = %+v", res.Edits)
	}
}

// Only a refusal names an IAM action; the network and a stop do not.
func TestRulesFixMatchesCause(t *testing.T) {
	t.Parallel()
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
		{"no credentials", &registry.CredentialsError{Err: errors.New("none")}, "aws sso login"},
		{"no credentials in actions", &registry.CredentialsError{Err: errors.New("none")}, "run aws-actions/configure-aws-credentials before this step"},
	} {
		ctx := context.Background()
		if tt.name == "cancelled" {
			c, cancel := context.WithCancel(ctx)
			cancel()
			ctx = c
		}
		got := rulesFix(ctx, tt.err, strings.HasSuffix(tt.name, "in actions"))
		if !strings.Contains(got, tt.want) || tt.name != "denied" && strings.Contains(got, "allow") {
			t.Errorf("%s: fix %q, want %q", tt.name, got, tt.want)
		}
	}
}
