//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/ebpf"
)

const hookWorkload = "echo hi; ls / >/dev/null; cat /etc/passwd >/dev/null"

// TestOCIHook runs a busybox container in runc with profgen oci-hook as its createRuntime and
// poststop hooks, then checks the profile it wrote: the same container runs under it, one that
// makes one syscall more (statfs) fails, and the recording holds no syscall that only runc's
// init made (those in a ptrace recording of runc run itself that neither the workload nor
// runc's base set has).
func TestOCIHook(t *testing.T) {
	testutil.RequireRoot(t)
	if err := ebpf.Available(); err != nil {
		t.Skipf("the hook records with eBPF: %v", err)
	}
	args := []string{"sh", "-c", hookWorkload}
	bundle := testutil.NewBusyboxBundle(t, args, nil)
	dir := filepath.Join(t.TempDir(), "recordings")
	hook := specs.Hook{Path: profgenBin, Args: []string{"profgen", "oci-hook", "--state-dir", t.TempDir()}}
	testutil.EditBundleConfig(t, bundle, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{hook}, Poststop: []specs.Hook{hook}}
		s.Annotations = map[string]string{"io.profgen.record": dir}
	})
	if o, e, err := testutil.RunBundle(t, "runc", bundle); err != nil {
		t.Fatalf("runc run with the hook: %v\n%s%s", err, o, e)
	} else if strings.Contains(e, "error running hook") {
		// runc run logs a failed poststop hook and exits 0.
		t.Errorf("a hook failed:\n%s", e)
	}
	profiles, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var prof, recPath string
	for _, p := range profiles {
		if strings.HasSuffix(p, ".rec.json") {
			recPath = p
		} else {
			prof = p
		}
	}
	if prof == "" || recPath == "" {
		log, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		t.Fatalf("the hook wrote %v (logs %v)", profiles, log)
	}
	// Keyed by the container's cgroup wherever this host has cgroup v2.
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	var logText []byte
	if len(logs) == 1 {
		logText, _ = os.ReadFile(logs[0])
	}
	if _, err := ebpf.CgroupOfPID(os.Getpid()); err == nil && !strings.Contains(string(logText), "by its cgroup") {
		t.Errorf("the recorder did not key on the cgroup: %s", logText)
	}
	rec := readRecording(t, recPath)
	got := rec.SyscallNames("x86_64")

	// What only runc's init made: runc run recorded whole by ptrace, less the workload's own
	// calls (the same busybox command, recorded on the host with an environment like the
	// container's: no PWD, so sh asks getcwd) and runc's base set.
	testutil.EditBundleConfig(t, bundle, func(s *specs.Spec) { s.Hooks, s.Annotations = nil, nil })
	tmp := t.TempDir()
	runcRec := filepath.Join(tmp, "runc.rec.json")
	if r := runProfgen(t, nil, "record", "--recording", runcRec, "--", "runc", "--root", tmp, "run", "--bundle", bundle, "profgen-hook-ref-"+filepath.Base(tmp)); r.code != 0 {
		t.Fatalf("record runc run: %+v", r)
	}
	hostRec := filepath.Join(tmp, "host.rec.json")
	if r := runProfgen(t, nil, "record", "--recording", hostRec, "--", testutil.BusyboxPath, "env", "-i", "PATH=/bin", testutil.BusyboxPath, "sh", "-c", hookWorkload); r.code != 0 {
		t.Fatalf("record the workload on the host: %+v", r)
	}
	base, _ := profile.RuntimeBaseSet("runc", true)
	baseNames, _ := base.Names("x86_64")
	initOnly := minus(readRecording(t, runcRec).SyscallNames("x86_64"), readRecording(t, hostRec).SyscallNames("x86_64"), baseNames)
	if !contains(initOnly, "pivot_root") {
		t.Fatalf("runc's own calls lack pivot_root: %v", initOnly)
	}
	if both := intersect(got, initOnly); len(both) > 0 {
		t.Errorf("the hook's recording holds calls only runc's init made: %v\n(recorded %v)", both, got)
	}
	for _, want := range []string{"execve", "wait4", "getdents64"} {
		if !contains(got, want) {
			t.Errorf("the hook's recording lacks %s: %v", want, got)
		}
	}

	// The profile runs the same container, and stops one that makes one call more.
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	var p specs.LinuxSeccomp
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	testutil.WriteBundleConfig(t, bundle, args, &p)
	if o, e, err := testutil.RunBundle(t, "runc", bundle); err != nil || !strings.Contains(o, "hi") {
		t.Errorf("the container under its profile: %v\n%s%s", err, o, e)
	}
	testutil.WriteBundleConfig(t, bundle, []string{"sh", "-c", hookWorkload + "; stat -f / >/dev/null"}, &p)
	if _, _, err := testutil.RunBundle(t, "runc", bundle); err == nil {
		t.Errorf("a container that also calls statfs ran under the profile")
	}
}

