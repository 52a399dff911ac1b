package ebpf

import (
	"encoding/binary"
	"fmt"
)

// Kinds of records of the paths ring buffer (REC_* of the program).
const (
	recStr  = 1
	recCall = 2
	recExec = 3
)

// String slots (rec_head.slot of a REC_STR): 2*i the string of path argument i, 2*i+1 the
// directory it is relative to, slotFile the file opened, mapped or executed.
const (
	slotFile = 4
	nrSlots  = 5
)

// String flags (STR_*).
const (
	strTruncated = 1
	strInternal  = 2 // a file of no mount namespace: a pipe, a socket, a memfd
	strRef       = 4 // no text: the path sent before with the same ref
)

// Sizes of the records (struct rec_head, struct rec_call) and of a string's buffer
// (PATH_MAX_LEN).
const (
	recHeadSize = 32
	recCallSize = 120
	pathMax     = 4096
)

// pathRecord is one record of the paths ring buffer: a string of a call, or the call itself.
type pathRecord struct {
	seq  uint64
	tid  uint32
	kind uint8
	// A string: its slot, flags and text; ref identifies a path the program walked (0: a
	// string the call passed).
	slot  uint8
	flags uint8
	str   string
	ref   uint64
	// A call (recCall, recExec).
	call fileCallEvent
}

// fileCallEvent is what the program saw of a call at its exit (or of an exec).
type fileCallEvent struct {
	abi      uint8
	nr       uint32
	pid      int
	fsuid    uint32
	ret      int64
	args     [6]uint64
	howFlags uint64
	// The file opened, mapped or executed: its f_mode, i_mode (0: none) and owner.
	fMode, iMode, iUID uint32
}

// decodePathRecord decodes a record of the paths ring buffer (little endian, as the x86-64
// kernel writes it).
func decodePathRecord(b []byte) (pathRecord, error) {
	if len(b) < recHeadSize {
		return pathRecord{}, fmt.Errorf("decode path record: %d bytes, want at least %d", len(b), recHeadSize)
	}
	le := binary.LittleEndian
	r := pathRecord{seq: le.Uint64(b[0:]), tid: le.Uint32(b[8:]), kind: b[12], slot: b[13], flags: b[14], ref: le.Uint64(b[24:])}
	n := le.Uint32(b[16:])
	switch r.kind {
	case recStr:
		if r.slot >= nrSlots {
			return pathRecord{}, fmt.Errorf("decode path record: string slot %d", r.slot)
		}
		if n > pathMax || recHeadSize+int(n) > len(b) {
			return pathRecord{}, fmt.Errorf("decode path record: string of %d bytes in a record of %d", n, len(b))
		}
		r.str = string(b[recHeadSize : recHeadSize+int(n)])
	case recCall, recExec:
		if len(b) < recCallSize {
			return pathRecord{}, fmt.Errorf("decode path record: call of %d bytes, want %d", len(b), recCallSize)
		}
		c := &r.call
		c.abi, c.nr = r.slot, n
		c.pid = int(le.Uint32(b[32:]))
		c.fsuid = le.Uint32(b[36:])
		c.ret = int64(le.Uint64(b[40:]))
		for i := range c.args {
			c.args[i] = le.Uint64(b[48+8*i:])
		}
		c.howFlags = le.Uint64(b[96:])
		c.fMode, c.iMode, c.iUID = le.Uint32(b[104:]), le.Uint32(b[108:]), le.Uint32(b[112:])
	default:
		return pathRecord{}, fmt.Errorf("decode path record: unknown kind %d", r.kind)
	}
	return r, nil
}
