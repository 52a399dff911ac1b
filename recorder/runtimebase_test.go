package recorder

import (
	"reflect"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

func TestRuntimeBase(t *testing.T) {
	abi := syscalls.ABI("x86_64")
	call := func(b *RuntimeBase, tid, pid int, name string, args ...uint64) {
		t.Helper()
		nr, err := abi.Number(name)
		if err != nil {
			t.Fatal(err)
		}
		ev := Event{PID: pid, ABI: abi, Nr: nr}
		copy(ev.Args[:], args)
		b.Syscall(tid, ev)
	}
	b := NewRuntimeBase()
	b.taskIDs = func(pid int) []int { return []int{pid, pid + 1, pid + 2} }
	// Process 10 (threads 10, 11): probes with a NULL program load nothing.
	call(b, 10, 10, "seccomp", 1, 1, 0)
	call(b, 10, 10, "openat")
	call(b, 10, 10, "prctl", 38, 1)         // no_new_privs
	call(b, 10, 10, "prctl", 22, 2, 0xc000) // the load, on thread 10 only
	call(b, 11, 10, "nanosleep")            // another thread, not under the filter
	call(b, 10, 10, "seccomp", 2, 0, 0)     // SECCOMP_GET_ACTION_AVAIL: no load
	call(b, 10, 10, "write")
	b.Clone(10, 12) // a thread started under the filter
	call(b, 12, 10, "futex")
	call(b, 10, 10, "execve")
	b.Exec(10)
	call(b, 10, 10, "mmap") // the workload
	// Process 20 loads with TSYNC: every thread is under the filter.
	call(b, 20, 20, "seccomp", 1, 1, 0xc000)
	call(b, 21, 20, "getpid")
	// Process 30 loads a filter and exits without exec: not a container start.
	call(b, 30, 30, "seccomp", 1, 0, 0xc000)
	call(b, 30, 30, "kill")
	b.Exec(20)
	b.Exec(40) // an exec without a load
	want := map[syscalls.ABI][]string{abi: {"execve", "futex", "getpid", "seccomp", "write"}}
	if got := b.Syscalls(); !reflect.DeepEqual(got, want) || b.Containers != 2 || b.Calls != 5 {
		t.Errorf("got %v, %d containers, %d calls; want %v, 2, 5", got, b.Containers, b.Calls, want)
	}
	if b.WithNoNewPrivs != 1 || b.WithoutNoNewPrivs != 1 {
		t.Errorf("no_new_privs: %d with, %d without; want 1 and 1", b.WithNoNewPrivs, b.WithoutNoNewPrivs)
	}
}
