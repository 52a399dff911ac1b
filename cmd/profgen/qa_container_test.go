//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/recorder/ebpf"
)

// TestRecordContainerNotFound: a container id the runtime does not know is one line saying
// what the runtime said, without runc's log decoration (time="..." level=error msg="...").
func TestRecordContainerNotFound(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "runc")
	id := fmt.Sprintf("profgen-no-such-container-%d", os.Getpid())
	out := filepath.Join(t.TempDir(), "x.json")
	r := runProfgen(t, nil, "record", "--container", id, "--duration", "1s", "--seccomp", out)
	// On a machine with Docker or containerd, a hint for --container-root follows.
	want := "profgen: record: runc state " + id + ": container does not exist (exit status 1)"
	if r.code != 1 || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "level=") {
		t.Errorf("exit %d, stderr %q; want 1 and one line starting %q", r.code, r.stderr, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a profile was written for a container that does not exist")
	}
	if _, err := exec.LookPath("crun"); err == nil {
		r := runProfgen(t, nil, "record", "--container", id, "--container-runtime", "crun", "--duration", "1s", "--seccomp", out)
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "crun state "+id+": ") {
			t.Errorf("crun: exit %d, stderr %q", r.code, r.stderr)
		}
	}
}

// TestRecordCgroupNotACgroup: --cgroup given a file of a cgroup (cgroup.procs) is refused
// before anything is recorded (it recorded nothing for the --duration, then failed for an
// empty recording), and a directory that is no cgroup v2 (a v1 hierarchy's, on a hybrid host)
// is refused naming where the v2 hierarchy is mounted.
func TestRecordCgroupNotACgroup(t *testing.T) {
	testutil.RequireRoot(t)
	root := cgroup2Root(t)
	out := filepath.Join(t.TempDir(), "x.json")
	procs := filepath.Join(root, "cgroup.procs")
	r := runProfgen(t, nil, "record", "--cgroup", procs, "--duration", "5s", "--seccomp", out)
	if r.code != 1 || r.stderr != "profgen: record: cgroup "+procs+": not a directory (a cgroup is the directory that holds cgroup.procs)\n" {
		t.Errorf("--cgroup %s: exit %d, stderr %q", procs, r.code, r.stderr)
	}
	dir := t.TempDir()
	r = runProfgen(t, nil, "record", "--cgroup", dir, "--duration", "5s", "--seccomp", out)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "the cgroup v2 hierarchy is mounted at "+root+")") {
		t.Errorf("--cgroup %s: exit %d, stderr %q", dir, r.code, r.stderr)
	}
}

// TestRecordEBPFUnprivilegedSaysWhy: as a user without CAP_BPF and CAP_PERFMON, --backend ebpf
// fails, and auto falls back to ptrace, with one short reason: not cilium/ebpf's map-creation
// error and its hint to raise the locked-memory limit, which does not apply.
func TestRecordEBPFUnprivilegedSaysWhy(t *testing.T) {
	testutil.RequireRoot(t)
	setpriv := testutil.RequireCommand(t, "setpriv")
	dir, pg := profgenForUser(t, "ebpf-unprivileged", 0o777)
	const why = "eBPF recording unavailable: loading its BPF programs needs root, or CAP_BPF and CAP_PERFMON (profgen runs as uid 65534 without them)"
	for _, tc := range []struct {
		backend, want string
		code          int
	}{
		{"ebpf", "profgen: record: " + why + "\n", 1},
		{"auto", "profgen: recording with ptrace: " + why + "\n", 0},
	} {
		cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
			pg, "record", "--backend", tc.backend, "--runtime", "runc", "--seccomp", "x.json", "--", "/bin/true")
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		first, _, _ := strings.Cut(string(out), "\n")
		if code != tc.code || first+"\n" != tc.want {
			t.Errorf("--backend %s as nobody: exit %d, first line %q; want %d and %q", tc.backend, code, first, tc.code, tc.want)
		}
	}
}

