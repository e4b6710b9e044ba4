package ociimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// elfHeader is a minimal ELF64 little-endian executable header.
func elfHeader(m elf.Machine) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], uint16(elf.ET_EXEC))
	binary.LittleEndian.PutUint16(h[18:], uint16(m))
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint16(h[52:], 64)
	return h
}

type fakeLayout struct {
	t   *testing.T
	dir string
}

func (l fakeLayout) put(v any) (string, int) {
	b, ok := v.([]byte)
	if !ok {
		b, _ = json.Marshal(v)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(b))
	os.MkdirAll(filepath.Join(l.dir, "blobs", "sha256"), 0o755)
	if err := os.WriteFile(filepath.Join(l.dir, "blobs", "sha256", sum), b, 0o644); err != nil {
		l.t.Fatal(err)
	}
	return "sha256:" + sum, len(b)
}

func layer(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, b := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// newLayout writes a nested index, as buildah does: index.json → index →
// one image per platform, plus an attestation manifest.
func newLayout(t *testing.T, images map[string]elf.Machine) string {
	l := fakeLayout{t, t.TempDir()}
	var descs []map[string]any
	for platform, m := range images {
		goos, arch, _ := strings.Cut(platform, "/")
		certs, _ := l.put(layer(map[string][]byte{"etc/ssl/certs/ca-certificates.crt": []byte("pem")}))
		bin, _ := l.put(layer(map[string][]byte{"kamal-ecr": elfHeader(m)}))
		d, n := l.put(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []map[string]any{
			{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": certs},
			{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": bin},
		}})
		descs = append(descs, map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": n, "platform": map[string]string{"os": goos, "architecture": arch}})
	}
	att, n := l.put(map[string]any{"schemaVersion": 2, "layers": []map[string]any{{"mediaType": "application/vnd.in-toto+json", "digest": "sha256:00"}}})
	descs = append(descs, map[string]any{"digest": att, "size": n, "platform": map[string]string{"os": "unknown", "architecture": "unknown"}})
	idx, n := l.put(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descs})
	root, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": idx, "size": n}}})
	os.WriteFile(filepath.Join(l.dir, "index.json"), root, 0o644)
	return l.dir
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		images map[string]elf.Machine
		want   string // in the error; "" for none
	}{
		{"right", map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}, ""},
		// What a defaulted TARGETARCH gives under BuildKit.
		{"amd64 binary everywhere", map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_X86_64}, "linux/arm64: the binary is for EM_X86_64, want EM_AARCH64"},
		{"unknown arch", map[string]elf.Machine{"linux/s390x": elf.EM_S390}, "no ELF machine known for s390x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bins, err := Binaries(newLayout(t, tt.images), "/kamal-ecr")
			if err != nil {
				t.Fatal(err)
			}
			if len(bins) != len(tt.images) {
				t.Errorf("binaries %v", bins)
			}
			err = Check(bins)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestBinariesMissingFile(t *testing.T) {
	_, err := Binaries(newLayout(t, map[string]elf.Machine{"linux/amd64": elf.EM_X86_64}), "/other")
	if err == nil || !strings.Contains(err.Error(), "linux/amd64: no /other in the image") {
		t.Errorf("err = %v", err)
	}
}
