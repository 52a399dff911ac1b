package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
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

// Exit statuses of a command that could not be run, as a shell, env and runc give them.
const (
	exitCannotRun = 126 // found, but not executable (permissions, a directory, a bad format)
	exitNotFound  = 127 // not found, or a script's interpreter not found
)

// commandNotRun turns err, if it says that the command name could not be run (its lookup on
// PATH or its exec failed), into an exitError with status 127 (not found) or 126 (found but
// not executable); other errors are returned as they are.
func commandNotRun(err error, name string) error {
	var le *exec.Error
	if errors.As(err, &le) && le.Name == name {
		return exitError{code: cannotRunStatus(le.Err), err: err}
	}
	var pe *os.PathError
	if errors.As(err, &pe) && (pe.Op == "exec" || pe.Op == "fork/exec") {
		// Only the command's own exec: ptrace starts a helper (profgen itself) first.
		if path, lerr := exec.LookPath(name); lerr == nil && path == pe.Path {
			return exitError{code: cannotRunStatus(pe.Err), err: err}
		}
	}
	return err
}

// cannotRunStatus is 127 for a program that does not exist and 126 for any other reason it
// could not run.
func cannotRunStatus(err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return exitNotFound
	}
	return exitCannotRun
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

Exit status: 0 success, 1 failure, 2 bad usage, 3 a change that diff --fail-on asked about;
record and exec: the command's own, 126 if it could not be run, 127 if it was not found.`,
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
	cmd.InitDefaultCompletionCmd() // here rather than in Execute, so that it is walked below
	refuseUnknownSubcommands(cmd)
	return cmd
}

// refuseUnknownSubcommands makes every command below root that only groups others (generate,
// apparmor, syscalls) refuse a word that names none of them, as root does, with exit status 2:
// cobra would print the group's help and exit 0, so "profgen generate sccomp" passed in a
// script. Alone, such a command still prints its help.
func refuseUnknownSubcommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usagef("unknown command %q for %q (see '%s --help')", args[0], c.CommandPath(), c.CommandPath())
				}
				return c.Help()
			}
			refuseUnknownSubcommands(c)
		}
	}
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
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "profgen:", err)
		return exitUsage
	}
	if isCobraUsageError(c, err) {
		if isArgCountError(err) {
			// cobra's "accepts 2 arg(s), received 0" names neither the command nor its
			// arguments.
			fmt.Fprintf(stderr, "profgen: %s: %v (usage: %s)\n", strings.TrimPrefix(c.CommandPath(), "profgen "), err, c.UseLine())
		} else {
			fmt.Fprintln(stderr, "profgen:", err)
		}
		return exitUsage
	}
	fmt.Fprintln(stderr, "profgen:", err)
	return exitFailure
}

// isArgCountError recognises the errors of cobra's argument-count checks (cobra.ExactArgs,
// MinimumNArgs ...).
func isArgCountError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"accepts ", "requires at least", "requires at most", "requires exactly"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
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
