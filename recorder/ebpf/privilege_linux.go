package ebpf

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// checkPrivilege says, before any load, when this process lacks the capabilities tracing
// programs need (CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON), rather than the first map
// creation's EPERM, which cilium/ebpf reports with a hint about the locked-memory limit that
// does not apply.
func checkPrivilege() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return nil // cannot tell: let the load say
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	if has(unix.CAP_SYS_ADMIN) || (has(unix.CAP_BPF) && has(unix.CAP_PERFMON)) {
		return nil
	}
	return fmt.Errorf("%w: loading its BPF programs needs root, or CAP_BPF and CAP_PERFMON (profgen runs as uid %d without them)", ErrUnavailable, os.Geteuid())
}
