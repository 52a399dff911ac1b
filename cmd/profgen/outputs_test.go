//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// TestRecordingSurvivesFailedOutputs: when an output fails after a recording (a generation
// error, an unwritable path, a full disk), the recording still reaches the disk, at
// --recording or else at a fallback file that the error names; the other outputs are written.
func TestRecordingSurvivesFailedOutputs(t *testing.T) {
	dir := t.TempDir()
	// Output paths are checked before the workload starts; this folder is there then, and
	// the workload (recordExpectingFailure's) removes it, so writing in it fails afterwards.
	notDir := filepath.Join(dir, "vanishing")
	tests := []struct {
		name      string
		args      []string
		recording string // where the recording must be; "" the fallback file
		written   string // an output that must be written although another failed
	}{
		// A generation error from options (--deny no_such_syscall) is found before the
		// workload starts now (TestRecordValidatesBeforeWorkload).
		{name: "unwritable profile", args: []string{"--seccomp", filepath.Join(notDir, "p.json"), "--apparmor", "unw.aa"}, written: "unw.aa"},
		{name: "unwritable profile with --recording", args: []string{"--seccomp", filepath.Join(notDir, "p.json"), "--recording", "unw.rec.json"}, recording: "unw.rec.json"},
		{name: "unwritable recording", args: []string{"--recording", filepath.Join(notDir, "r.json"), "--seccomp", "unw.json"}, written: "unw.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			if err := os.MkdirAll(notDir, 0o755); err != nil {
				t.Fatal(err)
			}
			stderr := recordExpectingFailure(t, dir, tmp, tt.args...)
			want := tt.recording
			if want == "" {
				want = fallbackNamed(t, stderr, tmp)
			} else {
				want = filepath.Join(dir, want)
				if strings.Contains(stderr, "saved to") {
					t.Errorf("a fallback was named although --recording was written:\n%s", stderr)
				}
			}
			checkRecordedTrue(t, want)
			if tt.written != "" {
				if _, err := os.Stat(filepath.Join(dir, tt.written)); err != nil {
					t.Errorf("the output that could be made was not written: %v", err)
				}
			}
		})
	}
}

// TestRecordPodPatchNeedsRecording: --format pod writes a patch that names a profile to
// install, made from the recording alone; record refuses it without --recording before the
// workload runs, rather than lose the syscalls.
func TestRecordPodPatchNeedsRecording(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	patch := filepath.Join(dir, "web.yaml")
	args := []string{"record", "--backend", "ptrace", "--format", "pod", "--pod-container", "web", "--seccomp", patch}
	r := runProfgen(t, nil, append(args, "--", "sh", "-c", "touch "+mark)...)
	if r.code != 2 || !strings.Contains(r.stderr, "--recording") {
		t.Errorf("exit status %d, want 2 and a word on --recording; stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Errorf("the workload ran before the error")
	}
	rec := filepath.Join(dir, "web.rec.json")
	r = runProfgen(t, nil, append(args, "--recording", rec, "--", "sh", "-c", "touch "+mark)...)
	if r.code != 0 {
		t.Fatalf("with --recording: exit status %d; stderr:\n%s", r.code, r.stderr)
	}
	for _, f := range []string{patch, rec, mark} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
}

// TestRecordingSurvivesFullDisk fills a small tmpfs, then records with --recording and the
// profile on it: neither fits, and the recording goes to the fallback file.
func TestRecordingSurvivesFullDisk(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := os.Mkdir(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", full, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(full, syscall.MNT_DETACH) })
	filler, err := os.Create(filepath.Join(full, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()
	tmp := t.TempDir()
	stderr := recordExpectingFailure(t, dir, tmp, "--recording", filepath.Join(full, "r.json"), "--seccomp", filepath.Join(full, "p.json"))
	if !strings.Contains(stderr, "no space left on device") {
		t.Errorf("the full disk is not reported:\n%s", stderr)
	}
	checkRecordedTrue(t, fallbackNamed(t, stderr, tmp))
	if ents, _ := os.ReadDir(full); len(ents) != 1 {
		t.Errorf("files left on the full disk: %v", ents)
	}
}

// recordExpectingFailure records true in dir with TMPDIR=tmp and the output
// flags args, and returns standard error; profgen must exit 1.
func recordExpectingFailure(t *testing.T, dir, tmp string, args ...string) string {
	t.Helper()
	// The workload removes ./vanishing (if there) as it runs: an output path in it was good
	// when checked before the start, and fails when written.
	cmd := profgenCommand(append(append([]string{"record"}, args...), "--", "sh", "-c", "rm -rf vanishing")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("profgen record %s: %v, want exit status 1; stderr:\n%s", strings.Join(args, " "), err, errb.String())
	}
	return errb.String()
}

var savedTo = regexp.MustCompile(`the recording was saved to (\S+):`)

// fallbackNamed returns the fallback file stderr names, which must lie in tmp.
func fallbackNamed(t *testing.T, stderr, tmp string) string {
	t.Helper()
	m := savedTo.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no fallback file named:\n%s", stderr)
	}
	if filepath.Dir(m[1]) != tmp {
		t.Errorf("fallback %s is not in $TMPDIR %s", m[1], tmp)
	}
	return m[1]
}

// checkRecordedTrue checks that path holds a recording of true (its execve).
func checkRecordedTrue(t *testing.T, path string) {
	t.Helper()
	rec := loadRec(t, path)
	if rec.Syscalls[native]["execve"] == nil || rec.Syscalls[native]["exit_group"] == nil {
		t.Errorf("%s does not hold the recording of true: %v", path, rec.SyscallNames(native))
	}
}

// TestImportRecordingSurvivesFailedOutput: import keeps its recording the same way when a
// profile cannot be made from what it read (the log may be rotated away by the next try):
// AppArmor records only, and a seccomp allow-list asked for, which needs a syscall. (Bad
// options and unwritable paths are refused before the input is read.)
func TestImportRecordingSurvivesFailedOutput(t *testing.T) {
	tmp := t.TempDir()
	cmd := profgenCommand("import", "--kind", "apparmor", "--seccomp", filepath.Join(t.TempDir(), "p.json"),
		importSamples+"spo-auditsource-tests.log")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("import of AppArmor records only into a seccomp profile: %v, want exit status 1; stderr:\n%s", err, errb.String())
	}
	rec := loadRec(t, fallbackNamed(t, errb.String(), tmp))
	if len(rec.AppArmor) == 0 && len(rec.Files) == 0 {
		t.Errorf("the fallback recording holds nothing of the AppArmor records")
	}
}
