//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"

	"github.com/profgen/profgen/internal/gcpause"
	"github.com/profgen/profgen/syscalls"
)

// abis are the ABIs in the order of the program's count array (ABI_X86_64, ABI_I386, ABI_X32).
var abis = [...]syscalls.ABI{syscalls.X86_64, syscalls.X86, syscalls.X32}

const (
	maxNr   = 1024       // MAX_NR: numbers per ABI in the count array
	x32Bit  = 0x40000000 // __X32_SYSCALL_BIT
	pending = 1          // STATE_PENDING
	traced  = 2          // STATE_TRACED
)

// lossNames name the program's loss counters, in the order of its LOST_* indexes, as they
// appear in a recording's source.dropped.
var lossNames = [...]string{"ebpf_fork_untraced", "ebpf_stray_syscall", "ebpf_args", "ebpf_capability_checks", "ebpf_paths", "ebpf_capability_caller"}

// argsKept says which of the first three arguments the program keeps for a syscall (bit i:
// argument i), for the syscalls whose arguments recorder.Aggregator decodes.
var argsKept = map[string]uint32{"socket": 7, "socketpair": 7, "clone": 1, "personality": 1, "prctl": 1}

// programs are the loaded objects and the links that attach them.
type programs struct {
	objs  coreObjects
	links []link.Link
	// capProg counts capability checks; nil when it could not be loaded or attached (capErr
	// says why): the syscalls are recorded all the same.
	capProg *ebpf.Program
	capErr  error
	// namer names the kernel addresses of the capability checks' stacks; nil when the kernel
	// refused it (then /proc/kallsyms is read instead).
	namer *ebpf.Program
	// exitProg reads the paths of opens (only when asked).
	exitProg *ebpf.Program
}

// coreObjects are the maps and the programs that count syscalls and follow processes; the
// capability program is loaded on its own (loadCaps), as a kernel may refuse it alone.
type coreObjects struct {
	recorderMaps
	SysEnter         *ebpf.Program `ebpf:"sys_enter"`
	SchedProcessFork *ebpf.Program `ebpf:"sched_process_fork"`
	SchedProcessExec *ebpf.Program `ebpf:"sched_process_exec"`
	SchedProcessExit *ebpf.Program `ebpf:"sched_process_exit"`
}

func (o *coreObjects) Close() error {
	var errs []error
	for _, prog := range []*ebpf.Program{o.SysEnter, o.SchedProcessFork, o.SchedProcessExec, o.SchedProcessExit} {
		if prog != nil {
			errs = append(errs, prog.Close())
		}
	}
	errs = append(errs, o.recorderMaps.Close())
	return errors.Join(errs...)
}

// withCaps are the core objects and the capability program.
type withCaps struct {
	coreObjects
	CapCapableResult *ebpf.Program `ebpf:"cap_capable_result"`
}

// scope says what the programs record: a cgroup (id and level), or the processes in the
// traced map (cgroupID == 0).
type scope struct {
	cgroupID    uint64
	cgroupLevel uint32
	// fromExec: a process of the cgroup counts from its execve on (Options.FromExec).
	fromExec bool
	// paths: read the files of the file syscalls and execs (Options.Files).
	paths bool
}

// kernelTypes are the running kernel's BTF types, parsed once per process and shared by
// every load.
var kernelTypes = btf.NewCache()

// prepare starts parsing the kernel's types in the background (an error shows again, and is
// reported, where a load needs them).
func prepare() { go kernelTypes.Kernel() }

