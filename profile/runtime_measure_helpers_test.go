package profile

import (
	"os"
	"os/exec"
	"strings"
)

func execOutput(name string, args ...string) (string, error) {
	b, err := exec.Command(name, args...).Output()
	return string(b), err
}

// debianVersion returns " (Debian package VERSION)" when dpkg knows the package.
func debianVersion(pkg string) string {
	v, err := execOutput("dpkg-query", "-W", "-f=${Version}", pkg)
	if err != nil || v == "" {
		return ""
	}
	return " (Debian package " + pkg + " " + v + ")"
}

func environment() string {
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	lib, _ := execOutput("pkg-config", "--modversion", "libseccomp")
	lib = strings.TrimSpace(lib)
	return "Linux " + kernel + ", libseccomp " + lib + ", Debian 12"
}
