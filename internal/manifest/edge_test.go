package manifest_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
)

// fixed serves every manifest request with one answer, behind the proxy.
func fixed(t *testing.T, h http.HandlerFunc) *manifest.Checker {
	t.Helper()
	ca, err := ecrtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ecrtest.NewProxy(ca, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	u, _ := url.Parse(p.URL)
	tr := &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: ca.TLSClientConfig()}
	t.Cleanup(tr.CloseIdleConnections)
	return &manifest.Checker{Client: &http.Client{Transport: tr}, Host: host, User: "AWS", Password: "p"}
}

func TestCheckAnswers(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", manifest.MaxManifest+10)
	tests := []struct {
		name    string
		h       http.HandlerFunc
		want    string // in the error; "" for a pull
		digest  string
		kind    manifest.Kind
		unavail bool
	}{
		{name: "digest from the body when the header is missing or malformed", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Content-Digest", "sha256:nothex")
			w.Write([]byte("{}"))
		}, digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
		{name: "a manifest too large is refused, read no further", h: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(big))
		}, want: "larger than"},
		{name: "a body that is not an errcode envelope is quoted", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte("<html>no\nsuch thing</html>"))
		}, want: `HTTP 404: <html>no such thing</html>`, kind: manifest.NameUnknown},
		{name: "an error body is read only so far", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(big))
		}, want: "…", kind: manifest.Other},
		{name: "429 is a warning", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`))
		}, want: "TOOMANYREQUESTS: slow down", unavail: true},
		{name: "the Basic credentials arrive without a challenge", h: func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "AWS" || p != "p" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("ab", 32))
		}, digest: "sha256:" + strings.Repeat("ab", 32)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := fixed(t, tc.h).Check(context.Background(), []manifest.Ref{{Repository: "a/b", Reference: "1"}})[0]
			var re *manifest.Error
			var ue *manifest.UnavailableError
			switch {
			case tc.digest != "":
				if res.Err != nil || res.Digest != tc.digest {
					t.Errorf("got %q, %v; want %s", res.Digest, res.Err, tc.digest)
				}
			case tc.unavail:
				if !errors.As(res.Err, &ue) || !strings.Contains(ue.Error(), tc.want) {
					t.Errorf("err = %v, want unavailable with %q", res.Err, tc.want)
				}
			default:
				if !errors.As(res.Err, &re) || re.Kind() != tc.kind || !strings.Contains(re.Error(), tc.want) {
					t.Errorf("err = %v, want kind %d with %q", res.Err, tc.kind, tc.want)
				}
				if len(re.Error()) > 400 {
					t.Errorf("the message is %d bytes long", len(re.Error()))
				}
			}
		})
	}
}

func TestValidateRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if got := manifest.ValidateRule(ctx, w.api, account, "docker-hub"); !got.Valid || got.Failure != "" || got.Note != "" {
		t.Errorf("docker-hub: %+v", got)
	}
	if got := manifest.ValidateRule(ctx, w.api, account, "ghcr"); got.Valid || got.Failure != "Bad credentials" {
		t.Errorf("ghcr: %+v", got)
	}
	w.ecr.Deny("ValidatePullThroughCacheRule")
	if got := manifest.ValidateRule(ctx, w.api, account, "ghcr"); got.Valid || got.Failure != "" || !strings.Contains(got.Note, "ecr:ValidatePullThroughCacheRule was denied") {
		t.Errorf("denied: %+v", got)
	}
}

func TestShort(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"sha256:" + strings.Repeat("0123456789", 7)[:64]: "012345678901", "sha256:ab": "sha256:ab", "": ""} {
		if got := manifest.Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}

// A registry that cannot be reached warns (the servers may still reach it),
// and the message names the image, not a URL.
func TestCheckUnreachable(t *testing.T) {
	t.Parallel()
	refused := errors.New("dial tcp 192.0.2.1:443: connect: connection refused")
	c := &manifest.Checker{Host: host, User: "AWS", Password: "p", Client: &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, refused }}}}
	res := c.Check(context.Background(), []manifest.Ref{{Repository: "a/b", Reference: "1"}})[0]
	var ue *manifest.UnavailableError
	if !errors.As(res.Err, &ue) || ue.Timeout || ue.Status != 0 || !errors.Is(res.Err, refused) || strings.Contains(res.Err.Error(), "https://") {
		t.Errorf("err = %v", res.Err)
	}
	if got := ue.Detail(); got != refused.Error() {
		t.Errorf("Detail() = %q", got)
	}
}
