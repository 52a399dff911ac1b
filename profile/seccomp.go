package profile

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// Seccomp profile modes.
const (
	// ModeAllow is an allow-list: recorded syscalls allowed, everything else EPERM.
	ModeAllow = "allow"
	// ModeDeny allows everything except a deny list (by default the dangerous set).
	ModeDeny = "deny"
	// ModeLog logs every syscall not recorded yet (SCMP_ACT_LOG), to discover syscalls
	// through the audit log.
	ModeLog = "log"
	// ModeComplain is the allow-list with SCMP_ACT_LOG instead of EPERM as default action.
	ModeComplain = "complain"
)

// Modes lists the seccomp profile modes.
var Modes = []string{ModeAllow, ModeDeny, ModeLog, ModeComplain}

// Errno values used in generated profiles.
const (
	errnoEPERM  = 1
	errnoENOSYS = 38
)

// SeccompOptions controls how a seccomp profile is made from a recording.
type SeccompOptions struct {
	// Mode is allow (the default), deny, log or complain.
	Mode string
	// Runtime names the OCI runtime whose own syscalls (made after it loads the filter and
	// before it execs the workload) are added to allow-list profiles: runc, crun, or none
	// (the default).
	Runtime string
	// NoNewPrivileges selects the base set measured with the container's
	// process.noNewPrivileges true (Kubernetes' allowPrivilegeEscalation: false). The default,
	// false, is what Docker and Kubernetes do unless asked, and its set is the larger one.
	NoNewPrivileges bool
	// Deny lists the syscalls a deny-mode profile denies; empty means DangerousSyscalls.
	Deny []string
	// Warn, when set, receives one line per thing a user should know (a dangerous syscall
	// left allowed because the workload uses it, a syscall recorded by number only ...).
	Warn func(string)
}

func (o SeccompOptions) warnf(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, args...))
	}
}

// alwaysAllowed are allowed in every allow-list profile: without them no process can exit or
// return from a signal handler.
var alwaysAllowed = []string{"exit", "exit_group", "rt_sigreturn"}

// GenerateSeccomp makes an OCI runtime-spec seccomp profile from rec (which may be nil for
// the log and deny modes, giving a profile for this machine's architectures).
func GenerateSeccomp(rec *Recording, opts SeccompOptions) (*specs.LinuxSeccomp, error) {
	if rec == nil {
		rec = NewRecording("profgen", "")
	}
	mode := opts.Mode
	if mode == "" {
		mode = ModeAllow
	}
	if _, err := runtimeSetsFor(opts.Runtime, opts.NoNewPrivileges); err != nil {
		return nil, fmt.Errorf("generate seccomp profile: %w", err)
	}
	abis := rec.ABIs()
	if len(abis) == 0 && (mode == ModeAllow || mode == ModeComplain) {
		return nil, fmt.Errorf("generate seccomp profile: the recording has no syscalls (an %s-mode profile needs at least one)", mode)
	}
	if len(abis) == 0 {
		if n := syscalls.Native(); n != "" {
			abis = []syscalls.ABI{n}
		}
	}
	arches := profileABIs(abis)
	recorded, err := recordedNames(rec, opts)
	if err != nil {
		return nil, fmt.Errorf("generate seccomp profile: %w", err)
	}
	p := &specs.LinuxSeccomp{}
	for _, a := range arches {
		p.Architectures = append(p.Architectures, specs.Arch(a.SCMPArch()))
	}
	switch mode {
	case ModeAllow, ModeComplain:
		allowed, err := allowListNames(recorded, arches, opts)
		if err != nil {
			return nil, fmt.Errorf("generate seccomp profile: %w", err)
		}
		if d := dangerousIn(allowed); len(d) > 0 {
			opts.warnf("the profile allows %s, which Docker's default profile blocks (the workload was recorded using them)", strings.Join(d, ", "))
		}
		if mode == ModeAllow && (opts.Runtime == "" || opts.Runtime == "none") {
			opts.warnf("no --runtime: a container runtime cannot start a container under this profile (runc: \"operation not permitted\"); " +
				"add --runtime runc or --runtime crun (and --no-new-privileges if the container sets allowPrivilegeEscalation: false; profgen exec needs neither)")
		}
		if mode == ModeAllow {
			p.DefaultAction = specs.ActErrno
			p.DefaultErrnoRet = uintPtr(errnoEPERM)
		} else {
			p.DefaultAction = specs.ActLog
		}
		p.Syscalls = []specs.LinuxSyscall{{Names: allowed, Action: specs.ActAllow}}
		if enosys := enosysNames(allowed, arches); len(enosys) > 0 {
			p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: enosys, Action: specs.ActErrno, ErrnoRet: uintPtr(errnoENOSYS)})
		}
	case ModeLog:
		p.DefaultAction = specs.ActLog
		if len(recorded) > 0 {
			p.Syscalls = []specs.LinuxSyscall{{Names: sortedSet(recorded, alwaysAllowed), Action: specs.ActAllow}}
		}
	case ModeDeny:
		denied, err := denyListNames(recorded, arches, opts)
		if err != nil {
			return nil, fmt.Errorf("generate seccomp profile: %w", err)
		}
		p.DefaultAction = specs.ActAllow
		if len(denied) > 0 {
			p.Syscalls = []specs.LinuxSyscall{{Names: denied, Action: specs.ActErrno, ErrnoRet: uintPtr(errnoEPERM)}}
		}
	default:
		return nil, fmt.Errorf("generate seccomp profile: unknown mode %q (want %s)", opts.Mode, strings.Join(Modes, ", "))
	}
	return p, nil
}

