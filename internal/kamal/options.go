package kamal

import "strings"

// Option is one key=value item of builder.cache.options.
type Option struct {
	Key, Value string
	bare       bool // written without "="
}

// ParseOptions splits a BuildKit cache options string ("k=v,k2=v2").
func ParseOptions(s string) []Option {
	var out []Option
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		out = append(out, Option{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), bare: !ok})
	}
	return out
}

// FormatOptions joins options back into one string.
func FormatOptions(opts []Option) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		if o.bare {
			parts[i] = o.Key
		} else {
			parts[i] = o.Key + "=" + o.Value
		}
	}
	return strings.Join(parts, ",")
}

// MergeOptions sets each wanted key in the options string. A key keeps the
// place of its first occurrence; a repeated key is folded into one with its
// last value (the one BuildKit would use), then wanted values replace
// existing ones, and missing wanted keys are appended in the order given.
func MergeOptions(current string, want []Option) string {
	var opts []Option
	at := map[string]int{}
	for _, o := range ParseOptions(current) {
		if i, ok := at[o.Key]; ok {
			opts[i] = o
			continue
		}
		at[o.Key] = len(opts)
		opts = append(opts, o)
	}
	for _, w := range want {
		if i, ok := at[w.Key]; ok {
			opts[i] = w
			continue
		}
		at[w.Key] = len(opts)
		opts = append(opts, w)
	}
	return FormatOptions(opts)
}

// HasECROptions reports whether options carry image-manifest=true and
// oci-mediatypes=true, and neither is contradicted later.
func HasECROptions(s string) bool {
	var manifest, oci bool
	for _, o := range ParseOptions(s) {
		switch o.Key {
		case "image-manifest":
			manifest = o.Value == "true"
		case "oci-mediatypes":
			oci = o.Value == "true"
		}
	}
	return manifest && oci
}
