//go:build linux

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

const importSamples = "../../recorder/auditlog/testdata/audit-samples/"

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	recPath := filepath.Join(dir, "rec.json")
	res := runProfgen(t, nil, "import", "--recording", recPath, "--summary",
		importSamples+"kubernetes-website-seccomp-tutorial.log", importSamples+"mailing-lists.log")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	rec, err := profile.LoadRecording(recPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"x86_64": {"accept4", "futex", "getsockname", "pselect6", "read", "setsockopt"},
		"x86":    {"clock_gettime"},
		"s390x":  {"sigreturn"},
	}
	for abi, names := range want {
		if got := strings.Join(rec.SyscallNames(syscallsABIOf(abi)), ","); got != strings.Join(names, ",") {
			t.Errorf("%s: got %s, want %v", abi, got, names)
		}
	}
	if !strings.Contains(res.stderr, "/http-echo (comm http-echo)") || !strings.Contains(res.stderr, "10 seccomp and 0 AppArmor records kept") {
		t.Errorf("summary/report missing:\n%s", res.stderr)
	}
	// the serial numbers of the tutorial's log skip 14542..14558
	if rec.Source.Dropped["serial_gap"] == 0 || !strings.Contains(res.stderr, "may be incomplete") {
		t.Errorf("no loss warning: %v\n%s", rec.Source.Dropped, res.stderr)
	}
}

func syscallsABIOf(s string) syscalls.ABI { return syscalls.ABI(s) }

func TestImportStdinGzipAndProfile(t *testing.T) {
	data, err := os.ReadFile(importSamples + "spo-auditsource-tests.log")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	res := runProfgen(t, &gz, "import", "--kind", "seccomp", "--comm", "sh")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var p struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names []string `json:"names"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatalf("profile on stdout: %v\n%s", err, res.stdout)
	}
	var names []string
	for _, s := range p.Syscalls {
		names = append(names, s.Names...)
	}
	got := strings.Join(names, ",")
	for _, n := range []string{"read", "write", "rt_sigaction", "clone"} {
		if !strings.Contains(got, n) {
			t.Errorf("profile lacks %s: %s", n, got)
		}
	}
	if strings.Contains(","+got+",", ",close,") { // comm ls, filtered out
		t.Errorf("--comm sh kept ls's close: %s", got)
	}
}

func TestImportErrors(t *testing.T) {
	neg := importSamples + "spo-auditsource-tests.negative.log"
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"strict", []string{"import", "--strict", neg}, 1, "spo-auditsource-tests.negative.log:2: no audit(...) stamp"},
		{"nothing found", []string{"import", neg}, 1, "no seccomp or AppArmor records found"},
		{"bad kind", []string{"import", "--kind", "selinux", neg}, 2, "--kind must be"},
		{"bad since", []string{"import", "--since", "yesterday", neg}, 2, "--since"},
		{"follow stdin", []string{"import", "--follow"}, 2, "--follow takes exactly one FILE"},
		{"missing file", []string{"import", "/nonexistent/audit.log"}, 1, "no such file"},
	}
	for _, tt := range tests {
		res := runProfgen(t, strings.NewReader(""), tt.args...)
		if res.code != tt.code || !strings.Contains(res.stderr, tt.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tt.name, res.code, res.stderr, tt.code, tt.msg)
		}
	}
}

// TestImportFollow runs import --follow on a growing file and interrupts it.
func TestImportFollow(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "kern.log")
	data, err := os.ReadFile(importSamples + "kubernetes-website-seccomp-tutorial.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if err := os.WriteFile(logPath, []byte(lines[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rec.json")
	cmd := profgenCommand("import", "--follow", "--recording", out, logPath)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The "following" line comes once the interrupt is handled; what is appended before the
	// interrupt is read, however late it is noticed.
	var stderr bytes.Buffer
	following := make(chan bool, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		s := bufio.NewScanner(pipe)
		for s.Scan() {
			stderr.WriteString(s.Text() + "\n")
			if strings.HasPrefix(s.Text(), "profgen: following ") {
				following <- true
			}
		}
		close(following)
	}()
	if !<-following {
		<-copied
		cmd.Wait()
		t.Fatalf("import --follow printed no following line:\n%s", stderr.String())
	}
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Join(lines[1:], ""))
	f.Close()
	cmd.Process.Signal(os.Interrupt)
	<-copied
	if err := cmd.Wait(); err != nil {
		t.Fatalf("import --follow: %v\n%s", err, stderr.String())
	}
	rec, err := profile.LoadRecording(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.SyscallNames(syscalls.X86_64), ","); got != "accept4,futex,getsockname,pselect6,read,setsockopt" {
		t.Errorf("followed syscalls %s\n%s", got, stderr.String())
	}
}

// TestImportAppArmorCorpusProfile imports every record of libapparmor's test corpus and
// apparmor's Python-test log lines, and checks that the AppArmor profile made from them is
// accepted by the real apparmor_parser.
func TestImportAppArmorCorpusProfile(t *testing.T) {
	parser := testutil.RequireCommand(t, "apparmor_parser")
	var all []byte
	for _, pat := range []string{"../../recorder/auditlog/testdata/apparmor-test_multi/*.in", "../../recorder/auditlog/testdata/apparmor-embedded-events/*.log"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(append(all, data...), '\n')
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "aa.log")
	if err := os.WriteFile(in, all, 0o644); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "aa.profile")
	recPath := filepath.Join(dir, "aa.rec.json")
	res := runProfgen(t, nil, "import", "--kind", "apparmor", "--recording", recPath, "--apparmor", prof, in)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	rec, err := profile.LoadRecording(recPath)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]bool{}
	for _, r := range rec.AppArmor {
		classes[r.Class] = true
	}
	for _, c := range []string{"signal", "ptrace", "unix", "mount", "dbus"} {
		if !classes[c] {
			t.Errorf("no %s rule imported", c)
		}
	}
	if len(rec.Files) < 40 || len(rec.Capabilities) == 0 || len(rec.Sockets) == 0 {
		t.Errorf("imported %d files, %d capabilities, %d sockets", len(rec.Files), len(rec.Capabilities), len(rec.Sockets))
	}
	if out, err := exec.Command(parser, "-Q", "-K", prof).CombinedOutput(); err != nil {
		t.Errorf("apparmor_parser -Q -K rejects the profile: %v\n%s", err, out)
	}
}

// TestImportOutputToPipe writes the profile to a named pipe: outputs that are devices or
// pipes (/dev/stdout, /dev/null) are written to, not replaced by a regular file.
func TestImportOutputToPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	res := runProfgen(t, nil, "import", "--seccomp", fifo, importSamples+"mailing-lists.log")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	select {
	case data := <-got:
		if !bytes.Contains(data, []byte(`"sigreturn"`)) {
			t.Errorf("the pipe received %q", data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing written to the pipe")
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
}
