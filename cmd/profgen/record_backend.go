package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/ebpf"
	"github.com/profgen/profgen/recorder/ptrace"
)

// Recording backends of profgen record.
const (
	backendAuto   = "auto"
	backendPtrace = "ptrace"
	backendEBPF   = "ebpf"
)

// recordOutcome is what profgen record needs of a backend's result.
type recordOutcome struct {
	rec      *profile.Recording
	detached bool
	status   int
	syscalls uint64
	trailer  string // the summary's last words: how the backend recorded
	capsNote string // the summary's line on capabilities
}

// chooseBackend resolves --backend. auto takes eBPF unless the flags ask for what only ptrace
// does (note then says why, for standard error); whether eBPF loads is found when record tries
// it, so its programs are loaded once.
func (o *recordOptions) chooseBackend() (backend, note string, err error) {
	scoped := o.cgroup != "" || o.container != ""
	switch o.backend {
	case backendPtrace:
		if scoped {
			return "", "", usagef("record: --cgroup and --container need the eBPF backend")
		}
		return backendPtrace, "", nil
	case backendEBPF:
		if o.baseline != "" {
			return "", "", usagef("record: --baseline works through the ptrace backend's seccomp filter")
		}
		if o.base.runtime != "" {
			return "", "", usagef("record: --runtime-base needs the ptrace backend (it sees each syscall in order)")
		}
		return backendEBPF, "", nil
	case backendAuto:
	default:
		return "", "", usagef("record: unknown backend %q (want auto, ptrace or ebpf)", o.backend)
	}
	var why string
	switch {
	case o.baseline != "":
		why = "--baseline works through its seccomp filter"
	case o.base.runtime != "":
		why = "--runtime-base sees each syscall in order"
	}
	if why != "" && !scoped {
		return backendPtrace, "profgen: recording with ptrace: " + why, nil
	}
	return backendEBPF, "", nil
}

// record runs the backend; with auto, an eBPF recorder that cannot load (nothing has started
// then) gives way to ptrace, saying why.
// The recording ends when ctx is done; stop cancels ctx, and is called --duration after the
// recording has started (for eBPF, once its programs are attached).
func (o *recordOptions) record(ctx context.Context, stop context.CancelFunc, w io.Writer, backend string, popts ptrace.Options) (recordOutcome, error) {
	started := func() {
		if o.duration > 0 {
			time.AfterFunc(o.duration, stop)
		}
	}
	// The ptrace backend derives capabilities from the arguments of the calls that succeeded,
	// which it reads only when it reads paths; the summary lists what it derived, so it reads
	// them then too (it said "none" for a workload that bound port 80 as root).
	ptraceOpts := popts
	if o.summary {
		ptraceOpts.Files = true
	}
	if backend == backendPtrace {
		started()
		return recordPtrace(ctx, ptraceOpts)
	}
	res, err := o.recordEBPF(ctx, w, popts, started)
	if err != nil && o.backend == backendAuto && o.cgroup == "" && o.container == "" && errors.Is(err, ebpf.ErrUnavailable) {
		fmt.Fprintf(w, "profgen: recording with ptrace: %v\n", errors.Unwrap(err))
		started()
		return recordPtrace(ctx, ptraceOpts)
	}
	return res, err
}

// recordPtrace runs the ptrace backend.
func recordPtrace(ctx context.Context, popts ptrace.Options) (recordOutcome, error) {
	res, err := ptrace.Record(ctx, popts)
	if err != nil {
		return recordOutcome{}, fmt.Errorf("record: %w", err)
	}
	return recordOutcome{
		rec: res.Recording, detached: res.Detached, status: res.Status(), syscalls: res.Syscalls,
		trailer:  fmt.Sprintf("%s mode, %d stops", res.Mode, res.Stops),
		capsNote: ptraceCapsNote(res.Recording),
	}, nil
}

