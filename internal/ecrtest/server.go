// Package ecrtest is a local server that speaks enough of ECR's awsJson1.1
// protocol, and STS's query protocol, for the real AWS SDK and CLI to run
// against it. It checks each request's SigV4 scope, keeps repositories in
// memory, and can add latency, throttling and access denials.
package ecrtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const targetPrefix = "AmazonEC2ContainerRegistry_V20150921."

// Repository is a repository the server holds.
type Repository struct {
	Name, Registry string
	Mutability     string
	Filters        []string
	ScanOnPush     bool
	Encryption     string
	KMSKey         string
	Tags           map[string]string
	Policy         string
	Created        time.Time
}

// Rule is a pull-through cache rule the server lists.
type Rule struct {
	Prefix, UpstreamURL, UpstreamRegistry, UpstreamPrefix string
	CredentialArn, Failure                                string // Failure: the upstream refuses the stored credentials
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	Account  string        // answered by STS and used as the default registryId
	Region   string        // required in every SigV4 scope; "" accepts any
	Latency  time.Duration // added to every call
	PageSize int           // pull-through rules per page

	mu       sync.Mutex
	repos    map[string]*Repository // by registry/name
	rules    []Rule
	calls    map[string]int
	throttle map[string]int // op → how many more calls to throttle
	deny     map[string]bool
	creates  map[string]int // by registry/name: successful creations
	bad      []string       // requests whose signature scope was wrong
}

// New returns an empty server for account in region.
func New(account, region string) *Server {
	return &Server{Account: account, Region: region, PageSize: 2,
		repos: map[string]*Repository{}, calls: map[string]int{}, throttle: map[string]int{},
		deny: map[string]bool{}, creates: map[string]int{}}
}

// AddRepository stores an existing repository (mutability defaults to MUTABLE).
func (s *Server) AddRepository(r Repository) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Registry == "" {
		r.Registry = s.Account
	}
	if r.Mutability == "" {
		r.Mutability = "MUTABLE"
	}
	if r.Encryption == "" {
		r.Encryption = "AES256"
	}
	s.repos[r.Registry+"/"+r.Name] = &r
}

// AddRule stores a pull-through cache rule.
func (s *Server) AddRule(r Rule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, r)
}

// Throttle makes the next n calls of op fail with ThrottlingException.
func (s *Server) Throttle(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[op] = n
}

// Deny makes every call of op fail with AccessDeniedException.
func (s *Server) Deny(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny[op] = true
}

// Repository returns a copy of a stored repository.
func (s *Server) Repository(registry, name string) (Repository, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if registry == "" {
		registry = s.Account
	}
	r, ok := s.repos[registry+"/"+name]
	if !ok {
		return Repository{}, false
	}
	return *r, true
}

// Calls counts the calls per operation, throttled and denied ones included.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// Creations counts successful CreateRepository calls per registry/name.
func (s *Server) Creations() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.creates)
}

