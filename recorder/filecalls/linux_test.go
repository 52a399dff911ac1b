//go:build linux && (amd64 || 386)

package filecalls

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestLinuxValues checks the package's own copies of Linux's numbers.
func TestLinuxValues(t *testing.T) {
	for name, v := range map[string][2]int64{
		"O_ACCMODE": {OAccMode, unix.O_ACCMODE}, "O_WRONLY": {OWronly, unix.O_WRONLY}, "O_RDWR": {ORdwr, unix.O_RDWR},
		"O_CREAT": {OCreat, unix.O_CREAT}, "O_EXCL": {OExcl, unix.O_EXCL}, "O_TRUNC": {OTrunc, unix.O_TRUNC},
		"O_APPEND": {OAppend, unix.O_APPEND}, "O_DIRECTORY": {ODirectory, unix.O_DIRECTORY}, "O_PATH": {OPath, unix.O_PATH},
		"PROT_EXEC": {ProtExec, unix.PROT_EXEC}, "AT_FDCWD": {AtFDCWD, unix.AT_FDCWD}, "AT_REMOVEDIR": {AtRemoveDir, unix.AT_REMOVEDIR},
	} {
		if v[0] != v[1] {
			t.Errorf("%s = %#o, want %#o", name, v[0], v[1])
		}
	}
}
