package kamal

import (
	"fmt"
	"strings"
	"testing"
)

// The worst cases within the limits, each read and validated as a run does
// (target: any of them under 5 s and 512 MiB as a whole run; the bench
// script measures the binary).

// fill grows a config from head with lines made by line(i) until the next
// would pass the file size limit.
func fill(head string, line func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; ; i++ {
		l := line(i)
		if b.Len()+len(l) > MaxFileSize {
			return []byte(b.String())
		}
		b.WriteString(l)
	}
}

var worstCases = map[string]func() []byte{
	// Accessories up to the size limit (about 27,000).
	"accessories": func() []byte {
		return fill("service: s\nimage: a/b\naccessories:\n", func(i int) string {
			return fmt.Sprintf("  a%d:\n    image: redis:7\n    host: 1.1.1.1\n", i)
		})
	},
	// Tiny values up to the node limit.
	"flow": func() []byte {
		return []byte("service: s\nimage: a/b\nx: [" + strings.Repeat("a,", MaxNodes-10) + "a]\n")
	},
	// Tags that write YAML, each needing the key it belongs to.
	"ruby-lines": func() []byte {
		return fill("service: s\nimage: a/b\nenv:\n  clear:\n", func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf("    K%d: v\n", i)
			}
			return "  <%= more %>\n"
		})
	},
	// Values read from the environment in every line.
	"erb-values": func() []byte {
		return fill("service: s\nimage: a/b\nenv:\n  clear:\n", func(i int) string {
			return fmt.Sprintf("    K%d: <%%= ENV[\"K%d\"] %%>\n", i, i)
		})
	},
	// Accessories on hosts of their own, each with its kamal-proxy settings.
	"proxied-accessories": func() []byte {
		return fill("service: s\nimage: a/b\nservers: [1.1.1.1]\naccessories:\n", func(i int) string {
			return fmt.Sprintf("  a%d: {image: r, host: h%d, proxy: {run: {http_port: %d}}}\n", i, i, i%2)
		})
	},
	// Accessories placed by tag on a role of tagged hosts.
	"tagged-accessories": func() []byte {
		var b strings.Builder
		b.WriteString("service: s\nimage: a/b\nservers:\n  web:\n")
		for i := range 10000 {
			fmt.Fprintf(&b, "    - h%d: t%d\n", i, i)
		}
		return fill(b.String()+"accessories:\n", func(i int) string { return fmt.Sprintf("  a%d: {image: r, tag: t%d}\n", i, i%10000) })
	},
	// One proxied role with SSL on many hosts, and unknown keys.
	"ssl-hosts": func() []byte {
		return fill("service: s\nimage: a/b\nservers:\n  web:\n    proxy: {ssl: true, host: x}\n    hosts:\n", func(i int) string { return fmt.Sprintf("      - h%d\n", i%5000) })
	},
	"unknown-keys": func() []byte {
		return fill("service: s\nimage: a/b\nbuilder:\n", func(i int) string { return fmt.Sprintf("  k%d: 1\n", i) })
	},
	// A syntax error at the end of a file of long lines.
	"syntax-error-at-end": func() []byte {
		src := fill("service: s\nimage: a/b\nenv:\n  clear:\n", func(i int) string { return fmt.Sprintf("    K%d: %s\n", i, strings.Repeat("v", 200)) })
		return append(src[:len(src)-300], "\n  x: \"open\n\n\n"...)
	},
}

func BenchmarkWorstCases(b *testing.B) {
	for name, gen := range worstCases {
		src := gen()
		b.Run(name, func(b *testing.B) {
			read := func(string) ([]byte, error) { return src, nil }
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if c, err := Load(read, func(string) string { return "" }, "deploy.yml", ""); err == nil {
					c.Validate()
				}
			}
		})
	}
}

// A base file and a destination file, each at the node limit.
func BenchmarkWorstBaseAndDestination(b *testing.B) {
	src := worstCases["flow"]()
	read := func(string) ([]byte, error) { return src, nil }
	b.SetBytes(2 * int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load(read, func(string) string { return "" }, "deploy.yml", "qa")
		if err != nil {
			b.Fatal(err)
		}
		c.Validate()
	}
}
