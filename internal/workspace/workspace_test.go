package workspace

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteKeepsModeAndOwner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config", "deploy.yml")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	uid, gid := 1001, 127
	if os.Geteuid() == 0 {
		if err := os.Chown(path, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := Dir(dir).Write("config/deploy.yml", []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	info, _ := os.Stat(path)
	if string(b) != "new\n" || info.Mode().Perm() != 0o640 {
		t.Errorf("content %q, mode %v", b, info.Mode())
	}
	if st := info.Sys().(*syscall.Stat_t); os.Geteuid() == 0 && (int(st.Uid) != uid || int(st.Gid) != gid) {
		t.Errorf("owner %d:%d, want %d:%d", st.Uid, st.Gid, uid, gid)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestWriteMissingFile(t *testing.T) {
	if err := Dir(t.TempDir()).Write("nope.yml", []byte("x")); err == nil {
		t.Error("wrote a file that did not exist")
	}
}
