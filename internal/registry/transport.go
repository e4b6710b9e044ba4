package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Answers are read whole by the SDK's deserializers: the transport bounds
// them, so a broken or hostile endpoint cannot fill memory or the log.
const (
	MaxAnswer      = 4 << 20  // a successful answer (a page of rules or repositories is well under 1 MiB)
	MaxErrorAnswer = 64 << 10 // an error answer: a code and a message
)

// EndpointError is an attempt that got no answer: the connection failed, or
// the endpoint did not answer within the attempt's time.
type EndpointError struct {
	Endpoint string        // scheme://host
	From     string        // the variable that set the endpoint; "" for AWS's own
	Timeout  time.Duration // > 0: no answer within this long
	Err      error
}

func (e *EndpointError) Error() string {
	where := e.Endpoint
	if e.From != "" {
		where += " (set by " + e.From + ")"
	}
	if e.Timeout > 0 {
		return fmt.Sprintf("no answer from %s within %s", where, seconds(e.Timeout))
	}
	return fmt.Sprintf("could not connect to %s: %s", where, rootCause(e.Err))
}

func (e *EndpointError) Unwrap() error { return e.Err }

// ConnectionError makes the SDK retry the attempt, as it would the error inside.
func (e *EndpointError) ConnectionError() bool { return true }

// TooLargeError is an answer longer than the transport keeps.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer is longer than %d KiB, the most kamal-ecr reads", e.Limit>>10)
}

// transport gives each attempt its own deadline and bounds each answer. It
// wraps the SDK's client, which must stay a BuildableClient for
// AWS_CA_BUNDLE to apply.
type transport struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	attempt time.Duration
	from    map[string]string // endpoint host → the variable that set it
}

var errAttemptTimeout = errors.New("attempt timed out")

func (t *transport) Do(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.attempt, errAttemptTimeout)
	res, err := t.next.Do(req.WithContext(ctx))
	if err != nil {
		defer cancel()
		return nil, t.wrap(req, ctx, err)
	}
	limit := int64(MaxAnswer)
	if res.StatusCode >= 300 {
		limit = MaxErrorAnswer
	}
	res.Body = &boundedBody{body: res.Body, left: limit, limit: limit, cancel: cancel,
		wrap: func(err error) error { return t.wrap(req, ctx, err) }}
	return res, nil
}

// wrap names the endpoint of a failed attempt, unless the run itself was
// stopped (that is not the endpoint's doing).
func (t *transport) wrap(req *http.Request, ctx context.Context, err error) error {
	if req.Context().Err() != nil || err == nil {
		return err
	}
	e := &EndpointError{Endpoint: req.URL.Scheme + "://" + req.URL.Host, From: t.from[req.URL.Host], Err: err}
	if errors.Is(context.Cause(ctx), errAttemptTimeout) {
		e.Timeout = t.attempt
	}
	return e
}

type boundedBody struct {
	body        io.ReadCloser
	left, limit int64
	cancel      func()
	wrap        func(error) error
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &TooLargeError{Limit: b.limit}
	}
	if int64(len(p)) > b.left+1 { // one byte more tells a body of exactly the limit from a longer one
		p = p[:b.left+1]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, &TooLargeError{Limit: b.limit}
	}
	if err != nil && err != io.EOF {
		err = b.wrap(err)
	}
	return n, err
}

func (b *boundedBody) Close() error {
	defer b.cancel()
	return b.body.Close()
}

// rootCause is the innermost error's text: "connection refused", not the
// chain of operations that led to it.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// seconds writes a duration as people say it: "10 s", "1m47s", "250 ms".
func seconds(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%g s", d.Round(100*time.Millisecond).Seconds())
	}
	return d.Round(time.Second).String()
}
