//go:build linux && cgo

package seccomp

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

func libseccompVersion() (string, error) {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro), nil
}

// scmpAction maps a runtime-spec action to libseccomp's. ERRNO and TRACE without a return
// value use EPERM, as runc does.
func scmpAction(act specs.LinuxSeccompAction, ret *uint) (libseccomp.ScmpAction, error) {
	code := int16(syscall.EPERM)
	if ret != nil {
		if *ret > 4095 {
			return 0, fmt.Errorf("errno %d out of range (0-4095)", *ret)
		}
		code = int16(*ret)
	}
	switch act {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(code), nil
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(code), nil
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActNotify:
		return libseccomp.ActNotify, nil
	}
	return 0, fmt.Errorf("unknown action %q", act)
}

var scmpOps = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual: libseccomp.CompareNotEqual, specs.OpLessThan: libseccomp.CompareLess,
	specs.OpLessEqual: libseccomp.CompareLessOrEqual, specs.OpEqualTo: libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual, specs.OpGreaterThan: libseccomp.CompareGreater,
	specs.OpMaskedEqual: libseccomp.CompareMaskedEqual,
}

// optimizeRules is the number of rules above which the filter is compiled as a binary tree.
// libseccomp up to 2.5.4 builds a wrong tree for a filter without rules, and its trees hold
// about four syscalls per node, so short filters gain nothing from one.
const optimizeRules = 32

// newFilter builds a libseccomp filter from p. With only set, the filter holds that one
// architecture and names unknown on it are collected; otherwise it holds the profile's
// architectures plus the native one.
func newFilter(p *specs.LinuxSeccomp, only syscalls.ABI) (*libseccomp.ScmpFilter, []string, error) {
	// libseccomp's cost grows with every copy of a rule it is given (quadratically for
	// one syscall repeated): give it each rule once.
	p, _ = profile.MergeDuplicateRules(p)
	def, err := scmpAction(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, nil, fmt.Errorf("default action: %w", err)
	}
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, nil, fmt.Errorf("create filter: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Release()
		}
	}()
	if err := addArches(f, p, only); err != nil {
		return nil, nil, err
	}
	flags, err := filterFlags(p)
	if err != nil {
		return nil, nil, err
	}
	if err := setFlags(f, flags); err != nil {
		return nil, nil, err
	}
	// resolve returns the number to add a rule with, and whether it is the architecture's
	// own number (to add without translation) rather than the native one.
	resolve := func(n string) (libseccomp.ScmpSyscall, bool, error) {
		nr, err := libseccomp.GetSyscallFromName(n)
		return nr, false, err
	}
	if only != "" {
		arch, err := libseccomp.GetArchFromString(string(only))
		if err != nil {
			return nil, nil, fmt.Errorf("architecture %s: %w", only, err)
		}
		resolve = func(n string) (libseccomp.ScmpSyscall, bool, error) {
			own, err := libseccomp.GetSyscallFromNameByArch(n, arch)
			if err != nil {
				return 0, false, err
			}
			// libseccomp translates native numbers to the architecture by name; a
			// name the native architecture lacks needs the architecture's own number.
			if nr, err := libseccomp.GetSyscallFromName(n); err == nil {
				return nr, false, nil
			}
			return own, true, nil
		}
	}
	unknown := map[string]bool{}
	rules := 0
	for i, r := range p.Syscalls {
		act, err := scmpAction(r.Action, r.ErrnoRet)
		if err != nil {
			return nil, nil, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		if act == def {
			continue
		}
		for _, name := range r.Names {
			nr, exact, err := resolve(name)
			if err != nil {
				unknown[name] = true
				continue
			}
			rules++
			if err := addRule(f, nr, act, r.Args, exact); err != nil {
				if only != "" && len(r.Args) == 0 {
					// libseccomp names the call on this architecture but cannot filter
					// it (arch_prctl on x86 in 2.5.4): as good as unknown to it.
					unknown[name] = true
					continue
				}
				return nil, nil, fmt.Errorf("syscalls[%d]: %s: %w", i, name, err)
			}
		}
	}
	if rules > optimizeRules {
		// A binary search on the syscall number instead of a linear chain of compares, as
		// runc does for long profiles. Older libseccomp (API level < 4) lacks it: the
		// linear filter is as correct, only slower to run, so the error is not fatal.
		_ = f.SetOptimize(2)
	}
	names := make([]string, 0, len(unknown))
	for n := range unknown {
		names = append(names, n)
	}
	sort.Strings(names)
	ok = true
	return f, names, nil
}

