package kamal

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"strings"
)

// DefaultSecretsPath is where Kamal's secrets files start unless secrets_path says otherwise.
const DefaultSecretsPath = ".kamal/secrets"

// AppRoot is the directory Kamal runs in for a config file: the one above
// its config/ folder (the workspace root for a config elsewhere).
func AppRoot(configFile string) string {
	dir := path.Dir(configFile)
	if path.Base(dir) == "config" {
		return path.Dir(dir)
	}
	return "."
}

// SecretsFiles are the files Kamal reads secrets from, in order, later ones
// winning: <path>-common, then <path>, or <path>.<destination> instead.
func SecretsFiles(secretsPath, destination string) []string {
	last := secretsPath
	if destination != "" {
		last += "." + destination
	}
	return []string{secretsPath + "-common", last}
}

var dotenvLine = regexp.MustCompile(`^\s*(?:export\s+)?([\w.]+)(?:\s*=|:\s)\s*(.*)$`)

// ParseSecrets reads a dotenv file's NAME=value lines the way Kamal's
// dotenv does, without running the $(…) substitutions: a value is kept as
// written, so NAME=$NAME counts as set and NAME= as empty.
func ParseSecrets(src []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, len(src)+1)
	for sc.Scan() {
		m := dotenvLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		out[m[1]] = dotenvValue(m[2])
	}
	return out
}

func dotenvValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		if end := strings.LastIndexByte(v, v[0]); end > 0 {
			return v[1:end]
		}
		return v[1:] // a value that goes on over lines
	}
	if i := strings.Index(v, "#"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
