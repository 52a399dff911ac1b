package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/recorder/ebpf"
	"github.com/profgen/profgen/recorder/ptrace"
)

// recordOptions are the flags of profgen record.
type recordOptions struct {
	out       outputOptions
	pid       int
	duration  time.Duration
	summary   bool
	baseline  string
	cpuPolicy string
	traceMode string
	base      runtimeBaseOptions
	backend   string
	cgroup    string
	container string
	runtime   string
	stateRoot string
}

func newRecordCmd() *cobra.Command {
	var o recordOptions
	cmd := &cobra.Command{
		Use:   "record [flags] -- CMD [ARG...]",
		Short: "Record what a command, a process or a container does and write profiles from it",
		Long: `Run CMD (or attach to a running process with -p, or to a container's cgroup) and record
every syscall of it, its threads and its children, on the ABI each call was made on, then
write the outputs asked for. With no output flag the seccomp profile goes to
./profiles/NAME.json (NAME is CMD's base name). By default (--backend auto) the eBPF backend
records where it can load, and ptrace otherwise; profgen says which on standard error.

With --backend ptrace the workload runs under a seccomp filter that returns
SECCOMP_RET_TRACE, so it stops once per syscall (not twice, as under strace). --cpu-policy says where the tracer and the workload run:
"adaptive" (the default) puts them on one CPU while syscalls are frequent, which makes each
stop a cheap context switch, and gives the workload back all CPUs while they are rare, so
parallel computation is not serialised; "pin" always shares one CPU; "none" leaves it to the
scheduler.

--baseline PROFILE (a recording or a seccomp profile from an earlier run) lets the syscalls it
holds run without a stop, so only additions are observed: profgen lists them on standard
error, and writes the baseline plus the additions (counts and arguments of the baseline's
syscalls come from the baseline). The file syscalls still stop when --recording or --apparmor
needs their paths.

An output written to standard output ("-", /dev/stdout) is written alone there: CMD's
standard output then goes to profgen's standard error, so that the two do not mix.

SIGINT, SIGTERM and SIGHUP sent to profgen are passed on to CMD; what was seen until CMD exits
is written either way. profgen exits with CMD's status (128+N if CMD died of signal N; 127
if CMD is not found, nor a script's interpreter, and 126 if it is found but cannot be run). If
profgen itself is killed, the workload is killed with it. With -p, a signal or --duration
ends the recording and detaches, leaving the process running. With CMD, --duration sends
SIGTERM to its processes (SIGKILL 5 seconds later): a process under the trace filter cannot
run on untraced.

--backend says how syscalls are seen: "ptrace" as above; "ebpf" counts them in the kernel
with eBPF programs on raw tracepoints, at close to native speed (needs root, or CAP_BPF and
CAP_PERFMON, and a kernel with BTF; x86-64 only); "auto" (the default) takes eBPF when its
programs load and the flags need nothing only ptrace does, else ptrace, and says on standard
error which and why. Only ptrace does --baseline (its seccomp filter lets the known syscalls
run without a stop) and --runtime-base (it sees each syscall in order, with its arguments).
Both record the files --apparmor and --recording need (eBPF reads them at each file
syscall's exit, through a ring buffer, only when asked). Only the eBPF backend records a
whole cgroup: --cgroup DIR (a cgroup v2 directory) or --container ID (its cgroup, found
through "runc state ID"; --container-runtime crun asks crun; --container-root DIR is the
runtime's state directory, for containers Docker or containerd started) records every
process in it from now until --duration, SIGINT or the cgroup's last process exits.`,
		Example: `  # record a command; the profile goes to ./profiles/app.json
  profgen record -- ./app --serve
  # keep the recording too, and print calls per syscall
  profgen record --recording app.rec.json --seccomp app.json --summary -- ./app
  # record 30 seconds of a running process
  profgen record -p 1234 --duration 30s --seccomp svc.json
  # record a runc container created (not yet started) as web1
  profgen record --container web1 --runtime runc --seccomp web1.json
  # record a running Docker container for a minute
  profgen record --container-root /run/docker/runtime-runc/moby --container ID --duration 60s --runtime runc --seccomp web.json
  # CI: stop only for syscalls the last profile does not have
  profgen record --baseline app.json --recording new.rec.json -- ./app
  # measure runc's base set (BUNDLE's config.json has a --mode log seccomp profile)
  profgen record --runtime-base runc -- sh -c 'for i in $(seq 20); do runc run --bundle BUNDLE b$i; done'`,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	o.out.addOutputFlags(cmd, true)
	f := cmd.Flags()
	f.IntVarP(&o.pid, "pid", "p", 0, "attach to this running process (and its threads and future children) instead of running CMD")
	f.DurationVar(&o.duration, "duration", 0, "stop recording this long after it starts (e.g. 30s; 0: until the workload exits)")
	f.BoolVar(&o.summary, "summary", false, "print calls per syscall to standard error, like strace -c, and the capabilities used (eBPF) or derived (ptrace)")
	f.StringVar(&o.baseline, "baseline", "", "recording or seccomp profile whose syscalls run without a stop (only additions are observed, and listed)")
	f.StringVar(&o.cpuPolicy, "cpu-policy", string(ptrace.CPUAdaptive), "where tracer and workload run: adaptive, pin or none")
	f.StringVar(&o.traceMode, "trace-mode", string(ptrace.ModeAuto), "how the workload is stopped: auto, seccomp (one stop per syscall) or syscall (PTRACE_SYSCALL)")
	o.base.addFlags(f)
	f.StringVar(&o.backend, "backend", backendAuto, "how syscalls are seen: auto, ptrace or ebpf")
	f.StringVar(&o.cgroup, "cgroup", "", "record every process in this cgroup v2 directory (eBPF)")
	f.StringVar(&o.container, "container", "", "record the container with this id (its cgroup, through RUNTIME state; eBPF)")
	f.StringVar(&o.runtime, "container-runtime", "runc", "OCI runtime (runc, crun) that --container asks for the container's state")
	f.StringVar(&o.stateRoot, "container-root", "", "the runtime's state directory for --container (its --root; Docker: /run/docker/runtime-runc/moby, containerd: /run/containerd/runc/k8s.io)")
	f.SetInterspersed(false)
	return cmd
}

func (o *recordOptions) run(cmd *cobra.Command, args []string) error {
	backend, popts, err := o.prepare(cmd, args)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	popts.Signals = sigs
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	// --duration counts from when the recording starts (the eBPF backend's programs take a
	// moment to load: a short duration must not pass before the first call is seen).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	start := time.Now().UTC()
	res, err := o.record(ctx, cancel, cmd.ErrOrStderr(), backend, popts)
	if err != nil {
		if len(args) > 0 {
			return commandNotRun(err, args[0])
		}
		return err
	}
	rec := res.rec
	o.describeSource(rec, args, start, time.Now().UTC(), cmd.ErrOrStderr())
	if popts.Baseline != nil {
		rec = o.withBaseline(rec, popts.Baseline, cmd.ErrOrStderr())
	}
	if !res.detached {
		status := res.status
		rec.Source.ExitCode = &status
	}
	return o.writeOutputs(cmd, args, res, rec)
}

// prepare checks the flags and chooses the backend and the tracer's options before the
// workload runs: a bad option or an unwritable output found afterwards would cost the whole
// run. With no output asked for, the seccomp profile goes to profiles/NAME.json.
func (o *recordOptions) prepare(cmd *cobra.Command, args []string) (string, ptrace.Options, error) {
	if err := o.checkTargetFlags(cmd.Flags()); err != nil {
		return "", ptrace.Options{}, err
	}
	backend, note, err := o.chooseBackend()
	if err != nil {
		return "", ptrace.Options{}, err
	}
	if backend == backendEBPF {
		ebpf.Prepare() // the kernel's types are parsed while the options are checked
	}
	popts, err := o.tracerOptions(args)
	if err != nil {
		return "", popts, err
	}
	if note != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), note)
	}
	if o.base.runtime != "" {
		if err := o.base.check(popts); err != nil {
			return "", popts, err
		}
		popts.Observer = o.base.observer()
	} else if !o.out.any() {
		if err := os.MkdirAll("profiles", 0o755); err != nil {
			return "", popts, fmt.Errorf("make the profiles folder: %w", err)
		}
		o.out.seccomp = filepath.Join("profiles", o.workloadName(args)+".json")
	}
	// Paths are read (which costs a memory read per file syscall) only for the outputs
	// that use them: AppArmor profiles, and recordings, which may make one later.
	popts.Files = o.out.recording != "" || o.out.apparmor.path != ""
	if err := o.out.validate(); err != nil {
		return "", popts, fmt.Errorf("record: %w", err)
	}
	// An output on standard output would be mixed with the command's own output there,
	// neither readable: the command's standard output goes to standard error instead.
	if len(args) > 0 && (o.out.toStdout() || (o.base.runtime != "" && outputIdentity(o.base.out) == "stdout")) {
		popts.Stdout = os.Stderr
	}
	return backend, popts, nil
}