// load loads and attaches the programs for sc.
func load(sc scope) (*programs, error) {
	// Kernels before 5.11 charge BPF maps to the locked-memory limit. Failing to lift it is
	// not fatal: an unprivileged load fails below with the clearer error.
	_ = rlimit.RemoveMemlock()
	if err := checkPrivilege(); err != nil {
		return nil, err
	}
	// The load allocates the kernel's types (about 20 MB, which stay in use) and little
	// garbage: collecting meanwhile only slows it (by 4-5 ms of about 30 here).
	defer gcpause.Pause()()
	// Parsing the kernel's BTF (for CO-RE and the tracepoints' types) takes about 10 ms: it
	// runs while the object is read and the maps are made, and serves every load below.
	types := &ebpf.CollectionOptions{Cache: kernelTypes}
	prepare() // unless Prepare began it already
	spec, err := loadRecorder()
	if err != nil {
		return nil, fmt.Errorf("read the recorder's BPF object: %w", err)
	}
	if err := configure(spec, sc); err != nil {
		return nil, err
	}
	p := &programs{}
	// The capability program and the naming program load with the others (one pass over the
	// object); if the kernel refuses the naming program (a syscall program), the capability
	// program loads without it, and if it refuses that too, the others load alone.
	var all struct {
		withCaps
		NameAddress *ebpf.Program `ebpf:"name_address"`
	}
	var caps withCaps
	var capLoadErr error
	if err := spec.LoadAndAssign(&all, types); err == nil {
		p.objs, p.capProg, p.namer = all.coreObjects, all.CapCapableResult, all.NameAddress
	} else if err := spec.LoadAndAssign(&caps, types); err == nil {
		p.objs, p.capProg = caps.coreObjects, caps.CapCapableResult
	} else if err := spec.LoadAndAssign(&p.objs, types); err == nil {
		capLoadErr = fmt.Errorf("load the capability program: %w", err)
	} else {
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("%w: load the BPF programs (needs root, or CAP_BPF and CAP_PERFMON): %w", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("%w: load the BPF programs: %w", ErrUnavailable, err)
	}
	if err := p.keepArgs(); err != nil {
		p.Close()
		return nil, err
	}
	progs := []*ebpf.Program{p.objs.SysEnter}
	if sc.cgroupID == 0 || sc.fromExec {
		progs = append(progs, p.objs.SchedProcessFork, p.objs.SchedProcessExec, p.objs.SchedProcessExit)
	}
	for _, prog := range progs {
		l, err := link.AttachTracing(link.TracingOptions{Program: prog})
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("%w: attach %s to its raw tracepoint: %w", ErrUnavailable, prog, err)
		}
		p.links = append(p.links, l)
	}
	if sc.paths {
		if err := p.markFileSyscalls(fileSyscalls()); err != nil {
			p.Close()
			return nil, err
		}
		if err := p.loadPaths(spec, types.Cache); err != nil {
			p.Close()
			return nil, err
		}
	}
	p.capErr = capLoadErr
	if p.capProg != nil {
		p.capErr = p.attachCaps()
	}
	return p, nil
}

// configure sets the object's constants and map sizes for sc.
func configure(spec *ebpf.CollectionSpec, sc scope) error {
	spec.Maps["traced_pids"].MaxEntries = pidSlots()
	if sc.cgroupID != 0 {
		if err := spec.Variables["cgroup_id"].Set(sc.cgroupID); err != nil {
			return fmt.Errorf("set the cgroup id: %w", err)
		}
		if err := spec.Variables["cgroup_level"].Set(sc.cgroupLevel); err != nil {
			return fmt.Errorf("set the cgroup level: %w", err)
		}
		if sc.fromExec {
			if err := spec.Variables["cgroup_from_exec"].Set(uint32(1)); err != nil {
				return fmt.Errorf("set the cgroup's from-exec mode: %w", err)
			}
		}
	}
	if sc.paths {
		if err := spec.Variables["want_paths"].Set(uint32(1)); err != nil {
			return fmt.Errorf("set the paths mode: %w", err)
		}
	} else {
		// Unused without paths: the smallest ring, and one entry for the maps the kernel
		// would otherwise allocate in full at their creation.
		spec.Maps["paths"].MaxEntries = uint32(os.Getpagesize())
		for _, name := range []string{"file_calls", "path_ids", "seen_calls"} {
			spec.Maps[name].MaxEntries = 1
		}
	}
	return nil
}

