package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/syscalls"
)

func newSyscallsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "syscalls",
		Short: "Look up syscall numbers and names on every architecture",
		Long: fmt.Sprintf(`Look up syscall numbers and names on every ABI the OCI runtime spec names.

The tables are generated from the Linux %s kernel's own syscall tables. Numbers are the
ones the kernel and audit records use, offsets included: x32 numbers carry 0x40000000,
MIPS o32/n64/n32 numbers start at 4000/5000/6000, ARM's private calls sit at 0xf0001-0xf0006.`, syscalls.KernelVersion),
	}
	cmd.AddCommand(newSyscallsLookupCmd(), newSyscallsListCmd())
	return cmd
}

func parseABIFlag(s string) (syscalls.ABI, error) {
	if s == "" {
		if n := syscalls.Native(); n != "" {
			return n, nil
		}
		return "", usagef("this machine's architecture has no syscall table; name one with --arch")
	}
	a, err := syscalls.ParseABI(s)
	if err != nil {
		return "", usageError{err}
	}
	return a, nil
}

func newSyscallsLookupCmd() *cobra.Command {
	var arch string
	cmd := &cobra.Command{
		Use:   "lookup [--arch ABI|all] NR|NAME...",
		Short: "Print the name of a syscall number or the number of a syscall name",
		Example: `  profgen syscalls lookup 35 --arch x86_64       # nanosleep
  profgen syscalls lookup openat --arch all       # openat's number on every ABI
  profgen syscalls lookup 983045 --arch arm       # set_tls (ARM private call 0xf0005)
  profgen syscalls lookup 0x40000001 --arch x32   # write`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if arch == "all" {
				return lookupAll(cmd, args)
			}
			abi, err := parseABIFlag(arch)
			if err != nil {
				return err
			}
			var failed []string
			for _, a := range args {
				res, err := lookupOne(abi, a)
				if err != nil {
					failed = append(failed, err.Error())
					continue
				}
				fmt.Fprintln(out, res)
			}
			if len(failed) > 0 {
				return errors.New(strings.Join(failed, "; "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", `ABI to look up on (x86_64, x86, aarch64, arm, ...), or "all"; default: this machine's`)
	return cmd
}

// parseNr reads a syscall number in decimal or 0x hexadecimal.
func parseNr(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 0, 64)
	return n, err == nil
}

func lookupOne(abi syscalls.ABI, arg string) (string, error) {
	if nr, ok := parseNr(arg); ok {
		return abi.Name(nr)
	}
	nr, err := abi.Number(arg)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(nr, 10), nil
}

func lookupAll(cmd *cobra.Command, args []string) error {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ABI\tNR\tNAME")
	var failed []string
	for _, arg := range args {
		found := false
		for _, abi := range syscalls.ABIs() {
			var name string
			var nr int64
			if n, ok := parseNr(arg); ok {
				nm, err := abi.Name(n)
				if err != nil {
					continue
				}
				name, nr = nm, n
			} else {
				n, err := abi.Number(arg)
				if err != nil {
					continue
				}
				name, nr = arg, n
			}
			found = true
			fmt.Fprintf(tw, "%s\t%d\t%s\n", abi, nr, name)
		}
		if !found {
			failed = append(failed, fmt.Sprintf("%s: %q is a syscall on no ABI", syscalls.ErrUnknownSyscall, arg))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

func newSyscallsListCmd() *cobra.Command {
	var arch string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--arch ABI] [--json]",
		Short: "List every syscall of an ABI with its number",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			abi, err := parseABIFlag(arch)
			if err != nil {
				return err
			}
			if _, err := abi.Name(0); errors.Is(err, syscalls.ErrNoTable) {
				return err
			}
			list := abi.Syscalls()
			out := cmd.OutOrStdout()
			if asJSON {
				b, err := json.MarshalIndent(list, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(out, "%s\n", b)
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			for _, s := range list {
				fmt.Fprintf(tw, "%d\t%s\n", s.Nr, s.Name)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "ABI to list (x86_64, x86, aarch64, arm, ...); default: this machine's")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: [{abi, nr, name}, ...]")
	return cmd
}
