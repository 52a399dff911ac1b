//go:build linux

package atomicfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestWriteReplacesRegularFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.json")
	if err := os.WriteFile(p, []byte("a much longer old content that must not survive\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new\n" {
		t.Errorf("content %q, want %q", b, "new\n")
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old 0640 kept", fi.Mode().Perm())
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".profgen-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestWriteNewFileRespectsUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "new.json")
	if err := Write(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %v, want 0640 (0644 less umask 027)", fi.Mode().Perm())
	}
}

func TestWriteKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	p := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, 1234, 5678); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 1234 || st.Gid != 5678 || fi.Mode().Perm() != 0o600 {
		t.Errorf("owner %d:%d mode %v, want 1234:5678 0600 kept", st.Uid, st.Gid, fi.Mode().Perm())
	}
}

func TestWriteThroughLinkKeepsLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	os.WriteFile(target, []byte("old old old"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
}

func TestWritePipeInPlace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	if err := Write(p, []byte("through the pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "through the pipe" {
		t.Errorf("reader got %q", b)
	}
	if fi, _ := os.Lstat(p); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe became %v", fi.Mode())
	}
}

// TestWriteDeviceInPlace makes a null device in a temporary directory (never the machine's
// /dev/null) and writes to it: it must stay a device.
func TestWriteDeviceInPlace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a device node")
	}
	p := filepath.Join(t.TempDir(), "null")
	if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := Write(p, []byte("gone"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(p); fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the device became %v", fi.Mode())
	}
}

// TestWriteOwnDescriptorAppends: /proc/self/fd/N and /dev/fd/N name the open descriptor; one
// opened for appending (`>> log.txt`) is appended to, never overwritten from its start.
func TestWriteOwnDescriptorAppends(t *testing.T) {
	for _, prefix := range []string{"/proc/self/fd/", "/dev/fd/"} {
		p := filepath.Join(t.TempDir(), "log.txt")
		os.WriteFile(p, []byte("first line of the log\n"), 0o644)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(prefix+strconv.Itoa(int(f.Fd())), []byte("profile\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if b, _ := os.ReadFile(p); string(b) != "first line of the log\nprofile\n" {
			t.Errorf("%s: log holds %q", prefix, b)
		}
	}
}

func TestWriteLongNames(t *testing.T) {
	dir := t.TempDir()
	name := strings.Repeat("n", 255)
	if err := Write(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
		t.Errorf("255-byte name: %v", err)
	}
	f, _ := os.Open(dir)
	defer f.Close()
	if err := WriteAt(f, name+"x", []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "longer than 255") {
		t.Errorf("256-byte name: %v, want a clear length error", err)
	}
}

func TestWriteRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, []byte("x"), 0o644); err == nil {
		t.Error("writing over a directory succeeded")
	}
}

func TestSymlinkAtReplaces(t *testing.T) {
	dir := t.TempDir()
	d, _ := os.Open(dir)
	defer d.Close()
	// A file squatting on the old fixed temporary name must not block it.
	os.WriteFile(filepath.Join(dir, "x.profgen-tmp"), nil, 0o644)
	for _, to := range []string{"/a", "/b"} {
		if err := SymlinkAt(d, to, "x"); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.Readlink(filepath.Join(dir, "x")); got != to {
			t.Errorf("link points at %q, want %q", got, to)
		}
	}
	var b bytes.Buffer
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b.WriteString(e.Name() + " ")
	}
	if b.String() != "x x.profgen-tmp " {
		t.Errorf("directory holds %s", b.String())
	}
}