// TestRecordEBPFThreadID: -p with a thread's id (top -H shows them) records its process, as
// the ptrace backend's attach does; the eBPF programs key on the process id, so the thread's
// calls were missed (2 of some 20 sleeps in a second here).
func TestRecordEBPFThreadID(t *testing.T) {
	requireBPF(t)
	py := exec.Command(testutil.Python(t), "-c", `import threading, time
def f():
    while True: time.sleep(0.02)
threading.Thread(target=f, daemon=True).start()
time.sleep(60)`)
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { py.Process.Kill(); py.Wait() }()
	var tid string
	for i := 0; i < 200 && tid == ""; i++ {
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", py.Process.Pid))
		for _, e := range tasks {
			if e.Name() != fmt.Sprint(py.Process.Pid) {
				tid = e.Name()
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if tid == "" {
		t.Fatal("the thread did not start")
	}
	rec := filepath.Join(t.TempDir(), "r.json")
	r := runProfgen(t, nil, "record", "--backend", "ebpf", "-p", tid, "--duration", "1s", "--recording", rec, "--seccomp", os.DevNull)
	if r.code != 0 {
		t.Fatalf("record -p %s: %+v", tid, r)
	}
	got := loadRec(t, rec).Syscalls[native]["clock_nanosleep"]
	if got == nil || got.Count < 10 {
		t.Errorf("record -p THREAD: clock_nanosleep %+v, want the thread's some 50 sleeps (at least 10)", got)
	}
}

// TestRecordCgroupRunningWarns: --cgroup of a cgroup whose processes already run (a running
// container) warns, as -p and --container of a running container do, that their start-up was
// not recorded (it wrote such a profile silently).
func TestRecordCgroupRunningWarns(t *testing.T) {
	requireBPF(t)
	root := cgroup2Root(t)
	cg := filepath.Join(root, fmt.Sprintf("profgen-test-running-%d", os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Skipf("make a cgroup: %v", err)
	}
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sleep.Process.Kill()
		sleep.Wait()
		for i := 0; i < 100 && os.Remove(cg) != nil; i++ {
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(fmt.Sprint(sleep.Process.Pid)), 0o644); err != nil {
		t.Fatalf("move sleep into %s: %v", cg, err)
	}
	recPath := filepath.Join(t.TempDir(), "r.json")
	r := runProfgen(t, nil, "record", "--cgroup", cg, "--duration", "500ms", "--recording", recPath, "--seccomp", os.DevNull)
	want := fmt.Sprintf("profgen: warning: cgroup %s held running processes when the recording started (process %d, sleep): their start-up", cg, sleep.Process.Pid)
	if !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr %q; want a line starting %q", r.code, r.stderr, want)
	}
	if got := loadRec(t, recPath); !slices.Equal(got.Source.Command, []string{"cgroup " + cg}) {
		t.Errorf("the recording's command %q, want [cgroup %s]", got.Source.Command, cg)
	}
}

// TestRecordSummaryDeniedCapabilities: --summary (eBPF) names the capabilities the workload
// was checked for and never granted (a process that dropped to nobody and binds port 81), which
// were in the recording's warnings only: the summary listed the granted ones alone.
func TestRecordSummaryDeniedCapabilities(t *testing.T) {
	requireBPF(t)
	setpriv := testutil.RequireCommand(t, "setpriv")
	r := runProfgen(t, nil, "record", "--backend", "ebpf", "--summary", "--seccomp", os.DevNull, "--",
		setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", testutil.Python(t), "-c",
		"import socket\ntry: socket.socket().bind(('127.0.0.1', 81))\nexcept OSError: pass")
	if r.code != 0 {
		t.Fatalf("record: %+v", r)
	}
	var denied string
	for _, l := range strings.Split(r.stderr, "\n") {
		if rest, ok := strings.CutPrefix(l, "capabilities denied (checked, never granted): "); ok {
			denied = rest
		}
	}
	if !strings.Contains(" "+denied+" ", " net_bind_service ") {
		t.Errorf("summary names no denied net_bind_service:\n%s", r.stderr)
	}
}

// cgroup2Root returns where the cgroup v2 hierarchy is mounted; the test is skipped where
// there is none.
func cgroup2Root(t *testing.T) string {
	t.Helper()
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	root, err := ebpf.ParseMountinfoCgroup2(mounts)
	if err != nil {
		t.Skipf("no cgroup2 mount: %v", err)
	}
	return root
}
