package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/seccomp"
)

func newCheckCmd() *cobra.Command {
	var bpfOut, apparmorFile string
	var target targetFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [--bpf OUT] [--json] [FILE] [--apparmor PROFILE]",
		Short: "Parse a seccomp profile, compile it with libseccomp, and report problems",
		Long: `Parse a seccomp profile (OCI runtime-spec JSON, or Docker's format resolved for --arch,
--caps and --kernel), compile it with libseccomp for each of
its architectures, and report:
  - names unknown on an architecture, to libseccomp (runtimes built with it skip them) or
    to the kernel's syscall tables
  - dangerous syscalls the profile allows (those Docker's default profile blocks)
  - essential syscalls it stops (execve, exit, exit_group, rt_sigreturn)
Errors (a profile that does not parse or compile, names that are no syscall anywhere, an
essential syscall stopped) give exit status 1. --bpf writes the filter compiled for all
architectures together, as a runtime would load it.

--apparmor PROFILE checks an AppArmor profile with the real parser (apparmor_parser -Q -K:
parse and compile, load nothing), alone or together with a seccomp FILE.`,
		Example: `  profgen check app.json
  profgen check --bpf app.bpf app.json
  profgen check --json app.json | jq .warnings
  profgen check --apparmor profiles/app.apparmor`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && apparmorFile == "" {
				return usagef("check: name a seccomp profile FILE, --apparmor PROFILE, or both")
			}
			if apparmorFile != "" {
				// With --json and a seccomp FILE, standard output is the report alone.
				w := cmd.OutOrStdout()
				if asJSON && len(args) > 0 {
					w = cmd.ErrOrStderr()
				}
				if err := checkAppArmorFile(w, apparmorFile); err != nil {
					return fmt.Errorf("check --apparmor: %w", err)
				}
				if len(args) == 0 {
					return nil
				}
			}
			data, err := readInput(cmd, args[0], sizelimit.SeccompProfile, "a seccomp profile")
			if err != nil {
				return fmt.Errorf("check: read %s: %w", args[0], err)
			}
			tg, err := target.target()
			if err != nil {
				return err
			}
			p, docker, err := profile.ParseSeccompFor(data, tg)
			if err != nil {
				return fmt.Errorf("check: %s: %w", args[0], err)
			}
			if docker {
				fmt.Fprintln(cmd.ErrOrStderr(), resolvedNote(args[0], tg))
			}
			rep, err := seccomp.Check(p)
			if err != nil {
				return fmt.Errorf("check: %s: %w", args[0], err)
			}
			if asJSON {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			} else {
				printCheck(cmd.OutOrStdout(), rep)
			}
			if len(rep.Errors) > 0 {
				return exitError{code: exitFailure, err: fmt.Errorf("check: %s: %d error(s)", args[0], len(rep.Errors))}
			}
			if bpfOut != "" {
				bpf, _, err := seccomp.Compile(p, "")
				if err != nil {
					return fmt.Errorf("check: %w", err)
				}
				if err := writeOutput(cmd, bpfOut, bpf); err != nil {
					return fmt.Errorf("check: %w", err)
				}
			}
			return nil
		},
	}
	target.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&bpfOut, "bpf", "", "write the compiled BPF filter (all architectures) to this file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&apparmorFile, "apparmor", "", "check this AppArmor profile with apparmor_parser -Q -K")
	return cmd
}

func printCheck(w io.Writer, rep *seccomp.CheckReport) {
	lib, err := seccomp.LibseccompVersion()
	if err != nil {
		lib = "-"
	}
	for _, a := range rep.Arches {
		var notes []string
		if len(a.UnknownToLibseccomp) > 0 {
			notes = append(notes, "unknown to libseccomp "+lib+" (skipped): "+strings.Join(a.UnknownToLibseccomp, ", "))
		}
		if len(a.UnknownToKernel) > 0 {
			notes = append(notes, "no such syscall on this ABI: "+strings.Join(a.UnknownToKernel, ", "))
		}
		line := fmt.Sprintf("%s: %d BPF instructions", a.ABI, a.Instructions)
		if len(notes) > 0 {
			line += "; " + strings.Join(notes, "; ")
		}
		fmt.Fprintln(w, line)
	}
	for _, m := range rep.Warnings {
		fmt.Fprintln(w, "warning:", m)
	}
	for _, m := range rep.Errors {
		fmt.Fprintln(w, "error:", m)
	}
	if len(rep.Errors) == 0 {
		fmt.Fprintln(w, "ok")
	}
}
