//go:build linux

package ptrace

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenAccess(t *testing.T) {
	tests := []struct {
		flags uint64
		want  string
	}{
		{unix.O_RDONLY, "r"},
		{unix.O_RDONLY | unix.O_CLOEXEC | unix.O_DIRECTORY, "r"},
		{unix.O_WRONLY, "w"},
		{unix.O_RDWR, "rw"},
		{unix.O_WRONLY | unix.O_APPEND, "a"},
		{unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, "wc"},
		{unix.O_RDWR | unix.O_CREAT, "rwc"},
	}
	for _, tt := range tests {
		if got := openAccess(tt.flags); got != tt.want {
			t.Errorf("openAccess(%#o) = %q, want %q", tt.flags, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	tid := unix.Gettid()
	cwd, err := unix.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dirfd int
		rel   string
		want  string
	}{
		{atFDCWD, "/etc/../etc/hostname", "/etc/hostname"},
		{atFDCWD, "testdata/pipes.sh", cwd + "/testdata/pipes.sh"},
		{atFDCWD, "", cwd},
		{99999, "x", ""}, // no such descriptor
	}
	for _, tt := range tests {
		if got := resolve(tid, tt.dirfd, tt.rel); got != tt.want {
			t.Errorf("resolve(%d, %q) = %q, want %q", tt.dirfd, tt.rel, got, tt.want)
		}
	}
}
