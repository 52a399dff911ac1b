package recorder

import (
	"bytes"
	"slices"
	"testing"
)

const rootStatus = "Name:\tnginx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 4 \n"

func TestParseStatusCreds(t *testing.T) {
	c, err := ParseStatusCreds([]byte("Name:\tx\nUid:\t1000\t1001\t1002\t1003\nGid:\t33\t34\t35\t36\nGroups:\t4 27\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Creds{1000, 1001, 1002, 1003, 33, 34, 35, 36, []uint32{4, 27}}
	if c.UID != want.UID || c.EUID != want.EUID || c.SUID != want.SUID || c.FSUID != want.FSUID ||
		c.GID != want.GID || c.FSGID != want.FSGID || !slices.Equal(c.Groups, want.Groups) {
		t.Errorf("got %+v, want %+v", c, want)
	}
	for _, bad := range []string{"", "Uid:\t0 0 0\nGid:\t0 0 0 0\n", "Uid:\tx 0 0 0\nGid:\t0 0 0 0\n", "Uid:\t0 0 0 0\n"} {
		if _, err := ParseStatusCreds([]byte(bad)); err == nil {
			t.Errorf("ParseStatusCreds(%q): no error", bad)
		}
	}
}

func TestCapabilityTable(t *testing.T) {
	root, _ := ParseStatusCreds([]byte(rootStatus))
	user := Creds{UID: 33, EUID: 33, SUID: 33, FSUID: 33, GID: 33, EGID: 33, SGID: 33, FSGID: 33}
	wwwDir := Inode{UID: 33, GID: 33, Mode: sIFDIR | 0o700}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"root searches a 0700 dir of uid 33", DACCapability(root, wwwDir, MayExec), "dac_read_search"},
		{"root writes in a 0700 dir of uid 33", DACCapability(root, wwwDir, MayWrite|MayExec), "dac_override"},
		{"owner writes in its dir", DACCapability(user, wwwDir, MayWrite|MayExec), ""},
		{"root reads a 0600 file of uid 33", DACCapability(root, Inode{UID: 33, Mode: 0o100600}, MayRead), "dac_read_search"},
		{"root writes a 0644 file of uid 33", DACCapability(root, Inode{UID: 33, Mode: 0o100644}, MayWrite), "dac_override"},
		{"root reads a 0644 file of uid 33", DACCapability(root, Inode{UID: 33, Mode: 0o100644}, MayRead), ""},
		{"group member writes a 0660 file", DACCapability(Creds{FSUID: 5, Groups: []uint32{4}}, Inode{UID: 0, GID: 4, Mode: 0o100660}, MayWrite), ""},
		{"root chowns its file to 33", ChownCapability(root, Inode{}, 33, -1), "chown"},
		{"root chowns its file to root", ChownCapability(root, Inode{}, 0, 0), ""},
		{"root chgrps its file to a group of its own", ChownCapability(root, Inode{}, -1, 4), ""},
		{"root chgrps its file to 33", ChownCapability(root, Inode{}, -1, 33), "chown"},
		{"root chowns a file of uid 33 to 33", ChownCapability(root, Inode{UID: 33}, 33, -1), "chown"},
		{"setuid to 33", SetIDCapability(root, "setuid", []int64{33}), "setuid"},
		{"setuid to 0 as root", SetIDCapability(root, "setuid", []int64{0}), ""},
		{"setresuid32 -1,33,-1", SetIDCapability(root, "setresuid32", []int64{-1, 33, -1}), "setuid"},
		{"setgid to 33", SetIDCapability(root, "setgid", []int64{33}), "setgid"},
		{"setregid to own ids", SetIDCapability(user, "setregid", []int64{33, 33}), ""},
		{"setgroups", SetIDCapability(user, "setgroups", nil), "setgid"},
		{"mknod of a char device", MknodCapability(0o020666), "mknod"},
		{"mknod of a fifo", MknodCapability(0o010666), ""},
		{"raw inet socket", SocketCapability(2, 3|0x80000), "net_raw"},
		{"packet socket", SocketCapability(17, 2), "net_raw"},
		{"inet dgram (ping) socket", SocketCapability(2, 2), ""},
		{"netlink raw socket", SocketCapability(16, 3), ""},
		{"root signals a process of uid 33", KillCapability(root, user, false), "kill"},
		{"uid 33 signals its own", KillCapability(user, user, false), ""},
		{"root signals root", KillCapability(root, root, false), ""},
		{"SIGCONT in the session", KillCapability(root, user, true), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func FuzzParseStatusCreds(f *testing.F) {
	f.Add([]byte(rootStatus))
	f.Add([]byte("Uid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nGroups:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseStatusCreds(b)
		if err != nil {
			return
		}
		// A parsed status has both id lines.
		if !bytes.Contains(b, []byte("Uid:")) || !bytes.Contains(b, []byte("Gid:")) {
			t.Errorf("parsed %q without Uid and Gid lines: %+v", b, c)
		}
	})
}
