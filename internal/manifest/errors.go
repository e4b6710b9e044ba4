package manifest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Kind is what a registry refusal means for the deploy.
type Kind int

const (
	Other           Kind = iota
	NameUnknown          // no such repository: in the registry or, through the cache, upstream
	ManifestUnknown      // the repository exists, the tag or digest does not
	Denied               // 401/403: the token's role, or the upstream's credentials
	UpstreamDenied       // 403 naming the upstream: the rule's credentials, or (Docker Hub) no such repository
)

// Error is the registry's answer to a manifest GET other than 200, 429 or 5xx.
type Error struct {
	Ref     Ref
	Status  int
	Code    string // the first error code, such as NAME_UNKNOWN; "" when the body had none
	Message string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("GET manifest %s: HTTP %d", e.Ref, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Quote is the registry's own words, for messages: code and message.
func (e *Error) Quote() string {
	switch {
	case e.Code != "" && e.Message != "":
		return fmt.Sprintf("%s %q", e.Code, e.Message)
	case e.Code != "":
		return e.Code
	case e.Message != "":
		return fmt.Sprintf("HTTP %d %q", e.Status, e.Message)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// Kind classifies the refusal by code first, then by status.
func (e *Error) Kind() Kind {
	switch e.Code {
	case "NAME_UNKNOWN":
		return NameUnknown
	case "MANIFEST_UNKNOWN":
		return ManifestUnknown
	}
	switch {
	case e.Status == http.StatusForbidden || e.Code == "DENIED":
		if strings.Contains(strings.ToLower(e.Message), "upstream registry") {
			return UpstreamDenied
		}
		return Denied
	case e.Status == http.StatusUnauthorized || e.Code == "UNAUTHORIZED":
		return Denied
	case e.Status == http.StatusNotFound:
		return NameUnknown
	}
	return Other
}

// UnavailableError is a registry that did not answer in time, could not be
// reached, or failed (5xx, 429): the servers may still pull, so it warns.
type UnavailableError struct {
	Ref     Ref
	Status  int  // 0 when there was no answer
	Timeout bool // the request's time ran out
	Err     error
}

func (e *UnavailableError) Error() string {
	switch {
	case e.Timeout:
		return fmt.Sprintf("GET manifest %s: no answer in time: %v", e.Ref, e.Err)
	case e.Status != 0:
		return fmt.Sprintf("GET manifest %s: HTTP %d: %v", e.Ref, e.Status, e.Err)
	}
	return fmt.Sprintf("GET manifest %s: %v", e.Ref, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Detail is the error without the request: the status and the registry's
// words, or why no answer came.
func (e *UnavailableError) Detail() string {
	switch {
	case e.Timeout:
		return fmt.Sprintf("no answer in time (%v)", e.Err)
	case e.Status != 0:
		return fmt.Sprintf("HTTP %d: %v", e.Status, e.Err)
	}
	return e.Err.Error()
}

// body is the registry API's error envelope (distribution's errcode).
type body struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// readError reads a non-200 answer, its body bounded.
func readError(ctx context.Context, ref Ref, resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	code, msg := parseBody(raw)
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		detail := strings.TrimSpace(strings.Join(filter(code, msg), ": "))
		if detail == "" {
			detail = http.StatusText(resp.StatusCode)
		}
		return &UnavailableError{Ref: ref, Status: resp.StatusCode, Err: fmt.Errorf("%s", detail), Timeout: ctx.Err() != nil}
	}
	return &Error{Ref: ref, Status: resp.StatusCode, Code: code, Message: msg}
}

// parseBody takes the first error of an errcode body; a body that is not
// one is quoted as text, cut short.
func parseBody(raw []byte) (code, msg string) {
	var b body
	if json.Unmarshal(raw, &b) == nil && len(b.Errors) > 0 {
		code := oneLine(b.Errors[0].Code)
		if r := []rune(code); len(r) > 64 { // codes are short words; anything else is not one
			code = string(r[:64])
		}
		return code, oneLine(b.Errors[0].Message)
	}
	return "", oneLine(string(raw))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

func filter(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
