package ecrtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Registry serves the registry API (/v2/<name>/manifests/<ref>) of the
// server's registry on the token GetAuthorizationToken hands out: paths
// under a pull-through cache rule are fetched from the rule's upstream
// (registered with SetUpstream) and create the cached repository the first
// time, as ECR does; other paths answer from images Put here.
type Registry struct {
	ecr *Server
	// FirstPullDelay is added to a pull that creates a cached repository.
	FirstPullDelay time.Duration

	mu        sync.Mutex
	upstreams map[string]http.Handler // by rule upstream URL
	denied    map[string]bool         // prefixes the token's role may not import
	faults    map[string]int          // repository → status to answer
	own       *Upstream               // images pushed to the registry itself
	pulls     map[string]int          // by "<repository>:<ref>", authorized or not
}

// NewRegistry returns the registry API of s.
func NewRegistry(s *Server) *Registry {
	return &Registry{ecr: s, upstreams: map[string]http.Handler{}, denied: map[string]bool{},
		faults: map[string]int{}, own: NewUpstream(), pulls: map[string]int{}}
}

// SetUpstream serves the upstream of the rules whose upstreamRegistryUrl is url.
func (g *Registry) SetUpstream(url string, h http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.upstreams[url] = h
}

// DenyImport refuses pulls under prefix, as ECR does when the token's role
// lacks ecr:BatchImportUpstreamImage there.
func (g *Registry) DenyImport(prefix string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.denied[prefix] = true
}

// Fail makes every pull of repository answer status.
func (g *Registry) Fail(repository string, status int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults[repository] = status
}

// Own is the store of images pushed to the registry itself, outside any cache prefix.
func (g *Registry) Own() *Upstream { return g.own }

// Pulls counts manifest requests by "<repository>:<ref>".
func (g *Registry) Pulls() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.pulls)
}

var manifestPath = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)

