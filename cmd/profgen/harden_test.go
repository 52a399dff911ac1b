//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/seccomp"
)

// runProfgenOut runs profgen with its standard output going to out.
func runProfgenOut(t *testing.T, out *os.File, args ...string) (string, int) {
	t.Helper()
	cmd := profgenCommand(args...)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return errb.String(), 0
}

// TestOutputToAppendedStdout: `--seccomp /dev/stdout rec >> log.txt` appends to the log; it
// neither overwrites its start nor replaces it.
func TestOutputToAppendedStdout(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.txt")
	const first = "a first line of the log that is longer than nothing\n"
	os.WriteFile(log, []byte(first), 0o644)
	ino := inode(t, log)
	for _, args := range [][]string{
		{"generate", "seccomp", "--seccomp", "/dev/stdout", scTestdata(t, "app-x86_64.rec.json")},
		{"merge", "-o", "/dev/stdout", scTestdata(t, "app-x86_64.rec.json")},
	} {
		f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		stderr, code := runProfgenOut(t, f, args...)
		f.Close()
		if code != 0 {
			t.Fatalf("%v: status %d: %s", args, code, stderr)
		}
	}
	b, _ := os.ReadFile(log)
	if !strings.HasPrefix(string(b), first) || !strings.Contains(string(b), `"defaultAction"`) || !strings.Contains(string(b), `"kind": "profgen.recording"`) {
		t.Errorf("log.txt holds:\n%s", b)
	}
	if inode(t, log) != ino {
		t.Error("log.txt was replaced, not appended to")
	}
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	var st syscallStat
	if err := statInode(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// TestOutputDevicesInPrivateNamespace runs the outputs in a private mount namespace with
// its own /dev/shm (never the machine's): a device stays a device, an existing regular file
// in /dev/shm is replaced whole (no tail of the old one left).
func TestOutputDevicesInPrivateNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "unshare")
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	good := scWrite(t, dir, "good.json", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}`)
	script := `set -e
mount -t tmpfs tmpfs /dev/shm
mknod /dev/shm/null c 1 3
head -c 100000 /dev/zero | tr '\0' z > /dev/shm/p.json
P="$1"; REC="$2"; GOOD="$3"
"$P" check --bpf /dev/shm/null "$GOOD" >/dev/null
test -c /dev/shm/null || { echo "check --bpf: the device became a regular file"; exit 1; }
"$P" generate seccomp --seccomp /dev/shm/null "$REC" 2>/dev/null
test -c /dev/shm/null || { echo "generate: the device became a regular file"; exit 1; }
"$P" generate seccomp --seccomp /dev/shm/p.json "$REC" 2>/dev/null
grep -q zzzz /dev/shm/p.json && { echo "the old file's tail was left in /dev/shm/p.json"; exit 1; }
"$P" check /dev/shm/p.json >/dev/null
`
	out, err := testutil.KillWithParent(exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		profgenBin, scTestdata(t, "app-x86_64.rec.json"), good)).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "unshare failed") || strings.Contains(string(out), "Operation not permitted") {
			t.Skipf("no private mount namespace here: %s", out)
		}
		t.Fatalf("%v: %s", err, out)
	}
}

// TestCheckBPFToDevice: check --bpf writes to a device in place (a device in a temporary
// directory, not the machine's /dev/null).
func TestCheckBPFToDevice(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	null := filepath.Join(dir, "null")
	if err := exec.Command("mknod", null, "c", "1", "3").Run(); err != nil {
		t.Skipf("mknod: %v", err)
	}
	good := scWrite(t, dir, "good.json", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}`)
	if r := runProfgen(t, nil, "check", "--bpf", null, good); r.code != 0 {
		t.Fatalf("check: %+v", r)
	}
	if fi, err := os.Lstat(null); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the device is now %v (%v)", fi.Mode(), err)
	}
}

