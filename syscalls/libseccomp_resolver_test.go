//go:build linux && cgo

package syscalls

import (
	"fmt"
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// TestAgreesWithLibseccompResolver asks the libseccomp the machine has (through
// libseccomp-golang) for every syscall of every ABI it knows. libseccomp may be older than the
// kernel tables and not know the newest syscalls; it must never give a different number.
func TestAgreesWithLibseccompResolver(t *testing.T) {
	checked := 0
	for _, abi := range ABIs() {
		if !abi.HasTable() {
			continue
		}
		arch, err := libseccomp.GetArchFromString(string(abi))
		if err != nil {
			t.Logf("%s: libseccomp %s does not know this ABI", abi, libseccompVersionString())
			continue
		}
		unknown := 0
		for _, s := range abi.Syscalls() {
			nr, err := libseccomp.GetSyscallFromNameByArch(s.Name, arch)
			if err != nil || nr < 0 {
				unknown++
				continue
			}
			if int64(nr) != s.Nr {
				t.Errorf("%s %s: profgen %d, libseccomp %d", abi, s.Name, s.Nr, nr)
				continue
			}
			name, err := libseccomp.ScmpSyscall(nr).GetNameByArch(arch)
			if err != nil {
				t.Errorf("%s %d: libseccomp resolves %s to it but cannot name it: %v", abi, nr, s.Name, err)
				continue
			}
			// Some numbers have two names in libseccomp (aliases); the round trip must land on
			// a name profgen gives the same number.
			if n2, err := abi.Number(name); err != nil || n2 != s.Nr {
				t.Errorf("%s %d: libseccomp names it %s, profgen %s", abi, nr, name, s.Name)
			}
			checked++
		}
		t.Logf("%s: %d syscalls unknown to libseccomp %s", abi, unknown, libseccompVersionString())
	}
	if checked < 5000 {
		t.Errorf("only %d syscalls were checked against libseccomp", checked)
	}
}

func libseccompVersionString() string {
	a, b, c := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", a, b, c)
}
