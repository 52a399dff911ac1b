package recorder

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Creds are a process's user and group ids: real, effective, saved and file-system ids, and
// its supplementary groups, as /proc/PID/status lists them.
type Creds struct {
	UID, EUID, SUID, FSUID uint32
	GID, EGID, SGID, FSGID uint32
	Groups                 []uint32
}

// ParseStatusCreds reads the Uid, Gid and Groups lines of a /proc/PID/status file.
func ParseStatusCreds(status []byte) (Creds, error) {
	var c Creds
	var seenUID, seenGID bool
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch key {
		case "Uid", "Gid":
			f := strings.Fields(val)
			if len(f) != 4 {
				return c, fmt.Errorf("parse %s line %q: want 4 ids", key, val)
			}
			var ids [4]uint32
			for i, s := range f {
				n, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return c, fmt.Errorf("parse %s line: %w", key, err)
				}
				ids[i] = uint32(n)
			}
			seen := &seenUID
			if key == "Gid" {
				seen = &seenGID
			}
			if *seen {
				return c, fmt.Errorf("parse process status: two %s lines", key)
			}
			*seen = true
			if key == "Uid" {
				c.UID, c.EUID, c.SUID, c.FSUID = ids[0], ids[1], ids[2], ids[3]
			} else {
				c.GID, c.EGID, c.SGID, c.FSGID = ids[0], ids[1], ids[2], ids[3]
			}
		case "Groups":
			for _, s := range strings.Fields(val) {
				n, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return c, fmt.Errorf("parse Groups line: %w", err)
				}
				c.Groups = append(c.Groups, uint32(n))
			}
		}
	}
	if !seenUID || !seenGID {
		return c, fmt.Errorf("parse process status: no Uid and Gid lines")
	}
	return c, nil
}

// inGroup reports whether gid is the caller's file-system group or a supplementary group.
func (c Creds) inGroup(gid uint32) bool { return gid == c.FSGID || slices.Contains(c.Groups, gid) }

// Permission bits asked of an inode (MAY_READ, MAY_WRITE, MAY_EXEC in the kernel).
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// Inode is the owner and mode (type and permission bits, as st_mode) of a file.
type Inode struct {
	UID, GID uint32
	Mode     uint32
}

const (
	sIFMT  = 0o170000
	sIFDIR = 0o040000
	sIFCHR = 0o020000
	sIFBLK = 0o060000
)

// IsDir reports whether the inode is a directory.
func (i Inode) IsDir() bool { return i.Mode&sIFMT == sIFDIR }

// DACCapability returns the capability a process with creds c needed to be granted want
// (MayRead|MayWrite|MayExec) on ino, as the kernel's generic_permission decides, or "" when
// the permission bits grant it: reading a file and reading or searching a directory are
// allowed by dac_read_search, everything else by dac_override. ACLs are not consulted.
func DACCapability(c Creds, ino Inode, want int) string {
	bits := ino.Mode & 0o7
	switch {
	case c.FSUID == ino.UID:
		bits = ino.Mode >> 6 & 0o7
	case c.inGroup(ino.GID):
		bits = ino.Mode >> 3 & 0o7
	}
	if int(bits)&want == want {
		return ""
	}
	if want&MayWrite == 0 && (ino.IsDir() || want == MayRead) {
		return "dac_read_search"
	}
	return "dac_override"
}

// ChownCapability returns "chown" when a process with creds c needed CAP_CHOWN to set the
// owner of ino to uid and its group to gid (-1: unchanged), as the kernel's chown_ok and
// chgrp_ok decide, or "".
func ChownCapability(c Creds, ino Inode, uid, gid int64) string {
	owner := c.FSUID == ino.UID
	if uid != -1 && !(owner && uint32(uid) == ino.UID) {
		return "chown"
	}
	if gid != -1 && !(owner && (uint32(gid) == ino.GID || c.inGroup(uint32(gid)))) {
		return "chown"
	}
	return ""
}

// SetIDCapability returns the capability ("setuid" or "setgid") a successful identity change
// by a process with creds c needed, or "": call is setuid, setreuid, setresuid (or the gid
// twins, with or without the 32 suffix of 32-bit ABIs) and ids its arguments (-1:
// unchanged). setgroups always needs setgid.
func SetIDCapability(c Creds, call string, ids []int64) string {
	call = strings.TrimSuffix(call, "32")
	var cur []uint32
	var capName string
	switch call {
	case "setuid":
		cur, capName = []uint32{c.UID, c.SUID}, "setuid"
	case "setreuid", "setresuid":
		cur, capName = []uint32{c.UID, c.EUID, c.SUID}, "setuid"
	case "setgid":
		cur, capName = []uint32{c.GID, c.SGID}, "setgid"
	case "setregid", "setresgid":
		cur, capName = []uint32{c.GID, c.EGID, c.SGID}, "setgid"
	case "setgroups":
		return "setgid"
	default:
		return ""
	}
	for _, id := range ids {
		if id != -1 && !slices.Contains(cur, uint32(id)) {
			return capName
		}
	}
	return ""
}

// MknodCapability returns "mknod" when mode (mknod's mode argument) makes a character or
// block device, which needs CAP_MKNOD, or "".
func MknodCapability(mode uint64) string {
	switch uint32(mode) & sIFMT {
	case sIFCHR, sIFBLK:
		return "mknod"
	}
	return ""
}

// SocketCapability returns "net_raw" for the sockets that need CAP_NET_RAW: raw inet and
// inet6 sockets and packet sockets; or "".
func SocketCapability(family, typ uint64) string {
	switch {
	case family == 17: // AF_PACKET
		return "net_raw"
	case (family == 2 || family == 10) && typ&sockTypeMask == 3: // SOCK_RAW
		return "net_raw"
	}
	return ""
}

// KillCapability returns "kill" when a process with creds c needed CAP_KILL to signal a
// process of another thread group with creds target, as the kernel's kill_ok_by_cred
// decides (SIGCONT within one session needs none; the caller says whether that was so).
func KillCapability(c, target Creds, contInSession bool) string {
	if contInSession || c.EUID == target.SUID || c.EUID == target.UID || c.UID == target.SUID || c.UID == target.UID {
		return ""
	}
	return "kill"
}
