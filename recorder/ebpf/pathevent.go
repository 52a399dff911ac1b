package ebpf

import (
	"encoding/binary"
	"fmt"

	"github.com/profgen/profgen/profile"
)

// Kinds of path events (KIND_* of the program).
const (
	kindOpen       = 1
	kindOpenFailed = 2
	kindExec       = 3
)

// pathEventHeader is the size of a path event before its path (struct path_event), and
// pathMax the size of its path buffer (PATH_MAX_LEN).
const (
	pathEventHeader = 24
	pathMax         = 4096
)

// pathEvent is one event of the paths ring buffer.
type pathEvent struct {
	pid       int
	flags     uint32
	ret       int32
	kind      uint8
	truncated bool
	dfd       int64
	path      string
}

// decodePathEvent decodes a record of the paths ring buffer (struct path_event, little
// endian as the x86-64 kernel writes it).
func decodePathEvent(b []byte) (pathEvent, error) {
	if len(b) < pathEventHeader {
		return pathEvent{}, fmt.Errorf("decode path event: %d bytes, want at least %d", len(b), pathEventHeader)
	}
	e := pathEvent{
		pid:       int(binary.LittleEndian.Uint32(b[0:])),
		flags:     binary.LittleEndian.Uint32(b[4:]),
		ret:       int32(binary.LittleEndian.Uint32(b[8:])),
		kind:      b[14],
		truncated: b[15] != 0,
		dfd:       int64(binary.LittleEndian.Uint64(b[16:])),
	}
	n := int(binary.LittleEndian.Uint16(b[12:]))
	if n > pathMax || pathEventHeader+n > len(b) {
		return pathEvent{}, fmt.Errorf("decode path event: path of %d bytes in a record of %d", n, len(b))
	}
	e.path = string(b[pathEventHeader : pathEventHeader+n])
	if e.kind < kindOpen || e.kind > kindExec {
		return pathEvent{}, fmt.Errorf("decode path event: unknown kind %d", e.kind)
	}
	return e, nil
}

// Open flags (x86-64 values; i386 has the same).
const (
	oAccMode = 03
	oWronly  = 01
	oRdwr    = 02
	oCreat   = 0100
	oTrunc   = 01000
	oAppend  = 02000
	oPath    = 010000000
)

// openAccess returns the AppArmor access letters of open(2) flags, as the ptrace recorder
// gives them (except that an O_CREAT open of a file that was already there counts as a
// creation: the program does not see whether the file existed).
func openAccess(flags uint32) string {
	var a string
	switch flags & oAccMode {
	case 0:
		a = "r"
	case oWronly:
		a = "w"
	default:
		a = "rw"
	}
	if flags&oAppend != 0 && a == "w" {
		a = "a"
	}
	if flags&oCreat != 0 {
		a += "wc"
	}
	if flags&oTrunc != 0 {
		a += "w"
	}
	return profile.MergeAccess("", a)
}