func (g *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if lat := g.ecr.Latency; lat > 0 {
		time.Sleep(lat)
	}
	m := manifestPath.FindStringSubmatch(r.URL.Path)
	if m != nil {
		g.mu.Lock()
		g.pulls[m[1]+":"+m[2]]++
		g.mu.Unlock()
	}
	if !g.authorized(r) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Basic realm="https://%s/",service="ecr.amazonaws.com"`, r.Host))
		writeErrors(w, http.StatusUnauthorized, "DENIED", "Not Authorized")
		return
	}
	switch {
	case r.URL.Path == "/v2/":
		w.WriteHeader(http.StatusOK)
		return
	case m == nil || r.Method != http.MethodGet && r.Method != http.MethodHead:
		writeErrors(w, http.StatusNotFound, "UNSUPPORTED", "The operation is unsupported.")
		return
	}
	name, ref := m[1], m[2]
	g.mu.Lock()
	fault := g.faults[name]
	g.mu.Unlock()
	if fault != 0 {
		writeErrors(w, fault, "SERVICE_UNAVAILABLE", "Service Unavailable")
		return
	}
	rule, rest, ok := g.ecr.ruleFor(name)
	if !ok {
		if denied := g.ecr.pullRefused(name, "ecr:BatchGetImage"); denied != "" {
			g.deny(w, denied)
			return
		}
		g.own.ServeHTTP(w, upstreamRequest(r, name, ref))
		return
	}
	g.pullThrough(w, r, rule, name, rest, ref)
}

// authorized checks the Basic credentials GetAuthorizationToken hands out.
func (g *Registry) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && user == "AWS" && pass == "local-secret-password-"+g.ecr.Account
}

func (g *Registry) pullThrough(w http.ResponseWriter, r *http.Request, rule Rule, name, rest, ref string) {
	g.mu.Lock()
	denied, upstream := g.denied[rule.Prefix], g.upstreams[rule.UpstreamURL]
	g.mu.Unlock()
	_, cached := g.ecr.Repository("", name)
	actions := []string{"ecr:BatchGetImage", "ecr:BatchImportUpstreamImage"}
	if !cached {
		actions = append(actions, "ecr:CreateRepository")
	}
	refused := g.ecr.pullRefused(name, actions...)
	if denied {
		refused = "ecr:BatchImportUpstreamImage on resource: " + g.ecr.repoARN(name)
	}
	if refused != "" {
		g.deny(w, refused)
		return
	}
	if rule.Failure != "" || upstream == nil {
		writeErrors(w, http.StatusForbidden, "DENIED", "The authentication to the upstream registry failed. Verify that the credentials are correct and have the required permissions.")
		return
	}
	if !cached && g.FirstPullDelay > 0 {
		select {
		case <-time.After(g.FirstPullDelay):
		case <-r.Context().Done():
			return
		}
	}
	rec := httptest.NewRecorder()
	upstream.ServeHTTP(rec, upstreamRequest(r, rest, ref))
	switch res := rec.Result(); {
	case res.StatusCode == http.StatusOK:
		if !cached {
			g.ecr.AddRepository(Repository{Name: name, Created: time.Now()})
		}
		for _, h := range []string{"Content-Type", "Docker-Content-Digest", "Content-Length"} {
			w.Header().Set(h, res.Header.Get(h))
		}
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(rec.Body.Bytes())
		}
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		writeErrors(w, http.StatusForbidden, "DENIED", "The authentication to the upstream registry failed. Verify that the credentials are correct and have the required permissions.")
	case strings.Contains(rec.Body.String(), "MANIFEST_UNKNOWN"):
		writeErrors(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("Requested image not found: %s", ref))
	case res.StatusCode == http.StatusNotFound:
		writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, g.ecr.Account))
	default:
		writeErrors(w, http.StatusBadGateway, "UNKNOWN", fmt.Sprintf("upstream answered %d", res.StatusCode))
	}
}

// deny answers as ECR does when the token's role lacks an action.
func (g *Registry) deny(w http.ResponseWriter, refused string) {
	action, _, _ := strings.Cut(refused, " ")
	writeErrors(w, http.StatusForbidden, "DENIED", fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/deploy/ci is not authorized to perform: %s because no identity-based policy allows the %s action",
		g.ecr.Account, refused, action))
}

func (s *Server) repoARN(name string) string {
	return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", s.Region, s.Account, name)
}

// pullRefused is the first of actions on repository name that the
// server's policy does not allow, as "ecr:Op on resource: arn", recorded
// with the other denials; "" when allowed or without a policy.
func (s *Server) pullRefused(name string, actions ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policy == nil {
		return ""
	}
	for _, a := range actions {
		if !s.policy.Allows(a, s.repoARN(name)) {
			d := a + " on resource: " + s.repoARN(name)
			s.denied = append(s.denied, d)
			return d
		}
	}
	return ""
}

// upstreamRequest is r, asked of the upstream for repository name.
func upstreamRequest(r *http.Request, name, ref string) *http.Request {
	u := r.Clone(r.Context())
	u.URL.Path = "/v2/" + name + "/manifests/" + ref
	u.RequestURI = u.URL.RequestURI()
	u.Header.Del("Authorization")
	return u
}

// SetRuleFailure makes the upstream of the rule for prefix refuse its stored
// credentials with failure, as ValidatePullThroughCacheRule reports it.
func (s *Server) SetRuleFailure(prefix, failure string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rules {
		if s.rules[i].Prefix == prefix {
			s.rules[i].Failure = failure
		}
	}
}

// SetRuleCredentials gives the rule at prefix stored upstream credentials.
func (s *Server) SetRuleCredentials(prefix, arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rules {
		if s.rules[i].Prefix == prefix {
			s.rules[i].CredentialArn = arn
		}
	}
}

// ruleFor finds the rule whose prefix holds name, the longest first.
func (s *Server) ruleFor(name string) (Rule, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best Rule
	var rest string
	found := false
	for _, r := range s.rules {
		if after, ok := strings.CutPrefix(name, r.Prefix+"/"); ok && (!found || len(r.Prefix) > len(best.Prefix)) {
			best, rest, found = r, after, true
		}
	}
	return best, rest, found
}

// pullThroughOp answers the ECR operations about pull-through rules that
// the main switch does not.
func (s *Server) pullThroughOp(op string, req map[string]any, registry string) (any, string, string) {
	if op != "ValidatePullThroughCacheRule" {
		return nil, "UnknownOperationException", op
	}
	prefix := str(req, "ecrRepositoryPrefix")
	for _, r := range s.rules {
		if r.Prefix != prefix {
			continue
		}
		out := map[string]any{"ecrRepositoryPrefix": prefix, "registryId": registry, "upstreamRegistryUrl": r.UpstreamURL, "isValid": r.Failure == ""}
		if r.CredentialArn != "" {
			out["credentialArn"] = r.CredentialArn
		}
		if r.Failure != "" {
			out["failure"] = r.Failure
		}
		return out, "", ""
	}
	return nil, "PullThroughCacheRuleNotFoundException", fmt.Sprintf("The pull through cache rule with prefix '%s' does not exist in the registry with id '%s'", prefix, registry)
}

// writeErrors answers with the registry API's error envelope.
func writeErrors(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]string{"code": code, "message": msg}}})
}

// Token is the Basic credential the registry API takes, as base64 "AWS:<password>".
func (s *Server) Token() string {
	return base64.StdEncoding.EncodeToString([]byte("AWS:local-secret-password-" + s.Account))
}
