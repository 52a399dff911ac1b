package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/ocihook"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/ebpf"
)

// How long the hook waits for its background recorder: to attach at the start, to finish
// on its own at poststop (before it is sent SIGTERM), and to write its outputs after that.
const (
	hookReadyTimeout  = 20 * time.Second
	hookFinishTimeout = 2 * time.Second
	hookWriteTimeout  = 15 * time.Second
)

type ociHookOptions struct {
	dir      string
	runtime  string
	stateDir string
	// The background recorder's own flags (hidden).
	daemon bool
	pid    int
	id     string
}

func newOCIHookCmd() *cobra.Command {
	var o ociHookOptions
	cmd := &cobra.Command{
		Use:   "oci-hook [--dir DIR] [--runtime runc|crun|none]",
		Short: "OCI runtime hook: record a container from its workload's exec to its end",
		Long: `An OCI runtime hook (runc, crun, Podman, containerd, CRI-O) that records a container with
the eBPF recorder and writes its recording and seccomp profile. Configure the same command
line for the createRuntime (or prestart) and poststop hooks: it reads the container's state
from standard input and tells the stages apart by its status.

At createRuntime/prestart it starts a background recorder that counts the syscalls of the
container's process from the moment the workload's own program is executed (not the
runtime's init before it) and of every process the workload starts, and returns once the
recorder is attached. At poststop it waits for the recorder to finish (sending it SIGTERM if
the container's processes are gone but it has not ended), which writes DIR/ID.rec.json and
DIR/ID.json (ID is the container's id; the profile includes the runtime's base set). Those
of an earlier container with the same id are removed at createRuntime/prestart, so that
poststop fails, saying so, when this container's recording wrote nothing.

DIR is the container's annotation io.profgen.record, or else --dir; with neither the hook
does nothing. When the recorder cannot run (no eBPF: not root, no BTF), the hook says so and
exits 1, and the runtime does not start the container: its user asked for a recording.`,
		Example: `  # config.json of a runc bundle:
  "hooks": {
    "createRuntime": [{"path": "/usr/local/bin/profgen", "args": ["profgen", "oci-hook"]}],
    "poststop":      [{"path": "/usr/local/bin/profgen", "args": ["profgen", "oci-hook"]}]
  },
  "annotations": {"io.profgen.record": "/var/lib/profgen/recordings"}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.daemon {
				return o.serve(cmd)
			}
			return o.hook(cmd)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "where recordings go when the container has no io.profgen.record annotation (absolute)")
	f.StringVar(&o.runtime, "runtime", "runc", "the runtime whose base set the profile gets: runc, crun or none")
	f.StringVar(&o.stateDir, "state-dir", "/run/profgen/oci-hook", "where the background recorders keep their pid files")
	f.BoolVar(&o.daemon, "daemon", false, "run as the background recorder (started by the hook itself)")
	f.IntVar(&o.pid, "pid", 0, "the container's process (background recorder)")
	f.StringVar(&o.id, "id", "", "the container's id (background recorder)")
	for _, n := range []string{"daemon", "pid", "id"} {
		f.MarkHidden(n)
	}
	return cmd
}

// noStateOnStdin says what the hook lacks when it is run without a runtime.
const noStateOnStdin = "no container state on standard input: an OCI runtime runs this hook and passes the state (JSON) through a pipe"

// hook is one call of the hook by the runtime.
func (o *ociHookOptions) hook(cmd *cobra.Command) error {
	if _, err := profile.RuntimeBaseSet(o.runtime, false); err != nil {
		return usagef("oci-hook: --runtime: %w", err)
	}
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok {
		// A terminal (profgen oci-hook typed by hand would wait for input, silently) or
		// /dev/null: runtimes pass the state through a pipe.
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return usagef("oci-hook: %s (see profgen oci-hook --help)", noStateOnStdin)
		}
	}
	data, err := io.ReadAll(io.LimitReader(in, ocihook.MaxStateSize+1))
	if err != nil {
		return fmt.Errorf("oci-hook: read the container state: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return usagef("oci-hook: %s (see profgen oci-hook --help)", noStateOnStdin)
	}
	st, err := ocihook.ParseState(data)
	if err != nil {
		return fmt.Errorf("oci-hook: %w", err)
	}
	stage, err := st.Stage()
	if err != nil {
		return fmt.Errorf("oci-hook: container %s: %w", st.ID, err)
	}
	dir, err := st.RecordDir(o.dir)
	if err != nil {
		return fmt.Errorf("oci-hook: container %s: %w", st.ID, err)
	}
	if dir == "" {
		return nil // no recording asked for
	}
	switch stage {
	case ocihook.StageStart:
		return o.start(cmd, st, dir)
	case ocihook.StageStop:
		return o.stop(cmd, st, dir)
	}
	return nil
}

func (o *ociHookOptions) pidFile(id string) string { return filepath.Join(o.stateDir, id+".pid") }

// start starts the background recorder of the container and waits until it is attached.
func (o *ociHookOptions) start(cmd *cobra.Command, st *ocihook.State, dir string) error {
	if pid := o.recorderPID(st.ID); pid != 0 {
		return nil // already recording (a second start hook: prestart and createRuntime both set)
	}
	for _, d := range []string{dir, o.stateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("oci-hook: container %s: make %s: %w", st.ID, d, err)
		}
	}
	// Outputs left by an earlier container of the same id are not this one's: the poststop
	// check would take them for what this run wrote.
	for _, name := range []string{st.ID + ".json", st.ID + ".rec.json"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("oci-hook: container %s: remove the earlier container's output: %w", st.ID, err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("oci-hook: find profgen's own executable: %w", err)
	}
	logPath := filepath.Join(dir, st.ID+".log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("oci-hook: container %s: %w", st.ID, err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("oci-hook: container %s: %w", st.ID, err)
	}
	defer r.Close()
	d := exec.Command(self, "oci-hook", "--daemon", "--pid", strconv.Itoa(st.Pid), "--id", st.ID,
		"--dir", dir, "--runtime", o.runtime, "--state-dir", o.stateDir)
	// Its own session, and no descriptor of the runtime's: the runtime waits for the hook's
	// output to end, and the recorder lives on after the hook.
	d.Stdout, d.Stderr, d.ExtraFiles = logf, logf, []*os.File{w}
	d.SysProcAttr = newSessionAttr()
	if err := d.Start(); err != nil {
		w.Close()
		return fmt.Errorf("oci-hook: container %s: start the recorder: %w", st.ID, err)
	}
	w.Close()
	d.Process.Release()
	line, err := readLineTimeout(r, hookReadyTimeout)
	switch {
	case err != nil:
		return fmt.Errorf("oci-hook: container %s: the recorder did not start: %w (see %s)", st.ID, err, logPath)
	case line != "ready":
		return fmt.Errorf("oci-hook: cannot record container %s: %s", st.ID, strings.TrimPrefix(line, "error: "))
	}
	return nil
}

// readLineTimeout reads one line from r, waiting at most d.
func readLineTimeout(r *os.File, d time.Duration) (string, error) {
	if err := r.SetReadDeadline(time.Now().Add(d)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if line == "" && err != nil {
		if errors.Is(err, io.EOF) {
			return "", errors.New("it exited")
		}
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// stop ends the container's recording: the recorder normally ends by itself once the
// container's processes are gone; it gets SIGTERM if it has not ended soon after.
func (o *ociHookOptions) stop(cmd *cobra.Command, st *ocihook.State, dir string) error {
	if pid := o.recorderPID(st.ID); pid != 0 {
		if !waitGone(pid, hookFinishTimeout) {
			terminate(pid)
			if !waitGone(pid, hookWriteTimeout) {
				return fmt.Errorf("oci-hook: container %s: the recorder (pid %d) has not finished after %v", st.ID, pid, hookFinishTimeout+hookWriteTimeout)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, st.ID+".json")); err != nil {
		log := filepath.Join(dir, st.ID+".log")
		if _, err := os.Stat(log); err != nil {
			// Its log is the first thing a recorder makes.
			return fmt.Errorf("oci-hook: container %s: no profile was written: no recorder ran for it (no %s; is the hook configured for createRuntime or prestart too?)", st.ID, log)
		}
		return fmt.Errorf("oci-hook: container %s: no profile was written (see %s)", st.ID, log)
	}
	return nil
}

// recorderPID returns the pid of the container's running recorder, or 0.
func (o *ociHookOptions) recorderPID(id string) int {
	b, err := os.ReadFile(o.pidFile(id))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	// A stale file's pid may belong to another program by now.
	self, err1 := os.Executable()
	exe, err2 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err1 != nil || err2 != nil || exe != self {
		return 0
	}
	return pid
}

// waitGone waits at most d for process pid to end, and reports whether it did. A process
// that has ended but is not reaped yet counts as gone: the recorder's parent, the hook, has
// exited, and the runtime, as the subreaper it is re-parented to, may reap it only later.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// The state follows the command name in parentheses, which may hold anything.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X') {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serve is the background recorder: it records the container's process from its exec until
// every process of the workload has exited (or SIGTERM), then writes the outputs.
func (o *ociHookOptions) serve(cmd *cobra.Command) error {
	ready := os.NewFile(3, "ready")
	say := func(line string) {
		if ready != nil {
			fmt.Fprintln(ready, line)
			ready.Close()
			ready = nil
		}
	}
	err := o.record(cmd, func() { say("ready") })
	if err != nil {
		say("error: " + err.Error())
		fmt.Fprintln(cmd.ErrOrStderr(), "profgen oci-hook:", err)
	}
	return err
}

func (o *ociHookOptions) record(cmd *cobra.Command, ready func()) error {
	if err := ocihook.ValidID(o.id); err != nil || o.pid <= 0 || !filepath.IsAbs(o.dir) {
		return usagef("oci-hook --daemon: bad --id, --pid or --dir")
	}
	if err := ebpf.Available(); err != nil {
		return fmt.Errorf("the eBPF recorder cannot run here: %w", err)
	}
	if err := atomicfile.Write(o.pidFile(o.id), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("write the recorder's pid file: %w", err)
	}
	defer os.Remove(o.pidFile(o.id))
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	start := time.Now().UTC()
	// Keyed by the container's cgroup, so that processes a later "runc exec" starts are
	// recorded too; by its process where there is no cgroup v2 to key on.
	eo := ebpf.Options{FromExec: true, Signals: sigs, Ready: ready}
	if cg, err := ebpf.CgroupOfPID(o.pid); err == nil {
		eo.Cgroup = cg
		fmt.Fprintf(cmd.ErrOrStderr(), "profgen oci-hook: recording container %s by its cgroup %s\n", o.id, cg)
	} else {
		eo.PID = o.pid
		fmt.Fprintf(cmd.ErrOrStderr(), "profgen oci-hook: recording container %s by its process %d and its children (no cgroup v2: %v)\n", o.id, o.pid, err)
	}
	res, err := ebpf.Record(context.Background(), eo)
	if err != nil {
		return fmt.Errorf("record container %s: %w", o.id, err)
	}
	rec := res.Recording
	rec.Source.Version = version
	rec.Source.Command = []string{"oci container " + o.id}
	rec.Source.Start, rec.Source.End = start, time.Now().UTC()
	if len(rec.ABIs()) == 0 {
		return fmt.Errorf("container %s: its workload never started (no exec seen): nothing written", o.id)
	}
	out := outputOptions{
		recording:     filepath.Join(o.dir, o.id+".rec.json"),
		seccomp:       filepath.Join(o.dir, o.id+".json"),
		seccompOpts:   profile.SeccompOptions{Mode: profile.ModeAllow, Runtime: o.runtime},
		seccompOut:    seccompOutput{format: profile.FormatOCI},
		keepRecording: true,
	}
	return out.write(cmd, rec)
}
