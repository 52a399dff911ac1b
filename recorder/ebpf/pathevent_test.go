package ebpf

import (
	"encoding/binary"
	"testing"
)

func pathRecord(pid uint32, flags uint32, ret int32, kind uint8, dfd int64, path string) []byte {
	b := make([]byte, pathEventHeader+pathMax)
	binary.LittleEndian.PutUint32(b[0:], pid)
	binary.LittleEndian.PutUint32(b[4:], flags)
	binary.LittleEndian.PutUint32(b[8:], uint32(ret))
	binary.LittleEndian.PutUint16(b[12:], uint16(len(path)))
	b[14] = kind
	binary.LittleEndian.PutUint64(b[16:], uint64(dfd))
	copy(b[pathEventHeader:], path)
	return b
}

func TestDecodePathEvent(t *testing.T) {
	e, err := decodePathEvent(pathRecord(42, oWronly|oCreat|oAppend, -2, kindOpenFailed, -100, "x/y"))
	if err != nil {
		t.Fatal(err)
	}
	if e.pid != 42 || e.ret != -2 || e.kind != kindOpenFailed || e.dfd != -100 || e.path != "x/y" {
		t.Errorf("decoded %+v", e)
	}
	if got := openAccess(e.flags); got != "wac" {
		t.Errorf("access %q, want wac", got)
	}
	for _, bad := range [][]byte{nil, make([]byte, 10), pathRecord(1, 0, 0, 9, 0, "/"), pathRecord(1, 0, 0, kindOpen, 0, "/")[:pathEventHeader]} {
		if _, err := decodePathEvent(bad); err == nil && len(bad) < pathEventHeader+1 {
			t.Errorf("decoded a bad record of %d bytes", len(bad))
		}
	}
}

// FuzzDecodePathEvent checks that a decoded path fits in the record and the kind is known.
func FuzzDecodePathEvent(f *testing.F) {
	f.Add(pathRecord(1, 0, 3, kindOpen, 0, "/etc/hostname"))
	f.Add(pathRecord(1, 0101, -13, kindOpenFailed, 5, "rel"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodePathEvent(b)
		if err != nil {
			return
		}
		if len(e.path) > pathMax || pathEventHeader+len(e.path) > len(b) || e.kind < kindOpen || e.kind > kindExec {
			t.Fatalf("decoded %+v from %d bytes", e, len(b))
		}
	})
}
