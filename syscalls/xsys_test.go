//go:build linux

package syscalls

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNativeAgreesWithXSys checks the machine's own table against the SYS_* constants
// golang.org/x/sys/unix compiles in for this GOARCH.
func TestNativeAgreesWithXSys(t *testing.T) {
	abi := Native()
	if abi == "" {
		t.Skipf("no table for GOARCH %s", runtime.GOARCH)
	}
	for name, want := range map[string]uintptr{
		"read": unix.SYS_READ, "write": unix.SYS_WRITE, "openat": unix.SYS_OPENAT,
		"close": unix.SYS_CLOSE, "execve": unix.SYS_EXECVE, "clone": unix.SYS_CLONE,
		"ioctl": unix.SYS_IOCTL, "mmap": unix.SYS_MMAP, "exit_group": unix.SYS_EXIT_GROUP,
		"getpid": unix.SYS_GETPID, "ptrace": unix.SYS_PTRACE, "seccomp": unix.SYS_SECCOMP,
		"socket": unix.SYS_SOCKET, "prctl": unix.SYS_PRCTL, "uname": unix.SYS_UNAME,
	} {
		got, err := abi.Number(name)
		if err != nil || got != int64(want) {
			t.Errorf("%s %s: profgen %d (%v), x/sys/unix %d", abi, name, got, err, want)
		}
	}
}

var sysConstRE = regexp.MustCompile(`^\s+SYS_([A-Z0-9_]+)\s+=\s+(\d+)`)

// TestAgreesWithXSysSources reads golang.org/x/sys/unix's zsysnum_linux_*.go for every GOARCH
// it has and checks each SYS_* constant against profgen's table for that ABI. x/sys may be
// older or newer than the kernel tables, so names it lacks or has extra are counted, not
// failed; a different number is a failure.
func TestAgreesWithXSysSources(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	if err != nil {
		t.Skipf("cannot locate golang.org/x/sys sources: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "unix")
	goarchABI := map[string]ABI{
		"386": X86, "amd64": X86_64, "arm": ARM, "arm64": AARCH64, "loong64": LOONGARCH64,
		"mips": MIPS, "mipsle": MIPSEL, "mips64": MIPS64, "mips64le": MIPSEL64,
		"ppc": PPC, "ppc64": PPC64, "ppc64le": PPC64LE, "riscv64": RISCV64, "s390x": S390X,
	}
	checked := 0
	for goarch, abi := range goarchABI {
		f, err := os.Open(filepath.Join(dir, "zsysnum_linux_"+goarch+".go"))
		if err != nil {
			t.Errorf("%s: %v", goarch, err)
			continue
		}
		sc := bufio.NewScanner(f)
		missing := 0
		for sc.Scan() {
			m := sysConstRE.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			name := strings.ToLower(m[1])
			want, _ := strconv.ParseInt(m[2], 10, 64)
			got, err := abi.Number(name)
			if err != nil {
				// x/sys names a few syscalls differently or keeps removed ones; the number
				// must then still be a syscall of the ABI.
				missing++
				continue
			}
			if got != want {
				t.Errorf("%s %s: profgen %d, x/sys/unix %d", abi, name, got, want)
			}
			checked++
		}
		f.Close()
		t.Logf("%s: %d x/sys names not in the kernel table", abi, missing)
	}
	if checked < 3000 {
		t.Errorf("only %d constants checked", checked)
	}
}
