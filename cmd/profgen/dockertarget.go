package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// targetFlags are the --arch, --caps and --kernel flags of the commands that read seccomp
// profiles: what the conditional rules of a profile in Docker's format (archMap,
// includes/excludes) are resolved for. The defaults are this machine's architecture and
// kernel and the capabilities Docker gives a container.
type targetFlags struct {
	arch   string
	caps   []string
	kernel string
}

func (t *targetFlags) addFlags(f *pflag.FlagSet) {
	def := profile.DefaultTarget()
	f.StringVar(&t.arch, "arch", string(def.ABI), "for a profile in Docker's format: the machine architecture to resolve its archMap and arches conditions for")
	f.StringSliceVar(&t.caps, "caps", def.Caps, "for a profile in Docker's format: the container's capabilities (default: the 14 Docker gives a container)")
	// The list is long and said in words: help prints no second "(default [CAP_...])".
	f.Lookup("caps").DefValue = "[]"
	f.StringVar(&t.kernel, "kernel", def.Kernel, "for a profile in Docker's format: the kernel version its minKernel conditions are compared with")
}

// target returns the resolution target the flags describe.
func (t *targetFlags) target() (profile.Target, error) {
	abi, err := syscalls.ParseABI(t.arch)
	if err != nil {
		return profile.Target{}, usagef("--arch: %w", err)
	}
	caps := make([]string, 0, len(t.caps))
	for _, c := range t.caps {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		caps = append(caps, c)
	}
	return profile.Target{ABI: abi, Caps: caps, Kernel: t.kernel}, nil
}

// resolvedNote is the line a command prints on standard error when it read path in Docker's
// format: what it resolved the profile for.
func resolvedNote(path string, t profile.Target) string {
	caps := strings.Join(t.Caps, ",")
	if slices.Equal(t.Caps, profile.DockerDefaultCaps) {
		caps = "Docker's default set"
	} else if caps == "" {
		caps = "none"
	}
	return fmt.Sprintf("profgen: %s is in Docker's format: resolved for %s, kernel %s, capabilities %s (--arch, --kernel, --caps)",
		path, t.ABI, t.Kernel, caps)
}
