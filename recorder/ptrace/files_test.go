//go:build linux

package ptrace

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/recorder/filecalls"
)

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
		{filecalls.AtFDCWD, "/etc/../etc/hostname", "/etc/hostname"},
		{filecalls.AtFDCWD, "testdata/pipes.sh", cwd + "/testdata/pipes.sh"},
		{filecalls.AtFDCWD, "", cwd},
		{99999, "x", ""}, // no such descriptor
	}
	for _, tt := range tests {
		if got := resolve(tid, tt.dirfd, tt.rel); got != tt.want {
			t.Errorf("resolve(%d, %q) = %q, want %q", tt.dirfd, tt.rel, got, tt.want)
		}
	}
}