func TestInstallRefuses(t *testing.T) {
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	good := scWrite(t, dir, "good.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["execve","exit","exit_group","rt_sigreturn","read"],"action":"SCMP_ACT_ALLOW"}]}`)
	badErrno := scWrite(t, dir, "errno.json", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":99999999999,"syscalls":[{"names":["execve","exit","exit_group","rt_sigreturn"],"action":"SCMP_ACT_ALLOW"}]}`)
	nowhere := scWrite(t, dir, "nowhere.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["execve","exit","exit_group","rt_sigreturn","nosuchsyscall"],"action":"SCMP_ACT_ALLOW"}]}`)
	root := filepath.Join(dir, "profiles")
	for _, c := range []struct {
		name, file, want string
	}{
		{"bad-errno", badErrno, "not an errno"},
		{"nowhere", nowhere, "nosuchsyscall"},
		{strings.Repeat("n", 251), good, "longer than 250"},
	} {
		r := runProfgen(t, nil, "install", "--root", root, c.name, c.file)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("install %s: status %d, stderr %q; want a refusal naming %q", c.file, r.code, r.stderr, c.want)
		}
	}
	if r := runProfgen(t, nil, "install", "--root", root, strings.Repeat("n", 250), good); r.code != 0 {
		t.Errorf("a 250-byte name: %+v", r)
	}
	// A profile directory others may write to, and one reached through another user's link.
	os.Chmod(root, 0o777)
	if r := runProfgen(t, nil, "install", "--root", root, "web", good); r.code == 0 || !strings.Contains(r.stderr, "writable by every user") {
		t.Errorf("world-writable directory: %+v", r)
	}
	os.Chmod(root, 0o755)
	if os.Geteuid() == 0 {
		sticky := filepath.Join(dir, "tmp")
		os.Mkdir(sticky, 0o755)
		os.Chmod(sticky, 0o777|os.ModeSticky)
		elsewhere := t.TempDir()
		link := filepath.Join(sticky, "profiles")
		os.Symlink(elsewhere, link)
		os.Lchown(link, 1234, 1234)
		if r := runProfgen(t, nil, "install", "--root", link, "web", good); r.code == 0 || !strings.Contains(r.stderr, "unsafe directory") {
			t.Errorf("another user's link: %+v", r)
		}
		if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
			t.Errorf("install wrote %v through another user's link", ents)
		}
	}
}

func TestCheckRefusesHugeAndEmptyInput(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.json")
	os.Symlink("/dev/zero", zero)
	sparse := filepath.Join(dir, "sparse.json")
	f, _ := os.Create(sparse)
	f.Truncate(2 << 30)
	f.Close()
	for _, in := range []string{zero, sparse} {
		r := runProfgen(t, nil, "check", in)
		scOneLineError(t, r, exitFailure, "the most profgen reads as a seccomp profile")
	}
	testutil.RequireCommand(t, "apparmor_parser")
	empty := scWrite(t, dir, "empty", "")
	comments := scWrite(t, dir, "comments", "# nothing\n\n")
	for _, in := range []string{empty, comments, dir} {
		r := runProfgen(t, nil, "check", "--apparmor", in)
		if r.code == 0 || strings.Contains(r.stdout, "accepted") {
			t.Errorf("check --apparmor %s: status %d, stdout %q", in, r.code, r.stdout)
		}
	}
}

func TestRecordingInputsRefused(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(scTestdata(t, "app-x86_64.rec.json"))
	if err != nil {
		t.Fatal(err)
	}
	garbage := scWrite(t, dir, "garbage.json", string(good)+"garbage\n")
	dotdot := scWrite(t, dir, "dotdot.json", strings.Replace(string(good), `"brk"`, `".."`, 1))
	for _, in := range []string{garbage, dotdot} {
		for _, args := range [][]string{
			{"merge", "-o", filepath.Join(dir, "m.json"), in},
			{"generate", "seccomp", "--seccomp", filepath.Join(dir, "s.json"), in},
			{"generate", "apparmor", "--apparmor", filepath.Join(dir, "a"), in},
		} {
			if r := runProfgen(t, nil, args...); r.code == 0 {
				t.Errorf("%v accepted %s", args, filepath.Base(in))
			}
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("outputs were written: %v", ents)
	}
}

// TestExecProfileRefusingExit: a profile that refuses execve and exit_group (ERRNO or KILL)
// ends profgen exec at once with a clear message: no spinning, no process left behind.
func TestExecProfileRefusingExit(t *testing.T) {
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, act := range []string{"SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"} {
		prof := scWrite(t, dir, act+".json", `{"defaultAction":"`+act+`","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := profgenCommandContext(ctx, "exec", "--seccomp", prof, "--", "true")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			t.Fatalf("%s: profgen exec did not end within 20 s", act)
		}
		if err == nil || !strings.Contains(errb.String(), "the profile refuses execve") {
			t.Errorf("%s: %v, stderr %q", act, err, errb.String())
		}
	}
	// execve allowed but failing once the filter is on: the message, status 127 (the script's
	// interpreter does not exist, as a shell says), no hang.
	prof := scWrite(t, dir, "exec-only.json", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["execve","exit_group","write","rt_sigreturn"],"action":"SCMP_ACT_ALLOW"}]}`)
	bad := scWrite(t, dir, "bad.sh", "#!/nonexistent/interpreter\n")
	os.Chmod(bad, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := profgenCommandContext(ctx, "exec", "--seccomp", prof, "--", bad)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatal("profgen exec did not end within 20 s after a failed execve")
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 127 || !strings.Contains(errb.String(), "under the seccomp profile") {
		t.Errorf("failed execve: %v, stderr %q; want status 127 and the reason", err, errb.String())
	}
}

// TestRecordValidatesBeforeWorkload: bad options and unwritable outputs are refused before
// the workload starts (it must not run).
func TestRecordValidatesBeforeWorkload(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	badBase := scWrite(t, dir, "base.json", `{"kind":"profgen.recording","version":1,"source":{"tool":"t"},"syscalls":{}} trailing`)
	file := scWrite(t, dir, "file", "")
	for _, args := range [][]string{
		{"--seccomp", "/nonexistent/x.json"},
		{"--seccomp", filepath.Join(dir, strings.Repeat("n", 251)+".json")},
		{"--seccomp", dir},
		{"--recording", filepath.Join(file, "rec.json")},
		{"--apparmor", filepath.Join(dir, "aa"), "--apparmor-exec-mode", "bogus"},
		{"--apparmor", filepath.Join(dir, "aa"), "--apparmor-exec", "/bin/sh=bogus"},
		{"--apparmor", filepath.Join(dir, "aa"), "--apparmor-name", "bad name"},
		{"--seccomp", filepath.Join(dir, "x.json"), "--format", "spo", "--seccomp-name", "../x"},
		{"--seccomp", filepath.Join(dir, "d.json"), "--mode", "deny", "--deny", "no_such_syscall"},
		{"--baseline", "/nonexistent/base.json"},
		{"--baseline", badBase},
	} {
		full := append(append([]string{"record"}, args...), "--", "sh", "-c", "touch "+mark)
		r := runProfgen(t, nil, full...)
		if r.code == 0 {
			t.Errorf("%v: accepted", args)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Errorf("%v: the workload ran before the error (%q)", args, r.stderr)
			os.Remove(mark)
		}
	}
}

// TestCheckManyDuplicateRules: 200,000 copies of one rule are checked in seconds (it took
// 664 s when libseccomp was given every copy) and reported as merged.
func TestCheckManyDuplicateRules(t *testing.T) {
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	var b strings.Builder
	b.WriteString(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[`)
	for range 200000 {
		b.WriteString(`{"names":["read"],"action":"SCMP_ACT_ALLOW"},`)
	}
	b.WriteString(`{"names":["execve","exit","exit_group","rt_sigreturn"],"action":"SCMP_ACT_ALLOW"}]}`)
	prof := scWrite(t, t.TempDir(), "dup.json", b.String())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := profgenCommandContext(ctx, "check", prof).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatal("check of 200,000 duplicate rules took over 60 s")
	}
	if err != nil || !strings.Contains(string(out), "200001 rules merge into 1") {
		t.Errorf("check: %v\n%s", err, out)
	}
}

// daemonProgram is a small daemon, as nginx without "daemon off" is: it forks twice, the
// first process exits, and the daemon (its own session) handles SIGINT and SIGTERM by writing
// the signal's name to got and exiting; it writes its pid to pidFile when ready.
const daemonProgram = `
import os, signal, sys, time
pid_file, got = sys.argv[1], sys.argv[2]
if os.fork() > 0:
    sys.exit(0)
os.setsid()
if os.fork() > 0:
    os._exit(0)
def on(sig, frame):
    with open(got, "w") as f:
        f.write(signal.Signals(sig).name)
    os._exit(0)
signal.signal(signal.SIGINT, on)
signal.signal(signal.SIGTERM, on)
with open(pid_file, "w") as f:
    f.write(str(os.getpid()))
while True:
    time.sleep(0.05)
`

// TestRecordSignalsReachDaemon: SIGINT to profgen reaches a workload that daemonised (its
// first process gone), and --duration ends such a recording the same way.
func TestRecordSignalsReachDaemon(t *testing.T) {
	python := testutil.RequireCommand(t, "python3")
	for _, c := range backendCases() {
		for _, how := range []string{"SIGINT", "duration"} {
			t.Run(c.backend+"/"+how, func(t *testing.T) {
				testDaemonSignal(t, c, python, how)
			})
		}
	}
}

// backendCase is a recorder backend and the output its recording is checked in.
type backendCase struct{ backend, output string }

// backendCases are the recorders that run a workload: ptrace (with a recording) and eBPF
// (with a seccomp profile; it needs root and a kernel with BPF, else record says so).
func backendCases() []backendCase {
	return []backendCase{{"ptrace", "--recording"}, {"ebpf", "--seccomp"}}
}

// recordedSyscall reports whether the output of c in dir names syscall.
func recordedSyscall(t *testing.T, c backendCase, dir, syscall string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), `"`+syscall+`"`)
}

func skipWithoutBackend(t *testing.T, c backendCase, stderr string) {
	if c.backend == "ebpf" && (strings.Contains(stderr, "eBPF") || strings.Contains(stderr, "BPF")) && !strings.Contains(stderr, "wrote") {
		t.Skipf("no eBPF recorder here: %s", stderr)
	}
}

func testDaemonSignal(t *testing.T, c backendCase, python, how string) {
	dir := t.TempDir()
	pidFile, got := filepath.Join(dir, "pid"), filepath.Join(dir, "got")
	args := []string{"record", "--backend", c.backend, c.output, "out.json"}
	if how == "duration" {
		// Long enough for python to start under the tracer and write its pid on a loaded
		// machine (1s was not, once in a full-suite run).
		args = append(args, "--duration", "3s")
	}
	args = append(args, "--", python, "-c", daemonProgram, pidFile, got)
	cmd, _, errb := startProfgen(t, dir, args...)
	waitFile(t, pidFile)
	if how == "SIGINT" {
		time.Sleep(200 * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	exitCode(t, cmd, 30*time.Second)
	skipWithoutBackend(t, c, errb.String())
	want := map[string]string{"SIGINT": "SIGINT", "duration": "SIGTERM"}[how]
	if b, _ := os.ReadFile(got); strings.TrimSpace(string(b)) != want {
		t.Errorf("the daemon got %q, want %s; stderr:\n%s", b, want, errb)
	}
	if !recordedSyscall(t, c, dir, "clone") && !recordedSyscall(t, c, dir, "fork") {
		t.Errorf("the output lacks the forks")
	}
}

// TestRecordSurvivesKillGroup: `kill -9 0` in the workload kills the workload's process
// group, not profgen, which writes what it saw.
func TestRecordSurvivesKillGroup(t *testing.T) {
	for _, c := range backendCases() {
		t.Run(c.backend, func(t *testing.T) {
			dir := t.TempDir()
			r := runProfgen(t, nil, "record", "--backend", c.backend, c.output, filepath.Join(dir, "out.json"), "--", "/bin/sh", "-c", "sleep 10 & kill -9 0")
			skipWithoutBackend(t, c, r.stderr)
			if r.code != 128+9 {
				t.Errorf("exit status %d, want 137 (the workload died of SIGKILL); stderr:\n%s", r.code, r.stderr)
			}
			if !recordedSyscall(t, c, dir, "kill") {
				t.Errorf("the output lacks the kill")
			}
		})
	}
}

// TestRecordSurvivesProcessLimit runs profgen itself as an ordinary user under `ulimit -u
// 150` and records a fork bomb that runs into that limit (for up to 2 s): profgen must not crash
// (a Go runtime that cannot make a thread dies with "pthread_create failed"; it did in 2 of
// 2 runs before profgen reserved its threads) nor lose the recording.
func TestRecordSurvivesProcessLimit(t *testing.T) {
	testutil.RequireRoot(t)
	setpriv := testutil.RequireCommand(t, "setpriv")
	dir, bin := profgenForUser(t, "nproc", 0o755)
	// A user id of its own: the process limit counts every process of the user, and other
	// tests run processes as nobody.
	uid := strconv.Itoa(40000 + os.Getpid()%20000)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	n, _ := strconv.Atoi(uid)
	os.Chown(out, n, n)
	// Endless: it holds the limit until --duration ends it.
	bomb := `f() { f & f & wait; }; f`
	for run := range 4 {
		rec := filepath.Join(out, fmt.Sprintf("r%d.json", run))
		script := `ulimit -u 150 2>/dev/null || ulimit -p 150 || exit 99; exec "$0" record --duration 2s --recording "$1" -- /bin/sh -c "$2"`
		cmd := exec.Command(setpriv, "--reuid="+uid, "--regid="+uid, "--clear-groups", "/bin/sh", "-c", script, bin, rec, bomb)
		cmd.Dir = out
		var errb bytes.Buffer
		cmd.Stderr = &errb
		ctx := time.AfterFunc(3*time.Minute, func() { cmd.Process.Kill() })
		err := cmd.Run()
		ctx.Stop()
		if strings.Contains(errb.String(), "pthread_create failed") || strings.Contains(errb.String(), "goroutine ") {
			t.Fatalf("run %d: profgen crashed: %v\n%.1500s", run, err, errb.String())
		}
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 99 {
			t.Skip("cannot set the process limit")
		}
		got := loadRec(t, rec)
		if got.Syscalls[native]["clone"] == nil && got.Syscalls[native]["fork"] == nil {
			t.Errorf("run %d: no fork recorded: %v", run, got.SyscallNames(native))
		}
	}
}

// ptyProgram runs argv[1:] on a new pseudo-terminal, as a shell runs a job in the foreground,
// types ^Z, reports the job's state, continues it as fg would (SIGCONT), types "hello", and
// prints what the terminal showed.
const ptyProgram = `
import os, pty, sys, time, select, signal
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
def state(p):
    return open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()[0]
def foreground_comm():
    try:
        return open("/proc/%d/comm" % os.tcgetpgrp(fd)).read().strip()
    except OSError:
        return ""
# ^Z once the workload runs (its group, led by the shell, has the terminal), or once profgen
# ended without one.
deadline = time.time() + 20
while time.time() < deadline and foreground_comm() != "sh" and state(pid) != "Z":
    time.sleep(0.01)
os.write(fd, b"\x1a")
deadline = time.time() + 10
while time.time() < deadline and state(pid) not in ("T", "Z"):
    time.sleep(0.01)
print("state after ^Z:", state(pid))
os.kill(pid, signal.SIGCONT)
time.sleep(0.3)
os.write(fd, b"hello\n")
out = b""
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            b = os.read(fd, 4096)
        except OSError:
            break
        if not b:
            break
        out += b
    elif os.waitpid(pid, os.WNOHANG) != (0, 0):
        break
sys.stdout.write(out.decode(errors="replace"))
`

// TestRecordWorkloadReadsTerminal: in its own process group the workload still reads the
// terminal profgen was started on (its group is given the terminal's foreground; without
// that, its read would stop it with SIGTTIN), and job control works: ^Z stops the workload
// and profgen with it (the shell sees its job stopped), SIGCONT (fg) continues both.
func TestRecordWorkloadReadsTerminal(t *testing.T) {
	python := testutil.RequireCommand(t, "python3")
	for _, c := range backendCases() {
		t.Run(c.backend, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			// Killed with the test binary, python closes the terminal: profgen gets SIGHUP.
			pty := testutil.KillWithParent(exec.CommandContext(ctx, python, "-c", ptyProgram, profgenBin, "record", "--backend", c.backend, c.output, filepath.Join(dir, "out.json"), "--", "/bin/sh", "-c", "read line; echo got $line"))
			out, err := pty.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("the workload did not finish: %s", out)
			}
			skipWithoutBackend(t, c, string(out))
			if !strings.Contains(string(out), "state after ^Z: T") {
				t.Errorf("^Z did not stop profgen with its workload: %q", out)
			}
			if err != nil || !strings.Contains(string(out), "got hello") {
				t.Errorf("%v: terminal showed %q, want the workload to have read hello", err, out)
			}
		})
	}
}
