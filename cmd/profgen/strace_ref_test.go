//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestStraceAfterExec checks the strace reference parser TestImportRealRecords compares
// with, on the forms strace -f writes: an exec by the leader, an exec by another thread that
// finishes under the leader's id (the case that made the test fail once), and an exec of
// another program whose resumption must not count.
func TestStraceAfterExec(t *testing.T) {
	const exe = "/tmp/bbx"
	tests := []struct {
		name, log string
		want      string // space-separated names, "" for an error
	}{
		{"leader exec", `100 execve("/tmp/bbx", ["bbx"], 0x7ffc /* 3 vars */) = 0
100 brk(NULL) = 0x55
100 exit_group(0) = ?
`, "brk exit_group"},
		{"exec by a thread, resumed under the leader", `100 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, child_tid=0x7f}, 88) = 101
100 clone(child_stack=0x7f1, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM <unfinished ...>
101 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>
100 <... clone resumed>, parent_tid=[102], tls=0x7f2, child_tidptr=0x7f3) = 102
102 execve("/tmp/bbx", ["bbx", "sh"], 0xc0 /* 3 vars */ <unfinished ...>
101 <... futex resumed>) = ? <unavailable>
100 +++ superseded by execve in pid 102 +++
100 <... execve resumed>) = 0
100 openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3
100 exit_group(0) = ?
`, "exit_group openat"},
		{"another program's exec resumed", `100 execve("/tmp/bbx", ["bbx"], 0x7ffc /* 3 vars */ <unfinished ...>
200 execve("/bin/other", ["other"], 0x7ffc /* 3 vars */ <unfinished ...>
200 <... execve resumed>) = 0
200 read(0, "", 1) = 0
100 <... execve resumed>) = 0
100 write(1, "x", 1) = 1
`, "write"},
		{"no exec of exe", `100 execve("/bin/other", ["other"], 0x7ffc /* 3 vars */) = 0
`, ""},
	}
	for _, tt := range tests {
		got, err := straceAfterExec(strings.NewReader(tt.log), exe)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: no error (saw %v)", tt.name, got)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("%s: %v, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}
