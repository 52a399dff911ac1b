//go:build linux

package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/recorder/ebpf"
)

// requireBPF skips the test unless the eBPF recorder loads here.
func requireBPF(t *testing.T) {
	t.Helper()
	testutil.RequireRoot(t)
	if err := ebpf.Available(); err != nil {
		if errors.Is(err, ebpf.ErrUnavailable) {
			t.Skipf("eBPF recorder cannot load: %v", err)
		}
		t.Fatal(err)
	}
}

func TestRecordBackendAuto(t *testing.T) {
	requireBPF(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "p.json")
	r := runProfgen(t, nil, "record", "--summary", "--seccomp", out, "--", "/bin/sh", "-c", "cat /etc/hostname >/dev/null")
	if r.code != 0 {
		t.Fatalf("exit status %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"profgen: recording with eBPF", "openat", "total (eBPF, loaded in"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// Files for --recording and --apparmor: eBPF records them.
	rec := filepath.Join(dir, "r.json")
	r = runProfgen(t, nil, "record", "--recording", rec, "--", "/bin/cat", "/etc/hostname")
	if r.code != 0 || !strings.Contains(r.stderr, "recording with eBPF") {
		t.Errorf("auto with --recording: status %d, stderr:\n%s", r.code, r.stderr)
	}
	got := loadRec(t, rec)
	if got.Source.Backend != "ebpf" {
		t.Errorf("auto with --recording recorded with %s", got.Source.Backend)
	}
	if f := got.Files["/etc/hostname"]; f == nil || f.Access != "r" {
		t.Errorf("/etc/hostname: %+v", f)
	}
	// --baseline needs ptrace's seccomp filter: auto says so and takes it.
	r = runProfgen(t, nil, "record", "--baseline", out, "--recording", rec, "--", "/bin/cat", "/etc/hostname")
	if r.code != 0 || !strings.Contains(r.stderr, "recording with ptrace: --baseline") {
		t.Errorf("auto with --baseline: status %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestRecordEBPFRenames: the eBPF backend records renames (and every other file syscall the
// ptrace backend does): the AppArmor profile has the file a temporary one became, and no
// warning is given.
func TestRecordEBPFRenames(t *testing.T) {
	requireBPF(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.aa")
	r := runProfgen(t, nil, "record", "--backend", "ebpf", "--apparmor", prof, "--apparmor-no-generalize", "tmp", "--",
		"/bin/sh", "-c", "echo x > "+dir+"/t && mv "+dir+"/t "+dir+"/u")
	if r.code != 0 {
		t.Fatalf("exit status %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("a warning on stderr:\n%s", r.stderr)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{dir + "/u w", dir + "/t rw"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("profile lacks %q:\n%s", want, b)
		}
	}
}

func TestRecordBackendUsage(t *testing.T) {
	for _, args := range [][]string{
		{"record", "--backend", "ptrace", "--cgroup", "/sys/fs/cgroup", "--seccomp", "/dev/null"},
		{"record", "--backend", "bogus", "--", "/bin/true"},
		{"record", "--backend", "ebpf", "--baseline", "x.json", "--", "/bin/true"},
		{"record", "--cgroup", "/sys/fs/cgroup", "--", "/bin/true"},
		{"record", "--container", "a", "-p", "1"},
	} {
		if r := runProfgen(t, nil, args...); r.code != 2 {
			t.Errorf("%v: exit status %d, want 2 (usage): %s", args, r.code, r.stderr)
		}
	}
}

func TestRecordEBPFExitStatusAndAttach(t *testing.T) {
	requireBPF(t)
	dir := t.TempDir()
	r := runProfgen(t, nil, "record", "--backend", "ebpf", "--seccomp", filepath.Join(dir, "a.json"), "--", "/bin/sh", "-c", "exit 7")
	if r.code != 7 {
		t.Errorf("exit status %d, want the workload's 7: %s", r.code, r.stderr)
	}

	// -p: a loop whose children (forked after the attach) are recorded.
	loop := exec.Command("/bin/sh", "-c", "while :; do /bin/cat /etc/hostname >/dev/null; sleep 0.05; done")
	if err := loop.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { loop.Process.Kill(); loop.Wait() })
	rec := filepath.Join(dir, "p.rec.json")
	start := time.Now()
	r = runProfgen(t, nil, "record", "--backend", "ebpf", "-p", strconv.Itoa(loop.Process.Pid), "--duration", "500ms", "--recording", rec)
	if r.code != 0 {
		t.Fatalf("record -p: status %d: %s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("record -p --duration 500ms took %v", d)
	}
	got := loadRec(t, rec)
	for _, name := range []string{"wait4", "execve", "openat", "clock_nanosleep"} {
		if got.Syscalls[native][name] == nil {
			t.Errorf("%s not recorded: %v", name, got.SyscallNames(native))
		}
	}
	if got.Source.Backend != "ebpf" || got.Source.ExitCode != nil {
		t.Errorf("source %+v, want backend ebpf and no exit code", got.Source)
	}
	if len(got.Source.Warnings) == 0 {
		t.Errorf("a recording without paths does not say so")
	}
	if err := loop.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the attached process did not survive the recording: %v", err)
	}
}

func TestRecordSummaryCapabilities(t *testing.T) {
	requireBPF(t)
	py := testutil.Python(t)
	script := `import time; time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))`
	dir := t.TempDir()
	r := runProfgen(t, nil, "record", "--backend", "ebpf", "--summary", "--seccomp", filepath.Join(dir, "e.json"), "--", py, "-c", script)
	if r.code != 0 || !strings.Contains(r.stderr, "capabilities used (checks granted): sys_time\n") {
		t.Errorf("ebpf summary: status %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runProfgen(t, nil, "record", "--backend", "ptrace", "--summary", "--seccomp", filepath.Join(dir, "p.json"), "--", py, "-c", script)
	if r.code != 0 || !strings.Contains(r.stderr, "the ptrace backend sees no capability check") {
		t.Errorf("ptrace summary: status %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestRecordSummaryPtraceDerived: the ptrace backend's summary lists the capabilities it
// derived, without --recording too: a root workload that binds a port below
// ip_unprivileged_port_start derives net_bind_service (it said "none": without --recording
// the backend read no arguments).
func TestRecordSummaryPtraceDerived(t *testing.T) {
	testutil.RequireRoot(t)
	py := testutil.Python(t)
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		t.Skipf("needs ip_unprivileged_port_start: %v", err)
	}
	start, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	port := 0
	for p := 80; p < start && p < 1024 && port == 0; p++ {
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			l.Close()
			port = p
		}
	}
	if port == 0 {
		t.Skipf("no free privileged port from 80 below %d", start)
	}
	script := "import socket; s = socket.socket(); s.bind(('127.0.0.1', " + strconv.Itoa(port) + ")); print('bound')"
	r := runProfgen(t, nil, "record", "--backend", "ptrace", "--summary", "--seccomp", filepath.Join(t.TempDir(), "p.json"), "--", py, "-c", script)
	want := "derived from what succeeded: net_bind_service\n"
	if r.code != 0 || !strings.Contains(r.stdout, "bound") || !strings.Contains(r.stderr, want) {
		t.Errorf("record --backend ptrace --summary of a bind to port %d: status %d, want %q in stderr:\n%s", port, r.code, want, r.stderr)
	}
}

// TestRecordPodCapabilities: an eBPF recording's capabilities reach the pod snippet and
// generate k8s as drop ALL, add what was used; a ptrace recording's do not.
func TestRecordPodCapabilities(t *testing.T) {
	requireBPF(t)
	py := testutil.Python(t)
	script := `import time; time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))`
	dir := t.TempDir()
	pod := filepath.Join(dir, "app.yaml")
	rec := filepath.Join(dir, "app.rec.json")
	r := runProfgen(t, nil, "record", "--backend", "ebpf", "--format", "pod", "--seccomp", pod, "--recording", rec, "--", py, "-c", script)
	if r.code != 0 {
		t.Fatalf("record: status %d: %s", r.code, r.stderr)
	}
	caps := "    securityContext:\n      capabilities:\n        add:\n        - SYS_TIME\n        drop:\n        - ALL\n"
	if b, _ := os.ReadFile(pod); !strings.Contains(string(b), caps) {
		t.Errorf("pod snippet lacks the capabilities:\n%s", b)
	}
	r = runProfgen(t, nil, "generate", "k8s", "--apparmor", "app", "--pod-container", "web", "--recording", rec)
	if r.code != 0 || !strings.Contains(r.stdout, "      capabilities:\n        add:\n        - SYS_TIME\n        drop:\n        - ALL\n") {
		t.Errorf("generate k8s --recording: status %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	prec := filepath.Join(dir, "p.rec.json")
	if r = runProfgen(t, nil, "record", "--backend", "ptrace", "--recording", prec, "--", py, "-c", script); r.code != 0 {
		t.Fatalf("record with ptrace: %s", r.stderr)
	}
	if r = runProfgen(t, nil, "generate", "k8s", "--apparmor", "app", "--pod-container", "web", "--recording", prec); r.code == 0 {
		t.Errorf("generate k8s took capabilities from a ptrace recording:\n%s", r.stdout)
	}
}
