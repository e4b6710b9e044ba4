package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
		ws := New(dir)
		_, err := ws.Read(name)
		ws.Close()
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

// A named pipe, a directory, a loop of links or a name too long for the
// system are refused at once, naming the file: none is ever opened for a
// read that could block.
func TestReadRefusesOddFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "config", "deploy.yml.d"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(dir, "config", "deploy.yml"), 0o644); err != nil {
		t.Skip("no mkfifo:", err)
	}
	syscall.Mkfifo(filepath.Join(dir, "secrets"), 0o644)
	os.Symlink("secrets", filepath.Join(dir, "via-link"))
	os.Symlink("loop-b", filepath.Join(dir, "loop-a"))
	os.Symlink("loop-a", filepath.Join(dir, "loop-b"))
	long := strings.Repeat("x", 100_000)
	for name, want := range map[string]string{
		"config/deploy.yml":   "config/deploy.yml: it is a named pipe (FIFO), not a regular file",
		"via-link":            "via-link: it is a named pipe (FIFO)",
		"config/deploy.yml.d": "it is a directory",
		"loop-a":              "loop-a: it is a loop of symbolic links",
		"config/loop":         "",
		long:                  "the path is too long",
	} {
		if name == "config/loop" {
			os.Symlink("loop", filepath.Join(dir, "config", "loop"))
			want = "config/loop: it is a loop of symbolic links"
		}
		done := make(chan error, 1)
		ws := New(dir)
		go func() { _, err := ws.Read(name); done <- err }()
		select {
		case err := <-done:
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), want) || re.Fix() == "" {
				t.Errorf("%.20s: err = %v, want %q", name, err, want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("%.20s: message of %d bytes", name, len(err.Error()))
			}
		case <-time.After(10 * time.Second): // a guard against hanging, not a speed target
			t.Fatalf("%s: Read blocks", name)
		}
		ws.Close()
	}
}

// Two runs on one workspace take turns from the first read to the last
// write: the second reads what the first wrote, so no change is lost.
func TestRunsOnOneWorkspaceTakeTurns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config", "deploy.yml")
	write(t, path, "options: mode=max\n", 0o644)
	run := func(ws *Dir, edit func(string) string, read chan<- string, proceed <-chan struct{}) error {
		defer ws.Close()
		b, err := ws.Read("config/deploy.yml")
		if err != nil {
			return err
		}
		read <- string(b)
		<-proceed
		return ws.Write("config/deploy.yml", []byte(edit(string(b))))
	}
	firstRead, secondRead := make(chan string, 1), make(chan string, 1)
	proceed := make(chan struct{})
	close(proceed) // the second run goes on as soon as it has read
	hold := make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		errs <- run(New(dir), func(s string) string { return strings.Replace(s, "mode=max", "mode=min", 1) }, firstRead, hold)
	}()
	<-firstRead
	go func() {
		errs <- run(New(dir), func(s string) string { return strings.TrimSuffix(s, "\n") + ",image-manifest=true\n" }, secondRead, proceed)
	}()
	select {
	case got := <-secondRead:
		t.Errorf("the second run read %q while the first held the workspace", got)
	case <-time.After(200 * time.Millisecond):
	}
	close(hold)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "options: mode=min,image-manifest=true\n" {
		t.Errorf("file = %q: a change was lost", b)
	}
}

// A run still holding the workspace makes the next one wait at most
// LockWait, then fail saying so.
func TestLockWaitEnds(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yml"), "a\n", 0o644)
	first := New(dir)
	defer first.Close()
	if _, err := first.Read("a.yml"); err != nil {
		t.Fatal(err)
	}
	old := LockWait
	LockWait = 50 * time.Millisecond
	defer func() { LockWait = old }()
	if _, err := New(dir).Read("a.yml"); err == nil || !strings.Contains(err.Error(), "another kamal-ecr run") {
		t.Errorf("err = %v", err)
	}
}
