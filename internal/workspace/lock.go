package workspace

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// LockWait is how long a run waits for another run on the same workspace
// to finish before it gives up.
var LockWait = time.Minute

// acquire takes the workspace's lock unless this Dir holds it already. The
// lock is an advisory flock on the workspace directory itself: the config
// is replaced by a rename, so a lock on the file would sit on the old inode,
// and a lock file in the workspace would show in git status (and could be
// committed by a later step). The directory is what two runs on one
// workspace share, even from two containers. A file system without flock
// leaves runs unserialised, as before.
func (d *Dir) acquire() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lock != nil {
		return nil
	}
	f, err := os.Open(d.root)
	if err != nil {
		return nil // the read that follows says what is wrong with the workspace
	}
	deadline := time.Now().Add(LockWait)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			d.lock = f
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil // ENOLCK, EOPNOTSUPP: no locking on this file system
		}
		if time.Now().After(deadline) {
			f.Close()
			return fmt.Errorf("lock workspace %s: another kamal-ecr run has held it for %s", d.root, LockWait)
		}
		time.Sleep(wait)
	}
}

// Close releases the workspace's lock, letting the next run read what this
// one wrote. The Dir may be used again; it then locks again.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lock == nil {
		return nil
	}
	err := d.lock.Close() // closing the descriptor drops the flock
	d.lock = nil
	return err
}
