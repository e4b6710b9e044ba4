package validate

import (
	"fmt"
	"strings"
)

// unknownKeysFix says what to do with unknown keys of a mapping checked
// against e: where a key Kamal 2 moved went, which known key a misspelt one
// is one edit away from, else to remove them.
func unknownKeysFix(ctx string, keys []string, e *example, n *Node) string {
	var fixes []string
	for _, k := range keys[:min(len(keys), 20)] {
		switch {
		case k == "traefik" && ctx == "":
			fixes = append(fixes, "Kamal 2 replaced traefik: with proxy: (see kamal upgrade)")
		case k == "healthcheck" && ctx == "":
			fixes = append(fixes, healthcheckFix(n.get("healthcheck"), n.get("proxy")))
		case k == "multiarch" && ctx == "builder":
			fixes = append(fixes, "Kamal 2 uses builder.arch (amd64, arm64, or both as a list) instead of multiarch")
		default:
			if near := nearKey(k, e.keys); near != "" {
				fixes = append(fixes, fmt.Sprintf("did you mean `%s`?", near))
			}
		}
	}
	if len(fixes) > 0 {
		return strings.Join(fixes, "; ")
	}
	if ctx == "" {
		return "remove it or fix its spelling (only top-level keys starting with x- are free)"
	}
	return "remove it or fix its spelling"
}

// healthcheckMoves are where Kamal 1's healthcheck keys went in Kamal 2.
var healthcheckMoves = []struct{ from, to string }{
	{"path", "proxy.healthcheck.path"},
	{"port", "proxy.app_port"},
	{"interval", "proxy.healthcheck.interval"},
}

// healthcheckFix says where each key of a Kamal 1 healthcheck goes, with the
// YAML to paste built from its values; when the config has proxy: already,
// the keys to add under it (a second proxy: would be a duplicate key).
func healthcheckFix(hc, proxy *Node) string {
	var moves, check []string
	port := ""
	for _, m := range healthcheckMoves {
		moves = append(moves, fmt.Sprintf("%s → %s", m.from, m.to))
		val := hc.get(m.from)
		if val == nil || val.kind == vMap || val.kind == vSeq || !val.present() {
			continue
		}
		if m.from == "port" {
			port = val.shown()
		} else {
			check = append(check, m.from+": "+val.shown())
		}
	}
	fix := "Kamal 2 moved healthcheck: under proxy (" + strings.Join(moves, ", ") + "; the others have no place in Kamal 2)"
	if proxy != nil && proxy.kind == vMap {
		return fix + underProxy(proxy, port, check)
	}
	var paste []string
	if port != "" {
		paste = append(paste, "app_port: "+port)
	}
	if len(check) > 0 {
		paste = append(paste, "healthcheck: {"+strings.Join(check, ", ")+"}")
	}
	if len(paste) > 0 {
		fix += "; write proxy: {" + strings.Join(paste, ", ") + "}"
	}
	return fix
}

// underProxy is what to add under the config's proxy: for a Kamal 1
// healthcheck's port and check keys; keys proxy has already are left to it.
func underProxy(proxy *Node, port string, check []string) string {
	var add []string
	if port != "" && proxy.get("app_port") == nil {
		add = append(add, "app_port: "+port+" under proxy:")
	}
	if hc := proxy.get("healthcheck"); len(check) > 0 && hc != nil && hc.kind == vMap {
		var missing []string
		for _, kv := range check {
			if k, _, _ := strings.Cut(kv, ": "); hc.get(k) == nil {
				missing = append(missing, kv)
			}
		}
		if len(missing) > 0 {
			add = append(add, strings.Join(missing, ", ")+" under proxy.healthcheck:")
		}
	} else if len(check) > 0 && hc == nil {
		add = append(add, "healthcheck: {"+strings.Join(check, ", ")+"} under proxy:")
	}
	if len(add) == 0 {
		return "; proxy: has these already: remove healthcheck:"
	}
	return "; add " + strings.Join(add, " and ") + " (the config has proxy: already), then remove healthcheck:"
}

// nearKey is the first of known one edit (an insertion, deletion, change
// or swap of neighbours) away from key, or "".
func nearKey(key string, known []string) string {
	for _, k := range known {
		if oneEdit(key, k) {
			return k
		}
	}
	return ""
}

func oneEdit(a, b string) bool {
	if a == b || len(a)-len(b) > 1 || len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case len(a) == len(b):
		if a[i+1:] == b[i+1:] {
			return true // one change
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // neighbours swapped
	case len(a) > len(b):
		return a[i+1:] == b[i:]
	}
	return a[i:] == b[i+1:]
}

// listed joins names for a message, the first 20 of them: a message stays
// short whatever the config holds.
func listed(names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}
