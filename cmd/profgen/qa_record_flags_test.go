package main

import (
	"io"
	"os"
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
