package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses, documented in the README.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	// exitChanged is returned by diff --fail-on when the selected kind of change exists.
	exitChanged = 3
)

// usageError marks an error caused by how profgen was called (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitError carries a specific exit status with an optional message (a workload's own exit
// status, say, or diff's 3).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e exitError) Unwrap() error { return e.err }

// newRootCmd builds the profgen command with every subcommand; each subcommand's constructor
// lives in a file of its own.
func newRootCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profgen",
		Short: "Turn what a workload really does into seccomp and AppArmor profiles",
		Long: `profgen records what a workload does (by tracing it, or from kernel audit records) and
writes Linux security profiles from it: OCI seccomp profiles for runc, crun, containerd,
CRI-O and kubelet, and AppArmor profiles.

Exit status: 0 success, 1 failure, 2 bad usage, 3 a change that diff --fail-on asked about.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	cmd.AddCommand(
		newRecordCmd(),
		newImportCmd(),
		newGenerateCmd(),
		newMergeCmd(),
		newDiffCmd(),
		newCheckCmd(),
		newExecCmd(),
		newInstallCmd(),
		newAppArmorCmd(),
		newSyscallsCmd(),
		newOCIHookCmd(),
		newVersionCmd(),
	)
	return cmd
}

// run executes profgen with args and returns the exit status.
func run(args []string) int {
	return execute(newRootCmd(), args, os.Stdout, os.Stderr)
}

func execute(cmd *cobra.Command, args []string, stdout, stderr io.Writer) int {
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	c, err := cmd.ExecuteC()
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "profgen:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "profgen:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsageError(c, err) {
		return exitUsage
	}
	return exitFailure
}

// isCobraUsageError recognises the usage errors cobra makes itself (unknown command, wrong
// number of arguments), which it does not type.
func isCobraUsageError(c *cobra.Command, err error) bool {
	if c == nil {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "requires exactly", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