// loadPaths loads and attaches the sys_exit program that reads the paths of file calls, sharing
// the loaded maps.
func (p *programs) loadPaths(spec *ebpf.CollectionSpec, types *btf.Cache) error {
	var objs struct {
		SysExit *ebpf.Program `ebpf:"sys_exit"`
	}
	err := spec.LoadAndAssign(&objs, &ebpf.CollectionOptions{Cache: types, MapReplacements: map[string]*ebpf.Map{
		"file_calls": p.objs.FileCalls, "file_syscalls": p.objs.FileSyscalls, "paths": p.objs.Paths,
		"path_scratch": p.objs.PathScratch, "str_scratch": p.objs.StrScratch, "losses": p.objs.Losses,
		"path_ids": p.objs.PathIds, "path_state": p.objs.PathState,
	}})
	if err != nil {
		return fmt.Errorf("%w: load the paths program: %w", ErrUnavailable, err)
	}
	p.exitProg = objs.SysExit
	l, err := link.AttachTracing(link.TracingOptions{Program: objs.SysExit})
	if err != nil {
		return fmt.Errorf("%w: attach the paths program to sys_exit: %w", ErrUnavailable, err)
	}
	p.links = append(p.links, l)
	return nil
}

// attachCaps attaches the capability program (on the cap_capable tracepoint of Linux 6.15 and
// later).
func (p *programs) attachCaps() error {
	l, err := link.AttachTracing(link.TracingOptions{Program: p.capProg})
	if err != nil {
		return fmt.Errorf("attach to the cap_capable tracepoint: %w", err)
	}
	p.links = append(p.links, l)
	return nil
}

// Close detaches and unloads the programs.
func (p *programs) Close() error {
	var errs []error
	for i := len(p.links) - 1; i >= 0; i-- {
		errs = append(errs, p.links[i].Close())
	}
	for _, prog := range []*ebpf.Program{p.capProg, p.exitProg, p.namer} {
		if prog != nil {
			errs = append(errs, prog.Close())
		}
	}
	errs = append(errs, p.objs.Close())
	return errors.Join(errs...)
}

// keepArgs marks, on every CPU, the syscalls whose arguments the program keeps.
func (p *programs) keepArgs() error {
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return fmt.Errorf("count the possible CPUs: %w", err)
	}
	for i, abi := range abis {
		for name, mask := range argsKept {
			nr, err := abi.Number(name)
			if err != nil {
				continue // not on this ABI (i386 multiplexes socket through socketcall too)
			}
			idx := nr &^ x32Bit
			if idx < 0 || idx >= maxNr {
				continue
			}
			vals := make([]recorderCount, ncpu)
			for c := range vals {
				vals[c].KeepArgs = mask
			}
			key := uint32(i*maxNr) + uint32(idx)
			if err := p.objs.Counts.Put(key, vals); err != nil {
				return fmt.Errorf("mark %s/%s for its arguments: %w", abi, name, err)
			}
		}
	}
	return nil
}

// maxPidSlots bounds the traced_pids array: 8 bytes of kernel memory a slot (zeroed at
// load), 8 MiB at most; a tgid beyond it is looked up in the traced hash instead. A variable
// for the test that runs with every tgid beyond it.
var maxPidSlots uint32 = 1 << 20

// pidSlots sizes the traced_pids array: the kernel's pid_max (tgids are below it), at most
// maxPidSlots.
func pidSlots() uint32 {
	n := maxPidSlots
	if data, err := os.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 32); err == nil && v > 0 && v < uint64(n) {
			n = uint32(v)
		}
	}
	return n
}

func available() error {
	p, err := load(scope{})
	if err != nil {
		return err
	}
	return p.Close()
}

// loadTimed loads the programs and says how long it took.
func loadTimed(sc scope) (*programs, time.Duration, error) {
	start := time.Now()
	p, err := load(sc)
	return p, time.Since(start), err
}
