package action

import (
	"cmp"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

// What verifying the images adds to a run: 5 accessories through the cache,
// 100 ms on every call (the ECR API and the registry API alike). The token
// comes with the other AWS calls and the 5 GETs go at once, so it should be
// one round trip more, not five (round-trips/run is the difference over
// the latency).
func BenchmarkVerifyImages(b *testing.B) {
	const latency = 100 * time.Millisecond
	var cfg strings.Builder
	cfg.WriteString("image: acme/shop\nregistry:\n  server: " + reg + "\n  username: AWS\n  password: secret\nbuilder:\n  arch: amd64\naccessories:\n")
	images := []string{"mysql:8.4", "redis:7", "postgres:17", "memcached:1.6", "rabbitmq:4"}
	for i, img := range images {
		cfg.WriteString("  a" + string(rune('0'+i)) + ":\n    image: " + img + "\n")
	}
	var base time.Duration
	for _, verify := range []string{"false", "true"} {
		b.Run("verify-images="+verify, func(b *testing.B) {
			w := newVerifyWorld(b)
			w.files["config/deploy.yml"] = cfg.String()
			w.inputs = map[string]string{"validate": "false", "verify-images": verify, "pull-through-cache": "docker.io=docker-hub"}
			for _, img := range images {
				name, tag, _ := strings.Cut(img, ":")
				w.hub.Put("library/"+name, tag, "application/vnd.oci.image.index.v1+json", ecrtest.Index(img))
			}
			w.srv.Latency = latency
			in, err := ParseInputs(func(name string) string { return cmp.Or(w.inputs[name], inputs.Default(name)) })
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				if _, err := Run(context.Background(), w.deps, in); err != nil {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(per.Milliseconds()), "ms/run")
			if verify == "false" {
				base = per
				return
			}
			if base > 0 {
				b.ReportMetric(float64(per-base)/float64(latency), "round-trips/run")
			}
		})
	}
}
