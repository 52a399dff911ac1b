//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/syscalls"
)

// The kernel names three syscalls with a leading underscore (_llseek, _newselect, _sysctl);
// recording, import and every profile command must take them.

func TestRecord32BitLseekAndSelect(t *testing.T) {
	src := filepath.Join(t.TempDir(), "seek32.c")
	// On i386, glibc makes lseek an _llseek call and select a _newselect one when asked
	// directly; syscall() leaves no doubt which numbers are made.
	prog := `#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
int main(void) {
	long long off;
	struct timeval zero = {0, 0};
	syscall(SYS__llseek, 0, 0L, 0L, &off, SEEK_CUR);
	syscall(SYS__newselect, 0, 0, 0, 0, &zero);
	return 0;
}
`
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := testutil.CompileC(t, src, "-m32", "-static")
	dir := t.TempDir()
	rec, prof := filepath.Join(dir, "r.json"), filepath.Join(dir, "p.json")
	r := runProfgen(t, nil, "record", "--recording", rec, "--seccomp", prof, "--", bin)
	if r.code != 0 {
		t.Fatalf("record: exit %d: %s", r.code, r.stderr)
	}
	names := loadRec(t, rec).SyscallNames(syscalls.X86)
	for _, want := range []string{"_llseek", "_newselect"} {
		if !slices.Contains(names, want) {
			t.Errorf("x86 recording lacks %s: %v", want, names)
		}
	}
	if r := runProfgen(t, nil, "check", prof); r.code != 0 {
		t.Errorf("check of the recorded profile: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}

func TestImportUnderscoreNames(t *testing.T) {
	const line = `audit: type=1326 audit(1700000000.100:%d): auid=0 uid=0 gid=0 ses=1 pid=42 comm="p" exe="/p" sig=0 arch=%s syscall=%s compat=0 ip=0x1 code=0x7ffc0000`
	log := strings.Join([]string{
		fmt.Sprintf(line, 1, "40000003", "140"), // x86 _llseek
		fmt.Sprintf(line, 2, "40000003", "142"), // x86 _newselect
		fmt.Sprintf(line, 3, "c000003e", "156"), // x86_64 _sysctl
		fmt.Sprintf(line, 4, "c000003e", "59"),  // x86_64 execve, which check wants allowed
	}, "\n") + "\n"
	dir := t.TempDir()
	rec, prof := filepath.Join(dir, "r.json"), filepath.Join(dir, "p.json")
	r := runProfgen(t, strings.NewReader(log), "import", "--recording", rec, "--seccomp", prof, "-")
	if r.code != 0 {
		t.Fatalf("import: exit %d: %s", r.code, r.stderr)
	}
	got := loadRec(t, rec)
	if n := got.SyscallNames(syscalls.X86); strings.Join(n, ",") != "_llseek,_newselect" {
		t.Errorf("x86: %v, want _llseek, _newselect", n)
	}
	if n := got.SyscallNames(syscalls.X86_64); strings.Join(n, ",") != "_sysctl,execve" {
		t.Errorf("x86_64: %v, want _sysctl, execve", n)
	}
	if r := runProfgen(t, nil, "check", prof); r.code != 0 {
		t.Errorf("check of the imported profile: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}
