package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// AccessDeniedError is an AWS refusal, with the IAM action and resource to grant.
type AccessDeniedError struct {
	Action, Resource, Detail string
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("AWS denied %s on %s: allow %s on Resource: %q in the policy of the role this workflow assumes (%s)",
		e.Action, e.Resource, e.Action, e.Resource, e.Detail)
}

// CredentialsError means no usable AWS credentials reached the action.
type CredentialsError struct{ Err error }

// Error says it as the job summary does, in Actions; elsewhere a renderer
// says Reason and CredentialsFix(false).
func (e *CredentialsError) Error() string {
	return "no usable AWS credentials: " + CredentialsFix(true) + " (" + e.Err.Error() + ")"
}

// Reason is the message without the fix.
func (e *CredentialsError) Reason() string {
	return "no usable AWS credentials (" + e.Err.Error() + ")"
}

// CredentialsFix says how to give the run credentials: in Actions by the
// workflow's step; elsewhere as a laptop does, naming the chain searched.
func CredentialsFix(inActions bool) string {
	if inActions {
		return "run aws-actions/configure-aws-credentials before this step, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	}
	return "sign in with aws sso login (set it up once with aws configure sso), choose a profile with AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; " +
		"searched: the environment, the shared config's default profile (or AWS_PROFILE's), SSO and credential_process"
}
func (e *CredentialsError) Unwrap() error { return e.Err }

// CallError is a call that failed for another reason than a refusal: what
// happened in words, with the measured time, then the SDK's text, shortened.
type CallError struct {
	Action, Resource string
	What             string
	Detail           string
	Err              error
}

func (e *CallError) Error() string {
	s := e.Action + " on " + e.Resource + ": " + e.What
	if e.Detail != "" {
		s += "\n" + e.Detail
	}
	return s
}

func (e *CallError) Unwrap() error { return e.Err }

// maxDetail bounds the SDK's text in a message: an error answer may be
// a whole HTML page.
const maxDetail = 300

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}

// explain turns an SDK error from operation op on resource, after elapsed,
// into one a user can act on.
func explain(err error, op, resource string, elapsed time.Duration) error {
	if err == nil {
		return nil
	}
	action, service := "ecr:"+op, "ECR"
	if op == "GetCallerIdentity" {
		action, service = "sts:"+op, "STS"
	}
	attempts := 1
	var maxed *retry.MaxAttemptsError
	if errors.As(err, &maxed) {
		attempts = maxed.Attempt
	}
	fail := func(what string) error {
		return &CallError{Action: action, Resource: resource, What: what, Detail: shorten(err.Error()), Err: err}
	}
	var resp *awshttp.ResponseError
	var endpoint *EndpointError
	var large *TooLargeError
	var api smithy.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s on %s: %w", action, resource, err)
	case errors.As(err, &resp) && resp.HTTPStatusCode() >= 500:
		return fail(fmt.Sprintf("%s answered %d %s %s (%s in all)", service, resp.HTTPStatusCode(), http.StatusText(resp.HTTPStatusCode()), times(attempts), seconds(elapsed)))
	case errors.As(err, &large):
		return fail(fmt.Sprintf("%s's answer is longer than %d KiB, the most kamal-ecr reads", service, large.Limit>>10))
	case errors.As(err, &endpoint) && endpoint.Timeout > 0:
		return fail(fmt.Sprintf("%s did not answer: %d attempts of %s each, %s in all", service, attempts, seconds(endpoint.Timeout), seconds(elapsed)))
	case errors.As(err, &endpoint):
		return fail(fmt.Sprintf("%s (%s, %s in all)", endpoint.Error(), plural(attempts, "attempt"), seconds(elapsed)))
	case errors.As(err, &api):
		return explainAPI(api, action, resource, service, attempts, elapsed, fail)
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") || strings.Contains(msg, "no valid credential") {
		return &CredentialsError{Err: errors.New("the SDK found no credential source")}
	}
	return fail("the call failed after " + seconds(elapsed))
}

func explainAPI(api smithy.APIError, action, resource, service string, attempts int, elapsed time.Duration, fail func(string) error) error {
	switch api.ErrorCode() {
	case "AccessDeniedException", "AccessDenied":
		return &AccessDeniedError{Action: action, Resource: resource, Detail: shorten(api.ErrorMessage())}
	case "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken", "InvalidSignatureException", "SignatureDoesNotMatch":
		return &CredentialsError{Err: fmt.Errorf("%s: %s", api.ErrorCode(), shorten(api.ErrorMessage()))}
	case "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded":
		return fail(fmt.Sprintf("%s throttled %s in a row (%s in all): retry later", service, plural(attempts, "attempt"), seconds(elapsed)))
	case "LimitExceededException":
		return fail(service + " limit reached: " + shorten(api.ErrorMessage()))
	}
	return fail(api.ErrorCode() + ": " + shorten(api.ErrorMessage()))
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
