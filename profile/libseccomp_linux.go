//go:build linux && cgo

package profile

import (
	"fmt"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

func libseccompVersion() (string, error) {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro), nil
}
