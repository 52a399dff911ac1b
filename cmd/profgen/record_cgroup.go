package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runningInCgroup returns a process of cgroup dir or of a cgroup below it that already runs a
// program of its own, and its name: any process but a runtime's init waiting to start the
// container (runc:[2:INIT] after runc create). 0 when there is none.
func runningInCgroup(dir string) (pid int, comm string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		if err != nil {
			return nil
		}
		for _, f := range strings.Fields(string(b)) {
			n, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			c, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", n))
			if err != nil || strings.HasPrefix(string(c), "runc:[") {
				continue
			}
			pid, comm = n, strings.TrimSpace(string(c))
			return fs.SkipAll
		}
		return nil
	})
	return pid, comm
}

// cgroupStartupWarning is the warning of a --cgroup recording whose cgroup already ran a
// program, as -p and --container of a running container warn: "" when it did not.
func cgroupStartupWarning(dir string) string {
	pid, comm := runningInCgroup(dir)
	if pid == 0 {
		return ""
	}
	return fmt.Sprintf("cgroup %s held running processes when the recording started (process %d, %s): their start-up (execve, the loader's calls) was not recorded, so an allow-list from this recording alone does not let them start again; record a container from its creation (runc create, profgen record --container, runc start), or merge with a recording of its start (profgen merge)", dir, pid, comm)
}
