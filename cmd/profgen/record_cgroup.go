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

// containerStateRoots are the state directories in which the engines that drive runc keep
// their containers, outside runc's default /run/runc.
var containerStateRoots = []string{
	"/run/docker/runtime-runc/moby", // Docker
	"/run/containerd/runc/k8s.io",   // containerd's CRI (Kubernetes)
	"/run/containerd/runc/default",  // containerd (ctr)
	"/run/containerd/runc/moby",     // Docker on containerd's runc shim
}

// containerRootHint names, for a container the runtime's default state root does not hold,
// the engines' state roots that exist here (exists says which), to give --container-root; ""
// for a runtime other than runc, or when there is none.
func containerRootHint(runtime string, exists func(string) bool) string {
	if filepath.Base(runtime) != "runc" {
		return ""
	}
	var roots []string
	for _, r := range containerStateRoots {
		if exists(r) {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		return ""
	}
	return "a container that Docker or containerd started is in their state root: --container-root " + strings.Join(roots, " or ")
}

// dirExists says whether path is a directory.
func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
