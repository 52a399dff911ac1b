package ebpf

import (
	"sort"
	"strconv"
)

// capNames are the capabilities by number (include/uapi/linux/capability.h, Linux 6.18), as a
// recording names them: without CAP_, lower case.
var capNames = [...]string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// capName names capability number n (its number in decimal if this table does not know it).
func capName(n int) string {
	if n >= 0 && n < len(capNames) {
		return capNames[n]
	}
	return strconv.Itoa(n)
}

// capCheck is one entry of the cap_checks map: checks of one capability with one result made
// from one kernel stack.
type capCheck struct {
	cap     int
	granted bool
	frames  [capStackDepth]uint64 // the kernel stack that made the check, innermost first
	// past: frames begin past cap_capable (its return into its caller, then that caller's
	// return), read from their stack slots without unwinding.
	past bool
	n    uint64
}

// classifyCaps returns the capabilities granted and denied (sorted) by checks that were not
// made only to probe (probeOnly), and how many checks it left out because their caller is
// unknown: no stack, or no frame past the capability code that syms names. Such a check might
// be a probe (the memory accounting's CAP_SYS_ADMIN test on every mmap) as well as a use, so it
// is never taken for a use; the caller reports the count as a loss.
func classifyCaps(checks []capCheck, syms symbols) (granted, denied []string, unknown uint64) {
	g, d := map[string]bool{}, map[string]bool{}
	for _, c := range checks {
		caller := syms.caller(c.frames[:])
		if c.past {
			caller = syms.callerPast(c.frames[:])
		}
		switch {
		case caller == "":
			unknown += c.n
		case probeOnly(caller):
		case c.granted:
			g[capName(c.cap)] = true
		default:
			d[capName(c.cap)] = true
		}
	}
	return sortedKeys(g), sortedKeys(d), unknown
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
