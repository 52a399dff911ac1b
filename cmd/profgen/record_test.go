//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// native is the ABI of the machine's own processes, on which the recorded shells run.
var native = syscalls.Native()

// startProfgen starts the test binary with args in dir and returns the command; stdout and
// stderr are collected in the returned buffers.
func startProfgen(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := profgenCommand(args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &out, &errb
}

// exitCode waits for cmd (at most d) and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("profgen %v did not finish within %v", cmd.Args[1:], d)
		return -1
	}
}

// profgenForUser copies the profgen under test into a new directory with mode perm, for a
// run as another user (setpriv): the test's own temporary directory lies in one only root
// may enter. It returns the directory and the copy.
func profgenForUser(t *testing.T, name string, perm os.FileMode) (dir, bin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "profgen-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "profgen")
	copyFile(t, profgenBin, bin, 0o755)
	return dir, bin
}

// waitFile waits until path exists and is not empty, and returns its content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	for i := 0; i < 500; i++ {
		if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s was not written", path)
	return ""
}

func loadRec(t *testing.T, path string) *profile.Recording {
	t.Helper()
	r, err := profile.LoadRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRecordExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"success", "exit 0", 0},
		{"exit code", "exit 7", 7},
		{"death by SIGTERM", "kill -TERM $$", 128 + 15},
		{"death by SIGKILL", "kill -KILL $$", 128 + 9},
		{"death by SIGSEGV", "kill -SEGV $$", 128 + 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			rec := filepath.Join(dir, "r.json")
			r := runProfgen(t, nil, "record", "--recording", rec, "--", "/bin/sh", "-c", tt.script)
			if r.code != tt.want {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", r.code, tt.want, r.stderr)
			}
			got := loadRec(t, rec)
			if got.Source.ExitCode == nil || *got.Source.ExitCode != tt.want {
				t.Errorf("recording's exit code %v, want %d", got.Source.ExitCode, tt.want)
			}
			if got.Syscalls[native]["execve"] == nil {
				t.Errorf("execve not recorded: %v", got.Syscalls)
			}
		})
	}
}

func TestRecordUsage(t *testing.T) {
	tests := [][]string{
		{"record"},
		{"record", "-p", "1", "--", "true"},
		{"record", "--cpu-policy", "sideways", "--", "true"},
		{"record", "--trace-mode", "magic", "--", "true"},
		{"record", "--duration", "-1s", "--", "true"},
	}
	for _, args := range tests {
		if r := runProfgen(t, nil, args...); r.code != exitUsage {
			t.Errorf("profgen %v: exit status %d, want %d; stderr: %s", args, r.code, exitUsage, r.stderr)
		}
	}
	if r := runProfgen(t, nil, "record", "--", "/no/such/program"); r.code != exitNotFound || !strings.Contains(r.stderr, "/no/such/program") {
		t.Errorf("missing program: exit status %d, stderr %q", r.code, r.stderr)
	}
}

