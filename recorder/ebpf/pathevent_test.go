package ebpf

import (
	"encoding/binary"
	"testing"
)

func strRecord(seq uint64, tid uint32, slot, flags uint8, s string) []byte {
	b := make([]byte, recHeadSize+len(s))
	binary.LittleEndian.PutUint64(b[24:], 99)
	binary.LittleEndian.PutUint64(b[0:], seq)
	binary.LittleEndian.PutUint32(b[8:], tid)
	b[12], b[13], b[14] = recStr, slot, flags
	binary.LittleEndian.PutUint32(b[16:], uint32(len(s)))
	copy(b[recHeadSize:], s)
	return b
}

func callRecord(seq uint64, tid uint32, kind uint8, c fileCallEvent) []byte {
	b := make([]byte, recCallSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], seq)
	le.PutUint32(b[8:], tid)
	b[12], b[13] = kind, c.abi
	le.PutUint32(b[16:], c.nr)
	le.PutUint32(b[32:], uint32(c.pid))
	le.PutUint32(b[36:], c.fsuid)
	le.PutUint64(b[40:], uint64(c.ret))
	for i, a := range c.args {
		le.PutUint64(b[48+8*i:], a)
	}
	le.PutUint64(b[96:], c.howFlags)
	le.PutUint32(b[104:], c.fMode)
	le.PutUint32(b[108:], c.iMode)
	le.PutUint32(b[112:], c.iUID)
	return b
}

func TestDecodePathRecord(t *testing.T) {
	r, err := decodePathRecord(strRecord(7, 42, 1, strInternal, "x/y"))
	if err != nil {
		t.Fatal(err)
	}
	if r.seq != 7 || r.tid != 42 || r.kind != recStr || r.slot != 1 || r.flags != strInternal || r.str != "x/y" || r.ref != 99 {
		t.Errorf("decoded %+v", r)
	}
	want := fileCallEvent{abi: 1, nr: 39, pid: 5, fsuid: 1000, ret: -2, args: [6]uint64{1, 2, 3, 4, 5, 6}, howFlags: 0100, fMode: 1 << 20, iMode: 0o100644, iUID: 1000}
	r, err = decodePathRecord(callRecord(8, 43, recCall, want))
	if err != nil {
		t.Fatal(err)
	}
	if r.call != want || r.kind != recCall || r.seq != 8 {
		t.Errorf("decoded %+v, want %+v", r.call, want)
	}
	for _, bad := range [][]byte{nil, make([]byte, 10), strRecord(1, 1, nrSlots, 0, "/"), strRecord(1, 1, 0, 0, "/abc")[:recHeadSize+2],
		callRecord(1, 1, recCall, want)[:recCallSize-1], callRecord(1, 1, 9, want)} {
		if _, err := decodePathRecord(bad); err == nil {
			t.Errorf("decoded a bad record of %d bytes", len(bad))
		}
	}
}

// FuzzDecodePathEvent checks that a decoded string fits in the record and its slot and the
// kind are known.
func FuzzDecodePathEvent(f *testing.F) {
	f.Add(strRecord(1, 2, slotFile, 0, "/etc/hostname"))
	f.Add(callRecord(1, 2, recCall, fileCallEvent{nr: 257, ret: 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodePathRecord(b)
		if err != nil {
			return
		}
		switch r.kind {
		case recStr:
			if len(r.str) > pathMax || recHeadSize+len(r.str) > len(b) || r.slot >= nrSlots {
				t.Fatalf("decoded %+v from %d bytes", r, len(b))
			}
		case recCall, recExec:
			if len(b) < recCallSize {
				t.Fatalf("decoded a call from %d bytes", len(b))
			}
		default:
			t.Fatalf("decoded kind %d", r.kind)
		}
	})
}
