package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
)

// allow is a policy that allows these ECR actions on acme/* and "*".
func allow(t *testing.T, actions ...string) *ecrtest.Policy {
	t.Helper()
	quoted := make([]string, len(actions))
	for i, a := range actions {
		quoted[i] = `"ecr:` + a + `"`
	}
	p, err := ecrtest.ParsePolicy(fmt.Appendf(nil, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[%s],"Resource":["arn:aws:ecr:us-east-1:%s:repository/acme/*","*"]}]}`,
		strings.Join(quoted, ","), account))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const push = "BatchCheckLayerAvailability"

// Each role and registry state gets the same answer in a real run and a dry
// run, with the fewest permissions, and every repository is named.
func TestEnsureLeastPrivilege(t *testing.T) {
	t.Parallel()
	all := []string{"CreateRepository", "DescribeRepositories", push, "GetLifecyclePolicy", "PutLifecyclePolicy", "TagResource"}
	for _, tt := range []struct {
		name     string
		existing bool
		allowed  []string
		noCreate bool
		tags     bool
		// want, for both repositories
		missingErr, unchecked, unread, createDenied bool
		policy                                      Policy
		drift                                       bool
	}{
		{name: "exists, may not create", existing: true, allowed: []string{"DescribeRepositories", push, "GetLifecyclePolicy", "PutLifecyclePolicy"}, createDenied: true, policy: PolicySame},
		{name: "exists, push only", existing: true, allowed: []string{push}, createDenied: true, unread: true, policy: PolicyDenied},
		{name: "missing, may not create", allowed: []string{"DescribeRepositories", push}, createDenied: true, missingErr: true},
		{name: "missing, push only", allowed: []string{push}, createDenied: true, missingErr: true},
		{name: "nothing allowed", existing: true, allowed: []string{"GetAuthorizationToken"}, createDenied: true, unchecked: true},
		{name: "put denied", allowed: []string{"CreateRepository", "DescribeRepositories", "GetLifecyclePolicy"}, policy: PolicyDenied},
		{name: "tags denied", tags: true, allowed: []string{"CreateRepository", "DescribeRepositories", "GetLifecyclePolicy", "PutLifecyclePolicy"}, policy: PolicyPut},
		{name: "managed elsewhere", existing: true, noCreate: true, allowed: []string{"DescribeRepositories"}, policy: PolicyNotPut, drift: true},
		{name: "drift", existing: true, allowed: all, policy: PolicySame, drift: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, dry := range []bool{false, true} {
				srv := ecrtest.New(account, "us-east-1")
				if tt.existing {
					for _, r := range appAndCache() {
						srv.AddRepository(ecrtest.Repository{Name: r.Name, Policy: LifecyclePolicy(7), ScanOnPush: tt.drift})
					}
				}
				srv.SetPolicy(allow(t, tt.allowed...))
				c := newClients(t, srv, "us-east-1")
				e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), NoCreate: tt.noCreate, Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
				if tt.tags {
					e.Settings.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}
				}
				repos := appAndCache()
				repos[0].Lifecycle = CacheLifecycle(7)
				run := e.Ensure
				if dry {
					run = e.Inspect
				}
				got, err := run(context.Background(), repos)
				checkLeastPrivilege(t, dry, got, err, tt.missingErr, tt.unchecked, tt.unread, tt.createDenied && !dry)
				for _, s := range got {
					wantPolicy := tt.policy
					if dry && (wantPolicy == PolicyPut || !tt.existing) { // a dry run cannot know a put would be denied
						wantPolicy = PolicyWouldPut
					}
					if tt.missingErr && !dry || tt.unchecked {
						wantPolicy = PolicyNone
					}
					if s.Policy != wantPolicy {
						t.Errorf("dry %v: %s: policy %q, want %q (%v)", dry, s.Name, s.Policy, wantPolicy, s.PolicyErr)
					}
					if (len(s.Drift) > 0) != tt.drift {
						t.Errorf("dry %v: %s: drift %q", dry, s.Name, s.Drift)
					}
					if tt.tags && !dry && (s.TagsDropped == nil || !s.Created) {
						t.Errorf("%s: created %v, tags dropped %v", s.Name, s.Created, s.TagsDropped)
					}
				}
				if tt.noCreate && (srv.Calls()["GetLifecyclePolicy"] > 0 || srv.Calls()["CreateRepository"] > 0) {
					t.Errorf("create-repositories false made calls %v", srv.Calls())
				}
				if dry && (srv.Calls()["CreateRepository"] > 0 || srv.Calls()["PutLifecyclePolicy"] > 0) {
					t.Errorf("dry run wrote: %v", srv.Calls())
				}
			}
		})
	}
}

func checkLeastPrivilege(t *testing.T, dry bool, got []Status, err error, missingErr, unchecked, unread, createDenied bool) {
	t.Helper()
	var missing *MissingError
	switch {
	case missingErr && !dry:
		for _, s := range got { // every repository named, never one by chance
			if !errors.As(s.Err, &missing) || missing.Repo != s.Name || !strings.Contains(err.Error(), s.Name+" does not exist") {
				t.Errorf("%s: err %v (run: %v)", s.Name, s.Err, err)
			}
		}
	case missingErr:
		if err != nil || !got[0].Missing || !got[1].Missing {
			t.Errorf("dry run: err %v, statuses %+v", err, got)
		}
	case err != nil:
		t.Errorf("dry %v: err = %v", dry, err)
	}
	for _, s := range got {
		if (s.Unchecked != nil) != unchecked || s.SettingsUnread != unread || s.CreateDenied != createDenied {
			t.Errorf("dry %v: %s: unchecked %v, settings unread %v, create denied %v", dry, s.Name, s.Unchecked, s.SettingsUnread, s.CreateDenied)
		}
	}
}
