package manifest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Any error body, from any registry, gives a message of one short line.
func FuzzParseBody(f *testing.F) {
	f.Add([]byte(`{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}`))
	f.Add([]byte(`{"errors":[]}`))
	f.Add([]byte("<html>\n<body>502 Bad Gateway</body>\n</html>"))
	f.Add([]byte(`{"errors":[{"code":"DENIED","message":"` + strings.Repeat("é", 400) + `"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		code, msg := parseBody(raw)
		if strings.ContainsAny(code+msg, "\r\n") || utf8.RuneCountInString(msg) > 301 || utf8.RuneCountInString(code) > 64 {
			t.Fatalf("message %q is not one short line", msg)
		}
		e := &Error{Ref: Ref{Repository: "a/b", Reference: "1"}, Status: 404, Code: code, Message: msg}
		_ = e.Kind()
		if q := e.Quote(); q == "" {
			t.Fatal("empty quote")
		}
	})
}
