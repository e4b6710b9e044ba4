package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Every common run takes at most two round trips: the first sends every
// call that does not depend on another's answer. Each call waits 300 ms at
// the server, so calls sent together arrive together, and a call sent after
// an answer arrives at least 300 ms later: the waves are counted, not timed.
func TestTwoRoundTrips(t *testing.T) {
	const latency = 300 * time.Millisecond
	for _, tt := range []struct {
		name   string
		inputs map[string]string
		setup  func(*ecrtest.Server)
		rounds int
	}{
		{"fresh registry", nil, nil, 2},
		{"existing registry, policy set", nil, func(s *ecrtest.Server) {
			s.AddRepository(ecrtest.Repository{Name: "acme/shop"})
			s.AddRepository(ecrtest.Repository{Name: "acme/shop-build-cache", Policy: registry.LifecyclePolicy(7)})
		}, 1},
		{"existing registry, no policy yet", nil, func(s *ecrtest.Server) {
			s.AddRepository(ecrtest.Repository{Name: "acme/shop"})
			s.AddRepository(ecrtest.Repository{Name: "acme/shop-build-cache"})
		}, 2},
		{"login", map[string]string{"login": "true"}, nil, 2},
		{"dry run", map[string]string{"dry-run": "true"}, nil, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, tt.inputs)
			s.srv.PageSize = 100 // one page of rules, as ECR answers up to 100
			if tt.setup != nil {
				tt.setup(s.srv)
			}
			var mu sync.Mutex
			var arrivals []time.Time
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
				time.Sleep(latency)
				s.srv.ServeHTTP(w, r)
			}))
			t.Cleanup(hs.Close)
			s.env["AWS_ENDPOINT_URL_ECR"], s.env["AWS_ENDPOINT_URL_STS"] = hs.URL, hs.URL
			if s.run(); s.code != 0 {
				t.Fatalf("exit %d\n%s", s.code, s.stdout.String())
			}
			slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
			waves := 0
			var start time.Time
			for _, a := range arrivals {
				if waves == 0 || a.Sub(start) >= latency*2/3 {
					waves, start = waves+1, a
				}
			}
			if waves > tt.rounds {
				t.Errorf("%d round trips, want %d (calls %v)", waves, tt.rounds, s.srv.Calls())
			}
		})
	}
}
