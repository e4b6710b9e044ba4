package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, s string, mode os.FileMode) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

func TestWriteKeepsModeAndOwner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config", "deploy.yml")
	write(t, path, "old\n", 0o640)
	uid, gid := 1001, 127
	if os.Geteuid() == 0 {
		if err := os.Chown(path, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	ws := New(dir)
	if _, err := ws.Read("config/deploy.yml"); err != nil {
		t.Fatal(err)
	}
	if err := ws.Write("config/deploy.yml", []byte("new\n")); err != nil {
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
	// What it wrote counts as read: putting the original back works.
	if err := ws.Write("config/deploy.yml", []byte("old\n")); err != nil {
		t.Errorf("restore: %v", err)
	}
}

func TestWriteUnreadFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yml"), "x", 0o644)
	if err := New(dir).Write("a.yml", []byte("y")); err == nil {
		t.Error("wrote a file it never read")
	}
}

// A file edited by someone else between the read and the write is left alone.
func TestWriteRefusesChangedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config", "deploy.yml")
	write(t, path, "one\n", 0o644)
	ws := New(dir)
	if _, err := ws.Read("config/deploy.yml"); err != nil {
		t.Fatal(err)
	}
	write(t, path, "two\n", 0o644)
	if err := ws.Write("config/deploy.yml", []byte("three\n")); !errors.Is(err, ErrChanged) {
		t.Errorf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two\n" {
		t.Errorf("file = %q", b)
	}
}

// A link to a file inside the workspace is edited at its target and stays a link.
func TestWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "shared", "deploy.yml"), "old\n", 0o644)
	os.MkdirAll(filepath.Join(dir, "config"), 0o755)
	link := filepath.Join(dir, "config", "deploy.yml")
	if err := os.Symlink("../shared/deploy.yml", link); err != nil {
		t.Fatal(err)
	}
	ws := New(dir)
	if _, err := ws.Read("config/deploy.yml"); err != nil {
		t.Fatal(err)
	}
	if err := ws.Write("config/deploy.yml", []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "shared", "deploy.yml")); string(b) != "new\n" {
		t.Errorf("target = %q", b)
	}
}

func TestReadRefuses(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.yml"), "password: x\n", 0o644)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "big.yml"), strings.Repeat("#", MaxFileSize+1), 0o644)
	os.Symlink(filepath.Join(outside, "secret.yml"), filepath.Join(dir, "link.yml"))
	os.Symlink(outside, filepath.Join(dir, "out"))
	os.Symlink("/dev/urandom", filepath.Join(dir, "random.yml"))
	for name, want := range map[string]string{
		"/etc/passwd":       "outside the workspace",
		"../x/deploy.yml":   "outside the workspace",
		"config/../../x":    "outside the workspace",
		"link.yml":          "a link to a file outside the workspace",
		"out/secret.yml":    "a link to a file outside the workspace",
		"big.yml":           "larger than 4 MiB",
		"random.yml":        "a link to a file outside the workspace",
		"config/deploy.yml": "",
	} {
		_, err := New(dir).Read(name)
		var re *RefusedError
		switch {
		case want == "":
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: err = %v, want not found", name, err)
			}
		case !errors.As(err, &re) || !strings.Contains(err.Error(), want) || re.Fix() == "":
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
	}
}

// A device inside the workspace is not a config: it is refused, not read
// (the workspace here is /).
func TestReadRefusesDevice(t *testing.T) {
	if _, err := os.Stat("/dev/urandom"); err != nil {
		t.Skip("no /dev/urandom")
	}
	_, err := New("/").Read("dev/urandom")
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("err = %v", err)
	}
}