// TestOCIHookNoRecording: without the annotation or --dir the hook does nothing, and bad
// states are one clear error.
func TestOCIHookStates(t *testing.T) {
	state := t.TempDir()
	r := runProfgen(t, strings.NewReader(`{"ociVersion":"1.0.2","id":"c1","status":"creating","pid":1,"bundle":"/b"}`), "oci-hook", "--state-dir", state)
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("no recording asked for: %+v", r)
	}
	r = runProfgen(t, strings.NewReader(`{"id":"c1","status":"running","pid":5,"annotations":{"io.profgen.record":"/nonexistent"}}`), "oci-hook", "--state-dir", state)
	if r.code != 0 {
		t.Errorf("poststart: %+v", r)
	}
	scOneLineError(t, runProfgen(t, strings.NewReader(`{"id":"../c","status":"stopped"}`), "oci-hook"), exitFailure, "bad container state")
	scOneLineError(t, runProfgen(t, strings.NewReader(`{"id":"c","status":"stopped","annotations":{"io.profgen.record":"rel"}}`), "oci-hook"), exitFailure, "absolute path")
	d := t.TempDir()
	scOneLineError(t, runProfgen(t, strings.NewReader(`{"id":"c2","status":"stopped"}`), "oci-hook", "--dir", d, "--state-dir", state), exitFailure, "no profile was written")
	scOneLineError(t, runProfgen(t, strings.NewReader(`{}`), "oci-hook", "--runtime", "docker"), exitUsage, "--runtime")
}

