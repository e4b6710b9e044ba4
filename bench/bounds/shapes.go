package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

const header = `service: app
image: acme/app
servers:
  - 10.0.0.1
registry:
  server: 123456789012.dkr.ecr.us-east-1.amazonaws.com
  username: AWS
  password:
    - KAMAL_REGISTRY_PASSWORD
builder:
  arch: amd64
  cache:
    type: registry
    options: mode=max
`

// shapes are the worst cases of issue 17's "Resources", at the caps the
// action has now (kamal.MaxFileSize, kamal.MaxNodes), and a real config.
func shapes(ecr http.Handler) []shape {
	local := []string{"--verify-images=false", "--pull-through-cache", "docker.io=docker-hub"}
	check := append([]string{"--check"}, local...)
	rewrite := append([]string{"--rewrite-accessories"}, local...)
	atCap := accessoriesUpTo(kamal.MaxFileSize, "a")
	real, err := os.ReadFile("testdata/e2e/workspace/config/deploy.yml")
	if err != nil {
		real = []byte(header + "accessories:\n  db:\n    image: mysql:8.4\n    host: 10.0.0.1\n")
	}
	return []shape{
		{name: "real config (e2e fixture), check", files: deploy(real), args: check, wall: realMax, runs: 5},
		{name: "300-line config, check", files: deploy(accessories(93, "a")), args: check, wall: realMax, runs: 5},
		{name: "8,000 accessories, rewrite, pull-through", files: deploy(accessories(8000, "a")), args: rewrite, aws: ecr, wall: maxWall},
		{name: "8,000 accessories, rewrite, check", files: deploy(accessories(8000, "a")), args: append([]string{"--rewrite-accessories"}, check...), wall: maxWall},
		{name: fmt.Sprintf("%d accessories (file cap), check", count(atCap)), files: deploy(atCap), args: check, wall: maxWall},
		{name: fmt.Sprintf("%d accessories (file cap), real run", count(atCap)), files: deploy(atCap), args: local, aws: ecr, wall: maxWall},
		{name: "89,000 accessories (4 MiB, over the cap)", files: deploy(accessories(89_000, "a")), args: check, wall: maxWall},
		{name: "40,000 nested ERB ifs", files: deploy(nestedIfs(40_000)), args: check, wall: maxWall},
		{name: "100,000 nested ERB ifs", files: deploy(nestedIfs(100_000)), args: check, wall: maxWall},
		{name: "nested ERB ifs up to the file cap", files: deploy(nestedIfsUpTo(kamal.MaxFileSize)), args: check, wall: maxWall},
		{name: "tiny nodes [a,a,…] under the node cap", files: deploy(tinyNodes(kamal.MaxNodes - 1000)), args: check, wall: maxWall},
		{name: "tiny nodes [a,a,…] up to the file cap", files: deploy(tinyNodes(kamal.MaxFileSize/2 - 1000)), args: check, wall: maxWall},
		{name: "base + destination, both at the file cap", files: withDestination(atCap, accessoriesUpTo(kamal.MaxFileSize, "b")),
			args: append([]string{"--destination", "staging"}, check...), wall: maxWall},
		{name: "AWS answers with a 50 MB error body", files: deploy(real), args: local, aws: hugeError(50 << 20), wall: maxWall},
	}
}

func deploy(src []byte) map[string][]byte { return map[string][]byte{"config/deploy.yml": src} }

func withDestination(base, dest []byte) map[string][]byte {
	files := deploy(base)
	files["config/deploy.staging.yml"] = dest
	return files
}

func accessory(prefix string, i int) string {
	return fmt.Sprintf("  %s%d:\n    image: mysql:8.4\n    host: 10.0.0.1\n", prefix, i)
}

func accessories(n int, prefix string) []byte {
	var b strings.Builder
	b.WriteString(header + "accessories:\n")
	for i := range n {
		b.WriteString(accessory(prefix, i))
	}
	return []byte(b.String())
}

// accessoriesUpTo is as many accessories as fit in limit bytes.
func accessoriesUpTo(limit int, prefix string) []byte {
	var b strings.Builder
	b.WriteString(header + "accessories:\n")
	for i := 0; ; i++ {
		a := accessory(prefix, i)
		if b.Len()+len(a) > limit {
			return []byte(b.String())
		}
		b.WriteString(a)
	}
}

func count(src []byte) int { return strings.Count(string(src), "    image: ") }

func nestedIfs(n int) []byte {
	return []byte(header + strings.Repeat("<% if ENV[\"A\"] %>\n", n) + "x-deep: 1\n" + strings.Repeat("<% end %>\n", n))
}

// nestedIfsUpTo is as many nested blocks as fit in limit bytes.
func nestedIfsUpTo(limit int) []byte {
	per := len("<% if ENV[\"A\"] %>\n") + len("<% end %>\n")
	return nestedIfs((limit - len(header) - len("x-deep: 1\n")) / per)
}

func tinyNodes(n int) []byte {
	return []byte(header + "x-tiny: [" + strings.TrimSuffix(strings.Repeat("a,", n), ",") + "]\n")
}

// hugeError answers every AWS call with a 400 whose body is size bytes: the
// SDK reads a whole error body unless the transport bounds it.
func hugeError(size int) http.Handler {
	body := []byte(`{"__type":"InvalidParameterException","message":"` + strings.Repeat("x", size) + `"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
	})
}
