package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFileName is the lock in data_dir that one process at a time holds.
const lockFileName = "vhod.lock"

// errDataDirInUse: another process holds the data directory's lock.
var errDataDirInUse = errors.New("data_dir is in use by another vhod process")

// lockDataDir takes the data directory for this process before anything in it
// is touched: two processes on one embedded store (SQLite files) would corrupt
// it or lose writes. The lock is an advisory flock(2) on data_dir/vhod.lock,
// which the kernel releases when the process ends however it ends, so a
// crashed Vhod leaves no stale lock; the file keeps the holder's pid for the
// message. release lets it go (at a clean stop).
func lockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data_dir %s: lock: %w", dir, err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w: data_dir %s is in use by another vhod process (pid %s); stop it, or give this one another data_dir",
				errDataDirInUse, dir, holderPID(path))
		}
		return nil, fmt.Errorf("data_dir %s: lock: %w", dir, err)
	}
	// Ours now: record who holds it.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}

// holderPID is the pid the lock file names, or "unknown".
func holderPID(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	if pid := strings.TrimSpace(string(b)); pid != "" {
		if _, err := strconv.Atoi(pid); err == nil {
			return pid
		}
	}
	return "unknown"
}
