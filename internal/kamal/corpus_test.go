package kamal

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir holds real configs from public repositories (shared/ beside the
// checkout, or where KAMAL_ECR_CORPUS says for a checkout elsewhere).
var corpusDir = cmp.Or(os.Getenv("KAMAL_ECR_CORPUS"), filepath.Join("..", "..", "..", "shared", "corpus", "kamal"))

type corpusRow struct {
	dir, config, destination, valid, err, service, image, server, repository, cacheFrom, cacheTo, accessories string
}

func readCorpus(t *testing.T) []corpusRow {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "KAMAL.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared corpus not found beside the checkout")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if c[0] == "dir" {
			continue
		}
		for len(c) < 12 {
			c = append(c, "")
		}
		rows = append(rows, corpusRow{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]})
	}
	return rows
}

func emptyEnv(string) string { return "" }

func loadCorpus(dir, config, dest string) (*Config, error) {
	root := filepath.Join(corpusDir, dir)
	return Load(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(root, name)) }, emptyEnv, config, dest)
}

// Where Kamal accepts a config, the action resolves the same image,
// repository and cache references.
func TestCorpusMatchesKamal(t *testing.T) {
	for _, r := range readCorpus(t) {
		if r.valid != "true" {
			continue
		}
		t.Run(r.dir+"/"+r.destination, func(t *testing.T) {
			c, err := loadCorpus(r.dir, r.config, r.destination)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Service.Text != r.service || c.Image.Text != r.image || c.Server.Text != r.server {
				t.Errorf("service, image, server = %q %q %q; Kamal: %q %q %q", c.Service.Text, c.Image.Text, c.Server.Text, r.service, r.image, r.server)
			}
			if got := joinRef(c.Server.Text, c.Image.Text); got != r.repository {
				t.Errorf("repository = %q, Kamal %q", got, r.repository)
			}
			if c.CacheType() == "registry" {
				from := "type=registry,ref=" + joinRef(c.Server.Text, c.CacheImage())
				to := from
				if c.Cache.Options.Present() {
					to += "," + c.Cache.Options.Text
				}
				if from != r.cacheFrom || to != r.cacheTo {
					t.Errorf("cache from/to = %q %q; Kamal %q %q", from, to, r.cacheFrom, r.cacheTo)
				}
			}
			want := map[string]string{}
			if r.accessories != "" {
				if err := json.Unmarshal([]byte(r.accessories), &want); err != nil {
					t.Fatal(err)
				}
			}
			got := map[string]string{}
			for _, a := range c.Accessories {
				if a.Image.Present() {
					got[a.Name] = a.Ref()
				}
			}
			if len(got) != len(want) {
				t.Errorf("accessories = %v, Kamal %v", got, want)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("accessory %s = %q, Kamal %q", k, got[k], v)
				}
			}
		})
	}
}

// Every corpus file is read without a crash: resolved, or an error at a line.
// Every one with a builder gets a registry cache that Kamal would accept, and
// only bytes inside the builder's cache block change.
func TestCorpusPatch(t *testing.T) {
	rows := readCorpus(t)
	seen := map[string]bool{}
	for _, r := range rows {
		for _, dest := range []string{"", r.destination} {
			key := r.dir + "|" + r.config + "|" + dest
			if seen[key] {
				continue
			}
			seen[key] = true
			t.Run(r.dir+"/"+dest, func(t *testing.T) {
				c, err := loadCorpus(r.dir, r.config, dest)
				var f *diag.Finding
				if err != nil {
					if !errors.As(err, &f) || f.Pos.File == "" {
						t.Fatalf("error without a place: %v", err)
					}
					return
				}
				e, err := c.PlanCache(CacheRequest{Patch: true, Enable: true})
				if err != nil {
					if !errors.As(err, &f) || f.Fix == "" || (f.Pos.Line == 0 && c.builderEntry != nil) {
						t.Fatalf("error without a line or fix: %v", err)
					}
					return
				}
				if c.CacheType() == "gha" || (c.Cache.Present && c.CacheType() == "") {
					if e != nil {
						t.Fatalf("edited a %q cache", c.CacheType())
					}
					return
				}
				if e == nil {
					if c.CacheType() != "registry" || !HasECROptions(c.Cache.Options.Text) {
						t.Fatalf("no edit, yet options are %q", c.Cache.Options.Text)
					}
					return
				}
				out, after, err := applyAndReload(c, []*Edit{e})
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				if !HasECROptions(after.Cache.Options.Text) || after.CacheType() != "registry" {
					t.Fatalf("after patch: type %q options %q", after.CacheType(), after.Cache.Options.Text)
				}
				var file *File
				for _, f := range c.Files {
					if f.Path == e.File {
						file = f
					}
				}
				assertInsideCache(t, file, out[e.File])
			})
		}
	}
}

// assertInsideCache checks that old and new differ in one run of lines that
// lies inside the builder's cache block (from its key to the next key of the
// builder or the file), or, when the block is new, that the added lines are
// exactly a cache: block.
func assertInsideCache(t *testing.T, f *File, got []byte) {
	t.Helper()
	old := f.Src
	p := 0
	for p < len(old) && p < len(got) && old[p] == got[p] {
		p++
	}
	s := 0
	for s < len(old)-p && s < len(got)-p && old[len(old)-1-s] == got[len(got)-1-s] {
		s++
	}
	first := 1 + bytes.Count(old[:p], []byte("\n"))
	last := 1 + bytes.Count(old[:len(old)-s], []byte("\n"))
	builder, _ := rootView([]*File{f}).get("builder")
	if len(builder) == 0 {
		t.Fatal("patched a file without a builder")
	}
	b := builder[0].node
	for i := 0; i+1 < len(b.Content); i += 2 {
		if b.Content[i].Value != "cache" {
			continue
		}
		start, end := b.Content[i].Line, bytes.Count(f.tmpl.Masked, []byte("\n"))+2
		if i+2 < len(b.Content) {
			end = b.Content[i+2].Line
		}
		if first < start || last > end {
			t.Fatalf("changed lines %d-%d, the cache block is lines %d-%d", first, last, start, end)
		}
		return
	}
	from := bytes.LastIndexByte(got[:p], '\n') + 1 // whole lines around the change
	added := strings.TrimSpace(string(got[from : len(got)-s]))
	if !strings.HasPrefix(added, "cache:\n") || !strings.Contains(added, "type: registry") {
		t.Fatalf("added %q, not a cache block", added)
	}
}

// joinRef is the repository Kamal pushes to: the image behind its registry.
func joinRef(server, image string) string {
	if server == "" {
		return image
	}
	return server + "/" + image
}

// corpusFiles lists every YAML file in the corpus.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("shared corpus not found beside the checkout")
	}
	return files
}

// Every corpus file, loaded on its own as the base config, resolves or fails
// with an error that names the file, without a crash.
func TestCorpusEveryFileLoads(t *testing.T) {
	resolved := 0
	for _, path := range corpusFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Load(func(string) ([]byte, error) { return src, nil }, emptyEnv, "deploy.yml", "")
		var f *diag.Finding
		switch {
		case err != nil && (!errors.As(err, &f) || f.Pos.File != "deploy.yml"):
			t.Errorf("%s: error without a place: %v", path, err)
		case err == nil:
			resolved++
			for _, f := range c.Findings {
				if f.Pos.File == "" || f.Pos.Line == 0 {
					t.Errorf("%s: finding without a line: %v", path, f)
				}
			}
		}
	}
	if resolved == 0 {
		t.Error("no corpus file resolved")
	}
}
