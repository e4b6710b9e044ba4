// Package workspace reads and writes files in the checked-out repository.
package workspace

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is the workspace root; relative names resolve against it.
type Dir string

func (d Dir) path(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(string(d), name)
}

// Read reads a file.
func (d Dir) Read(name string) ([]byte, error) { return os.ReadFile(d.path(name)) }

// Write replaces a file atomically: a temporary file in the same directory,
// given the original's mode and owner, then renamed over it. The action runs
// as root in its container, and later steps run as the runner's user, who
// must still own the file.
func (d Dir) Write(name string, data []byte) error {
	path := d.path(name)
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
			return fmt.Errorf("keep owner of %s: %w", name, err)
		}
	}
	return os.Rename(tmp.Name(), path)
}
