//go:build linux && amd64

package ebpf

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/syscalls"
)

// inFlight returns one event per thread of the processes tgids that is inside a syscall now.
// A recorder that attaches to running processes sees a syscall when it is entered; a thread
// blocked since before the attach (an idle worker in futex, a main loop in pause or
// epoll_wait) is inside its call during the whole recording, and would otherwise be missed
// unless it made the call again (ptrace's attach makes it: the interrupted call restarts).
// The ABI is the process's (its executable's ELF class; x32 by the number's bit).
func inFlight(tgids []int) []recorder.Event {
	var evs []recorder.Event
	for _, tgid := range tgids {
		abi := syscalls.X86_64
		if elfClass32(tgid) {
			abi = syscalls.X86
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", tgid))
		if err != nil {
			continue // gone
		}
		for _, task := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/syscall", tgid, task.Name()))
			if err != nil {
				continue
			}
			nr, args, ok := ParseTaskSyscall(b)
			if !ok {
				continue
			}
			ev := recorder.Event{PID: tgid, ABI: abi, Nr: nr, Args: args}
			if abi == syscalls.X86_64 && nr&x32Bit != 0 {
				ev.ABI = syscalls.X32
			}
			evs = append(evs, ev)
		}
	}
	return evs
}

// elfClass32 says whether process pid runs a 32-bit executable.
func elfClass32(pid int) bool {
	f, err := os.Open(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	defer f.Close()
	var h [5]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return false
	}
	return bytes.Equal(h[:4], []byte("\x7fELF")) && h[4] == 1
}

// cgroupProcs returns the processes in cgroup directory dir and the cgroups below it.
func cgroupProcs(dir string) []int {
	var pids []int
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		f, err := os.Open(filepath.Join(path, "cgroup.procs"))
		if err != nil {
			return nil
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if pid, err := strconv.Atoi(sc.Text()); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}
