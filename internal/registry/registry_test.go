package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
)

const account = "123456789012"

func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true") // never reach for instance metadata
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	os.Exit(m.Run())
}

// fastBackoff keeps retries real but quick.
var fastBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })

// newClients points the real SDK clients at a local ECR-protocol server.
func newClients(t *testing.T, srv *ecrtest.Server, region string) *Clients {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL_ECR": hs.URL, "AWS_ENDPOINT_URL_STS": hs.URL}
	c, err := NewClients(context.Background(), func(k string) string { return env[k] }, region, nil, ClientOptions{Backoff: fastBackoff})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if bad := srv.BadSignatures(); len(bad) > 0 {
			t.Errorf("requests with a wrong SigV4 scope: %v", bad)
		}
	})
	return c
}

func appAndCache() []Repo {
	return []Repo{
		{Name: "acme/app", Role: "app", MutableTags: []string{"latest"}},
		{Name: "acme/app-build-cache", Role: "cache", Lifecycle: CacheLifecycle(7), MutableTags: []string{"latest"}},
	}
}

func mustHost(t *testing.T, s string) Host {
	t.Helper()
	h, err := ParseHost(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEnsureFreshRegistry(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	c := newClients(t, srv, "us-east-1")
	e := &Ensurer{API: c.ECR, Host: mustHost(t, account+".dkr.ecr.us-east-1.amazonaws.com"), Settings: Settings{
		Mutability: types.ImageTagMutabilityImmutableWithExclusion, ScanOnPush: true,
		Encryption: types.EncryptionTypeKms, KMSKey: "alias/ecr", Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	}}
	got, err := e.Ensure(context.Background(), appAndCache())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if !s.Created || s.URI != account+".dkr.ecr.us-east-1.amazonaws.com/"+s.Name {
			t.Errorf("%s: created %v, uri %s", s.Name, s.Created, s.URI)
		}
		r, ok := srv.Repository("", s.Name)
		if !ok || r.Mutability != "IMMUTABLE_WITH_EXCLUSION" || strings.Join(r.Filters, ",") != "latest*" || !r.ScanOnPush ||
			r.Encryption != "KMS" || r.KMSKey != "alias/ecr" || r.Tags["team"] != "web" {
			t.Errorf("%s stored as %+v", s.Name, r)
		}
	}
	cache, _ := srv.Repository("", "acme/app-build-cache")
	if cache.Policy != LifecyclePolicy(7) || got[1].Policy != PolicyPut {
		t.Errorf("cache policy %q (%s)", cache.Policy, got[1].Policy)
	}
	if app, _ := srv.Repository("", "acme/app"); app.Policy != "" {
		t.Errorf("app repository got a lifecycle policy")
	}
	calls := srv.Calls()
	// the reads go in the first round with the creates: their not-found answers cost no round trip
	if calls["CreateRepository"] != 2 || calls["PutLifecyclePolicy"] != 1 || calls["GetLifecyclePolicy"] != 1 || calls["DescribeRepositories"] != 2 {
		t.Errorf("calls = %v", calls)
	}
}

func TestEnsureExisting(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	srv.AddRepository(ecrtest.Repository{Name: "acme/app", ScanOnPush: true})
	srv.AddRepository(ecrtest.Repository{Name: "acme/app-build-cache", Policy: `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}`})
	c := newClients(t, srv, "us-east-1")
	e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
	got, err := e.Ensure(context.Background(), appAndCache())
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Created || got[1].Created || !got[0].ScanOnPush || got[0].Mutability != "MUTABLE" {
		t.Errorf("statuses = %+v", got)
	}
	if got[1].Policy != PolicyKept {
		t.Errorf("policy = %q, want the existing one kept", got[1].Policy)
	}
	if n := len(srv.Creations()); n != 0 {
		t.Errorf("created %d repositories", n)
	}
	if calls := srv.Calls(); calls["DescribeRepositories"] != 2 || calls["PutLifecyclePolicy"] != 0 {
		t.Errorf("calls = %v, want a describe per repository and no put", calls)
	}
}

func TestEnsureLifecyclePutOnce(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	c := newClients(t, srv, "us-east-1")
	e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
	for range 2 {
		if _, err := e.Ensure(context.Background(), appAndCache()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.Ensure(context.Background(), appAndCache())
	if err != nil {
		t.Fatal(err)
	}
	if calls := srv.Calls(); calls["PutLifecyclePolicy"] != 1 || got[1].Policy != PolicySame {
		t.Errorf("puts = %d, policy %q", calls["PutLifecyclePolicy"], got[1].Policy)
	}
}

func TestEnsureConcurrentRuns(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	srv.Latency = 5 * time.Millisecond
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		c := newClients(t, srv, "us-east-1")
		e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
		wg.Go(func() { _, errs[i] = e.Ensure(context.Background(), appAndCache()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, n := range srv.Creations() {
		if n != 1 {
			t.Errorf("%s created %d times", name, n)
		}
	}
	if len(srv.Creations()) != 2 {
		t.Errorf("creations = %v", srv.Creations())
	}
}

func TestEnsureSurvivesThrottling(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	srv.Throttle("CreateRepository", 5)
	srv.Throttle("PutLifecyclePolicy", 5)
	c := newClients(t, srv, "us-east-1")
	e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}, Parallel: 1}
	if _, err := e.Ensure(context.Background(), appAndCache()); err != nil {
		t.Fatal(err)
	}
	if calls := srv.Calls(); calls["CreateRepository"] != 7 || calls["PutLifecyclePolicy"] != 6 {
		t.Errorf("calls = %v", calls)
	}
}

func TestEnsureAccessDenied(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	srv.Deny("CreateRepository")
	c := newClients(t, srv, "us-east-1")
	e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
	_, err := e.Ensure(context.Background(), appAndCache())
	var denied *AccessDeniedError
	if !errors.As(err, &denied) || denied.Action != "ecr:CreateRepository" || !strings.HasPrefix(denied.Resource, "arn:aws:ecr:us-east-1:"+account+":repository/acme/app") {
		t.Fatalf("err = %v", err)
	}
	if calls := srv.Calls(); calls["CreateRepository"] > 2 {
		t.Errorf("AccessDenied was retried: %v", calls)
	}
}

func TestEnsureImmutable(t *testing.T) {
	for _, tt := range []struct {
		mutability string
		filters    []string
		wantErr    bool
	}{
		{"IMMUTABLE", nil, true},
		{"IMMUTABLE_WITH_EXCLUSION", []string{"latest*"}, false},
		{"IMMUTABLE_WITH_EXCLUSION", []string{"release-*"}, true},
		{"MUTABLE_WITH_EXCLUSION", []string{"v*"}, false},
		{"MUTABLE_WITH_EXCLUSION", []string{"*"}, true},
		{"MUTABLE", nil, false},
	} {
		t.Run(tt.mutability+strings.Join(tt.filters, ","), func(t *testing.T) {
			srv := ecrtest.New(account, "us-east-1")
			srv.AddRepository(ecrtest.Repository{Name: "acme/app", Mutability: tt.mutability, Filters: tt.filters})
			c := newClients(t, srv, "us-east-1")
			e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
			_, err := e.Ensure(context.Background(), appAndCache())
			var imm *ImmutableError
			if errors.As(err, &imm) != tt.wantErr {
				t.Fatalf("err = %v, want ImmutableError: %v", err, tt.wantErr)
			}
			if tt.wantErr && (imm.Repo != "acme/app" || imm.Tag != "latest" || !strings.Contains(err.Error(), "MUTABLE")) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestEnsureCrossAccountAndChina(t *testing.T) {
	for _, host := range []string{"210987654321.dkr.ecr.eu-west-1.amazonaws.com", "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "210987654321.dkr.ecr-fips.us-gov-west-1.amazonaws.com"} {
		t.Run(host, func(t *testing.T) {
			h := mustHost(t, host)
			srv := ecrtest.New(account, h.Region) // the caller is in another account
			c := newClients(t, srv, h.Region)
			e := &Ensurer{API: c.ECR, Host: h, Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
			got, err := e.Ensure(context.Background(), appAndCache())
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := srv.Repository("210987654321", "acme/app"); !ok {
				t.Errorf("repository not created in the registry's account")
			}
			if _, ok := srv.Repository(account, "acme/app"); ok {
				t.Errorf("repository created in the caller's account")
			}
			if got[0].URI != host+"/acme/app" {
				t.Errorf("uri = %s", got[0].URI)
			}
		})
	}
}

func TestInspectReadsOnly(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	srv.AddRepository(ecrtest.Repository{Name: "acme/app"})
	c := newClients(t, srv, "us-east-1")
	e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
	got, err := e.Inspect(context.Background(), appAndCache())
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Missing || !got[1].Missing || got[1].Policy != PolicyWouldPut {
		t.Errorf("statuses = %+v", got)
	}
	for op := range srv.Calls() {
		if strings.HasPrefix(op, "Create") || strings.HasPrefix(op, "Put") {
			t.Errorf("dry run called %s", op)
		}
	}
}

func TestRulesAllPagesAndLogin(t *testing.T) {
	srv := ecrtest.New(account, "us-east-1")
	for _, p := range []string{"docker-hub", "ecr-public", "quay", "github", "team/k8s"} {
		srv.AddRule(ecrtest.Rule{Prefix: p, UpstreamURL: p + ".example"})
	}
	c := newClients(t, srv, "us-east-1")
	rules, err := Rules(context.Background(), c.ECR, HostFor(account, "us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 5 || rules[4].Prefix != "team/k8s" || srv.Calls()["DescribePullThroughCacheRules"] != 3 {
		t.Errorf("rules = %+v, calls %v", rules, srv.Calls())
	}
	user, pass, err := Login(context.Background(), c.ECR, HostFor(account, "us-east-1"))
	if err != nil || user != "AWS" || pass != "local-secret-password-"+account {
		t.Errorf("login = %q %q %v", user, pass, err)
	}
	acct, err := Account(context.Background(), c.STS)
	if err != nil || acct != account {
		t.Errorf("account = %q, %v", acct, err)
	}
}

func TestParseHost(t *testing.T) {
	for _, tt := range []struct {
		in              string
		account, region string
		fips, dual, bad bool
	}{
		{in: "123456789012.dkr.ecr.us-east-1.amazonaws.com", account: account, region: "us-east-1"},
		{in: "https://123456789012.dkr.ecr.eu-central-1.amazonaws.com/", account: account, region: "eu-central-1"},
		{in: "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn", account: account, region: "cn-northwest-1"},
		{in: "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", account: account, region: "us-gov-west-1", fips: true},
		{in: "123456789012.dkr-ecr.ap-southeast-2.on.aws", account: account, region: "ap-southeast-2", dual: true},
		{in: "ghcr.io", bad: true},
		{in: "12345.dkr.ecr.us-east-1.amazonaws.com", bad: true},
		{in: "123456789012.dkr.ecr.useast1.amazonaws.com", bad: true},
		{in: "123456789012.dkr-ecr.us-east-1.amazonaws.com", bad: true},
	} {
		h, err := ParseHost(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParseHost(%q) err = %v", tt.in, err)
			continue
		}
		if !tt.bad && (h.Account != tt.account || h.Region != tt.region || h.FIPS != tt.fips || h.DualStack != tt.dual) {
			t.Errorf("ParseHost(%q) = %+v", tt.in, h)
		}
	}
	if got := mustHost(t, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn").ARN("a"); got != "arn:aws-cn:ecr:cn-north-1:123456789012:repository/a" {
		t.Errorf("ARN = %s", got)
	}
}

// Without an endpoint override, a FIPS host sends API calls to ECR's FIPS endpoint.
func TestFIPSEndpoint(t *testing.T) {
	h := mustHost(t, "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com")
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret"}
	c, err := NewClients(context.Background(), func(k string) string { return env[k] }, h.Region, &h, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.ECR.Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(context.Background(), ecr.EndpointParameters{Region: aws.String(h.Region), UseFIPS: aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled)})
	if err != nil || ep.URI.Host != "api.ecr-fips.us-east-1.amazonaws.com" {
		t.Errorf("endpoint = %v, %v", ep.URI.Host, err)
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{"acme/app": true, "app-build-cache": true, "a.b_c-d/e": true, "A/app": false, "a": false, "app/": false, "-app": false, "a//b": false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v", name, err)
		}
	}
}

// ECR's repository-name rule is written once, in imageref, so the names the
// action creates and the paths it translates to can never disagree.
func TestRepositoryNameRuleOnce(t *testing.T) {
	const rule = `[a-z0-9]+(?:[._-][a-z0-9]+)*`
	var files []string
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), rule) {
			files = append(files, filepath.ToSlash(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0] != "../imageref/imageref.go" {
		t.Errorf("the repository-name rule is written in %v, want only ../imageref/imageref.go", files)
	}
	for _, name := range []string{"acme/app", "a__b", "a--b", "a", strings.Repeat("a", 257), "docker-hub/library/redis"} {
		if (ValidateName(name) == nil) != (imageref.ValidRepository(name) == nil) {
			t.Errorf("ValidateName and imageref.ValidRepository disagree on %q", name)
		}
	}
}

// An endpoint that accepts the connection and never answers fails the call
// after MaxAttempts bounded attempts, instead of holding the run.
func TestHangingEndpointFails(t *testing.T) {
	release := make(chan struct{})
	var attempts atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".CreateRepository") {
			attempts.Add(1)
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hs.Close() })
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL_ECR": hs.URL}
	c, err := NewClients(context.Background(), func(k string) string { return env[k] }, "us-east-1", nil,
		ClientOptions{Backoff: fastBackoff, AttemptTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
	_, err = e.Ensure(context.Background(), appAndCache()[:1])
	if err == nil {
		t.Fatal("no error from an endpoint that never answers")
	}
	// said in words, with the measured time; the SDK's text only after
	first, _, _ := strings.Cut(err.Error(), "\n")
	if !regexp.MustCompile(`^ecr:CreateRepository on \S+: ECR did not answer: 8 attempts of 50 ms each, \d+ ms in all$`).MatchString(first) {
		t.Errorf("err = %v", err)
	}
	if n := attempts.Load(); n != MaxAttempts {
		t.Errorf("%d attempts, want %d", n, MaxAttempts)
	}
}

// The production bound on one call against such an endpoint.
func TestAttemptBoundUnderTwoMinutes(t *testing.T) {
	if worst := MaxAttempts*AttemptTimeout + (MaxAttempts-1)*MaxBackoff; worst >= 2*time.Minute {
		t.Errorf("a hanging endpoint holds a call for up to %v", worst)
	}
}

// The app repository's policy: put once on a fresh repository with the exact
// JSON, left alone when identical, kept when the user's, updated when an
// older one of the action's; a dry run writes nothing.
func TestAppLifecycle(t *testing.T) {
	const want = `{"rules":[{"rulePriority":1,"description":"Keep the newest 10 Kamal deploys (kamal-ecr)","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`
	users := `{"rules":[{"rulePriority":1,"description":"ours","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":50},"action":{"type":"expire"}}]}`
	for _, tt := range []struct {
		name     string
		existing *ecrtest.Repository
		dry      bool
		policy   Policy
		puts     int
		stored   string
	}{
		{"fresh", nil, false, PolicyPut, 1, want},
		{"identical", &ecrtest.Repository{Name: "acme/app", Policy: want}, false, PolicySame, 0, want},
		{"the user's", &ecrtest.Repository{Name: "acme/app", Policy: users}, false, PolicyKept, 0, users},
		{"older of ours", &ecrtest.Repository{Name: "acme/app", Policy: AppLifecycle(5).Text}, false, PolicyUpdated, 1, want},
		{"none yet", &ecrtest.Repository{Name: "acme/app"}, false, PolicyPut, 1, want},
		{"dry run, fresh", nil, true, PolicyWouldPut, 0, ""},
		{"dry run, older of ours", &ecrtest.Repository{Name: "acme/app", Policy: AppLifecycle(5).Text}, true, PolicyWouldUpdate, 0, AppLifecycle(5).Text},
		{"dry run, the user's", &ecrtest.Repository{Name: "acme/app", Policy: users}, true, PolicyKept, 0, users},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := ecrtest.New(account, "us-east-1")
			if tt.existing != nil {
				srv.AddRepository(*tt.existing)
			}
			c := newClients(t, srv, "us-east-1")
			e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), Settings: Settings{Mutability: types.ImageTagMutabilityMutable}}
			repos := []Repo{{Name: "acme/app", Role: "app", Lifecycle: AppLifecycle(10), MutableTags: []string{"latest"}}}
			run := e.Ensure
			if tt.dry {
				run = e.Inspect
			}
			got, err := run(context.Background(), repos)
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Policy != tt.policy || srv.Calls()["PutLifecyclePolicy"] != tt.puts {
				t.Errorf("policy %q, puts %d; want %q, %d", got[0].Policy, srv.Calls()["PutLifecyclePolicy"], tt.policy, tt.puts)
			}
			if r, _ := srv.Repository("", "acme/app"); r.Policy != tt.stored {
				t.Errorf("stored policy %s", r.Policy)
			}
		})
	}
}

func TestOurs(t *testing.T) {
	for text, want := range map[string]bool{
		LifecyclePolicy(7):   true,
		AppLifecycle(3).Text: true,
		`{"rules":[]}`:       false,
		`not json`:           false,
		`{"rules":[{"description":"Expire untagged (kamal-ecr)"},{"description":"mine"}]}`: false,
	} {
		if ours(text) != want {
			t.Errorf("ours(%s) = %v", text, !want)
		}
	}
}
