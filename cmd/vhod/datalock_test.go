package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDataDirLockRefusesSecondHolder (issue 16 item 10): while one holder has
// data_dir, a second is refused with the holder's pid, and takes it once the
// first lets go.
func TestDataDirLockRefusesSecondHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	release, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockDataDir(dir)
	if !errors.Is(err, errDataDirInUse) || !strings.Contains(err.Error(), "(pid "+strconv.Itoa(os.Getpid())+")") ||
		!strings.Contains(err.Error(), dir) {
		t.Fatalf("second holder: %v", err)
	}
	release()
	again, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