// BadSignatures lists requests refused for a wrong SigV4 region or service.
func (s *Server) BadSignatures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bad)
}

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
	s.mu.Lock()
	s.calls[op]++
	throttled := s.throttle[op] > 0
	if throttled {
		s.throttle[op]--
	}
	denied := s.deny[op]
	s.mu.Unlock()
	switch {
	case throttled:
		s.fail(w, service, 400, "ThrottlingException", "Rate exceeded")
		return
	case denied:
		s.fail(w, service, 400, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/ci is not authorized to perform: %s:%s", s.Account, service, op))
		return
	}
	if service == "sts" {
		s.sts(w, op)
		return
	}
	var req map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			s.fail(w, service, 400, "SerializationException", err.Error())
			return
		}
	}
	res, code, msg := s.ecr(op, req)
	if code != "" {
		s.fail(w, service, 400, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(res)
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

func str(m map[string]any, k string) string { v, _ := m[k].(string); return v }

func (s *Server) ecr(op string, req map[string]any) (any, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	registry := str(req, "registryId")
	if registry == "" {
		registry = s.Account
	}
	name := str(req, "repositoryName")
	key := registry + "/" + name
	switch op {
	case "CreateRepository":
		if _, ok := s.repos[key]; ok {
			return nil, "RepositoryAlreadyExistsException", fmt.Sprintf("The repository with name '%s' already exists in the registry with id '%s'", name, registry)
		}
		if len(name) < 2 {
			return nil, "InvalidParameterException", "invalid repository name"
		}
		r := &Repository{Name: name, Registry: registry, Mutability: "MUTABLE", Encryption: "AES256", Tags: map[string]string{}, Created: time.Now()}
		if v := str(req, "imageTagMutability"); v != "" {
			r.Mutability = v
		}
		if f, ok := req["imageTagMutabilityExclusionFilters"].([]any); ok {
			for _, x := range f {
				r.Filters = append(r.Filters, str(x.(map[string]any), "filter"))
			}
		}
		if c, ok := req["imageScanningConfiguration"].(map[string]any); ok {
			r.ScanOnPush, _ = c["scanOnPush"].(bool)
		}
		if c, ok := req["encryptionConfiguration"].(map[string]any); ok {
			if t := str(c, "encryptionType"); t != "" {
				r.Encryption = t
			}
			r.KMSKey = str(c, "kmsKey")
		}
		if tags, ok := req["tags"].([]any); ok {
			for _, x := range tags {
				t := x.(map[string]any)
				r.Tags[str(t, "Key")] = str(t, "Value")
			}
		}
		s.repos[key] = r
		s.creates[key]++
		return map[string]any{"repository": s.describe(r)}, "", ""
	case "DescribeRepositories":
		var out []any
		names, _ := req["repositoryNames"].([]any)
		if len(names) == 0 {
			for _, k := range slices.Sorted(maps.Keys(s.repos)) {
				if r := s.repos[k]; r.Registry == registry {
					out = append(out, s.describe(r))
				}
			}
		}
		for _, n := range names {
			r, ok := s.repos[registry+"/"+n.(string)]
			if !ok {
				return nil, "RepositoryNotFoundException", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", n, registry)
			}
			out = append(out, s.describe(r))
		}
		return map[string]any{"repositories": out}, "", ""
	case "GetLifecyclePolicy", "PutLifecyclePolicy":
		r, ok := s.repos[key]
		if !ok {
			return nil, "RepositoryNotFoundException", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, registry)
		}
		if op == "PutLifecyclePolicy" {
			text := str(req, "lifecyclePolicyText")
			if !json.Valid([]byte(text)) {
				return nil, "InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure'"
			}
			r.Policy = text
		} else if r.Policy == "" {
			return nil, "LifecyclePolicyNotFoundException", fmt.Sprintf("Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", name, registry)
		}
		return map[string]any{"registryId": registry, "repositoryName": name, "lifecyclePolicyText": r.Policy}, "", ""
	case "DescribePullThroughCacheRules":
		start, _ := strconv.Atoi(str(req, "nextToken"))
		size := s.PageSize
		if mr, ok := req["maxResults"].(float64); ok && int(mr) < size {
			size = int(mr)
		}
		end := min(start+size, len(s.rules))
		var out []any
		for _, r := range s.rules[start:end] {
			rule := map[string]any{"ecrRepositoryPrefix": r.Prefix, "upstreamRegistryUrl": r.UpstreamURL, "registryId": registry, "createdAt": 1.7e9}
			if r.UpstreamRegistry != "" {
				rule["upstreamRegistry"] = r.UpstreamRegistry
			}
			if r.UpstreamPrefix != "" {
				rule["upstreamRepositoryPrefix"] = r.UpstreamPrefix
			}
			if r.CredentialArn != "" {
				rule["credentialArn"] = r.CredentialArn
			}
			out = append(out, rule)
		}
		res := map[string]any{"pullThroughCacheRules": out}
		if end < len(s.rules) {
			res["nextToken"] = strconv.Itoa(end)
		}
		return res, "", ""
	case "GetAuthorizationToken":
		token := base64.StdEncoding.EncodeToString([]byte("AWS:local-secret-password-" + registry))
		return map[string]any{"authorizationData": []any{map[string]any{
			"authorizationToken": token, "expiresAt": float64(time.Now().Add(12 * time.Hour).Unix()),
			"proxyEndpoint": "https://" + registry + ".dkr.ecr." + s.Region + ".amazonaws.com"}}}, "", ""
	}
	return s.pullThroughOp(op, req, registry)
}

func (s *Server) describe(r *Repository) map[string]any {
	d := map[string]any{
		"repositoryArn":              fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", s.Region, r.Registry, r.Name),
		"registryId":                 r.Registry,
		"repositoryName":             r.Name,
		"repositoryUri":              fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", r.Registry, s.Region, r.Name),
		"createdAt":                  float64(r.Created.Unix()),
		"imageTagMutability":         r.Mutability,
		"imageScanningConfiguration": map[string]any{"scanOnPush": r.ScanOnPush},
		"encryptionConfiguration":    map[string]any{"encryptionType": r.Encryption},
	}
	if r.KMSKey != "" {
		d["encryptionConfiguration"].(map[string]any)["kmsKey"] = r.KMSKey
	}
	if len(r.Filters) > 0 {
		var fs []any
		for _, f := range r.Filters {
			fs = append(fs, map[string]any{"filterType": "WILDCARD", "filter": f})
		}
		d["imageTagMutabilityExclusionFilters"] = fs
	}
	return d
}