func readRecording(t *testing.T, path string) *profile.Recording {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := profile.ParseRecording(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// minus returns the names of a in none of the others, sorted.
func minus(a []string, others ...[]string) []string {
	drop := map[string]bool{}
	for _, o := range others {
		for _, n := range o {
			drop[n] = true
		}
	}
	var out []string
	for _, n := range a {
		if !drop[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func intersect(a, b []string) []string {
	return minus(a, minus(a, b))
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestOCIHookExec: keyed by the container's cgroup, the recording also holds what a process
// started in the container with runc exec did after its exec (statfs, from stat -f), which
// the container's own process never calls.
func TestOCIHookExec(t *testing.T) {
	testutil.RequireRoot(t)
	if err := ebpf.Available(); err != nil {
		t.Skipf("the hook records with eBPF: %v", err)
	}
	if _, err := ebpf.CgroupOfPID(os.Getpid()); err != nil {
		t.Skipf("needs cgroup v2 to key on: %v", err)
	}
	bundle := testutil.NewBusyboxBundle(t, []string{"sleep", "3"}, nil)
	dir := filepath.Join(t.TempDir(), "recordings")
	hook := specs.Hook{Path: profgenBin, Args: []string{"profgen", "oci-hook", "--state-dir", t.TempDir()}}
	testutil.EditBundleConfig(t, bundle, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{hook}, Poststop: []specs.Hook{hook}}
		s.Annotations = map[string]string{"io.profgen.record": dir}
	})
	state := t.TempDir()
	id := "profgen-hook-exec-" + filepath.Base(state)
	runc := func(args ...string) (string, error) {
		cmd := exec.Command("runc", append([]string{"--root", state}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { runc("delete", "--force", id) })
	// The detached container keeps runc's standard streams: /dev/null, not a pipe to wait on.
	if err := exec.Command("runc", "--root", state, "run", "--detach", "--bundle", bundle, id).Run(); err != nil {
		t.Fatalf("runc run --detach: %v", err)
	}
	if out, err := runc("exec", id, "stat", "-f", "/"); err != nil {
		t.Fatalf("runc exec: %v: %s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := runc("state", id)
		if strings.Contains(out, `"stopped"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container has not stopped: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := runc("delete", id); err != nil { // runs the poststop hook
		t.Fatalf("runc delete: %v: %s", err, out)
	}
	rec := readRecording(t, filepath.Join(dir, id+".rec.json"))
	got := rec.SyscallNames("x86_64")
	for _, want := range []string{"statfs", "clock_nanosleep"} {
		if !contains(got, want) {
			t.Errorf("the recording lacks %s: %v", want, got)
		}
	}
	if contains(got, "pivot_root") {
		t.Errorf("the recording holds runc's pivot_root: %v", got)
	}
}

// TestOCIHookCannotRecord: where the eBPF recorder cannot load (here: the hook run as an
// unprivileged user), the start hook says so in one line and exits 1, so that the runtime
// does not start a container whose recording was asked for.
func TestOCIHookCannotRecord(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	// The test's temporary folders are the user nobody's to use (the parent only to enter).
	if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "profgen")
	data, err := os.ReadFile(profgenBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	state := fmt.Sprintf(`{"ociVersion":"1.0.2","id":"c-unpriv","status":"creating","pid":%d,"annotations":{"io.profgen.record":%q}}`,
		sleep.Process.Pid, filepath.Join(dir, "rec"))
	cmd := exec.Command(bin, "oci-hook", "--state-dir", filepath.Join(dir, "state"))
	cmd.Stdin = strings.NewReader(state)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	testutil.KillWithParent(cmd) // Go sets the parent-death signal after the credentials
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("hook as nobody: %v\n%s", err, out)
	}
	want := "profgen: oci-hook: cannot record container c-unpriv: the eBPF recorder cannot run here: "
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("hook as nobody said:\n%s\nwant one line starting %q", out, want)
	}
}

// TestOCIHookReusedID: outputs an earlier container of the same id left in DIR do not
// satisfy the poststop check of a new one whose recording wrote nothing. Here the new
// container's recorder cannot start (its process is gone, or eBPF cannot load): the start
// hook fails, and poststop says no profile was written rather than exit 0 on the old one.
func TestOCIHookReusedID(t *testing.T) {
	dir, stateDir := t.TempDir(), t.TempDir()
	id := "profgen-reused"
	for _, name := range []string{id + ".json", id + ".rec.json", id + ".log"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	state := func(status string) *strings.Reader {
		return strings.NewReader(fmt.Sprintf(`{"ociVersion":"1.0.2","id":%q,"status":%q,"pid":%d,"annotations":{"io.profgen.record":%q}}`,
			id, status, gone.Process.Pid, dir))
	}
	if r := runProfgen(t, state("creating"), "oci-hook", "--state-dir", stateDir); r.code != exitFailure {
		t.Fatalf("start hook for a process that is gone: %+v", r)
	}
	scOneLineError(t, runProfgen(t, state("stopped"), "oci-hook", "--state-dir", stateDir), exitFailure, "no profile was written")
	for _, name := range []string{id + ".json", id + ".rec.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("the earlier container's %s is still there", name)
		}
	}
}
