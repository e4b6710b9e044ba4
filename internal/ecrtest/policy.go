package ecrtest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Policy is the Allow statements of an IAM identity policy: what the caller
// may do, and nothing else.
type Policy struct {
	Statements []Statement
}

// Statement allows Actions on Resources; both may use IAM's * and ? wildcards.
type Statement struct {
	Actions, Resources []string
}

// ParsePolicy reads an IAM policy document. Only Allow statements with
// Action and Resource are understood; anything else is an error, so a test
// never passes on a policy the server misread.
func ParsePolicy(doc []byte) (*Policy, error) {
	var raw struct {
		Version   string
		Statement []struct {
			Sid      string
			Effect   string
			Action   oneOrMany
			Resource oneOrMany
		}
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	if raw.Version != "2012-10-17" {
		return nil, fmt.Errorf("parse policy: Version %q, want 2012-10-17", raw.Version)
	}
	p := &Policy{}
	for i, st := range raw.Statement {
		if st.Effect != "Allow" || len(st.Action) == 0 || len(st.Resource) == 0 {
			return nil, fmt.Errorf("parse policy: statement %d: want Effect Allow with Action and Resource", i)
		}
		p.Statements = append(p.Statements, Statement{Actions: st.Action, Resources: st.Resource})
	}
	return p, nil
}

type oneOrMany []string

func (o *oneOrMany) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*o = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(o))
}

// Allows reports whether some statement allows action on resource. Actions
// compare case-insensitively, as IAM does; resources case-sensitively.
func (p *Policy) Allows(action, resource string) bool {
	for _, st := range p.Statements {
		if matchAny(st.Actions, action, strings.ToLower) && matchAny(st.Resources, resource, func(s string) string { return s }) {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, s string, fold func(string) string) bool {
	for _, p := range patterns {
		if wildcard(fold(p), fold(s)) {
			return true
		}
	}
	return false
}

// wildcard matches IAM's * (any run, slashes included) and ? (one character).
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return len(pattern) == len(s) && prefixMatch(pattern, s)
	}
	if !prefixMatch(parts[0], s) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := indexMatch(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	last := parts[len(parts)-1]
	return len(s) >= len(last) && prefixMatch(last, s[len(s)-len(last):])
}

// prefixMatch: s starts with p, where ? in p matches any one byte.
func prefixMatch(p, s string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := range len(p) {
		if p[i] != '?' && p[i] != s[i] {
			return false
		}
	}
	return true
}

func indexMatch(s, p string) int {
	for i := 0; i+len(p) <= len(s); i++ {
		if prefixMatch(p, s[i:]) {
			return i
		}
	}
	return -1
}

// refused says which action a call needs that the policy does not allow,
// as "ecr:Op on resource", or "" when the policy allows it all. Called with
// s.mu held.
func (s *Server) refused(op string, req map[string]any) string {
	registry := str(req, "registryId")
	if registry == "" {
		registry = s.Account
	}
	arn := func(name string) string {
		return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", s.Region, registry, name)
	}
	var need [][2]string // action, resource
	switch op {
	case "GetAuthorizationToken", "DescribePullThroughCacheRules", "ValidatePullThroughCacheRule": // no resource-level permissions
		need = append(need, [2]string{op, "*"})
	case "DescribeRepositories":
		names, _ := req["repositoryNames"].([]any)
		if len(names) == 0 {
			need = append(need, [2]string{op, arn("*")})
		}
		for _, n := range names {
			name, _ := n.(string)
			need = append(need, [2]string{op, arn(name)})
		}
	default:
		need = append(need, [2]string{op, arn(str(req, "repositoryName"))})
		if tags, _ := req["tags"].([]any); op == "CreateRepository" && len(tags) > 0 {
			need = append(need, [2]string{"TagResource", arn(str(req, "repositoryName"))})
		}
	}
	for _, n := range need {
		if !s.policy.Allows("ecr:"+n[0], n[1]) {
			d := "ecr:" + n[0] + " on resource: " + n[1]
			s.denied = append(s.denied, d)
			return d
		}
	}
	return ""
}
