package ecrtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// Upstream is an in-memory registry that serves manifests by tag and by
// digest, with the registry API's error codes: what a pull-through rule
// fetches from.
type Upstream struct {
	mu    sync.Mutex
	repos map[string]map[string]stored // repository → tag or digest → manifest
}

type stored struct {
	mediaType string
	body      []byte
	digest    string
}

// NewUpstream returns an empty upstream.
func NewUpstream() *Upstream { return &Upstream{repos: map[string]map[string]stored{}} }

// Put stores a manifest under repository:tag and by its digest, which it returns.
func (u *Upstream) Put(repository, tag, mediaType string, body []byte) string {
	sum := sha256.Sum256(body)
	s := stored{mediaType: mediaType, body: body, digest: "sha256:" + hex.EncodeToString(sum[:])}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.repos[repository] == nil {
		u.repos[repository] = map[string]stored{}
	}
	u.repos[repository][tag] = s
	u.repos[repository][s.digest] = s
	return s.digest
}

// Digest is the digest of repository:ref, "" when there is none.
func (u *Upstream) Digest(repository, ref string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.repos[repository][ref].digest
}

// Index is a small OCI image index, as multi-platform images have.
func Index(platform string) []byte {
	return fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%064x","size":1234,"platform":{"architecture":%q,"os":"linux"}}]}`, len(platform), platform)
}

func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := manifestPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeErrors(w, http.StatusNotFound, "UNSUPPORTED", "not a manifest path")
		return
	}
	u.mu.Lock()
	repo, ok := u.repos[m[1]]
	s, found := repo[m[2]]
	u.mu.Unlock()
	switch {
	case !ok:
		writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	case !found:
		writeErrors(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
		return
	}
	w.Header().Set("Content-Type", s.mediaType)
	w.Header().Set("Docker-Content-Digest", s.digest)
	w.Header().Set("Content-Length", strconv.Itoa(len(s.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(s.body)
	}
}
