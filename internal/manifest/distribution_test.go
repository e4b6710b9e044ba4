package manifest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
)

// A registry nobody here wrote, Debian's docker-registry (distribution), is
// the upstream the cache pulls from: the manifests, media types, digests
// and error bodies come from a real server.
func TestCheckAgainstDistribution(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry (Debian's distribution) is not installed: .ci/run installs it")
	}
	base := startDistribution(t, bin)
	index, platform := pushImage(t, base, "library/app", "1")

	w := newWorld(t)
	u, _ := url.Parse(base)
	w.reg.SetUpstream("registry-1.docker.io", &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) }})
	c := w.checker(t)
	res := c.Check(context.Background(), []manifest.Ref{
		{Repository: "docker-hub/library/app", Reference: "1"},
		{Repository: "docker-hub/library/app", Reference: platform},
		{Repository: "docker-hub/library/app", Reference: "2"},
		{Repository: "docker-hub/library/nothing", Reference: "1"},
	})
	if r := res[0]; r.Err != nil || r.Digest != index || r.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Errorf("by tag: %+v, want the index %s", r, index)
	}
	if r := res[1]; r.Err != nil || r.Digest != platform || r.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("by digest: %+v, want the manifest %s", r, platform)
	}
	// distribution answers an unknown repository, asked by tag, as an unknown
	// manifest: the code comes from upstream through the cache as it is.
	for i, want := range map[int]manifest.Kind{2: manifest.ManifestUnknown, 3: manifest.ManifestUnknown} {
		var re *manifest.Error
		if !errors.As(res[i].Err, &re) || re.Kind() != want {
			t.Errorf("%v: err %v, want kind %d", res[i].Ref, res[i].Err, want)
		}
	}
}

// startDistribution runs docker-registry on a free loopback port until the test ends.
func startDistribution(t *testing.T, bin string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yml")
	os.WriteFile(conf, fmt.Appendf(nil, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr), 0o644)
	cmd := exec.Command(bin, "serve", conf)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/v2/"); err == nil {
			resp.Body.Close()
			return base
		}
	}
	t.Fatalf("docker-registry did not start:\n%s", logs.String())
	return ""
}

// pushImage uploads a one-platform OCI image and its index under tag, as a
// client pushes: blobs, then the manifest by digest, then the index by tag.
func pushImage(t *testing.T, base, repo, tag string) (index, platform string) {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layer := []byte("not really a tarball: the registry stores what it is given")
	cd, ld := pushBlob(t, base, repo, config), pushBlob(t, base, repo, layer)
	m := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q,"size":%d}]}`,
		cd, len(config), ld, len(layer))
	platform = digestOf(m)
	putManifest(t, base, repo, platform, "application/vnd.oci.image.manifest.v1+json", m)
	idx := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d,"platform":{"architecture":"amd64","os":"linux"}}]}`,
		platform, len(m))
	putManifest(t, base, repo, tag, "application/vnd.oci.image.index.v1+json", idx)
	return digestOf(idx), platform
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func pushBlob(t *testing.T, base, repo string, b []byte) string {
	t.Helper()
	resp, err := http.Post(base+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start upload: %v %v", err, resp)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	d := digestOf(b)
	q.Set("digest", d)
	loc.RawQuery = q.Encode()
	req, _ := http.NewRequest(http.MethodPut, loc.String(), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/octet-stream")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %v %v", d, err, resp)
	}
	resp.Body.Close()
	return d
}

func putManifest(t *testing.T, base, repo, ref, mediaType string, b []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+"/v2/"+repo+"/manifests/"+ref, bytes.NewReader(b))
	req.Header.Set("Content-Type", mediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("put manifest %s: %v %v", ref, err, resp)
	}
	resp.Body.Close()
}