func addArches(f *libseccomp.ScmpFilter, p *specs.LinuxSeccomp, only syscalls.ABI) error {
	arches := make([]string, 0, len(p.Architectures))
	for _, a := range p.Architectures {
		abi, err := syscalls.ABIFromSCMPArch(string(a))
		if err != nil {
			return err
		}
		arches = append(arches, string(abi))
	}
	if only != "" {
		arches = []string{string(only)}
	}
	if only != "" {
		// Remove the native architecture first: libseccomp refuses to put architectures of
		// different byte orders in one filter (EDOM), so a big-endian ABI could not be
		// compiled on a little-endian machine while the native one is still there.
		native, err := libseccomp.GetNativeArch()
		if err != nil {
			return fmt.Errorf("native architecture: %w", err)
		}
		if want, _ := libseccomp.GetArchFromString(string(only)); want != native {
			if err := f.RemoveArch(native); err != nil {
				return fmt.Errorf("remove native architecture: %w", err)
			}
		}
	}
	for _, a := range arches {
		arch, err := libseccomp.GetArchFromString(a)
		if err != nil {
			return fmt.Errorf("architecture %s: %w: %w", a, ErrArchUnsupported, err)
		}
		if err := f.AddArch(arch); err != nil {
			if strings.Contains(err.Error(), "not supported") {
				err = fmt.Errorf("%w: %w", ErrArchUnsupported, err)
			}
			return fmt.Errorf("add architecture %s: %w", a, err)
		}
	}
	return nil
}

// filterFlags derives the seccomp(2) filter flags (SECCOMP_FILTER_FLAG_*) from the profile's
// flags: the one place that reads them, for libseccomp's attributes and for loading the
// exported program in Exec. SECCOMP_FILTER_FLAG_TSYNC is accepted and left out: Exec filters
// one thread on purpose, and a runtime that loads the profile synchronises by itself.
func filterFlags(p *specs.LinuxSeccomp) (uint, error) {
	var bits uint
	for _, fl := range p.Flags {
		switch fl {
		case specs.LinuxSeccompFlagLog:
			bits |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			bits |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		case specs.LinuxSeccompFlagWaitKillableRecv:
			bits |= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		case "SECCOMP_FILTER_FLAG_TSYNC":
		default:
			return 0, fmt.Errorf("flag %s: unknown flag", fl)
		}
	}
	return bits, nil
}

