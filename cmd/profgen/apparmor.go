package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/apparmor"
)

// apparmorHostFlags are the flags every profgen apparmor command shares.
type apparmorHostFlags struct {
	host apparmor.Host
}

func newAppArmorCmd() *cobra.Command {
	var hf apparmorHostFlags
	cmd := &cobra.Command{
		Use:   "apparmor",
		Short: "Check, install, load, unload, disable and switch the mode of AppArmor profiles",
		Long: `Helpers around apparmor_parser for the profiles profgen writes (or any other).

When the kernel has no AppArmor, or apparmor_parser is not installed, each command that needs
them says so in one line and exits 1. --dry-run prints the commands instead of running them,
and needs neither. --root runs against another root directory (its etc/apparmor.d and
sys/kernel/security/apparmor), e.g. an image being built.`,
		Example: `  profgen apparmor check profgen-app
  profgen apparmor install profgen-app && profgen apparmor load /etc/apparmor.d/profgen-app
  profgen apparmor complain /etc/apparmor.d/profgen-app
  profgen apparmor status`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&hf.host.Root, "root", "/", "root directory holding etc/apparmor.d and sys/")
	pf.BoolVar(&hf.host.DryRun, "dry-run", false, "print the commands and changes instead of making them")
	pf.StringVar(&hf.host.CacheDir, "cache-loc", apparmor.DefaultCache, "apparmor_parser cache directory written on load")
	pf.BoolVar(&hf.host.SkipCache, "skip-cache", false, "load without reading or writing the cache (apparmor_parser -K)")

	each := func(use, short, long, example string, do func(h *apparmor.Host, arg string) error) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Long: long, Example: example,
			Args: cobra.MinimumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				h := hf.hostFor(c)
				for _, a := range args {
					if err := do(h, a); err != nil {
						return fmt.Errorf("apparmor %s: %w", c.Name(), err)
					}
				}
				return nil
			},
		}
	}
	cmd.AddCommand(
		each("check FILE...", "Check profiles with apparmor_parser -Q -K (parse and compile, load nothing)", "", "  profgen apparmor check /etc/apparmor.d/profgen-app",
			func(h *apparmor.Host, f string) error { return checkAppArmorFile(h.Out, f) }),
		each("load FILE...", "Load or replace profiles in the kernel (apparmor_parser -r, writing the cache)", "", "  profgen apparmor load /etc/apparmor.d/profgen-app",
			func(h *apparmor.Host, f string) error { return h.Load(f) }),
		each("unload NAME|FILE...", "Remove profiles from the kernel (apparmor_parser -R)", "", "  profgen apparmor unload profgen-app",
			func(h *apparmor.Host, f string) error { return h.Unload(f) }),
		each("disable FILE...", "Link profiles into /etc/apparmor.d/disable/ and unload them", "", "  profgen apparmor disable /etc/apparmor.d/profgen-app",
			func(h *apparmor.Host, f string) error { return h.Disable(f) }),
		each("enable FILE...", "Remove profiles' links from /etc/apparmor.d/disable/ and load them", "", "  profgen apparmor enable /etc/apparmor.d/profgen-app",
			func(h *apparmor.Host, f string) error { return h.Enable(f) }),
		newAppArmorModeCmd(&hf, apparmor.ModeComplain),
		newAppArmorModeCmd(&hf, apparmor.ModeEnforce),
		newAppArmorInstallCmd(&hf),
		newAppArmorStatusCmd(&hf),
	)
	return cmd
}

// checkAppArmorFile checks the AppArmor profile in file with apparmor_parser (parse and
// compile, load nothing) and says on w that it passed: apparmor check and check --apparmor.
func checkAppArmorFile(w io.Writer, file string) error {
	if err := apparmor.Check(file); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: AppArmor profile accepted by apparmor_parser\n", file)
	return nil
}

// hostFor returns the host settings with output going to the command's standard output.
func (hf *apparmorHostFlags) hostFor(c *cobra.Command) *apparmor.Host {
	h := hf.host
	h.Out = c.OutOrStdout()
	return &h
}

func newAppArmorModeCmd(hf *apparmorHostFlags, mode string) *cobra.Command {
	var noReload bool
	what := map[string]string{
		apparmor.ModeComplain: "log what the profile would deny, and allow it",
		apparmor.ModeEnforce:  "deny what the profile does not allow",
	}[mode]
	cmd := &cobra.Command{
		Use:   mode + " FILE...",
		Short: fmt.Sprintf("Switch profiles to %s mode (%s) and reload them", mode, what),
		Long: fmt.Sprintf(`Set the mode flag of the first profile in each FILE to %s mode (%s),
writing the file atomically, then reload it with apparmor_parser -r. --no-reload only edits
the file (no kernel needed).`, mode, what),
		Example: fmt.Sprintf("  profgen apparmor %s /etc/apparmor.d/profgen-app\n  profgen apparmor %s --no-reload ./profgen-app", mode, mode),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			h := hf.hostFor(c)
			for _, f := range args {
				if err := h.SetMode(f, mode, !noReload); err != nil {
					return fmt.Errorf("apparmor %s: %w", mode, err)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noReload, "no-reload", false, "only change the file; do not reload the profile")
	return cmd
}

func newAppArmorInstallCmd(hf *apparmorHostFlags) *cobra.Command {
	var name string
	var load bool
	cmd := &cobra.Command{
		Use:   "install FILE",
		Short: "Check a profile and write it atomically into /etc/apparmor.d",
		Long: `Check FILE with apparmor_parser -Q -K, then write it into /etc/apparmor.d (under --root)
through a temporary file and a rename, so a crash never leaves half a profile. --load also
loads it.`,
		Example: `  profgen apparmor install profgen-app
  profgen apparmor install --root /mnt/image --name web ./web.profile
  profgen apparmor install --load profgen-app`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			h := hf.hostFor(c)
			dest, err := h.Install(args[0], name)
			if err != nil {
				return fmt.Errorf("apparmor install: %w", err)
			}
			if !h.DryRun {
				fmt.Fprintf(c.ErrOrStderr(), "profgen: installed %s\n", dest)
			}
			if load {
				if err := h.Load(dest); err != nil {
					return fmt.Errorf("apparmor install: %w", err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "file name under /etc/apparmor.d (default: FILE's base name)")
	cmd.Flags().BoolVar(&load, "load", false, "load the installed profile")
	return cmd
}

func newAppArmorStatusCmd(hf *apparmorHostFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "List the loaded profiles and their modes, like aa-status",
		Long:    `Read the kernel's list of loaded profiles (` + apparmor.ProfilesFile + `; needs root) and print them by mode.`,
		Example: "  profgen apparmor status\n  profgen apparmor status --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			st, err := hf.hostFor(c).Status()
			if err != nil {
				return fmt.Errorf("apparmor status: %w", err)
			}
			if !asJSON {
				_, err = c.OutOrStdout().Write(st.Text())
				return err
			}
			b, err := json.MarshalIndent(st, "", "  ")
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(append(b, '\n'))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