// workloadName names the workload for its default profile: the command's base name, the
// container's id, the cgroup directory's base name, or pid-PID; "workload" when that name
// cannot be a file name.
func (o *recordOptions) workloadName(args []string) string {
	name := "pid-" + fmt.Sprint(o.pid)
	switch {
	case len(args) > 0:
		name = filepath.Base(args[0])
	case o.container != "":
		name = o.container
	case o.cgroup != "":
		name = filepath.Base(filepath.Clean(o.cgroup))
	}
	if name == "." || name == ".." || name == "/" || strings.ContainsRune(name, 0) {
		name = "workload"
	}
	return name
}

// describeSource says in rec where it came from: profgen's version, the command or the
// target recorded, and when. A process attached to was started before the recording: that
// is warned of in rec and on w.
func (o *recordOptions) describeSource(rec *profile.Recording, args []string, start, end time.Time, w io.Writer) {
	rec.Source.Version = version
	rec.Source.Command = args
	rec.Source.Start, rec.Source.End = start, end
	switch {
	case o.pid != 0:
		rec.Source.Command = []string{fmt.Sprintf("pid %d", o.pid)}
		// A server recorded this way under its own allow-list cannot even start: its
		// execve and the loader's calls happened before the attach.
		warning := fmt.Sprintf("attached to running process %d: its start-up (execve, the loader's calls) was not recorded, so an allow-list from this recording alone does not let the program start; merge it with a recording of the program's start (profgen merge)", o.pid)
		rec.Source.Warnings = append(rec.Source.Warnings, warning)
		fmt.Fprintf(w, "profgen: warning: %s\n", warning)
	case o.container != "":
		rec.Source.Command = []string{"container " + o.container}
	case o.cgroup != "":
		rec.Source.Command = []string{"cgroup " + o.cgroup}
	}
}

