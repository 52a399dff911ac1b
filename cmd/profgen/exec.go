package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/seccomp"
)

func newExecCmd() *cobra.Command {
	var seccompPath string
	cmd := &cobra.Command{
		Use:   "exec --seccomp FILE -- CMD [ARG...]",
		Short: "Run a command under a seccomp profile, without a container runtime",
		Long: `Compile a seccomp profile (OCI runtime-spec JSON, or Docker's format resolved for this
machine) with libseccomp, set no_new_privs,
install the filter and replace profgen with CMD, so a profile can be tried without a
container runtime. The exit status is CMD's own; 127 if CMD is not found (nor a script's
interpreter), 126 if it is found but cannot be run (not executable, a directory, not a program).

The profile must allow execve and exit_group: one that stops either is refused before it is
loaded. Unlike runc, profgen exec needs no --runtime base set: the filter is installed on the
exec'ing thread only, in one C call that makes no other syscall before execve (the open-file limit the Go runtime raised is put back first). Where the
default action would refuse it, rt_sigreturn is allowed unless the profile has a rule for it,
as in every profile profgen generates: a signal may reach the thread in that window.`,
		Example: `  # try a profile generated from a recording
  profgen exec --seccomp app.json -- ./app --serve
  # discover syscalls: run under the audit profile, then import the kernel's records
  profgen generate seccomp --mode log --seccomp audit.json
  profgen exec --seccomp audit.json -- ./app`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if seccompPath == "" {
				return usagef("exec: --seccomp FILE is required")
			}
			// A profile in Docker's format is resolved for this machine, as Docker would.
			p, err := profile.LoadSeccompFor(seccompPath, profile.DefaultTarget())
			if err != nil {
				return fmt.Errorf("exec: %w", err)
			}
			return commandNotRun(seccomp.Exec(p, args, os.Environ()), args[0])
		},
	}
	cmd.Flags().StringVar(&seccompPath, "seccomp", "", "seccomp profile (OCI runtime-spec JSON) to load")
	cmd.Flags().SetInterspersed(false)
	return cmd
}
