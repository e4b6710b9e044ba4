package kamal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// The limits on one config file, so that any input finishes in seconds and
// well under 512 MiB: yaml.v3 keeps a node of some hundred bytes for every
// value, so the number of values bounds the memory more than the size.
const (
	MaxFileSize = 1 << 20 // 20 times the largest real Kamal config
	MaxNodes    = 200_000 // real configs have a few hundred
)

// ReadFunc reads a config file by its path.
type ReadFunc func(name string) ([]byte, error)

// fixable is a read error the user can fix: a path outside the workspace,
// a file too large.
type fixable interface {
	error
	Fix() string
}

// DestinationPath is the destination file Kamal loads beside the base file.
func DestinationPath(base, destination string) string {
	ext := path.Ext(base)
	return strings.TrimSuffix(base, ext) + "." + destination + ext
}

// source is one config file's bytes.
type source struct {
	path string
	src  []byte
}

// readSources is the first stage: the base file, then the destination file.
func readSources(read ReadFunc, file, destination string, bounded bool) ([]source, error) {
	base, err := readSource(read, file, "point the config-file input at your Kamal config", "config-file", bounded)
	if err != nil {
		return nil, err
	}
	if destination == "" {
		return []source{base}, nil
	}
	dest, err := readSource(read, DestinationPath(file, destination), fmt.Sprintf("create it or check the destination input (%q)", destination), "destination", bounded)
	if err != nil {
		return nil, err
	}
	return []source{base, dest}, nil
}

// readSource reads one file; fix says what to do when it is missing, by
// way of the input named.
func readSource(read ReadFunc, name, fix, input string, bounded bool) (source, error) {
	src, err := read(name)
	if errors.Is(err, fs.ErrNotExist) {
		return source{}, diag.Errorf(diag.Pos{File: name}, CodeConfigNotFound, fix, "config file not found").WithInputs(diag.Setting{Name: input})
	}
	var fx fixable
	if errors.As(err, &fx) {
		return source{}, diag.Errorf(diag.Pos{File: name}, "config/unreadable", fx.Fix(), "%v", err)
	}
	if err != nil {
		return source{}, fmt.Errorf("read %s: %w", name, err)
	}
	if !bounded {
		return source{name, src}, nil
	}
	return source{name, src}, checkBounds(name, src)
}

// configFile is the input that names the config, for fixes that point it elsewhere.
var configFile = diag.Setting{Name: "config-file"}

// checkBounds refuses, before any parsing, a file the action cannot read in
// bounded time and memory, and line breaks the YAML parser and the editor
// would count differently.
func checkBounds(name string, src []byte) error {
	at := diag.Pos{File: name, Line: 1}
	if len(src) > MaxFileSize {
		return diag.Errorf(at, "config/too-large", "point the config-file input at your Kamal config; a real one is under 50 KB",
			"the file is %d bytes, more than the %d (1 MiB) the action reads", len(src), MaxFileSize).WithInputs(configFile)
	}
	if n := countNodes(src); n > MaxNodes {
		return diag.Errorf(at, "config/too-many-nodes", "point the config-file input at your Kamal config; a real one has a few hundred values",
			"the file has about %d YAML values, more than the %d the action reads", n, MaxNodes).WithInputs(configFile)
	}
	if i := loneCR(src); i >= 0 {
		at.Line = 1 + bytes.Count(src[:i], []byte("\n"))
		return diag.Errorf(at, "config/cr-line-breaks", "save the file with LF (or CRLF) line breaks",
			"the file breaks lines with a lone CR (old Mac style), which the action does not read")
	}
	return nil
}

// loneCR is the offset of the first CR not followed by LF, or -1.
func loneCR(src []byte) int {
	for i := bytes.IndexByte(src, '\r'); i >= 0; {
		if i+1 == len(src) || src[i+1] != '\n' {
			return i
		}
		j := bytes.IndexByte(src[i+1:], '\r')
		if j < 0 {
			return -1
		}
		i += 1 + j
	}
	return -1
}

// countNodes counts the YAML values in src in one pass over the bytes, before
// the parser builds them: each line with content, and each key, list item and
// flow item. It reads comments and quoted text as YAML too, which only counts
// more; what yaml.v3 builds is never more than twice the count (a flow
// mapping of keys without values; FuzzCountNodes).
func countNodes(src []byte) int {
	n := 0
	content := false
	for i, c := range src {
		switch c {
		case '\n':
			content = false
			continue
		case ' ', '\t', '\r':
			continue
		case ',', '[', '{':
			n++
		case ':', '-', '?':
			if i+1 == len(src) || src[i+1] == ' ' || src[i+1] == '\n' || src[i+1] == '\r' || src[i+1] == '\t' {
				n++
			}
		}
		if !content {
			content = true
			n++
		}
	}
	return n
}