// withBaseline returns rec merged with the baseline it was recorded against, and lists on w
// the syscalls rec has beyond it.
func (o *recordOptions) withBaseline(rec, base *profile.Recording, w io.Writer) *profile.Recording {
	rec, added := recorder.WithBaseline(rec, base, o.baseline)
	if len(added) == 0 {
		fmt.Fprintf(w, "profgen: no syscalls beyond the baseline %s\n", o.baseline)
	} else {
		fmt.Fprintf(w, "profgen: %d syscalls beyond the baseline %s: %s\n", len(added), o.baseline, strings.Join(added, " "))
	}
	return rec
}

// writeOutputs prints the summary and writes the outputs asked for, then returns the
// workload's exit status as profgen's (none for a process attached to).
func (o *recordOptions) writeOutputs(cmd *cobra.Command, args []string, res recordOutcome, rec *profile.Recording) error {
	if o.summary {
		writeSummary(cmd.ErrOrStderr(), res)
	}
	if o.base.runtime != "" {
		if err := o.base.write(cmd, args); err != nil {
			return err
		}
	}
	if err := o.out.write(cmd, rec); err != nil {
		return err
	}
	if !res.detached && res.status != 0 {
		return exitError{code: res.status}
	}
	return nil
}

// checkTargetFlags refuses the target flags given with an empty value (-p 0, --container "",
// a $ID unset in a script), which otherwise read as not given ("no command to record"), and
// the --container options without --container, which otherwise did nothing.
func (o *recordOptions) checkTargetFlags(f *pflag.FlagSet) error {
	switch {
	case f.Changed("pid") && o.pid <= 0:
		return usagef("record: bad process id %d", o.pid)
	case f.Changed("container") && o.container == "":
		return usagef("record: --container needs a container id")
	case f.Changed("cgroup") && o.cgroup == "":
		return usagef("record: --cgroup needs a cgroup v2 directory")
	case o.container == "" && f.Changed("container-root"):
		return usagef("record: --container-root goes with --container ID")
	case o.container == "" && f.Changed("container-runtime"):
		return usagef("record: --container-runtime goes with --container ID")
	}
	return nil
}

