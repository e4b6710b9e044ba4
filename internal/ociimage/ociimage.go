// Package ociimage reads a multi-platform image from an OCI image layout on
// disk (what `buildx --output type=oci` or `buildah manifest push oci:`
// writes), to check what each platform's image really carries.
package ociimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Binary is the executable a platform's image holds at a path.
type Binary struct {
	Platform string // os/arch
	Machine  elf.Machine
}

// machines are the ELF machines each architecture must run.
var machines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Platform  *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform"`
}

type manifest struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"` // an index
	Layers    []descriptor `json:"layers"`    // an image
}

// Binaries lists, for every platform in the layout, the ELF machine of the
// file at name (such as /kamal-ecr). Attestation manifests, whose platform
// is unknown/unknown, are skipped.
func Binaries(dir, name string) ([]Binary, error) {
	l := layout(dir)
	var root manifest
	if err := l.json("index.json", &root); err != nil {
		return nil, err
	}
	var out []Binary
	var walk func(descs []descriptor, depth int) error
	walk = func(descs []descriptor, depth int) error {
		if depth > 4 {
			return errors.New("image indexes nest too deep")
		}
		for _, d := range descs {
			var m manifest
			if err := l.json(l.blob(d.Digest), &m); err != nil {
				return err
			}
			if len(m.Manifests) > 0 {
				if err := walk(m.Manifests, depth+1); err != nil {
					return err
				}
				continue
			}
			if d.Platform == nil || d.Platform.OS == "unknown" {
				continue
			}
			platform := d.Platform.OS + "/" + d.Platform.Architecture
			machine, err := l.machine(m.Layers, name)
			if err != nil {
				return fmt.Errorf("%s: %w", platform, err)
			}
			out = append(out, Binary{Platform: platform, Machine: machine})
		}
		return nil
	}
	if err := walk(root.Manifests, 0); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no platform images", dir)
	}
	return out, nil
}

// Check says which binaries do not match their platform's architecture.
func Check(bins []Binary) error {
	var errs []error
	for _, b := range bins {
		arch := path.Base(b.Platform)
		want, ok := machines[arch]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: no ELF machine known for %s", b.Platform, arch))
		case b.Machine != want:
			errs = append(errs, fmt.Errorf("%s: the binary is for %v, want %v (exec format error on %s hosts)", b.Platform, b.Machine, want, arch))
		}
	}
	return errors.Join(errs...)
}

type layout string

func (l layout) blob(digest string) string {
	algo, hex, _ := strings.Cut(digest, ":")
	return filepath.Join("blobs", algo, hex)
}

func (l layout) json(name string, v any) error {
	b, err := os.ReadFile(filepath.Join(string(l), name))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// machine reads the file from the topmost layer that has it.
func (l layout) machine(layers []descriptor, name string) (elf.Machine, error) {
	want := strings.TrimPrefix(name, "/")
	for i := len(layers) - 1; i >= 0; i-- {
		b, err := l.fileInLayer(layers[i], want)
		if err != nil {
			return 0, err
		}
		if b == nil {
			continue
		}
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			return 0, fmt.Errorf("%s is not an ELF binary: %w", name, err)
		}
		return f.Machine, nil
	}
	return 0, fmt.Errorf("no %s in the image", name)
}

func (l layout) fileInLayer(d descriptor, name string) ([]byte, error) {
	f, err := os.Open(filepath.Join(string(l), l.blob(d.Digest)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	switch {
	case strings.HasSuffix(d.MediaType, "gzip"):
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	case strings.HasSuffix(d.MediaType, "tar"):
	default:
		return nil, fmt.Errorf("layer %s: media type %s is not read here", d.Digest, d.MediaType)
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(path.Clean("/"+h.Name), "/") == name && h.Typeflag == tar.TypeReg {
			return io.ReadAll(io.LimitReader(tr, 256<<20))
		}
	}
}
