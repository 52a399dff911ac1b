//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/recorder/ebpf"
)

// TestRecordOutputOnStdout: with an output on standard output, the recorded command's own
// standard output goes to standard error, so that standard output holds the output alone
// (it held the command's lines and the profile, mixed); without one, the command's standard
// output stays where it was. Both backends.
func TestRecordOutputOnStdout(t *testing.T) {
	backends := []string{backendPtrace}
	if os.Geteuid() == 0 && ebpf.Available() == nil {
		backends = append(backends, backendEBPF)
	} else {
		t.Log("--backend ebpf not tested: the eBPF recorder does not load here")
	}
	// The line is not in the command line, which the recording holds.
	const line = "printed-by-the-command"
	script := []string{"/bin/sh", "-c", "printf '%s-by-%s\\n' printed the-command; echo 'on its stderr' >&2"}
	dir := t.TempDir()
	for _, backend := range backends {
		for _, out := range [][]string{
			{"--seccomp", "-"},
			{"--recording", "/dev/stdout"},
			{"--apparmor", "-", "--seccomp", filepath.Join(dir, "p.json")},
		} {
			args := append(append([]string{"record", "--backend", backend}, out...), "--")
			r := runProfgen(t, nil, append(args, script...)...)
			what := backend + " " + strings.Join(out, " ")
			if r.code != 0 {
				t.Fatalf("%s: exit status %d, stderr:\n%s", what, r.code, r.stderr)
			}
			if strings.Contains(r.stdout, line) || !strings.Contains(r.stderr, line) || !strings.Contains(r.stderr, "on its stderr") {
				t.Errorf("%s: the command's output is not on standard error alone:\nstdout:\n%s\nstderr:\n%s", what, r.stdout, r.stderr)
			}
			if out[0] == "--apparmor" {
				if !strings.HasPrefix(r.stdout, "# AppArmor profile written by profgen") || !strings.HasSuffix(r.stdout, "}\n") {
					t.Errorf("%s: standard output is no AppArmor profile:\n%s", what, r.stdout)
				}
			} else if !json.Valid([]byte(r.stdout)) {
				t.Errorf("%s: standard output is no JSON document:\n%s", what, r.stdout)
			}
		}
		// No output on standard output: the command's stays there.
		args := []string{"record", "--backend", backend, "--seccomp", filepath.Join(dir, "p.json"), "--"}
		r := runProfgen(t, nil, append(args, script...)...)
		if r.code != 0 || r.stdout != line+"\n" {
			t.Errorf("%s with --seccomp FILE: exit status %d, stdout %q, want the command's line", backend, r.code, r.stdout)
		}
	}
}
