// Command ecrserver serves the local ECR-protocol fake for the benchmark:
// it prints its URL, adds latency to every call, and answers GET /_calls
// with the call counts and POST /_reset by emptying the registry.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
)

func main() {
	latency := flag.Duration("latency", 0, "added to every API call")
	account := flag.String("account", "123456789012", "registry account")
	region := flag.String("region", "us-east-1", "required SigV4 region")
	lifetime := flag.Duration("lifetime", 30*time.Minute, "stop after this long")
	flag.Parse()

	var mu sync.Mutex
	newServer := func() *ecrtest.Server {
		s := ecrtest.New(*account, *region)
		s.Latency = *latency
		s.PageSize = 100
		s.AddRule(ecrtest.Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"})
		s.AddRule(ecrtest.Rule{Prefix: "ecr-public", UpstreamURL: "public.ecr.aws", UpstreamRegistry: "ecr-public"})
		return s
	}
	srv := newServer()
	calls := map[string]int{} // kept across resets
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_calls", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		total := map[string]int{}
		for k, v := range calls {
			total[k] += v
		}
		for k, v := range srv.Calls() {
			total[k] += v
		}
		json.NewEncoder(w).Encode(total)
	})
	mux.HandleFunc("POST /_reset", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		for k, v := range srv.Calls() {
			calls[k] += v
		}
		srv = newServer()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := srv
		mu.Unlock()
		s.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	go func() { time.Sleep(*lifetime); os.Exit(0) }()
	http.Serve(ln, mux)
}