// tracerOptions checks the flags and turns them into the tracer's options.
func (o *recordOptions) tracerOptions(args []string) (ptrace.Options, error) {
	var popts ptrace.Options
	targets := 0
	for _, set := range []bool{o.pid != 0, len(args) > 0, o.cgroup != "", o.container != ""} {
		if set {
			targets++
		}
	}
	switch {
	case targets > 1:
		return popts, usagef("record: give one of a command, -p PID, --cgroup or --container")
	case targets == 0:
		return popts, usagef("record: no command to record (profgen record -- CMD [ARG...], -p PID, --cgroup DIR or --container ID)")
	case o.pid < 0:
		return popts, usagef("record: bad process id %d", o.pid)
	case o.duration < 0:
		return popts, usagef("record: --duration must not be negative")
	}
	policy, err := ptrace.ParseCPUPolicy(o.cpuPolicy)
	if err != nil {
		return popts, usagef("record: %w", err)
	}
	mode, err := ptrace.ParseMode(o.traceMode)
	if err != nil {
		return popts, usagef("record: %w", err)
	}
	popts = ptrace.Options{Args: args, PID: o.pid, CPUPolicy: policy, Mode: mode}
	if o.baseline != "" {
		if o.pid != 0 {
			return popts, usagef("record: --baseline needs a command to start (it works through the seccomp filter)")
		}
		base, err := recorder.LoadBaseline(o.baseline)
		if err != nil {
			return popts, err
		}
		popts.Baseline = base
	}
	return popts, nil
}

// writeSummary prints calls per syscall, most called first, like strace -c.
func writeSummary(w io.Writer, res recordOutcome) {
	type row struct {
		abi, name string
		count     uint64
	}
	var rows []row
	rec := res.rec
	for _, abi := range rec.ABIs() {
		for name, s := range rec.Syscalls[abi] {
			rows = append(rows, row{string(abi), name, s.Count})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].count != rows[j].count {
			return rows[i].count > rows[j].count
		}
		if rows[i].abi != rows[j].abi {
			return rows[i].abi < rows[j].abi
		}
		return rows[i].name < rows[j].name
	})
	fmt.Fprintf(w, "%10s  %-8s %s\n", "calls", "abi", "syscall")
	fmt.Fprintf(w, "%10s  %-8s %s\n", "----------", "--------", strings.Repeat("-", 16))
	for _, r := range rows {
		fmt.Fprintf(w, "%10d  %-8s %s\n", r.count, r.abi, r.name)
	}
	fmt.Fprintf(w, "%10d  %-8s total (%s)\n", res.syscalls, "", res.trailer)
	if res.capsNote != "" {
		fmt.Fprintln(w, res.capsNote)
	}
}
