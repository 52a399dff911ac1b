package recorder

import (
	"os"
	"sort"
	"strconv"

	"github.com/profgen/profgen/syscalls"
)

// Seccomp operations, flags and prctl options that load a seccomp filter.
const (
	seccompSetModeFilter   = 1  // seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)
	seccompFilterFlagTSync = 1  // the filter applies to every thread of the process
	prSetSeccomp           = 22 // prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog)
	seccompModeFilter      = 2
	prSetNoNewPrivs        = 38 // prctl(PR_SET_NO_NEW_PRIVS, 1, ...)
)

// RuntimeBase finds, in the syscalls of a traced OCI runtime seen in order, what the runtime
// itself does between loading a container's seccomp filter and executing the workload: the
// calls made under that filter (by the thread that loaded it, the threads it starts
// afterwards, and every thread of the process when it was loaded with
// SECCOMP_FILTER_FLAG_TSYNC), up to and including the execve that runs the workload. A
// container profile must allow them, or the container stops before its workload starts.
// Feed it with Syscall, Clone and Exec (it is a ptrace.Observer).
type RuntimeBase struct {
	// filtered maps each thread under a filter the runtime loaded to its process.
	filtered map[int]int
	// pending holds, per process that loaded a filter, what its filtered threads called since.
	pending map[int]map[callKey]bool
	calls   map[int]uint64
	sets    map[callKey]bool
	// Containers counts the processes that loaded a filter and then executed a program;
	// Calls counts the syscalls they made under it, the execve included.
	Containers int
	Calls      uint64
	// WithNoNewPrivs and WithoutNoNewPrivs count the containers by whether their process set
	// no_new_privs (process.noNewPrivileges) before it executed the workload: the base set
	// depends on it (runc loads the filter before dropping privileges when it is false).
	WithNoNewPrivs, WithoutNoNewPrivs int
	noNewPrivs                        map[int]bool
	// taskIDs lists the threads of a process; a test may replace it.
	taskIDs func(pid int) []int
}

// NewRuntimeBase returns an empty RuntimeBase.
func NewRuntimeBase() *RuntimeBase {
	return &RuntimeBase{filtered: map[int]int{}, pending: map[int]map[callKey]bool{},
		calls: map[int]uint64{}, sets: map[callKey]bool{}, noNewPrivs: map[int]bool{}, taskIDs: procTaskIDs}
}

// Syscall takes the next syscall of thread tid.
func (b *RuntimeBase) Syscall(tid int, ev Event) {
	if tsync, ok := loadsFilter(ev); ok {
		// What ran before this load ran under an earlier filter (or none): start again.
		b.pending[ev.PID] = map[callKey]bool{}
		b.calls[ev.PID] = 0
		b.filtered[tid] = ev.PID
		if tsync {
			for _, t := range b.taskIDs(ev.PID) {
				b.filtered[t] = ev.PID
			}
		}
		return
	}
	if name, err := ev.ABI.Name(ev.Nr); err == nil && name == "prctl" && uint32(ev.Args[0]) == prSetNoNewPrivs && ev.Args[1] == 1 {
		b.noNewPrivs[ev.PID] = true
	}
	if _, ok := b.filtered[tid]; !ok {
		return
	}
	if p := b.pending[ev.PID]; p != nil {
		p[callKey{ev.ABI, ev.Nr}] = true
		b.calls[ev.PID]++
	}
}

// Clone takes a new thread or process child made by thread tid: it inherits tid's filter.
func (b *RuntimeBase) Clone(tid, child int) {
	if pid, ok := b.filtered[tid]; ok {
		b.filtered[child] = pid
	}
}

// Exec takes the completed exec of process pid: what its filtered threads called since it
// loaded its filter is the runtime's.
func (b *RuntimeBase) Exec(pid int) {
	nnp := b.noNewPrivs[pid]
	delete(b.noNewPrivs, pid)
	p := b.pending[pid]
	if p == nil {
		return
	}
	if nnp {
		b.WithNoNewPrivs++
	} else {
		b.WithoutNoNewPrivs++
	}
	for k := range p {
		b.sets[k] = true
	}
	b.Containers++
	b.Calls += b.calls[pid]
	delete(b.pending, pid)
	delete(b.calls, pid)
	for t, owner := range b.filtered {
		if owner == pid {
			delete(b.filtered, t) // the workload from here on
		}
	}
}

// loadsFilter reports whether ev loads a seccomp filter, and whether on every thread.
// libseccomp and runc probe the kernel with a NULL program first; those calls load nothing.
func loadsFilter(ev Event) (tsync, ok bool) {
	name, err := ev.ABI.Name(ev.Nr)
	if err != nil {
		return false, false
	}
	switch name {
	case "seccomp":
		return ev.Args[1]&seccompFilterFlagTSync != 0, ev.Args[0] == seccompSetModeFilter && ev.Args[2] != 0
	case "prctl":
		return false, uint32(ev.Args[0]) == prSetSeccomp && ev.Args[1] == seccompModeFilter && ev.Args[2] != 0
	}
	return false, false
}

func procTaskIDs(pid int) []int {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		if t, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// Syscalls returns the base set: per ABI, the sorted names (numbers in decimal where the
// tables have no name).
func (b *RuntimeBase) Syscalls() map[syscalls.ABI][]string {
	out := map[syscalls.ABI][]string{}
	for k := range b.sets {
		out[k.abi] = append(out[k.abi], k.abi.NameOrNumber(k.nr))
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}
