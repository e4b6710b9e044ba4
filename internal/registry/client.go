package registry

import (
	"context"
	"net/url"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// MaxAttempts lets a call survive seven throttling answers in a row.
// AttemptTimeout bounds each attempt, so an endpoint that accepts the
// connection and never answers fails a call, retries included, in
// MaxAttempts*AttemptTimeout + (MaxAttempts-1)*MaxBackoff: under two minutes.
const (
	MaxAttempts    = 8
	AttemptTimeout = 10 * time.Second
	MaxBackoff     = 5 * time.Second
)

// Clients are the AWS API clients the action uses.
type Clients struct {
	ECR *ecr.Client
	STS *sts.Client
	// HasCredentials is false when no credential source is configured, so a
	// dry run can skip AWS entirely instead of probing instance metadata.
	HasCredentials bool
}

// ClientOptions tune the clients; the zero value is what production uses.
type ClientOptions struct {
	Backoff        retry.BackoffDelayer // nil: the SDK's jittered exponential backoff
	AttemptTimeout time.Duration        // 0: AttemptTimeout
}

// NewClients builds ECR and STS clients for region from the variables getenv
// reads: static credentials, AWS_PROFILE and the rest of the SDK's default
// chain, and AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL).
func NewClients(ctx context.Context, getenv func(string) string, region string, h *Host, o ClientOptions) (*Clients, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = MaxAttempts
				so.MaxBackoff = MaxBackoff
				if o.Backoff != nil {
					so.Backoff = o.Backoff
				}
			})
		}),
	}
	attempt := o.AttemptTimeout
	if attempt == 0 {
		attempt = AttemptTimeout
	}
	ecrURL := first(getenv("AWS_ENDPOINT_URL_ECR"), getenv("AWS_ENDPOINT_URL"))
	stsURL := first(getenv("AWS_ENDPOINT_URL_STS"), getenv("AWS_ENDPOINT_URL"))
	opts = append(opts,
		config.WithHTTPClient(awshttp.NewBuildableClient()),
		config.WithLogger(logging.Nop{}), // the SDK's own warnings (such as the IMDSv1 fallback) are not the user's business
	)
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id != "" && secret != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))))
	}
	if p := getenv("AWS_PROFILE"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	if getenv("AWS_EC2_METADATA_DISABLED") == "true" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, append(opts, sharedFiles(getenv)...)...)
	if err != nil {
		return nil, &CredentialsError{Err: err}
	}
	cfg.HTTPClient = &transport{next: cfg.HTTPClient, attempt: attempt, from: endpointVars(getenv)}
	return &Clients{
		HasCredentials: hasCredentials(ctx, cfg, getenv),
		ECR: ecr.NewFromConfig(cfg, func(eo *ecr.Options) {
			switch {
			case ecrURL != "": // the SDK refuses FIPS or dual-stack with a custom endpoint
				eo.BaseEndpoint = aws.String(ecrURL)
			case h != nil && h.FIPS:
				eo.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
			case h != nil && h.DualStack:
				eo.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
			}
		}),
		STS: sts.NewFromConfig(cfg, func(so *sts.Options) {
			if stsURL != "" {
				so.BaseEndpoint = aws.String(stsURL)
			}
		}),
	}, nil
}

// CredentialsTimeout bounds resolving credentials outside Actions (an SSO
// token refresh, a credential_process).
const CredentialsTimeout = 5 * time.Second

// hasCredentials tells whether a dry run may ask AWS. In Actions only what
// the job set counts (a self-hosted runner's instance role is not the job's);
// elsewhere the SDK's whole chain does: the shared config's default profile,
// SSO, credential_process.
func hasCredentials(ctx context.Context, cfg aws.Config, getenv func(string) string) bool {
	if getenv("AWS_ACCESS_KEY_ID") != "" && getenv("AWS_SECRET_ACCESS_KEY") != "" || getenv("AWS_PROFILE") != "" || getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "" ||
		getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" || getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != "" {
		return true
	}
	if getenv("GITHUB_ACTIONS") == "true" || cfg.Credentials == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, CredentialsTimeout)
	defer cancel()
	_, err := cfg.Credentials.Retrieve(ctx) // cached: the calls that follow reuse it
	return err == nil
}

// sharedFiles are the shared config and credentials files as getenv says
// (AWS_CONFIG_FILE, else ~/.aws/config under HOME); none: the SDK's defaults.
func sharedFiles(getenv func(string) string) []func(*config.LoadOptions) error {
	var out []func(*config.LoadOptions) error
	home := getenv("HOME")
	if f := first(getenv("AWS_CONFIG_FILE"), joinIf(home, ".aws", "config")); f != "" {
		out = append(out, config.WithSharedConfigFiles([]string{f}))
	}
	if f := first(getenv("AWS_SHARED_CREDENTIALS_FILE"), joinIf(home, ".aws", "credentials")); f != "" {
		out = append(out, config.WithSharedCredentialsFiles([]string{f}))
	}
	return out
}

func joinIf(home string, elem ...string) string {
	if home == "" {
		return ""
	}
	return filepath.Join(append([]string{home}, elem...)...)
}

// endpointVars maps each endpoint host set by a variable to its name, so
// an error can say where a wrong endpoint came from.
func endpointVars(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, name := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ECR"} { // the specific one wins
		if u, err := url.Parse(getenv(name)); err == nil && u.Host != "" {
			out[u.Host] = name
		}
	}
	return out
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
