// Package workspace reads and writes files in the checked-out repository,
// and nowhere else.
package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// MaxFileSize bounds every read: a Kamal config is a few kilobytes, and a
// path to a device or a huge file must not eat the runner's memory.
const MaxFileSize = 4 << 20

// Dir is the workspace root. Names are relative to it; they may not leave
// it, lexically or through a symbolic link. From its first read until Close
// it holds the workspace's lock, so that runs on one workspace take turns.
type Dir struct {
	root string

	mu   sync.Mutex
	read map[string][]byte // real path → the bytes last read or written
	lock *os.File          // the held lock, or nil
}

// New is the workspace at root.
func New(root string) *Dir { return &Dir{root: root, read: map[string][]byte{}} }

// RefusedError is a path or file the workspace will not touch; the user can
// fix it.
type RefusedError struct {
	Name, Why, How string
}

func (e *RefusedError) Error() string { return shorten(e.Name) + ": " + e.Why }

// shorten keeps a name fit for a message however long the input was.
func shorten(name string) string {
	const keep = 120
	if len(name) <= keep {
		return name
	}
	return fmt.Sprintf("%s… (%d bytes)", name[:keep], len(name))
}

// Fix says what the user can do about it.
func (e *RefusedError) Fix() string { return e.How }

// resolve turns a workspace-relative name into the real path of the file it
// names, following links only while they stay inside the workspace.
func (d *Dir) resolve(name string) (string, error) {
	if filepath.IsAbs(name) || !filepath.IsLocal(name) {
		return "", &RefusedError{name, "the path is outside the workspace", "give the path relative to the workspace, such as config/deploy.yml"}
	}
	root, err := filepath.EvalSymlinks(d.root)
	if err != nil {
		return "", fmt.Errorf("find workspace: %w", err)
	}
	path := filepath.Join(root, name)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		_, serr := os.Stat(path) // the system's reason, which EvalSymlinks does not keep
		switch {
		case errors.Is(serr, syscall.ELOOP):
			return "", &RefusedError{name, "it is a loop of symbolic links", "point the link at the file itself"}
		case errors.Is(serr, syscall.ENAMETOOLONG) || errors.Is(err, syscall.ENAMETOOLONG):
			return "", &RefusedError{name, "the path is too long for a file name", "give the path of the file, relative to the workspace"}
		}
		return "", err // fs.ErrNotExist for a missing file or a dangling link
	}
	if rel, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(rel) {
		return "", &RefusedError{name, "it is a link to a file outside the workspace", "use a file inside the repository"}
	}
	return real, nil
}

// Read reads a regular file of at most MaxFileSize bytes. Anything else (a
// named pipe, a device, a directory) is refused before a read could block.
func (d *Dir) Read(name string) ([]byte, error) {
	if err := d.acquire(); err != nil {
		return nil, err
	}
	real, err := d.resolve(name)
	if err != nil {
		return nil, err
	}
	b, err := readBounded(name, real)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.read[real] = b
	d.mu.Unlock()
	return b, nil
}

func readBounded(name, real string) ([]byte, error) {
	if info, err := os.Lstat(real); err != nil {
		return nil, err
	} else if err := regular(name, info); err != nil {
		return nil, err
	}
	// Non-blocking, as the file may have become a pipe since: opening a
	// pipe would wait for a writer. Regular files read the same either way.
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(name, info); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, &RefusedError{name, fmt.Sprintf("the file is larger than %d MiB, too large for a Kamal config", MaxFileSize>>20), "point config-file at your Kamal config"}
	}
	return b, nil
}

// regular refuses anything but a regular file, saying what it is.
func regular(name string, info fs.FileInfo) error {
	m := info.Mode()
	what := ""
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	default:
		what = "not a regular file"
	}
	return &RefusedError{name, "it is " + what + ", not a regular file; it was not read", "give the path of a regular file"}
}

// ErrChanged means the file on disk is no longer what was read from it.
var ErrChanged = errors.New("the file changed on disk after it was read; it was not written")

// Write replaces a file it has read, atomically: a temporary file in the
// same directory, given the original's mode and owner, then renamed over the
// link's target, so a symbolic link stays a link. The action runs as root
// in its container, and later steps run as the runner's user, who must still
// own the file. A file that changed since it was read is not written.
func (d *Dir) Write(name string, data []byte) error {
	if err := d.acquire(); err != nil {
		return err
	}
	real, err := d.resolve(name)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	was, ok := d.read[real]
	if !ok {
		return fmt.Errorf("write %s: it was never read", name)
	}
	if now, err := readBounded(name, real); err != nil || !bytes.Equal(now, was) {
		return fmt.Errorf("write %s: %w", name, ErrChanged)
	}
	if err := replace(real, data); err != nil {
		return err
	}
	d.read[real] = bytes.Clone(data)
	return nil
}

func replace(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".kamal-ecr-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), info.Mode().Perm()); err != nil {
		return err
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		if err := os.Chown(tmp.Name(), int(st.Uid), int(st.Gid)); err != nil {
			return fmt.Errorf("keep owner of %s: %w", path, err)
		}
	}
	return os.Rename(tmp.Name(), path)
}

// Empty reports whether the workspace holds no files at all, as when a job
// forgot actions/checkout.
func (d *Dir) Empty() bool {
	entries, err := os.ReadDir(d.root)
	return errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0
}
