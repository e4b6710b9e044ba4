package ecrtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var scope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	service, op := "ecr", strings.TrimPrefix(target, targetPrefix)
	if target == "" {
		form, _ := url.ParseQuery(string(body))
		service, op = "sts", form.Get("Action")
	}
	m := scope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || m[2] != service || (s.Region != "" && m[1] != s.Region) {
		s.mu.Lock()
		s.bad = append(s.bad, fmt.Sprintf("%s %s: %q", service, op, r.Header.Get("Authorization")))
		s.mu.Unlock()
		s.fail(w, service, 403, "InvalidSignatureException", fmt.Sprintf("credential scope must be region %s, service %s", s.Region, service))
		return
	}
	var req map[string]any
	if service == "ecr" && len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			s.fail(w, service, 400, "SerializationException", err.Error())
			return
		}
	}
	if s.gate(w, r, service, op, req) {
		return
	}
	if service == "sts" {
		s.sts(w, op)
		return
	}
	res, code, msg := s.ecr(op, req)
	if code != "" {
		s.fail(w, service, 400, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(res)
}

// gate counts the call and answers it when a fault, a throttle or a denial
// applies; it reports whether it answered.
func (s *Server) gate(w http.ResponseWriter, r *http.Request, service, op string, req map[string]any) bool {
	s.mu.Lock()
	s.calls[op]++
	throttled := s.throttle[op] > 0
	if throttled {
		s.throttle[op]--
	}
	denied := ""
	if s.deny[op] {
		denied = service + ":" + op
	} else if service == "ecr" && s.policy != nil {
		denied = s.refused(op, req)
	}
	fault := s.faults[op]
	s.mu.Unlock()
	switch {
	case fault != nil:
		fault(w, r)
	case throttled:
		s.fail(w, service, 400, "ThrottlingException", "Rate exceeded")
	case denied != "":
		s.fail(w, service, 400, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/ci is not authorized to perform: %s because no identity-based policy allows the action", s.Account, denied))
	default:
		return false
	}
	return true
}

func (s *Server) fail(w http.ResponseWriter, service string, status int, code, msg string) {
	if service == "sts" {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func (s *Server) sts(w http.ResponseWriter, op string) {
	if op != "GetCallerIdentity" {
		s.fail(w, "sts", 400, "InvalidAction", op)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::%[1]s:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>%[1]s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, s.Account)
}
