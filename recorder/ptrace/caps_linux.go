//go:build linux

package ptrace

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/profgen/profgen/recorder"
)

// Capabilities derived from what succeeded: the table is in the README ("Capabilities").
// The decisions themselves are recorder's (SetIDCapability, DACCapability ...); this file
// gathers their inputs from the stopped tracee and /proc.

// enterCap reads the arguments of a capSyscalls call at its entry.
func (d *fileDecoder) enterCap(tid, pid int, name string, info *syscallInfo) *fileCall {
	c := &fileCall{name: name, pid: pid}
	id := func(i int) int64 { return int64(int32(info.Args[i])) }
	switch strings.TrimSuffix(name, "32") {
	case "setuid", "setgid":
		c.args = []int64{id(0)}
	case "setreuid", "setregid":
		c.args = []int64{id(0), id(1)}
	case "setresuid", "setresgid":
		c.args = []int64{id(0), id(1), id(2)}
	case "setgroups":
	case "fchown":
		c.args = []int64{id(1), id(2)}
		if fi, err := os.Stat(fmt.Sprintf("/proc/%d/fd/%d", tid, int32(info.Args[0]))); err == nil {
			c.ino = inodeOf(fi)
		}
	case "bind":
		var b [4]byte
		if info.Args[2] < 4 {
			return nil
		}
		if n, err := readMem(tid, info.Args[1], b[:]); err != nil || n != 4 {
			return nil
		}
		c.args = []int64{int64(binary.NativeEndian.Uint16(b[:2])), int64(binary.BigEndian.Uint16(b[2:]))}
		return c
	case "socket":
		if recorder.SocketCapability(info.Args[0], info.Args[1]) == "" {
			return nil
		}
		c.args = []int64{int64(info.Args[0]), int64(info.Args[1])}
		return c
	case "kill", "tkill", "tgkill":
		return d.enterKill(tid, pid, c, info)
	default:
		return nil
	}
	cr, err := d.readCreds(tid, true)
	if err != nil {
		return nil
	}
	c.creds = &cr
	return c
}

// exitCap derives the capability a capSyscalls call that succeeded needed.
func (d *fileDecoder) exitCap(tid int, c *fileCall) {
	base := strings.TrimSuffix(c.name, "32")
	switch base {
	case "bind":
		if (c.args[0] == 2 || c.args[0] == 10) && c.args[1] > 0 && c.args[1] < int64(d.unprivPort) {
			d.agg.DerivedCapability(c.pid, "net_bind_service", fmt.Sprintf("bind to port %d", c.args[1]))
		}
		return
	case "socket":
		d.agg.DerivedCapability(c.pid, recorder.SocketCapability(uint64(c.args[0]), uint64(c.args[1])),
			fmt.Sprintf("socket(%s, %s)", recorder.SocketFamilyName(uint64(c.args[0])), recorder.SocketTypeName(uint64(c.args[1]))))
		return
	case "kill", "tkill", "tgkill":
		d.agg.DerivedCapability(c.pid, "kill", fmt.Sprintf("%s(%d, %d) of a process of uid %d as uid %d", c.name, c.args[0], c.args[1], c.ino.UID, c.creds.EUID))
		return
	case "fchown":
		if c.ino != nil && c.creds != nil {
			if cp := recorder.ChownCapability(*c.creds, *c.ino, c.args[0], c.args[1]); cp != "" {
				d.agg.DerivedCapability(c.pid, cp, fmt.Sprintf("fchown of a file of uid %d to %s as uid %d", c.ino.UID, ownerText(c.args), c.creds.FSUID))
			}
		}
		return
	}
	delete(d.creds, tid)
	if cp := recorder.SetIDCapability(*c.creds, c.name, c.args); cp != "" {
		d.agg.DerivedCapability(c.pid, cp, fmt.Sprintf("%s(%s) as uid %d gid %d", c.name, idsText(c.args), c.creds.EUID, c.creds.EGID))
	}
}

// enterKill keeps a signal to another process for its exit when the sender needs CAP_KILL
// for it, by the ids of both now; it returns nil otherwise.
func (d *fileDecoder) enterKill(tid, pid int, c *fileCall, info *syscallInfo) *fileCall {
	target, sig := int(int32(info.Args[0])), int(int32(info.Args[1]))
	if c.name == "tgkill" {
		target, sig = int(int32(info.Args[1])), int(int32(info.Args[2]))
	}
	if target <= 0 || target == pid {
		return nil // a process group, or itself
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", target)); err == nil {
		if tgid := statusField(b, "Tgid"); tgid == fmt.Sprint(pid) {
			return nil // a thread of its own
		}
	}
	self, err := d.readCreds(tid, true)
	if err != nil {
		return nil
	}
	other, err := d.readCreds(target, true)
	if err != nil {
		return nil
	}
	cont := sig == int(syscall.SIGCONT) && sessionOf(tid) != "" && sessionOf(tid) == sessionOf(target)
	if recorder.KillCapability(self, other, cont) == "" {
		return nil
	}
	c.args = []int64{int64(target), int64(sig)}
	c.creds = &self
	c.ino = &recorder.Inode{UID: other.UID}
	return c
}

