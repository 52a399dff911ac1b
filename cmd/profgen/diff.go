package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
)

func newDiffCmd() *cobra.Command {
	var asJSON, markdown bool
	var failOn string
	var target targetFlags
	cmd := &cobra.Command{
		Use:   "diff [--json|--markdown] [--fail-on added|removed|any] OLD NEW",
		Short: "Show the syscalls (and capabilities) added and removed between two profiles or recordings",
		Long: `Compare two seccomp profiles (what each permits on each of its architectures) or two
recordings (what was recorded on each ABI) and print the syscalls added and removed per
ABI, ABIs with equal changes together; for two recordings that both observed capability
checks (--backend ebpf), the capabilities used too. Additions that Docker's default profile blocks are
flagged "dangerous" and listed first, each with what it lets a process do. A profile in
Docker's format (archMap, includes/excludes) is resolved for --arch, --caps and --kernel.

--markdown prints a short Markdown summary instead (dangerous additions first, ABIs grouped
per syscall), for a pull request or GitHub's $GITHUB_STEP_SUMMARY.

With --fail-on, the exit status is 3 when that kind of change exists, so CI can stop a
pull request that widens a profile (a capability added counts as an addition).`,
		Example: `  profgen diff old.json new.json
  profgen diff --json old.json new.json
  profgen diff --markdown profiles/app.json new/app.json >> "$GITHUB_STEP_SUMMARY"
  profgen diff --fail-on added main.rec.json branch.rec.json   # exit 3 if anything was added`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch failOn {
			case "", "added", "removed", "any":
			default:
				return usagef("diff: --fail-on %q: want added, removed or any", failOn)
			}
			if asJSON && markdown {
				return usagef("diff: --json and --markdown exclude each other")
			}
			tg, err := target.target()
			if err != nil {
				return err
			}
			old, err := diffInput(cmd, args[0], tg)
			if err != nil {
				return err
			}
			new, err := diffInput(cmd, args[1], tg)
			if err != nil {
				return err
			}
			if old.recording != new.recording {
				return usagef("diff: compare two recordings or two seccomp profiles, not one of each")
			}
			d := profile.DiffSets(old.sets, new.sets)
			if old.rec != nil && new.rec != nil {
				d.Capabilities = profile.DiffCapabilities(old.rec, new.rec)
			}
			if asJSON {
				b, err := json.MarshalIndent(d, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			} else if markdown {
				writeDiffMarkdown(cmd.OutOrStdout(), d, args[0], args[1])
			} else {
				printDiff(cmd.OutOrStdout(), d)
			}
			added, removed := d.Added, d.Removed
			if c := d.Capabilities; c != nil {
				added, removed = added+len(c.Added), removed+len(c.Removed)
			}
			if (failOn == "added" || failOn == "any") && added > 0 ||
				(failOn == "removed" || failOn == "any") && removed > 0 {
				return exitError{code: exitChanged}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the differences as JSON")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print a Markdown summary (for a pull request or $GITHUB_STEP_SUMMARY)")
	target.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 3 when syscalls were added, removed, or either (any)")
	return cmd
}

type diffSide struct {
	recording bool
	rec       *profile.Recording // a recording's, for its capabilities
	sets      profile.SyscallSets
}

func diffInput(cmd *cobra.Command, path string, tg profile.Target) (diffSide, error) {
	data, err := readInput(cmd, path, sizelimit.Recording, "a recording or profile")
	if err != nil {
		return diffSide{}, fmt.Errorf("diff: read %s: %w", path, err)
	}
	rec, p, err := profile.ParseRecordingOrSeccompFor(data, tg)
	if err != nil {
		return diffSide{}, fmt.Errorf("diff: %s: %w", path, err)
	}
	if rec == nil && profile.IsDockerFormat(data) {
		fmt.Fprintln(cmd.ErrOrStderr(), resolvedNote(path, tg))
	}
	if rec != nil {
		return diffSide{true, rec, profile.RecordingSets(rec)}, nil
	}
	return diffSide{false, nil, profile.PermittedSets(p)}, nil
}

func printDiff(w io.Writer, d profile.Diff) {
	if len(d.ABIs) == 0 && d.Capabilities == nil {
		fmt.Fprintln(w, "no changes")
		return
	}
	defer printCapabilityDiff(w, d.Capabilities)
	if len(d.DangerousAdded) > 0 {
		fmt.Fprintln(w, "dangerous additions:")
		for _, n := range d.DangerousAdded {
			fmt.Fprintf(w, "  %s: %s\n", n, profile.DangerReason(n))
		}
	}
	for _, a := range d.Groups() {
		abis := make([]string, len(a.ABIs))
		for i, abi := range a.ABIs {
			abis[i] = string(abi)
		}
		fmt.Fprintf(w, "%s: %d added, %d removed\n", strings.Join(abis, ", "), len(a.Added), len(a.Removed))
		for _, c := range a.Added {
			flag := ""
			if c.Dangerous {
				flag = "  (dangerous)"
			}
			fmt.Fprintf(w, "  + %s%s\n", c.Name, flag)
		}
		for _, c := range a.Removed {
			fmt.Fprintf(w, "  - %s\n", c.Name)
		}
	}
}

// printCapabilityDiff prints what changed in the capabilities two recordings used.
func printCapabilityDiff(w io.Writer, c *profile.CapabilityDiff) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "capabilities: %d added, %d removed\n", len(c.Added), len(c.Removed))
	for _, n := range c.Added {
		fmt.Fprintf(w, "  + %s\n", n)
	}
	for _, n := range c.Removed {
		fmt.Fprintf(w, "  - %s\n", n)
	}
}
