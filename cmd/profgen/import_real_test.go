//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// TestImportRealRecords makes real seccomp audit records: a child runs under a log-mode
// profile with profgen exec, first with auditd collecting the records (the imported syscall
// set must equal what strace -f sees of the same child), then with no auditd, reading
// /dev/kmsg, where the kernel's rate limit drops records and import must say so. With an
// audit daemon of someone else's running, the first part reads its log and the second is
// skipped.
func TestImportRealRecords(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.LockKernelLog(t)
	testutil.RequireCommand(t, "strace")
	bb := testutil.RequireCommand(t, "busybox")
	dir := t.TempDir()
	// A copy of busybox under a name of its own, so that its records are only this test's.
	bbx := filepath.Join(dir, "busybox-importtest")
	copyFile(t, bb, bbx, 0o755)
	child := []string{bbx, "sh", "-c", fmt.Sprintf("%[1]s ls -l / > /dev/null; %[1]s cat /etc/hostname > %[2]s/out; %[1]s echo done", bbx, dir)}
	logProfile := writeAuditProfile(t, dir)

	// 1. auditd running (the test's own, or one that runs already): every record reaches its
	// log.
	capture := testutil.CaptureAuditRecords(t)
	traceFile := filepath.Join(dir, "strace.txt")
	args := append([]string{"-f", "-qq", "-o", traceFile, profgenBin, "exec", "--seccomp", logProfile, "--"}, child...)
	if out, err := exec.Command("strace", args...).CombinedOutput(); err != nil {
		t.Fatalf("strace profgen exec: %v\n%s", err, out)
	}
	records := capture.Stop(t)
	want := straceSyscalls(t, traceFile, bbx)
	rec := importFile(t, dir, records, "--exe", bbx)
	got := rec.SyscallNames(syscalls.Native())
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("imported syscalls differ from strace -f's:\n got %v\nwant %v", got, want)
	}
	if rec.Source.Dropped != nil || len(rec.Source.Warnings) != 0 {
		t.Errorf("auditd run: unexpected loss %v %q", rec.Source.Dropped, rec.Source.Warnings)
	}

	// 2. no auditd: the records go to the console, through the rate limit.
	if capture.Foreign {
		t.Skip("an audit daemon that is not this test's runs: the part without one is skipped (the part with one passed)")
	}
	kmsgRun := func() {
		run := func(args ...string) {
			cmd := profgenCommand(append([]string{"exec", "--seccomp", logProfile, "--"}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("profgen exec: %v\n%s", err, out)
			}
		}
		run(child...)
		// The kernel says how many messages it suppressed with the first message it prints
		// after the rate limit's 5 second interval.
		time.Sleep(5500 * time.Millisecond)
		run(bbx, "true")
	}
	var kmsg []byte
	withConsoleRateLimit(t, func() { kmsg = readKmsgDuring(t, kmsgRun) })
	kmsgFile := filepath.Join(dir, "kmsg.log")
	if err := os.WriteFile(kmsgFile, kmsg, 0o644); err != nil {
		t.Fatal(err)
	}
	res := runProfgen(t, nil, "import", "--exe", bbx, "--recording", filepath.Join(dir, "kmsg.rec.json"), kmsgFile)
	if res.code != 0 && strings.Contains(res.stderr, " 0 seccomp and 0 AppArmor records kept") && strings.Contains(res.stderr, "may be incomplete") {
		// The console rate limit is shared by the whole machine: kernel messages of other
		// processes in the same 5-second windows can use up its burst of 10, and then none
		// of this test's records get through. Import must still say that records were lost.
		t.Logf("console: the rate limit let none of this test's records through; import reported the loss:\n%s", res.stderr)
		return
	}
	if res.code != 0 {
		t.Fatalf("import /dev/kmsg: exit %d: %s", res.code, res.stderr)
	}
	krec, err := profile.LoadRecording(filepath.Join(dir, "kmsg.rec.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.stderr, "may be incomplete") || krec.Source.Dropped == nil {
		t.Errorf("no loss warning for the rate-limited console:\n%s", res.stderr)
	}
	kgot := krec.SyscallNames(syscalls.Native())
	t.Logf("console: %d of %d syscalls seen; dropped %v", len(kgot), len(want), krec.Source.Dropped)
	for _, n := range kgot {
		if i := sort.SearchStrings(want, n); i == len(want) || want[i] != n {
			t.Errorf("console records name %s, which strace did not see", n)
		}
	}
}

// auditProfile returns the audit profile: every call allowed and logged (SCMP_ACT_LOG).
func auditProfile(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	p, err := profile.GenerateSeccomp(nil, profile.SeccompOptions{Mode: profile.ModeLog})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeAuditProfile writes the audit profile to dir/log.json and returns the path.
func writeAuditProfile(t *testing.T, dir string) string {
	t.Helper()
	data, err := profile.MarshalSeccomp(auditProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "log.json")
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withConsoleRateLimit runs fn with the kernel's printk rate limit at its default (5 s,
// burst 10) if it was turned off (printk_ratelimit 0), and restores the setting after.
func withConsoleRateLimit(t *testing.T, fn func()) {
	const knob = "/proc/sys/kernel/printk_ratelimit"
	old, err := os.ReadFile(knob)
	if err != nil {
		t.Skipf("read %s: %v", knob, err)
	}
	if strings.TrimSpace(string(old)) == "0" {
		t.Logf("%s is 0 (no console rate limit); setting the kernel default 5 for this part", knob)
		if err := os.WriteFile(knob, []byte("5\n"), 0o644); err != nil {
			t.Fatalf("set %s: %v", knob, err)
		}
		defer os.WriteFile(knob, old, 0o644)
	}
	fn()
}

// readKmsgDuring returns the kernel log records written while fn ran. /dev/kmsg is read
// with raw syscalls: it must not block once the records are read (os.File would wait).
func readKmsgDuring(t *testing.T, fn func()) []byte {
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("open /dev/kmsg: %v", err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.Seek(fd, 0, io.SeekEnd); err != nil {
		t.Fatalf("seek /dev/kmsg: %v", err)
	}
	fn()
	time.Sleep(200 * time.Millisecond)
	var all []byte
	buf := make([]byte, 16<<10)
	for {
		n, err := syscall.Read(fd, buf)
		switch {
		case n > 0:
			all = append(all, buf[:n]...)
			if buf[n-1] != '\n' {
				all = append(all, '\n')
			}
		case err == syscall.EAGAIN || err == nil:
			return all
		case err == syscall.EPIPE || err == syscall.EINTR: // EPIPE: records overwritten meanwhile
		default:
			t.Fatalf("read /dev/kmsg: %v", err)
		}
	}
}

func importFile(t *testing.T, dir, file string, args ...string) *profile.Recording {
	t.Helper()
	recPath := filepath.Join(dir, filepath.Base(file)+".rec.json")
	res := runProfgen(t, nil, append(append([]string{"import", "--kind", "seccomp", "--recording", recPath}, args...), file)...)
	if res.code != 0 {
		t.Fatalf("import %s: exit %d: %s", file, res.code, res.stderr)
	}
	rec, err := profile.LoadRecording(recPath)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

var (
	straceLine   = regexp.MustCompile(`^(\d+) +([a-z0-9_]+)\(`)
	straceResult = regexp.MustCompile(`= (\d+)$`)
)

// straceSyscalls returns the sorted syscall names strace -f saw after exe was exec'd.
func straceSyscalls(t *testing.T, path, exe string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, err := straceAfterExec(f, exe)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// straceAfterExec reads strace -f -o output (each line starts with the thread id) and returns
// the sorted syscall names made after exe was exec'd. An execve made by a thread other than
// its process's leader finishes under the leader's id ("<... execve resumed>"), so the
// parser follows which threads belong to which process from the clone calls with
// CLONE_THREAD.
func straceAfterExec(r io.Reader, exe string) ([]string, error) {
	leader := map[string]string{} // thread id -> its process's leader, for threads made by clone
	leaderOf := func(tid string) string {
		if l, ok := leader[tid]; ok {
			return l
		}
		return tid
	}
	threadClone := map[string]bool{} // threads inside an unfinished clone(CLONE_THREAD)
	pending := map[string]bool{}     // leaders whose process has an unfinished exec of exe
	seen := map[string]bool{}
	started := false
	execLine := `execve("` + exe + `"`
	s := bufio.NewScanner(r)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		l := s.Text()
		if started {
			if m := straceLine.FindStringSubmatch(l); m != nil {
				seen[m[2]] = true
			}
			continue
		}
		tid, _, _ := strings.Cut(l, " ")
		unfinished := strings.HasSuffix(l, "<unfinished ...>")
		switch {
		case strings.Contains(l, execLine) && strings.HasSuffix(l, "= 0"):
			started = true
		case strings.Contains(l, execLine) && unfinished:
			pending[leaderOf(tid)] = true
		case strings.Contains(l, "<... execve resumed>") && strings.HasSuffix(l, "= 0") && pending[leaderOf(tid)]:
			started = true
		case strings.Contains(l, "CLONE_THREAD") && unfinished:
			threadClone[tid] = true
		case strings.Contains(l, "CLONE_THREAD") || threadClone[tid] && strings.Contains(l, " resumed>"):
			delete(threadClone, tid)
			if m := straceResult.FindStringSubmatch(l); m != nil {
				leader[m[1]] = leaderOf(tid)
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if !started {
		return nil, fmt.Errorf("strace output has no execve of %s", exe)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, perm); err != nil {
		t.Fatal(err)
	}
}