// setFlags sets the libseccomp attributes that match the filter flag bits.
func setFlags(f *libseccomp.ScmpFilter, bits uint) error {
	set := []struct {
		bit  uint
		name string
		fn   func(bool) error
	}{
		{unix.SECCOMP_FILTER_FLAG_LOG, "SECCOMP_FILTER_FLAG_LOG", f.SetLogBit},
		{unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, "SECCOMP_FILTER_FLAG_SPEC_ALLOW", f.SetSSB},
		{unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", f.SetWaitKill},
	}
	for _, s := range set {
		if bits&s.bit == 0 {
			continue
		}
		if err := s.fn(true); err != nil {
			return fmt.Errorf("flag %s: %w", s.name, err)
		}
	}
	return nil
}

// addRule adds one rule. Conditions on distinct arguments are ANDed in one rule; when an
// argument is named more than once each condition becomes a rule of its own (ORed), which is
// how runc reads such profiles.
//
// exact says nr is the number of the filter's one non-native architecture, which libseccomp
// must not translate from the native one.
func addRule(f *libseccomp.ScmpFilter, nr libseccomp.ScmpSyscall, act libseccomp.ScmpAction, args []specs.LinuxSeccompArg, exact bool) error {
	add, addCond := f.AddRule, f.AddRuleConditional
	if exact {
		add, addCond = f.AddRuleExact, f.AddRuleConditionalExact
	}
	if len(args) == 0 {
		return add(nr, act)
	}
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	seen := map[uint]bool{}
	repeated := false
	for _, a := range args {
		op, ok := scmpOps[a.Op]
		if !ok {
			return fmt.Errorf("unknown operator %q", a.Op)
		}
		vals := []uint64{a.Value}
		if a.Op == specs.OpMaskedEqual {
			vals = []uint64{a.Value, a.ValueTwo}
		}
		c, err := libseccomp.MakeCondition(a.Index, op, vals...)
		if err != nil {
			return err
		}
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
		conds = append(conds, c)
	}
	if !repeated {
		return addCond(nr, act, conds)
	}
	for _, c := range conds {
		if err := addCond(nr, act, []libseccomp.ScmpCondition{c}); err != nil {
			return err
		}
	}
	return nil
}

func compileSeccomp(p *specs.LinuxSeccomp, abi syscalls.ABI) ([]byte, []string, error) {
	f, unknown, err := newFilter(p, abi)
	if err != nil {
		return nil, nil, fmt.Errorf("compile seccomp profile: %w", err)
	}
	defer f.Release()
	bpf, err := exportBPF(f)
	if err != nil {
		return nil, nil, fmt.Errorf("compile seccomp profile: export BPF: %w", err)
	}
	return bpf, unknown, nil
}

// exportBPF returns the filter's BPF program. libseccomp 2.5 writes it only to a file
// descriptor: a pipe, read while libseccomp writes (a program may be larger than the pipe's
// buffer), so nothing touches the disk.
func exportBPF(f *libseccomp.ScmpFilter) ([]byte, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	type result struct {
		b   []byte
		err error
	}
	read := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(r)
		read <- result{b, err}
	}()
	err = f.ExportBPF(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	res := <-read
	if err != nil {
		return nil, err
	}
	if res.err != nil {
		return nil, res.err
	}
	return res.b, nil
}

func execWithSeccomp(p *specs.LinuxSeccomp, argv, env []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("exec: no command")
	}
	if p.DefaultAction == specs.ActNotify {
		return fmt.Errorf("exec: SCMP_ACT_NOTIFY needs a listener; profgen exec does not provide one")
	}
	for _, r := range p.Syscalls {
		if r.Action == specs.ActNotify {
			return fmt.Errorf("exec: SCMP_ACT_NOTIFY needs a listener; profgen exec does not provide one")
		}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("exec %s: %w", argv[0], err)
	}
	// A Go runtime signal (the scheduler's preemption SIGURG) may reach this thread between
	// loading the filter and execve; its handler returns through rt_sigreturn, which must
	// therefore pass, as it does in every profile profgen generates (a profile that names
	// rt_sigreturn itself keeps its own rule).
	withSigreturn := *p
	if p.DefaultAction != specs.ActAllow && p.DefaultAction != specs.ActLog && !namesSyscall(p, "rt_sigreturn") {
		withSigreturn.Syscalls = append(append([]specs.LinuxSyscall(nil), p.Syscalls...),
			specs.LinuxSyscall{Names: []string{"rt_sigreturn"}, Action: specs.ActAllow})
	}
	bpf, _, err := compileSeccomp(&withSigreturn, "")
	if err != nil {
		return fmt.Errorf("load seccomp profile: %w", err)
	}
	flags, err := filterFlags(p)
	if err != nil {
		return fmt.Errorf("load seccomp profile: %w", err)
	}
	// Once the filter is on, the thread makes execve and, should that fail, exit_group: a
	// profile refusing either would leave profgen unable to start the command or to exit
	// (spinning, or a thread killed under the rest of the process). Say so before loading.
	if err := mustPass(bpf, "execve", "exit_group"); err != nil {
		return fmt.Errorf("exec %s: %w", argv[0], err)
	}
	// WAIT_KILLABLE_RECV is only valid with a notify listener, which exec refuses above.
	flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	return execFiltered(bpf, flags, path, argv, env)
}

// mustPass evaluates the compiled filter for each named syscall of the native ABI (arguments
// zero) and refuses a filter that does not let it run.
func mustPass(bpf []byte, names ...string) error {
	abi := syscalls.Native()
	for _, name := range names {
		nr, err := abi.Number(name)
		if err != nil {
			return err
		}
		ret, err := evalBPF(bpf, seccompData{nr: int32(nr), arch: abi.AuditArch()})
		if err != nil {
			return fmt.Errorf("evaluate the seccomp filter for %s: %w", name, err)
		}
		if !passes(ret) {
			return fmt.Errorf("the profile refuses %s (%s): profgen exec needs it to start the command and to exit; allow it", name, describeAction(ret))
		}
	}
	return nil
}

// namesSyscall reports whether any rule of p names syscall name.
func namesSyscall(p *specs.LinuxSeccomp, name string) bool {
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			if n == name {
				return true
			}
		}
	}
	return false
}
