// Package manifest proves that images pull from an ECR registry, through its
// pull-through cache, the way docker pull does: one GET of the manifest from
// the registry API with the login token. A first GET under a cache prefix
// makes ECR fetch the image from upstream and create the cached repository,
// so the check also warms the cache for the servers' first pull.
package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Accept lists the manifest types a multi-platform pull takes, indexes
// first: without them ECR may refuse or convert a multi-arch image.
var Accept = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

const (
	// Timeout bounds one request: a first pull through the cache makes ECR
	// fetch from upstream, which takes several seconds for a large index.
	Timeout = 30 * time.Second
	// MaxManifest is the largest manifest read (registries cap them at 4 MiB).
	MaxManifest = 4 << 20
	// maxErrorBody bounds the read of an error answer.
	maxErrorBody = 64 << 10
	// parallel bounds the requests in flight at once.
	parallel = 16
)

// Ref is one image to verify: a repository in the registry and a tag or digest.
type Ref struct {
	Repository string
	Reference  string // tag, or sha256:… digest
}

// String is the reference as docker pull takes it, without the host.
func (r Ref) String() string {
	if strings.Contains(r.Reference, ":") {
		return r.Repository + "@" + r.Reference
	}
	return r.Repository + ":" + r.Reference
}

// Result is what the registry said about one Ref: a digest, or an error.
type Result struct {
	Ref       Ref
	Digest    string // sha256:…, when it pulls
	MediaType string
	Err       error // *Error, or *UnavailableError
}

// Checker fetches manifests from one registry with its login token.
type Checker struct {
	Client   *http.Client // its transport honours HTTPS_PROXY and SSL_CERT_FILE; nil: http.DefaultClient
	Host     string       // the registry host, reached over HTTPS
	User     string       // "AWS"
	Password string       // from GetAuthorizationToken
	Timeout  time.Duration
}

// Check fetches every ref's manifest at once, each within the checker's
// timeout and all within ctx. Results are in the order of refs.
func (c *Checker) Check(ctx context.Context, refs []Ref) []Result {
	out := make([]Result, len(refs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = c.fetch(ctx, r)
		})
	}
	wg.Wait()
	return out
}

func (c *Checker) fetch(ctx context.Context, ref Ref) Result {
	res := Result{Ref: ref}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	target := "https://" + c.Host + "/v2/" + ref.Repository + "/manifests/" + ref.Reference
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		res.Err = fmt.Errorf("fetch manifest %s: %w", ref, err)
		return res
	}
	req.SetBasicAuth(c.User, c.Password) // ECR takes Basic auth directly: no /v2/ ping, no token dance
	for _, a := range Accept {
		req.Header.Add("Accept", a)
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		res.Err = &UnavailableError{Ref: ref, Err: unwrapURL(err), Timeout: ctx.Err() != nil}
		return res
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		res.Err = readError(ctx, ref, resp)
		return res
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, MaxManifest+1))
	switch {
	case err != nil:
		res.Err = &UnavailableError{Ref: ref, Err: unwrapURL(err), Timeout: ctx.Err() != nil}
		return res
	case n > MaxManifest:
		res.Err = &Error{Ref: ref, Status: resp.StatusCode, Message: fmt.Sprintf("the manifest is larger than %d bytes", MaxManifest)}
		return res
	}
	res.MediaType, _, _ = strings.Cut(resp.Header.Get("Content-Type"), ";")
	res.Digest = resp.Header.Get("Docker-Content-Digest")
	if !digestPattern.MatchString(res.Digest) {
		res.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	return res
}

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// unwrapURL drops *url.Error's "Get <url>:" prefix: messages name the image.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Short is a digest cut to the 12 hex digits docker shows.
func Short(digest string) string {
	_, hexPart, ok := strings.Cut(digest, ":")
	if !ok || len(hexPart) < 12 {
		return digest
	}
	return hexPart[:12]
}
