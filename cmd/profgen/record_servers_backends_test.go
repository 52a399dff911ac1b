//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// TestServerBackendsAgree runs a Debian server as a process three times with the same
// traffic: under profgen record --backend ebpf, under --backend ptrace and under strace -f -c,
// and wants the same syscalls on the same ABIs from all three. Each run ends as a service
// manager ends a server: SIGTERM to the server itself. redis-server by default;
// -all-servers adds nginx and python3 -m http.server.
func TestServerBackendsAgree(t *testing.T) {
	requireBPF(t)
	testutil.RequireCommand(t, "strace")
	for _, name := range []string{"redis", "nginx", "python-http"} {
		t.Run(name, func(t *testing.T) {
			if name != "redis" && !*allServers {
				t.Skip("redis-server by default; -all-servers runs this one")
			}
			w := serverWorkloadNamed(t, name)
			dir := serverDir(t)
			sets := map[string][]string{}
			for _, how := range []string{"ebpf", "ptrace", "strace"} {
				sets[how] = serverSyscalls(t, w, dir, how)
			}
			for _, how := range []string{"ptrace", "strace"} {
				if only, other := setDiff(sets["ebpf"], sets[how]); len(only)+len(other) > 0 {
					t.Errorf("%s: only eBPF recorded %v; only %s %v", w.name, only, how, other)
				}
			}
			t.Logf("%d syscalls from each", len(sets["ebpf"]))
		})
	}
}

// serverSyscalls runs w (how: "ebpf" or "ptrace", through profgen record, or "strace"),
// sends it the traffic, sends the server SIGTERM, and returns "ABI name" of each syscall
// seen, sorted.
func serverSyscalls(t *testing.T, w serverWorkload, dir, how string) []string {
	t.Helper()
	port := testutil.FreePort(t)
	out := filepath.Join(t.TempDir(), how)
	var cmd *exec.Cmd
	if how == "strace" {
		cmd = exec.Command("strace", append([]string{"-f", "-c", "-o", out, "--"}, w.args(dir, port)...)...)
	} else {
		cmd = profgenCommand(append([]string{"record", "--backend", how, "--recording", out, "--"}, w.args(dir, port)...)...)
	}
	// The server is the child of profgen or strace (profgen's ptrace helper execs it); the
	// thread that started it may be any of profgen's.
	errb := serveUnder(t, w, cmd, port, how, func(cmd *exec.Cmd) int { return childOf(t, cmd.Process.Pid) })
	// The server's own status after SIGTERM varies (python3 dies of it): not checked.
	var set []string
	if how == "strace" {
		f, err := os.Open(out)
		if err != nil {
			t.Fatalf("%v: %s", err, errb)
		}
		defer f.Close()
		counts, err := testutil.ParseStraceSummary(f)
		if err != nil {
			t.Fatal(err)
		}
		// strace -c counts a call when it returns: exit and exit_group never do, so it
		// lists neither.
		for abi := range counts {
			for _, n := range exits[w.name] {
				counts[abi][n]++
			}
		}
		for abi, names := range counts {
			for n := range names {
				set = append(set, fmt.Sprintf("%s %s", abi, n))
			}
		}
	} else {
		rec, err := profile.LoadRecording(out)
		if err != nil {
			t.Fatalf("%v: %s", err, errb)
		}
		for abi, names := range rec.Syscalls {
			for n := range names {
				set = append(set, fmt.Sprintf("%s %s", abi, n))
			}
		}
	}
	sort.Strings(set)
	return set
}

// exits are the calls that end each server's threads and processes after SIGTERM: redis
// and nginx exit_group from their handlers; python3's http.server ends each request's thread
// with exit and dies of the signal itself (it has no handler).
var exits = map[string][]string{"redis": {"exit_group"}, "nginx": {"exit_group"}, "python-http": {"exit"}}

// childOf returns the only child process of pid.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		kids = append(kids, strings.Fields(string(b))...)
	}
	var child int
	if _, err := fmt.Sscan(strings.Join(kids, " "), &child); err != nil || len(kids) != 1 {
		t.Fatalf("want one child of %d, have %v (%v)", pid, kids, err)
	}
	return child
}

// setDiff returns the elements only in a and those only in b (both sorted).
func setDiff(a, b []string) (onlyA, onlyB []string) {
	in := func(s []string, x string) bool { i := sort.SearchStrings(s, x); return i < len(s) && s[i] == x }
	for _, x := range a {
		if !in(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !in(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}
