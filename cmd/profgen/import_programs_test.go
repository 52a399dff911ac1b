//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

// seccompLogLine is an auditd SECCOMP record of a log profile (SCMP_ACT_LOG) for syscall name
// on x86_64.
func seccompLogLine(t *testing.T, serial, pid int, comm, exe, name string) string {
	t.Helper()
	nr, err := syscalls.X86_64.Number(name)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("type=SECCOMP msg=audit(1795677319.%03d:%d): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=%d comm=\"%s\" exe=\"%s\" sig=0 arch=c000003e syscall=%d compat=0 ip=0x7f0000000000 code=0x7ffc0000\n",
		serial%1000, serial, pid, comm, exe, nr)
}

// TestImportExeMatchesLinkTarget: --exe names a link (as /usr/bin/redis-server is one to
// redis-check-rdb), and the kernel logs the target; the filter matches it. A filter that
// matches nothing names the programs the records are of.
func TestImportExeMatchesLinkTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "redis-check-rdb")
	link := filepath.Join(dir, "redis-server")
	if err := os.WriteFile(target, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("redis-check-rdb", link); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	for i, name := range []string{"socket", "bind", "listen"} {
		log.WriteString(seccompLogLine(t, 100+i, 42, "redis-server", target, name))
	}
	log.WriteString(seccompLogLine(t, 103, 43, "sh", "/usr/bin/dash", "read"))
	logFile := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(logFile, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	res := runProfgen(t, nil, "import", "--exe", link, "--recording", filepath.Join(dir, "r.json"), logFile)
	if res.code != 0 {
		t.Fatalf("import --exe LINK: exit %d: %s", res.code, res.stderr)
	}
	if got := loadRec(t, filepath.Join(dir, "r.json")).SyscallNames(syscalls.X86_64); strings.Join(got, " ") != "bind listen socket" {
		t.Errorf("import --exe LINK kept %v, want bind listen socket", got)
	}

	res = runProfgen(t, nil, "import", "--exe", "/usr/bin/nothing", logFile)
	want := fmt.Sprintf("no record matched the filters (4 lines read, 4 records filtered out); the records are of --exe %s (comm redis-server, 3 records), --exe /usr/bin/dash (comm sh, 1 records)", target)
	if res.code != 1 || !strings.Contains(res.stderr, want) {
		t.Errorf("import with a filter matching nothing: exit %d, stderr:\n%s\nwant it to contain %q", res.code, res.stderr, want)
	}
}

// TestImportWarnsOfRotatedStart: a server started under a log profile logs its start-up calls
// (arch_prctl, set_tid_address ...) and its socket, bind, listen, then serves; when the start
// of the log was rotated away, the import of the rest warns, naming the server.
func TestImportWarnsOfRotatedStart(t *testing.T) {
	dir := t.TempDir()
	const exe = "/usr/bin/redis-check-rdb"
	var start, serve strings.Builder
	serial := 1000
	line := func(b *strings.Builder, comm, exe, name string) {
		serial++
		b.WriteString(seccompLogLine(t, serial, 7000, comm, exe, name))
	}
	line(&start, "sh", "/usr/bin/dash", "execve") // the kernel logs an execve under its caller
	for _, name := range []string{"brk", "arch_prctl", "mmap", "openat", "set_tid_address", "set_robust_list", "socket", "bind", "listen"} {
		line(&start, "redis-server", exe, name)
	}
	for i := 0; i < 40; i++ {
		for _, name := range []string{"epoll_wait", "read", "write"} {
			line(&serve, "redis-server", exe, name)
		}
	}
	full := filepath.Join(dir, "audit.log.1+audit.log")
	rotated := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(full, []byte(start.String()+serve.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rotated, []byte(serve.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	const warning = "warning: started before the input begins (a rotated log?): " + exe + " (comm redis-server, 120 records)"
	res := runProfgen(t, nil, "import", "--seccomp", filepath.Join(dir, "p.json"), rotated)
	if res.code != 0 || !strings.Contains(res.stderr, warning) {
		t.Errorf("import of the log without its start: exit %d, stderr:\n%s\nwant %q", res.code, res.stderr, warning)
	}
	res = runProfgen(t, nil, "import", "--seccomp", filepath.Join(dir, "p.json"), full)
	if res.code != 0 || strings.Contains(res.stderr, "started before") {
		t.Errorf("import of the whole log: exit %d, stderr:\n%s", res.code, res.stderr)
	}
}