// statusField returns the value of a /proc/PID/status line.
func statusField(status []byte, key string) string {
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// sessionOf returns the session id of process pid (field 6 of /proc/PID/stat), or "".
func sessionOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 {
		return ""
	}
	return f[3]
}

// deriveFileCaps derives the capabilities a file syscall that succeeded on path needed.
func (d *fileDecoder) deriveFileCaps(tid int, c *fileCall, path, access string) {
	switch {
	case c.creds != nil && c.ino != nil && len(c.args) == 2: // chown, lchown, fchownat
		if cp := recorder.ChownCapability(*c.creds, *c.ino, c.args[0], c.args[1]); cp != "" {
			d.agg.DerivedCapability(c.pid, cp, fmt.Sprintf("chown of %s (uid %d) to %s as uid %d", path, c.ino.UID, ownerText(c.args), c.creds.FSUID))
		}
	case c.name == "mknod" || c.name == "mknodat":
		if cp := recorder.MknodCapability(uint64(c.args[0])); cp != "" {
			d.agg.DerivedCapability(c.pid, cp, "mknod of device "+path)
		}
	case c.name == "chroot":
		d.agg.DerivedCapability(c.pid, "sys_chroot", "chroot to "+path)
	}
	cr, err := d.readCreds(tid, false)
	if err != nil || cr.FSUID != 0 {
		return // the permission bits decide only a root process's need for a capability
	}
	if strings.HasPrefix(c.name, "chmod") || strings.HasPrefix(c.name, "fchmodat") {
		if fi, err := os.Stat(path); err == nil && inodeOf(fi).UID != cr.FSUID {
			d.agg.DerivedCapability(c.pid, "fowner", fmt.Sprintf("chmod of %s (uid %d) as uid %d", path, inodeOf(fi).UID, cr.FSUID))
		}
	}
	// Every directory on the way must be searchable.
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		d.checkDAC(c.pid, cr, dir, recorder.MayExec, "search")
		if dir == "/" || dir == "." {
			break
		}
	}
	switch {
	case strings.ContainsAny(access, "cd"):
		d.checkDAC(c.pid, cr, filepath.Dir(path), recorder.MayWrite|recorder.MayExec, "create or remove entries of")
	case c.open || c.name == "truncate" || c.name == "truncate64":
		want := 0
		if strings.Contains(access, "r") {
			want |= recorder.MayRead
		}
		if strings.ContainsAny(access, "wa") {
			want |= recorder.MayWrite
		}
		if want != 0 {
			d.checkDAC(c.pid, cr, path, want, openText(want))
		}
	}
}

// checkDAC derives the capability root needed for want on path, once per path and want.
func (d *fileDecoder) checkDAC(pid int, cr recorder.Creds, path string, want int, what string) {
	key := fmt.Sprintf("%d:%s", want, path)
	if d.checked[key] {
		return
	}
	d.checked[key] = true
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	ino := *inodeOf(fi)
	if cp := recorder.DACCapability(cr, ino, want); cp != "" {
		d.agg.DerivedCapability(pid, cp, fmt.Sprintf("%s %s (uid %d gid %d mode %04o) as uid 0", what, path, ino.UID, ino.GID, ino.Mode&0o7777))
	}
}

// readCreds returns the ids of thread tid, from the cache unless fresh.
func (d *fileDecoder) readCreds(tid int, fresh bool) (recorder.Creds, error) {
	if cr, ok := d.creds[tid]; ok && !fresh {
		return cr, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return recorder.Creds{}, fmt.Errorf("read the ids of thread %d: %w", tid, err)
	}
	cr, err := recorder.ParseStatusCreds(b)
	if err != nil {
		return cr, err
	}
	if !fresh {
		d.creds[tid] = cr
	}
	return cr, nil
}

// forget drops what is cached of a thread that is gone.
func (d *fileDecoder) forget(tid int) { delete(d.creds, tid) }

func inodeOf(fi os.FileInfo) *recorder.Inode {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &recorder.Inode{}
	}
	return &recorder.Inode{UID: st.Uid, GID: st.Gid, Mode: st.Mode}
}

func openText(want int) string {
	switch want {
	case recorder.MayRead:
		return "read"
	case recorder.MayWrite:
		return "write"
	}
	return "read and write"
}

func idsText(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

func ownerText(ids []int64) string { return fmt.Sprintf("%d:%d", ids[0], ids[1]) }
