//go:build linux

package atomicfile

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tempFiles returns the temporary files left in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".profgen-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// restoreSteps puts the real steps back when the test ends.
func restoreSteps(t *testing.T) {
	s, r, d := syncFile, renameAt, syncDir
	t.Cleanup(func() { syncFile, renameAt, syncDir = s, r, d })
}

// TestWriteOrder checks the order of the steps: the temporary file holds all the data and is
// synced while the old file is still in place; then the rename; then the directory's sync,
// with the new file in place.
func TestWriteOrder(t *testing.T) {
	restoreSteps(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	var steps []string
	realSync, realRename := syncFile, renameAt
	syncFile = func(f *os.File) error {
		steps = append(steps, "sync")
		if got := readString(t, filepath.Join(dir, f.Name())); got != "new content" {
			t.Errorf("synced temporary file holds %q", got)
		}
		if got := readString(t, path); got != "old" {
			t.Errorf("the file changed before the rename: %q", got)
		}
		return realSync(f)
	}
	renameAt = func(dfd int, from, to string) error {
		steps = append(steps, "rename")
		if to != "p.json" || !strings.HasPrefix(from, ".profgen-") {
			t.Errorf("rename %s to %s", from, to)
		}
		return realRename(dfd, from, to)
	}
	syncDir = func(d *os.File) {
		steps = append(steps, "syncdir")
		if got := readString(t, path); got != "new content" {
			t.Errorf("directory synced before the rename: the file holds %q", got)
		}
		d.Sync()
	}
	if err := Write(path, []byte("new content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if want := []string{"sync", "rename", "syncdir"}; !reflect.DeepEqual(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
}

// TestFailedWriteKeepsOldFile makes each step fail in turn, and the write itself for real
// (a file size limit below the new content's size fails it with EFBIG, as a full disk would):
// the old file stays as it was and no temporary file remains.
func TestFailedWriteKeepsOldFile(t *testing.T) {
	restoreSteps(t)
	boom := errors.New("injected failure")
	realSync, realRename := syncFile, renameAt
	tests := []struct {
		name  string
		setup func(t *testing.T)
		want  error
	}{
		{"sync", func(*testing.T) { syncFile = func(*os.File) error { return boom } }, boom},
		{"rename", func(*testing.T) { renameAt = func(int, string, string) error { return boom } }, boom},
		{"write", func(t *testing.T) {
			// Without SIGXFSZ ignored, exceeding the limit would kill the test.
			old := ignoreSignal(t, syscall.SIGXFSZ)
			var lim unix.Rlimit
			if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &lim); err != nil {
				t.Fatal(err)
			}
			small := lim
			small.Cur = 1024
			if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &small); err != nil {
				t.Skipf("cannot lower the file size limit: %v", err)
			}
			t.Cleanup(func() {
				unix.Setrlimit(unix.RLIMIT_FSIZE, &lim)
				old()
			})
		}, syscall.EFBIG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			syncFile, renameAt = realSync, realRename
			dir := t.TempDir()
			path := filepath.Join(dir, "p.json")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			tt.setup(t)
			err := Write(path, make([]byte, 4096), 0o644)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want one wrapping %v", err, tt.want)
			}
			if got := readString(t, path); got != "old" {
				t.Errorf("the old file now holds %d bytes", len(got))
			}
			if l := tempFiles(t, dir); len(l) != 0 {
				t.Errorf("temporary files left: %v", l)
			}
		})
	}
}

// ignoreSignal ignores sig until the returned function is called.
func ignoreSignal(t *testing.T, sig os.Signal) func() {
	t.Helper()
	signal.Ignore(sig)
	return func() { signal.Reset(sig) }
}
