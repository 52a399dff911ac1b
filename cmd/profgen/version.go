package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/seccomp"
	"github.com/profgen/profgen/syscalls"
)

// Set by the Makefile with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print profgen's version, commit, Go version and libseccomp support",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "profgen %s\n", version)
			fmt.Fprintf(out, "commit: %s\n", buildCommit())
			fmt.Fprintf(out, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			if v, err := seccomp.LibseccompVersion(); err == nil {
				fmt.Fprintf(out, "libseccomp: %s\n", v)
			} else {
				fmt.Fprintf(out, "libseccomp: not compiled in\n")
			}
			fmt.Fprintf(out, "syscall tables: Linux %s, %d ABIs\n", syscalls.KernelVersion, len(syscalls.ABIs()))
			return nil
		},
	}
}

func buildCommit() string {
	if commit != "" {
		return commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
	}
	return "unknown"
}