func uintPtr(v uint) *uint { return &v }

func isNumber(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// resolveRecordedName names a syscall recorded by number, when the tables know the number;
// other names come back as they are.
func resolveRecordedName(abi syscalls.ABI, n string) string {
	if nr, err := strconv.ParseInt(n, 10, 64); err == nil {
		if name, err := abi.Name(nr); err == nil {
			return name
		}
	}
	return n
}

// dangerousIn returns the names of the dangerous set among names, in their order.
func dangerousIn(names []string) []string {
	var out []string
	for _, n := range names {
		if IsDangerous(n) {
			out = append(out, n)
		}
	}
	return out
}

// profileABIs returns the recorded ABIs with their companions, sorted by SCMP_ARCH name.
func profileABIs(abis []syscalls.ABI) []syscalls.ABI {
	set := map[syscalls.ABI]bool{}
	for _, abi := range abis {
		for _, a := range abi.Family() {
			set[a] = true
		}
	}
	out := make([]syscalls.ABI, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SCMPArch() < out[j].SCMPArch() })
	return out
}

// recordedNames returns the names recorded on any ABI. Names recorded as numbers (unknown to
// the tables when recorded) are resolved now if possible, else left out with a warning;
// malformed names are an error.
func recordedNames(rec *Recording, opts SeccompOptions) (map[string]bool, error) {
	out := map[string]bool{}
	for _, abi := range rec.ABIs() {
		for _, n := range rec.SyscallNames(abi) {
			if resolved := resolveRecordedName(abi, n); resolved != n || isNumber(n) {
				if isNumber(resolved) {
					opts.warnf("syscall %s on %s has no name in the Linux %s tables; it is not in the profile", n, abi, syscalls.KernelVersion)
					continue
				}
				n = resolved
			}
			if !ValidSyscallName(n) {
				return nil, fmt.Errorf("recording: %s: bad syscall name %q", abi, n)
			}
			out[n] = true
		}
	}
	return out, nil
}

// allowListNames is the allow rule of allow and complain profiles: the recorded syscalls, the
// always-allowed ones and the runtime's base set.
func allowListNames(recorded map[string]bool, arches []syscalls.ABI, opts SeccompOptions) ([]string, error) {
	names := map[string]bool{}
	for n := range recorded {
		names[n] = true
	}
	for _, n := range alwaysAllowed {
		names[n] = true
	}
	sets, _ := runtimeSetsFor(opts.Runtime, opts.NoNewPrivileges)
	anyMeasured := false
	for _, base := range sets {
		for _, abi := range arches {
			list, measured := base.Names(abi)
			anyMeasured = anyMeasured || measured
			for _, n := range list {
				names[n] = true
			}
		}
	}
	if len(sets) > 0 && !anyMeasured {
		opts.warnf("%s base set: not measured on %s; using the names measured on %s that exist there",
			sets[0].Runtime, joinABIs(arches), strings.Join(sets[0].ABIs(), ", "))
	}
	return sortedSet(names, nil), nil
}

// denyListNames is the deny rule of a deny profile: opts.Deny or the dangerous set, less what
// the workload was recorded using (each named in a warning), kept to names that exist on at
// least one of the profile's architectures.
func denyListNames(recorded map[string]bool, arches []syscalls.ABI, opts SeccompOptions) ([]string, error) {
	list := opts.Deny
	explicit := len(list) > 0
	if !explicit {
		list = DangerousSyscalls()
	}
	var out []string
	for _, n := range list {
		if !ValidSyscallName(n) {
			return nil, fmt.Errorf("deny list: bad syscall name %q", n)
		}
		if !existsOnAny(n, arches) {
			if explicit {
				return nil, fmt.Errorf("deny list: %q is not a syscall on %s", n, joinABIs(arches))
			}
			continue
		}
		if recorded[n] {
			opts.warnf("%s is on the deny list but the workload was recorded using it: left allowed", n)
			continue
		}
		if slices.Contains(alwaysAllowed, n) {
			opts.warnf("%s is always allowed (no process could exit or return from a signal handler without it): left allowed", n)
			continue
		}
		out = append(out, n)
	}
	return sortedSet(nil, out), nil
}

func existsOnAny(name string, abis []syscalls.ABI) bool {
	for _, a := range abis {
		if _, err := a.Number(name); err == nil {
			return true
		}
	}
	return false
}

func joinABIs(abis []syscalls.ABI) string {
	s := make([]string, len(abis))
	for i, a := range abis {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// sortedSet returns the sorted, distinct names of set and extra.
func sortedSet(set map[string]bool, extra []string) []string {
	m := map[string]bool{}
	for n := range set {
		m[n] = true
	}
	for _, n := range extra {
		m[n] = true
	}
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// MarshalSeccomp encodes a profile as indented JSON with a trailing newline.
func MarshalSeccomp(p *specs.LinuxSeccomp) ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode seccomp profile: %w", err)
	}
	return append(b, '\n'), nil
}