// recordEBPF runs the eBPF backend with the options the ptrace ones carry, plus the cgroup.
func (o *recordOptions) recordEBPF(ctx context.Context, w io.Writer, popts ptrace.Options, started func()) (recordOutcome, error) {
	var startup string // a warning: the container's start was not seen
	eopts := ebpf.Options{
		Args: popts.Args, Env: popts.Env, Dir: popts.Dir, PID: popts.PID,
		Stdin: popts.Stdin, Stdout: popts.Stdout, Stderr: popts.Stderr,
		Signals: popts.Signals, Grace: popts.Grace, Recording: popts.Recording,
		Cgroup: o.cgroup, Files: popts.Files,
	}
	if o.cgroup != "" {
		startup = cgroupStartupWarning(o.cgroup)
	}
	if o.container != "" {
		pid, status, err := ebpf.ContainerState(ctx, o.runtime, o.stateRoot, o.container)
		if err != nil {
			if o.stateRoot == "" {
				if hint := containerRootHint(o.runtime, dirExists); hint != "" {
					return recordOutcome{}, fmt.Errorf("record: %w; %s", err, hint)
				}
			}
			return recordOutcome{}, fmt.Errorf("record: %w", err)
		}
		if eopts.Cgroup, err = ebpf.CgroupOfPID(pid); err != nil {
			return recordOutcome{}, fmt.Errorf("record: container %s: %w", o.container, err)
		}
		// A runtime that made no cgroup for the container (crun --cgroup-manager=disabled)
		// leaves it in its caller's: recording that would record profgen, the shell and
		// whatever else runs there (the whole machine for /), and never end by itself.
		if own, err := ebpf.CgroupOfPID(os.Getpid()); err == nil && (own == eopts.Cgroup || strings.HasPrefix(own, eopts.Cgroup+"/")) {
			return recordOutcome{}, fmt.Errorf("record: container %s: its cgroup %s holds profgen too: the runtime made no cgroup of its own for the container, so recording its cgroup would record other processes; record the container's command with profgen record -- CMD instead", o.container, eopts.Cgroup)
		}
		if status != "created" {
			startup = fmt.Sprintf("container %s was %s when the recording started: its start-up (the runtime's last calls, execve, the loader's calls) was not recorded, so an allow-list from this recording alone does not let it start; record it from its creation to its start (runc create, profgen record --container, runc start), or merge with such a recording (profgen merge)", o.container, status)
		}
	}
	eopts.Ready = func() {
		started()
		switch {
		case eopts.Cgroup != "":
			fmt.Fprintf(w, "profgen: recording cgroup %s with eBPF until it is empty, SIGINT or --duration\n", eopts.Cgroup)
		case o.backend == backendAuto:
			fmt.Fprintf(w, "profgen: recording with eBPF (its programs loaded)\n")
		}
	}
	res, err := ebpf.Record(ctx, eopts)
	if err != nil {
		return recordOutcome{}, fmt.Errorf("record: %w", err)
	}
	if startup != "" {
		res.Recording.Source.Warnings = append(res.Recording.Source.Warnings, startup)
		fmt.Fprintf(w, "profgen: warning: %s\n", startup)
	}
	if len(res.Lost) > 0 {
		fmt.Fprintf(w, "profgen: the eBPF recorder lost events %v: the recording may be incomplete\n", res.Lost)
	}
	return recordOutcome{
		rec: res.Recording, detached: res.Detached, status: res.Status(), syscalls: res.Syscalls,
		trailer:  fmt.Sprintf("eBPF, loaded in %d ms", res.LoadTime.Milliseconds()),
		capsNote: ebpfCapsNote(res.Recording),
	}, nil
}

// ebpfCapsNote is the summary's line on the capabilities the workload was granted, and on
// those it was denied only, or why none were recorded (it said "none" then too).
func ebpfCapsNote(rec *profile.Recording) string {
	note := "capabilities used (checks granted): " + orNone(rec.Capabilities)
	for _, w := range rec.Source.Warnings {
		switch {
		case strings.HasPrefix(w, ebpf.WarnNoCapabilities):
			return "capabilities: " + w
		case strings.HasPrefix(w, ebpf.WarnDeniedCapabilities+": "):
			note += "\ncapabilities denied (checked, never granted): " + strings.TrimPrefix(w, ebpf.WarnDeniedCapabilities+": ")
		}
	}
	return note
}

// ptraceCapsNote says that the ptrace backend sees no capability check, and which capabilities
// it derived from what succeeded.
func ptraceCapsNote(rec *profile.Recording) string {
	var derived []string
	for _, c := range rec.DerivedCapabilities {
		derived = append(derived, c.Name)
	}
	return "capabilities: the ptrace backend sees no capability check (--backend ebpf does); derived from what succeeded: " + orNone(derived)
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " ")
}
