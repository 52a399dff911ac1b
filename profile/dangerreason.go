package profile

import (
	"sort"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dangerNotes says in a few words what some dangerous syscalls let a process do. Syscalls not
// listed get only the capability Docker asks for.
var dangerNotes = map[string]string{
	"acct":              "switches process accounting on the host",
	"add_key":           "adds keys to the kernel keyring, which is not namespaced",
	"bpf":               "loads eBPF programs into the kernel",
	"chroot":            "changes the root directory, a step in many container escapes",
	"clock_settime":     "sets the host's clock",
	"delete_module":     "unloads kernel modules",
	"fanotify_init":     "watches file accesses across the host",
	"finit_module":      "loads kernel modules",
	"fsconfig":          "configures file systems to mount",
	"fsmount":           "mounts file systems",
	"fsopen":            "opens file systems to mount",
	"init_module":       "loads kernel modules",
	"iopl":              "raw access to I/O ports",
	"ioperm":            "raw access to I/O ports",
	"kcmp":              "compares kernel state of other processes",
	"kexec_file_load":   "replaces the running kernel",
	"kexec_load":        "replaces the running kernel",
	"keyctl":            "manages kernel keyrings, which are not namespaced",
	"mount":             "mounts file systems, changing what the container can see",
	"move_mount":        "moves mounts, changing what the container can see",
	"open_by_handle_at": "opens files by handle, bypassing path checks (the 'shocker' escape)",
	"open_tree":         "clones mount trees",
	"perf_event_open":   "reads kernel and hardware performance data, a side channel",
	"pivot_root":        "changes the root mount",
	"quotactl":          "changes disk quotas",
	"reboot":            "reboots the host or loads a new kernel",
	"request_key":       "asks the kernel keyring for keys, which is not namespaced",
	"setns":             "enters other namespaces",
	"settimeofday":      "sets the host's clock",
	"stime":             "sets the host's clock",
	"swapoff":           "changes the host's swap",
	"swapon":            "changes the host's swap",
	"syslog":            "reads and clears the kernel log",
	"umount":            "unmounts file systems",
	"umount2":           "unmounts file systems",
	"unshare":           "makes new namespaces, the first step of many kernel exploits",
	"userfaultfd":       "pauses kernel accesses to memory, a common exploit aid",
	"vhangup":           "hangs up the terminal",
}

// dangerCaps maps a syscall to the capabilities under which Docker's default profile allows
// it (empty: it allows it to no container).
var dangerCaps = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	p, err := ParseDockerSeccomp(mobyDefault)
	if err != nil {
		return out // DangerousSyscalls reports the error
	}
	for _, r := range p.Syscalls {
		if r.Action != specs.ActAllow || r.Includes == nil {
			continue
		}
		for _, n := range r.oci().Names {
			for _, c := range r.Includes.Caps {
				if !contains(out[n], c) {
					out[n] = append(out[n], c)
				}
			}
		}
	}
	for _, caps := range out {
		sort.Strings(caps)
	}
	return out
})

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// DangerReason says in one line why a syscall of DangerousSyscalls matters: what it lets a
// process do, where known, and when Docker's default profile allows it. It returns "" for a
// syscall that is not dangerous.
func DangerReason(name string) string {
	if !IsDangerous(name) {
		return ""
	}
	docker := "Docker's default profile blocks it in every container"
	if caps := dangerCaps()[name]; len(caps) > 0 {
		docker = "Docker's default profile allows it only with " + strings.Join(caps, " or ")
	}
	if note := dangerNotes[name]; note != "" {
		return note + "; " + docker
	}
	return docker
}
