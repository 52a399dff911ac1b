package main

import "testing"

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