func TestRecordDefaultOutputAndSummary(t *testing.T) {
	dir := t.TempDir()
	cmd, _, errb := startProfgen(t, dir, "record", "--backend", "ptrace", "--summary", "--", "/bin/sh", "-c", "cat /etc/hostname > /dev/null")
	if code := exitCode(t, cmd, time.Minute); code != 0 {
		t.Fatalf("exit status %d: %s", code, errb)
	}
	path := filepath.Join(dir, "profiles", "sh.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("default output: %v (stderr: %s)", err, errb)
	}
	if !strings.Contains(errb.String(), "profiles/sh.json") {
		t.Errorf("stderr does not say where the profile went:\n%s", errb)
	}
	var p struct {
		Syscalls []struct{ Names []string } `json:"syscalls"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range p.Syscalls {
		for _, n := range s.Names {
			found = found || n == "openat"
		}
	}
	if !found {
		t.Errorf("profile does not allow openat:\n%s", b)
	}
	for _, want := range []string{"calls", "openat", "total (seccomp mode"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, errb)
		}
	}
}

func TestRecordForwardsSIGINT(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	script := `trap 'echo got INT; exit 5' INT; echo $$ > ` + ready + `; while :; do sleep 0.05; done`
	cmd, out, errb := startProfgen(t, dir, "record", "--recording", "r.json", "--", "/bin/sh", "-c", script)
	waitFile(t, ready)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, 30*time.Second); code != 5 {
		t.Fatalf("exit status %d, want the workload's 5; stderr:\n%s", code, errb)
	}
	if !strings.Contains(out.String(), "got INT") {
		t.Errorf("the workload did not see SIGINT; stdout %q", out)
	}
	rec := loadRec(t, filepath.Join(dir, "r.json"))
	if rec.Syscalls[native]["rt_sigreturn"] == nil && rec.Syscalls[native]["wait4"] == nil {
		t.Errorf("recording written at the end lacks the shell's calls: %v", rec.SyscallNames(native))
	}
}

func TestRecordJobControl(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	script := `echo $$ > ` + ready + `; kill -STOP $$; echo resumed`
	cmd, out, errb := startProfgen(t, dir, "record", "--seccomp", "p.json", "--", "/bin/sh", "-c", script)
	pid, _ := strconv.Atoi(waitFile(t, ready))
	stopped := false
	for i := 0; i < 500 && !stopped; i++ {
		s := testutil.ProcState(pid)
		stopped = s == 'T' || s == 't'
		time.Sleep(10 * time.Millisecond)
	}
	if !stopped {
		t.Fatalf("the workload did not stop on SIGSTOP (state %c)", testutil.ProcState(pid))
	}
	time.Sleep(100 * time.Millisecond)
	if s := testutil.ProcState(pid); s != 'T' && s != 't' {
		t.Fatalf("the stopped workload ran on (state %c): the group-stop was not kept", s)
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, errb)
	}
	if !strings.Contains(out.String(), "resumed") {
		t.Errorf("stdout %q, want resumed", out)
	}
}

func TestRecordAttach(t *testing.T) {
	for _, end := range []string{"duration", "SIGINT"} {
		t.Run(end, func(t *testing.T) { testAttach(t, end == "SIGINT") })
	}
}

// testAttach records a running shell loop with -p, ended by --duration or by SIGINT.
func testAttach(t *testing.T, interrupt bool) {
	dir := t.TempDir()
	target := exec.Command("/bin/sh", "-c", "while :; do cat /etc/hostname > /dev/null; sleep 0.05; done")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Process.Kill(); target.Wait() })
	pid := target.Process.Pid
	rec := filepath.Join(dir, "r.json")
	args := []string{"record", "-p", strconv.Itoa(pid), "--recording", rec}
	if !interrupt {
		args = append(args, "--duration", "700ms")
	}
	cmd, _, errb := startProfgen(t, dir, args...)
	if interrupt {
		time.Sleep(700 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
	}
	if code := exitCode(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, errb)
	}
	got := loadRec(t, rec)
	// The process's own start was before the attach: said on stderr and in the recording.
	if !strings.Contains(errb.String(), "start-up") || len(got.Source.Warnings) == 0 || !strings.Contains(got.Source.Warnings[len(got.Source.Warnings)-1], "start-up") {
		t.Errorf("no warning that the start-up was not recorded; stderr:\n%s\nwarnings: %q", errb, got.Source.Warnings)
	}
	x := got.Syscalls[native]
	for _, want := range []string{"wait4", "execve", "openat", "read"} {
		if x[want] == nil {
			t.Errorf("%s not recorded from the attached shell and its children: %v", want, got.SyscallNames(native))
		}
	}
	if x["clone"] == nil && x["vfork"] == nil && x["fork"] == nil {
		t.Errorf("the shell's forks were not recorded: %v", got.SyscallNames(native))
	}
	if got.Files["/etc/hostname"] == nil {
		t.Errorf("/etc/hostname not among the files: %v", got.Files)
	}
	// Detached cleanly: the shell runs on, neither stopped nor traced.
	time.Sleep(200 * time.Millisecond)
	if !testutil.ProcessAlive(pid) {
		t.Fatal("the attached process died")
	}
	if s := testutil.ProcState(pid); s == 'T' || s == 't' {
		t.Errorf("the attached process was left stopped (state %c)", s)
	}
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if !strings.Contains(string(status), "TracerPid:\t0") {
		t.Errorf("the attached process is still traced:\n%s", status)
	}
}

func TestRecordForkBomb(t *testing.T) {
	// A depth-limited fork bomb (up to 2^9 processes) under a process limit of 64: forks
	// fail, the shells go on, and the recording must still end with every process gone.
	// dash calls the process limit -p, other shells -u. The bomb runs in a child the shell
	// waits for: dash exits 2 when a fork of its own fails, which under load (other processes
	// of nobody count too) made the test fail now and then.
	bomb := `ulimit -p 64 2>/dev/null || ulimit -u 64 || exit 99; f() { [ "$1" -gt 0 ] || return 0; f $(($1 - 1)) & f $(($1 - 1)) & wait; }; f 8 & wait; exit 0`
	args := []string{"/bin/sh", "-c", bomb}
	if os.Geteuid() == 0 {
		// Root is not held by RLIMIT_NPROC: run the bomb as nobody.
		setpriv := testutil.RequireCommand(t, "setpriv")
		args = append([]string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}, args...)
	}
	uid := os.Geteuid()
	if uid == 0 {
		uid = 65534
	}
	before := processesOf(t, uid)
	dir := t.TempDir()
	cmd, _, errb := startProfgen(t, dir, append([]string{"record", "--recording", "r.json", "--"}, args...)...)
	code := exitCode(t, cmd, 2*time.Minute)
	// The eBPF backend ends when no process of the tree lives; one whose parent had exited
	// may still be a zombie then, reparented to init, which reaps it soon after.
	after := processesOf(t, uid)
	for deadline := time.Now().Add(5 * time.Second); after > before && time.Now().Before(deadline); after = processesOf(t, uid) {
		time.Sleep(50 * time.Millisecond)
	}
	if after > before {
		t.Errorf("%d processes (zombies included) of uid %d left behind", after-before, uid)
	}
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%.2000s", code, errb)
	}
	if !strings.Contains(errb.String(), "fork") && !strings.Contains(errb.String(), "Resource temporarily unavailable") {
		t.Errorf("the process limit was never reached (no fork failure reported); stderr:\n%.500s", errb)
	}
	rec := loadRec(t, filepath.Join(dir, "r.json"))
	if rec.Syscalls[native]["clone"] == nil && rec.Syscalls[native]["fork"] == nil {
		t.Errorf("no fork recorded: %v", rec.SyscallNames(native))
	}
}

func TestRecordKilledProfgenKillsWorkload(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	script := `sleep 60 & echo "$$ $!" > ` + pids + `; wait`
	cmd, _, _ := startProfgen(t, dir, "record", "--seccomp", "p.json", "--", "/bin/sh", "-c", script)
	var shell, child int
	if _, err := fmtSscan(waitFile(t, pids), &shell, &child); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	for i := 0; i < 300 && (testutil.ProcessAlive(shell) || testutil.ProcessAlive(child)); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if testutil.ProcessAlive(shell) || testutil.ProcessAlive(child) {
		syscall.Kill(shell, syscall.SIGKILL)
		syscall.Kill(child, syscall.SIGKILL)
		t.Fatalf("workload survived profgen: shell %d alive %v, child %d alive %v", shell, testutil.ProcessAlive(shell), child, testutil.ProcessAlive(child))
	}
}

// fmtSscan reads space-separated integers.
func fmtSscan(s string, dst ...*int) (int, error) {
	f := strings.Fields(s)
	if len(f) != len(dst) {
		return 0, errors.New("want " + strconv.Itoa(len(dst)) + " numbers in " + strconv.Quote(s))
	}
	for i, v := range f {
		n, err := strconv.Atoi(v)
		if err != nil {
			return i, err
		}
		*dst[i] = n
	}
	return len(f), nil
}

// processesOf counts the processes (zombies included) owned by uid.
func processesOf(t *testing.T, uid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid) {
				n++
			}
		}
	}
	return n
}

func TestRecordBaseline(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if r := runProfgen(t, nil, "record", "--recording", base, "--", "/bin/true"); r.code != 0 {
		t.Fatalf("baseline run: %d %s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "new.json")
	r := runProfgen(t, nil, "record", "--baseline", base, "--recording", out, "--summary", "--", "/bin/sh", "-c", "cat /etc/hostname > /dev/null")
	if r.code != 0 {
		t.Fatalf("exit status %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "beyond the baseline") || !strings.Contains(r.stderr, string(native)+":wait4") {
		t.Errorf("additions not reported:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, string(native)+":brk ") || strings.Contains(r.stderr, " brk\n") {
		t.Errorf("brk, in the baseline, was stopped for:\n%s", r.stderr)
	}
	rec := loadRec(t, out)
	for _, name := range []string{"brk", "wait4", "execve"} {
		if rec.Syscalls[native][name] == nil {
			t.Errorf("merged recording lacks %s: %v", name, rec.SyscallNames(native))
		}
	}
	if len(rec.Source.Warnings) == 0 {
		t.Error("the recording does not say it was made with a baseline")
	}
	// The path syscalls still stop for --recording, which records files.
	if rec.Files["/etc/hostname"] == nil {
		t.Errorf("/etc/hostname not recorded under a baseline: %v", rec.Files)
	}
}

func TestRecordRuncEndToEnd(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "runc")
	// The same busybox script on the host (recorded) and in the container (enforced).
	script := `echo hello | busybox tr a-z A-Z; busybox ls /bin > /dev/null; busybox cat /etc/passwd > /dev/null; busybox sh -c 'exit 0' && echo done`
	args := []string{testutil.BusyboxPath, "sh", "-c", script}
	bundle := testutil.NewBusyboxBundle(t, args, nil)
	dir := t.TempDir()
	profilePath := filepath.Join(dir, "p.json")
	r := runProfgen(t, nil, append([]string{"record", "--runtime", "runc", "--seccomp", profilePath, "--"}, args...)...)
	if r.code != 0 || r.stdout != "HELLO\ndone\n" {
		t.Fatalf("recording: exit status %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	p, err := profile.LoadSeccomp(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction == "SCMP_ACT_ALLOW" {
		t.Fatalf("the profile allows everything by default: the run would prove nothing")
	}
	testutil.WriteBundleConfig(t, bundle, args, p)
	for _, nnp := range []bool{false, true} {
		testutil.SetNoNewPrivileges(t, bundle, nnp)
		stdout, stderr, err := testutil.RunBundle(t, "runc", bundle)
		if err != nil || stdout != "HELLO\ndone\n" {
			t.Fatalf("runc under the recorded profile, noNewPrivileges %v: %v\nstdout %q\nstderr %s", nnp, err, stdout, stderr)
		}
	}
	// The profile is enforced: without the pipe syscalls the script's pipeline fails.
	removed := 0
	for i := range p.Syscalls {
		var keep []string
		for _, n := range p.Syscalls[i].Names {
			if n == "pipe" || n == "pipe2" {
				removed++
				continue
			}
			keep = append(keep, n)
		}
		p.Syscalls[i].Names = keep
	}
	if removed == 0 {
		t.Fatal("the recorded profile has no pipe syscall, though the script makes a pipeline")
	}
	testutil.WriteBundleConfig(t, bundle, args, p)
	stdout, stderr, _ := testutil.RunBundle(t, "runc", bundle)
	if strings.Contains(stdout, "HELLO") || !strings.Contains(stderr, "pipe") {
		t.Errorf("without pipe and pipe2 allowed, want the shell to fail making the pipe: stdout %q, stderr %s", stdout, stderr)
	}
}

func TestRecordDurationEndsWorkload(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   int
		max    time.Duration
	}{
		// The shell dies of SIGTERM at once.
		{"workload ends on SIGTERM", "sleep 30 & wait", 128 + 15, 4 * time.Second},
		// The shell ignores SIGTERM and its child outlives it: SIGKILL after the grace period.
		// env ignores it before the shell starts: a trap in the script could come after
		// the SIGTERM on a loaded machine (exit status 143 then).
		{"workload ignores SIGTERM", "sleep 30; sleep 30", 128 + 9, 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argv := []string{"/bin/sh", "-c", tt.script}
			duration := "300ms"
			if tt.want == 128+9 {
				argv = append([]string{"env", "--ignore-signal=TERM"}, argv...)
				// --duration counts from before the eBPF programs are loaded: on a loaded
				// machine 300 ms can be over when the workload execs, and SIGTERM may then
				// come before env has ignored it.
				duration = "2s"
			}
			start := time.Now()
			r := runProfgen(t, nil, append([]string{"record", "--duration", duration, "--seccomp", filepath.Join(t.TempDir(), "p.json"), "--"}, argv...)...)
			if r.code != tt.want {
				t.Errorf("exit status %d, want %d; stderr:\n%s", r.code, tt.want, r.stderr)
			}
			if d := time.Since(start); d > tt.max {
				t.Errorf("recording took %v, want at most %v", d, tt.max)
			}
		})
	}
}

func TestRecordFollowsDaemons(t *testing.T) {
	// The grandchild outlives its parent (re-parented, like a daemon): the recording goes
	// on until it has exited.
	dir := t.TempDir()
	rec := filepath.Join(dir, "r.json")
	r := runProfgen(t, nil, "record", "--recording", rec, "--", "/bin/sh", "-c", "(sleep 0.3; cat /etc/hostname > /dev/null) & exit 0")
	if r.code != 0 {
		t.Fatalf("exit status %d: %s", r.code, r.stderr)
	}
	got := loadRec(t, rec)
	if f := got.Files["/etc/hostname"]; f == nil || !strings.Contains(f.Access, "r") {
		t.Errorf("the daemonised child's read of /etc/hostname was not recorded: %+v", f)
	}
	if got.Files["/usr/bin/cat"] == nil && got.Files["/bin/cat"] == nil {
		t.Errorf("the daemonised child's exec of cat was not recorded")
	}
}

func TestRecordUnprivileged(t *testing.T) {
	// As an ordinary user the helper must set no_new_privs before installing the filter.
	testutil.RequireRoot(t)
	setpriv := testutil.RequireCommand(t, "setpriv")
	dir, pg := profgenForUser(t, "unprivileged", 0o777)
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		pg, "record", "--recording", "r.json", "--", "/bin/grep", "NoNewPrivs", "/proc/self/status")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("record as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "NoNewPrivs:\t1") {
		t.Errorf("the workload does not run with no_new_privs:\n%s", out)
	}
	rec := loadRec(t, filepath.Join(dir, "r.json"))
	if rec.Files["/proc/self/status"] == nil && len(rec.Files) == 0 {
		t.Errorf("no files recorded: %v", rec.Files)
	}
	if rec.Syscalls[native]["openat"] == nil {
		t.Errorf("openat not recorded: %v", rec.SyscallNames(native))
	}
}
