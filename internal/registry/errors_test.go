package registry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
)

// Every failure says what happened in words, with the measured time, then
// the SDK's text shortened on a second line.
func TestErrorsInWords(t *testing.T) {
	t.Parallel()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + closed.Addr().String()
	closed.Close()
	for _, tt := range []struct {
		name     string
		fault    http.HandlerFunc
		throttle bool
		endpoint string
		want     string
	}{
		{name: "throttled", throttle: true, want: `^ecr:DescribeRepositories on \S+: ECR throttled 8 attempts in a row \(\d+ ms in all\): retry later$`},
		{name: "500 with an HTML page", fault: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			w.Write([]byte("<html><body>" + strings.Repeat("<p>Internal error</p>", 5000) + "</body></html>"))
		}, want: `^ecr:DescribeRepositories on \S+: ECR answered 500 Internal Server Error 8 times \(\d+ ms in all\)$`},
		{name: "connection refused", endpoint: refused, want: `^ecr:DescribeRepositories on \S+: could not connect to ` + regexp.QuoteMeta(refused) + ` \(set by AWS_ENDPOINT_URL_ECR\): connection refused \(8 attempts, \d+ ms in all\)$`},
		{name: "a 50 MB error answer", fault: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			w.Write([]byte(`{"__type":"InvalidParameterException","message":"`))
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range 50 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`"}`))
		}, want: `^ecr:DescribeRepositories on \S+: ECR's answer is longer than 64 KiB, the most kamal-ecr reads$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ecrtest.New(account, "us-east-1")
			if tt.throttle {
				srv.Throttle("DescribeRepositories", 100)
			}
			if tt.fault != nil {
				srv.Fault("DescribeRepositories", tt.fault)
			}
			url := tt.endpoint
			if url == "" {
				hs := httptest.NewServer(srv)
				t.Cleanup(hs.Close)
				url = hs.URL
			}
			env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL_ECR": url}
			c, err := NewClients(context.Background(), func(k string) string { return env[k] }, "us-east-1", nil, ClientOptions{Backoff: fastBackoff})
			if err != nil {
				t.Fatal(err)
			}
			e := &Ensurer{API: c.ECR, Host: HostFor(account, "us-east-1"), NoCreate: true}
			_, err = e.Inspect(context.Background(), appAndCache()[:1])
			if err == nil {
				t.Fatal("no error")
			}
			first, detail, _ := strings.Cut(err.Error(), "\n")
			if !regexp.MustCompile(tt.want).MatchString(first) {
				t.Errorf("first line = %q", first)
			}
			if len(detail) > maxDetail+40 {
				t.Errorf("the SDK's text is %d bytes long: %.200s…", len(detail), detail)
			}
		})
	}
}

// An answer's body is read at most to the bound, however long it is.
func TestBoundedBody(t *testing.T) {
	t.Parallel()
	var read int64
	body := &countingReader{n: &read}
	b := &boundedBody{body: body, left: 1000, limit: 1000, cancel: func() {}, wrap: func(err error) error { return err }}
	buf := make([]byte, 4096)
	var err error
	for err == nil {
		_, err = b.Read(buf)
	}
	if _, ok := err.(*TooLargeError); !ok || read > 1001 {
		t.Errorf("err %v after reading %d bytes", err, read)
	}
}

type countingReader struct{ n *int64 }

func (c *countingReader) Read(p []byte) (int, error) { *c.n += int64(len(p)); return len(p), nil }
func (c *countingReader) Close() error               { return nil }
