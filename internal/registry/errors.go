package registry

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// AccessDeniedError is an AWS refusal, with the IAM action and resource to grant.
type AccessDeniedError struct {
	Action, Resource, Detail string
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("AWS denied %s on %s: allow %s on %s in the policy of the role this workflow assumes (%s)",
		e.Action, e.Resource, e.Action, e.Resource, e.Detail)
}

// CredentialsError means no usable AWS credentials reached the action.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string {
	return "no usable AWS credentials: run aws-actions/configure-aws-credentials before this step, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (" + e.Err.Error() + ")"
}
func (e *CredentialsError) Unwrap() error { return e.Err }

// explain turns an SDK error from operation op on resource into one a user can act on.
func explain(err error, op, resource string) error {
	if err == nil {
		return nil
	}
	action := "ecr:" + op
	if op == "GetCallerIdentity" {
		action = "sts:" + op
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDeniedException", "AccessDenied":
			return &AccessDeniedError{Action: action, Resource: resource, Detail: api.ErrorMessage()}
		case "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken", "InvalidSignatureException", "SignatureDoesNotMatch":
			return &CredentialsError{Err: fmt.Errorf("%s: %s", api.ErrorCode(), api.ErrorMessage())}
		case "LimitExceededException":
			return fmt.Errorf("%s on %s: ECR limit reached: %s", action, resource, api.ErrorMessage())
		}
		return fmt.Errorf("%s on %s: %s: %s", action, resource, api.ErrorCode(), api.ErrorMessage())
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") || strings.Contains(msg, "no valid credential") {
		return &CredentialsError{Err: errors.New("the SDK found no credential source")}
	}
	return fmt.Errorf("%s on %s: %w", action, resource, err)
}
