//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/recorder/ebpf"
	"github.com/profgen/profgen/seccomp"
)

// TestCommandNotRunStatus: a command that profgen exec or record cannot run ends with the
// status a shell, env and runc give: 127 when it (or a script's interpreter) does not exist,
// 126 when it exists but cannot run; the message names the command, and no output is written.
func TestCommandNotRunStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	allow := write("allow.json", `{"defaultAction":"SCMP_ACT_ALLOW"}`, 0o644)
	commands := []struct {
		name, cmd string
		want      int
	}{
		{"not on PATH", "profgen-no-such-command", 127},
		{"no such file", filepath.Join(dir, "missing"), 127},
		{"missing interpreter", write("interp.sh", "#!/nonexistent/interpreter\n", 0o755), 127},
		{"not executable", write("plain", "#!/bin/sh\n", 0o644), 126},
		{"directory", dir, 126},
		{"not a program", write("garbage", "\x00\x01\x02garbage", 0o755), 126},
	}
	var runs [][]string
	if _, err := seccomp.LibseccompVersion(); err == nil {
		runs = append(runs, []string{"exec", "--seccomp", allow})
	} else {
		t.Logf("profgen exec not tested: %v", err)
	}
	runs = append(runs, []string{"record", "--backend", "ptrace", "--seccomp", filepath.Join(dir, "out.json")})
	if os.Geteuid() == 0 && ebpf.Available() == nil {
		runs = append(runs, []string{"record", "--backend", "ebpf", "--seccomp", filepath.Join(dir, "out.json")})
	} else {
		t.Log("record --backend ebpf not tested: the eBPF recorder does not load here")
	}
	for _, c := range commands {
		for _, run := range runs {
			args := append(append(append([]string(nil), run...), "--"), c.cmd)
			r := runProfgen(t, nil, args...)
			if r.code != c.want || !strings.Contains(r.stderr, c.cmd) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s: %s: exit status %d, want %d; stderr:\n%s", c.name, strings.Join(run[:3], " "), r.code, c.want, r.stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "out.json")); err == nil {
			t.Errorf("%s: record wrote a profile", c.name)
		}
	}
}
