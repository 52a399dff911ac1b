package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordEmptyTargetFlags: a target flag given an empty value (-p 0, --container "", as a
// script with an unset variable passes) is named, not taken for no target at all ("no
// command to record"), and --container's options without --container are refused rather
// than ignored.
func TestRecordEmptyTargetFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-p", "0"}, "profgen: record: bad process id 0\n"},
		{[]string{"--container="}, "profgen: record: --container needs a container id\n"},
		{[]string{"--cgroup="}, "profgen: record: --cgroup needs a cgroup v2 directory\n"},
		{[]string{"--container-root", "/run/x", "--", "/bin/true"}, "profgen: record: --container-root goes with --container ID\n"},
		{[]string{"--container-runtime", "crun", "--", "/bin/true"}, "profgen: record: --container-runtime goes with --container ID\n"},
	} {
		r := runProfgen(t, nil, append([]string{"record", "--seccomp", "-"}, tc.args...)...)
		if r.code != 2 || r.stderr != tc.want || r.stdout != "" {
			t.Errorf("record %v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestOCIHookWithoutState: run by hand, the hook says it needs the runtime's state on
// standard input, at once, instead of "bad container state: EOF" (or, at a terminal, waiting
// silently for input).
func TestOCIHookWithoutState(t *testing.T) {
	const want = "profgen: oci-hook: no container state on standard input: an OCI runtime runs this hook and passes the state (JSON) through a pipe (see profgen oci-hook --help)\n"
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for name, in := range map[string]io.Reader{"/dev/null": devNull, "empty pipe": strings.NewReader(" \n")} {
		r := runProfgen(t, in, "oci-hook", "--dir", t.TempDir())
		if r.code != 2 || r.stderr != want {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", name, r.code, r.stderr, want)
		}
	}
}

// TestOutputsShareNoFile: two outputs of record or import naming one file (however spelled:
// "-" and /dev/stdout, x.json and ./x.json) are refused before the workload runs: the second
// replaced the first (a recording over its profile) or followed it on standard output, and
// profgen said it wrote both. /dev/null may take any number.
func TestOutputsShareNoFile(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "x.json")
	marker := filepath.Join(dir, "ran")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--seccomp", "-", "--apparmor", "/dev/stdout"}, "profgen: record: --seccomp and --apparmor both write /dev/stdout: give each output its own file\n"},
		{[]string{"--seccomp", x, "--recording", filepath.Join(dir, ".", "x.json")}, "profgen: record: --recording and --seccomp both write " + x + ": give each output its own file\n"},
	} {
		args := append(append([]string{"record"}, tc.args...), "--", "/bin/touch", marker)
		r := runProfgen(t, nil, args...)
		if r.code != 2 || r.stderr != tc.want {
			t.Errorf("record %v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("record %v: the workload ran", tc.args)
		}
	}
	r := runProfgen(t, strings.NewReader(""), "import", "--seccomp", x, "--apparmor", x, "-")
	if r.code != 2 || !strings.Contains(r.stderr, "--seccomp and --apparmor both write") {
		t.Errorf("import: exit %d, stderr %q", r.code, r.stderr)
	}
	if testing.Short() {
		return
	}
	r = runProfgen(t, nil, "record", "--backend", "ptrace", "--seccomp", os.DevNull, "--recording", os.DevNull, "--", "/bin/true")
	if r.code != 0 {
		t.Errorf("outputs to /dev/null: %+v", r)
	}
}

// TestOCIHookStopWithoutStart: the poststop hook of a container whose start hook never ran
// says so, instead of pointing at a log that does not exist.
func TestOCIHookStopWithoutStart(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	r := runProfgen(t, strings.NewReader(`{"id":"c3","status":"stopped"}`), "oci-hook", "--dir", dir, "--state-dir", state)
	want := "profgen: oci-hook: container c3: no profile was written: no recorder ran for it (no " + filepath.Join(dir, "c3.log") + "; is the hook configured for createRuntime or prestart too?)\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
}
