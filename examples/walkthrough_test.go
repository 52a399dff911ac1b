//go:build linux

package examples

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

const auditLog = "/var/log/audit/audit.log"

// TestSeccompWalkthrough runs the commands of README.md's seccomp walkthrough as written,
// one line at a time, from a folder where examples/ is this one and with profgen on the PATH:
// every command must succeed, but for the one whose comment says "exit N", and the console
// block's command must fail with the line it shows. auditd is started by the walkthrough
// itself and stopped afterwards, with the audit settings and audit.log as they were.
func TestSeccompWalkthrough(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "auditd")
	testutil.RequireCommand(t, "auditctl")
	testutil.LockKernelLog(t)
	if d := testutil.AuditRecordDest(t); d.PID != 0 {
		t.Skipf("auditd already runs (pid %d): the walkthrough starts its own", d.PID)
	}
	testutil.RestoreAuditSettings(t)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := between(string(readme), "## Walkthrough: log profile", "\n## ")
	shLines, console := blockLines(section, "sh"), blockLines(section, "console")
	if len(shLines) < 10 || len(console) == 0 {
		t.Fatalf("walkthrough not found: %d sh lines, %d console lines", len(shLines), len(console))
	}

	repo := testutil.RepoRoot(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "profgen"), "./cmd/profgen")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build profgen: %v\n%s", err, out)
	}
	work := t.TempDir()
	if err := os.Symlink(filepath.Join(repo, "examples"), filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	// audit.log: a fresh one for the walkthrough, the old one put back afterwards.
	if _, err := os.Stat(auditLog); err == nil {
		aside := auditLog + ".profgen-test-" + strconv.Itoa(os.Getpid())
		if err := os.Rename(auditLog, aside); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Rename(aside, auditLog) })
	} else {
		t.Cleanup(func() { os.Remove(auditLog) })
	}
	t.Cleanup(func() {
		// The daemon the walkthrough started (auditd forks: it is not this test's child).
		if pid, _ := strconv.Atoi(testutil.AuditStatus(t)["pid"]); pid != 0 {
			testutil.StopAuditd(t, pid)
		}
	})

	run := func(line string) (string, int) {
		if strings.HasPrefix(line, "profgen import") {
			testutil.WaitAuditFlushed(t, auditLog)
		}
		cmd := exec.Command("bash", "-c", line)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return string(out), code
	}
	exitRE := regexp.MustCompile(`#\s*exit (\d+)`)
	consoleDone := false
	for _, line := range shLines {
		want := 0
		if m := exitRE.FindStringSubmatch(line); m != nil {
			want, _ = strconv.Atoi(m[1])
		}
		if strings.HasPrefix(line, "profgen generate seccomp --mode complain") && !consoleDone {
			// The console block comes between the two sh blocks.
			checkConsole(t, console, run)
			consoleDone = true
		}
		out, code := run(line)
		if code != want {
			t.Fatalf("%s: exit status %d, want %d\n%s", line, code, want, out)
		}
		if want == 3 && !strings.Contains(out, "+ uname") {
			t.Errorf("%s: the diff does not name uname:\n%s", line, out)
		}
	}
	if !consoleDone {
		t.Error("the console block was not run")
	}
}

// checkConsole runs the console block's command and checks that it fails with the block's
// last line (the lines before it name this machine).
func checkConsole(t *testing.T, console []string, run func(string) (string, int)) {
	t.Helper()
	cmd := strings.TrimPrefix(console[0], "$ ")
	out, code := run(cmd)
	last := console[len(console)-1]
	if code == 0 || !strings.Contains(out, last) {
		t.Errorf("%s: exit status %d, output\n%s\nwant a failure with %q", cmd, code, out, last)
	}
}

// between returns the text of s from the line starting with start to the next end.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		s = s[:j]
	}
	return s
}

// blockLines returns the commands of the fenced blocks of kind lang in s: comments and blank
// lines dropped (a comment after a command stays), continuation lines joined.
func blockLines(s, lang string) []string {
	var out []string
	in := false
	var cont string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case l == "```"+lang:
			in = true
			continue
		case l == "```":
			in = false
			continue
		case !in:
			continue
		}
		if lang == "sh" && (strings.HasPrefix(strings.TrimSpace(l), "#") || strings.TrimSpace(l) == "") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cont += strings.TrimSuffix(l, "\\")
			continue
		}
		out = append(out, cont+l)
		cont = ""
	}
	return out
}
