package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ARCHITECTURE.md's layer table is true: no package imports one in a row
// above its own (a row may use its own row, as the domain does), and every
// package under internal/ is in the table or named as serving the tests.
func TestImportsFollowArchitecture(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]int{}
	named := regexp.MustCompile("`(?:internal/)?([a-z/]+)`")
	n := 0
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Layer") {
			continue
		}
		for _, m := range named.FindAllStringSubmatch(line, -1) {
			if _, err := os.Stat(filepath.Join("internal", m[1])); err == nil {
				row[m[1]] = n
			}
		}
		n++
	}
	if n < 5 || len(row) < 10 {
		t.Fatalf("read %d rows, %d packages: the table's form changed", n, len(row))
	}
	const prefix = "github.com/kamal-ecr/kamal-ecr/internal/"
	for pkg, r := range row {
		files, err := filepath.Glob(filepath.Join("internal", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				dep, ok := strings.CutPrefix(path, prefix)
				if !ok {
					continue
				}
				if dr, listed := row[dep]; !listed {
					t.Errorf("%s imports %s, which the table does not place", f, dep)
				} else if dr < r {
					t.Errorf("%s imports %s, a row above it in ARCHITECTURE.md", f, dep)
				}
			}
		}
	}
}

// The README's Development section names every package under internal/.
func TestReadmeNamesEveryPackage(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, dev, ok := strings.Cut(string(readme), "\n## Development")
	if !ok {
		t.Fatal("README.md has no Development section")
	}
	dirs, err := filepath.Glob(filepath.Join("internal", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(dirs, filepath.Join("internal", "kamal", "validate")) {
		if name := strings.TrimPrefix(filepath.ToSlash(d), "internal/"); !strings.Contains(dev, "`"+name+"`") {
			t.Errorf("README's Development section does not name %s", name)
		}
	}
}
