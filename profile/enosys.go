package profile

import (
	"sort"

	"github.com/profgen/profgen/syscalls"
)

// enosysSyscall is a syscall that allow-list profiles answer with ENOSYS instead of EPERM
// when the workload was not recorded using it.
type enosysSyscall struct {
	Name string
	// Linux is the kernel release that added it.
	Linux string
	// Why says who calls it and what they fall back to on ENOSYS.
	Why string
}

// enosysSyscalls are syscalls newer than the ones most workloads were recorded with, that
// libc, language runtimes or common tools try first and replace with an older call when the
// kernel says ENOSYS ("not implemented"). Most of them treat EPERM as a real failure instead,
// so a workload recorded against an older libc would break on a newer image if these returned
// EPERM. ENOSYS makes the new image behave as on an older kernel. Syscalls that grant nothing
// an older call does not already grant are the only ones listed.
var enosysSyscalls = []enosysSyscall{
	{"cachestat", "6.5", "page-cache residency query; callers fall back to mincore"},
	{"clone3", "5.3", "glibc 2.34+ pthread_create, posix_spawn and fork try clone3 and fall back to clone on ENOSYS only"},
	{"close_range", "5.9", "glibc closefrom, Python, systemd and runtimes try it and fall back to closing /proc/self/fd entries"},
	{"epoll_pwait2", "5.11", "glibc 2.35 epoll_pwait2 and libuv/Go-style loops fall back to epoll_pwait with millisecond timeouts"},
	{"faccessat2", "5.8", "glibc 2.33+ faccessat with flags tries faccessat2 and falls back to faccessat on ENOSYS"},
	{"fchmodat2", "6.6", "glibc 2.39+ fchmodat(AT_SYMLINK_NOFOLLOW) tries fchmodat2 and falls back to the O_PATH trick"},
	{"futex_waitv", "5.16", "Wine/Proton and newer threading libraries probe it and fall back to futex"},
	{"listmount", "6.8", "util-linux and systemd try it and fall back to parsing /proc/self/mountinfo"},
	{"map_shadow_stack", "6.6", "glibc 2.39+ with shadow stacks enabled treats ENOSYS as 'shadow stack unsupported'"},
	{"mseal", "6.10", "glibc 2.41+ seals its own mappings when the kernel has it and skips sealing on ENOSYS"},
	{"openat2", "5.6", "runtimes, systemd and Go's os.Root try openat2 (RESOLVE_*) and fall back to openat"},
	{"pidfd_getfd", "5.6", "process managers probe it with the other pidfd calls and fall back to SCM_RIGHTS or fail softly"},
	{"pidfd_open", "5.3", "Go 1.23+ os.StartProcess, systemd and Python probe pidfd support and use plain pids on ENOSYS"},
	{"pidfd_send_signal", "5.1", "Go 1.23+, systemd and Python signal through pidfds when available and use kill on ENOSYS"},
	{"rseq", "4.18", "glibc 2.35+ registers restartable sequences at thread start and runs without them when registration fails"},
	{"statmount", "6.8", "util-linux and systemd try it and fall back to parsing /proc/self/mountinfo"},
	{"statx", "4.11", "glibc 2.28+ stat, fstatat and Rust's std try statx and fall back to fstatat/newfstatat on ENOSYS"},
}

// enosysNames returns the ENOSYS-table syscalls not in allowed that exist on at least one of
// abis, sorted.
func enosysNames(allowed []string, abis []syscalls.ABI) []string {
	have := map[string]bool{}
	for _, n := range allowed {
		have[n] = true
	}
	var out []string
	for _, s := range enosysSyscalls {
		if !have[s.Name] && existsOnAny(s.Name, abis) {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

// ENOSYSSyscalls returns the names allow-list profiles answer with ENOSYS when unrecorded.
func ENOSYSSyscalls() []string {
	out := make([]string, len(enosysSyscalls))
	for i, s := range enosysSyscalls {
		out[i] = s.Name
	}
	sort.Strings(out)
	return out
}
