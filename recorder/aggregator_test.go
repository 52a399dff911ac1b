package recorder

import (
	"reflect"
	"testing"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

func nr(t *testing.T, abi syscalls.ABI, name string) int64 {
	t.Helper()
	n, err := abi.Number(name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAggregator(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	a := NewAggregator(rec)
	a.ProcessInfo = func(pid int) profile.Process { return profile.Process{PID: pid, Comm: "p"} }
	events := []Event{
		{PID: 10, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "read")},
		{PID: 11, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "read")},
		{PID: 11, ABI: syscalls.X86, Nr: nr(t, syscalls.X86, "read")},
		{PID: 12, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "socket"), Args: [6]uint64{2, 1 | 0x80000, 6}},
		{PID: 12, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "socket"), Args: [6]uint64{1, 2, 0}},
		{PID: 12, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "clone"), Args: [6]uint64{0x3d0f00}},
		{PID: 12, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "prctl"), Args: [6]uint64{38}},
		{PID: 12, ABI: syscalls.X86_64, Nr: nr(t, syscalls.X86_64, "personality"), Args: [6]uint64{0xffffffff}},
		{PID: 13, ABI: syscalls.X86_64, Nr: 9999},
	}
	for _, ev := range events {
		a.Syscall(ev)
	}
	a.File(12, "/etc/hostname", "r")
	a.File(13, "/etc/hostname", "w")
	if got := a.Total(); got != uint64(len(events)) {
		t.Errorf("Total = %d, want %d", got, len(events))
	}
	a.Finish()
	tests := []struct {
		abi   syscalls.ABI
		name  string
		count uint64
		first int
	}{
		{syscalls.X86_64, "read", 2, 10},
		{syscalls.X86, "read", 1, 11},
		{syscalls.X86_64, "socket", 2, 12},
		{syscalls.X86_64, "9999", 1, 13},
	}
	for _, tt := range tests {
		s := rec.Syscalls[tt.abi][tt.name]
		if s == nil {
			t.Errorf("%s %s not recorded", tt.abi, tt.name)
			continue
		}
		if s.Count != tt.count || s.First.PID != tt.first {
			t.Errorf("%s %s: count %d first %d, want %d and %d", tt.abi, tt.name, s.Count, s.First.PID, tt.count, tt.first)
		}
	}
	wantArgs := map[string]map[string][]uint64{
		"socket":      {"family": {1, 2}, "type": {2, 1 | 0x80000}},
		"clone":       {"flags": {0x3d0f00}},
		"prctl":       {"option": {38}},
		"personality": {"persona": {0xffffffff}},
	}
	for sc, args := range wantArgs {
		for arg, vals := range args {
			got := rec.Args[sc][arg]
			if len(got) != len(vals) {
				t.Errorf("%s %s = %v, want %v", sc, arg, got, vals)
				continue
			}
			for i := range vals {
				if got[i] != vals[i] {
					t.Errorf("%s %s = %v, want %v", sc, arg, got, vals)
				}
			}
		}
	}
	wantSockets := []profile.Socket{{Family: "inet", Type: "stream", Protocol: 6}, {Family: "unix", Type: "dgram"}}
	if len(rec.Sockets) != 2 || rec.Sockets[0] != wantSockets[0] || rec.Sockets[1] != wantSockets[1] {
		t.Errorf("sockets %v, want %v", rec.Sockets, wantSockets)
	}
	if f := rec.Files["/etc/hostname"]; f == nil || f.Access != "rw" || f.Count != 2 || f.First.PID != 12 {
		t.Errorf("file /etc/hostname: %+v", f)
	}
	if err := rec.Validate(); err != nil {
		t.Errorf("recording does not validate: %v", err)
	}
}

func TestSocketNames(t *testing.T) {
	tests := []struct {
		family, typ uint64
		wantF       string
		wantT       string
	}{
		{1, 1, "unix", "stream"},
		{2, 2 | 0x800, "inet", "dgram"},
		{10, 3, "inet6", "raw"},
		{16, 3, "netlink", "raw"},
		{17, 10, "packet", "packet"},
		{200, 15, "200", "15"},
	}
	for _, tt := range tests {
		if got := SocketFamilyName(tt.family); got != tt.wantF {
			t.Errorf("family %d: %q, want %q", tt.family, got, tt.wantF)
		}
		if got := SocketTypeName(tt.typ); got != tt.wantT {
			t.Errorf("type %d: %q, want %q", tt.typ, got, tt.wantT)
		}
	}
}

// TestAggregatorMergeSnapshot: two aggregators merged in order give what one aggregator fed
// all the events gives, with the earlier one's first processes; Snapshot leaves the
// aggregator as it was; NoArgs events record no argument values.
func TestAggregatorMergeSnapshot(t *testing.T) {
	info := func(pid int) profile.Process { return profile.Process{PID: pid} }
	newAgg := func() *Aggregator {
		a := NewAggregator(profile.NewRecording("test", "test"))
		a.ProcessInfo = info
		return a
	}
	read, socket := nr(t, syscalls.X86_64, "read"), nr(t, syscalls.X86_64, "socket")
	first, second, all := newAgg(), newAgg(), newAgg()
	evs := []Event{
		{PID: 1, ABI: syscalls.X86_64, Nr: read},
		{PID: 2, ABI: syscalls.X86_64, Nr: socket, Args: [6]uint64{2, 1, 0}},
		{PID: 3, ABI: syscalls.X86_64, Nr: read},
		{PID: 4, ABI: syscalls.X86_64, Nr: socket, Args: [6]uint64{10, 2, 0}, NoArgs: true},
	}
	for i, ev := range evs {
		if i < 2 {
			first.Syscall(ev)
		} else {
			second.Syscall(ev)
		}
		all.Syscall(ev)
	}
	second.File(3, "/etc/passwd", "r")
	all.File(3, "/etc/passwd", "r")
	first.Merge(second)
	snap := first.Snapshot()
	if again := first.Snapshot(); again.Syscalls[syscalls.X86_64]["read"].Count != 2 {
		t.Errorf("a second Snapshot counts read %d times, want 2", again.Syscalls[syscalls.X86_64]["read"].Count)
	}
	want := all.Finish()
	for _, r := range []*profile.Recording{snap, first.Finish()} {
		if got := r.Syscalls[syscalls.X86_64]["read"]; got == nil || got.Count != 2 || got.First.PID != 1 {
			t.Errorf("read: %+v, want 2 calls first by 1", got)
		}
		if len(r.Sockets) != 1 || r.Sockets[0].Family != "inet" || len(r.Args["socket"]["family"]) != 1 {
			t.Errorf("a NoArgs socket call recorded arguments: sockets %v args %v", r.Sockets, r.Args)
		}
		if !reflect.DeepEqual(r.Syscalls, want.Syscalls) || !reflect.DeepEqual(r.Files, want.Files) || !reflect.DeepEqual(r.Args, want.Args) {
			t.Errorf("merged aggregators differ from one aggregator:\n%+v\n%+v", r, want)
		}
	}
}
