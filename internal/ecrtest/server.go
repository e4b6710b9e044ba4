// Package ecrtest is a local server that speaks enough of ECR's awsJson1.1
// protocol, and STS's query protocol, for the real AWS SDK and CLI to run
// against it. It checks each request's SigV4 scope, keeps repositories in
// memory, and can add latency, throttling, faults and access denials, the
// latter by operation or by an IAM policy the caller must stay within.
package ecrtest

import (
	"maps"
	"net/http"
	"slices"
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
	policy   *Policy  // when set, every ECR call outside it is denied
	denied   []string // "ecr:Op on resource" refused by the policy
	faults   map[string]http.HandlerFunc
	creates  map[string]int // by registry/name: successful creations
	bad      []string       // requests whose signature scope was wrong
}

// New returns an empty server for account in region.
func New(account, region string) *Server {
	return &Server{Account: account, Region: region, PageSize: 2,
		repos: map[string]*Repository{}, calls: map[string]int{}, throttle: map[string]int{},
		deny: map[string]bool{}, faults: map[string]http.HandlerFunc{}, creates: map[string]int{}}
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

// Fault answers every call of op with h instead (a hang, a 500, a huge body).
func (s *Server) Fault(op string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = h
}

// SetPolicy denies every ECR call that p does not allow, as IAM would for a
// role whose only policy is p. Tags in CreateRepository also need
// ecr:TagResource on the repository, as in AWS.
func (s *Server) SetPolicy(p *Policy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
}

// Denied lists the calls the policy refused, as "ecr:Op on resource".
func (s *Server) Denied() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.denied)
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
