package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/internal/inroot"
	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/seccomp"
)

func newInstallCmd() *cobra.Command {
	var root string
	var target targetFlags
	cmd := &cobra.Command{
		Use:   "install [--root DIR] NAME FILE",
		Short: "Install a seccomp profile where kubelet finds localhost profiles",
		Long: fmt.Sprintf(`Validate a seccomp profile and its name, write it as DIR/NAME.json atomically
(a temporary file in DIR, fsync, rename: an existing profile survives any failure) and print
the localhostProfile value a pod uses to select it: the path relative to kubelet's seccomp
root when DIR is inside it. A profile in Docker's format is installed resolved for --arch,
--caps and --kernel (containerd reads only the OCI form).

NAME may not be empty or contain "/", ".." or control characters. DIR defaults to %s
(kubelet resolves localhostProfile against /var/lib/kubelet/seccomp). FILE "-" reads
standard input.`, profile.KubeletProfileDir),
		Example: `  profgen install web web.json
  #   localhostProfile: profiles/web.json
  profgen install --root /tmp/profiles web web.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, file := args[0], args[1]
			if err := profile.ValidateProfileName(name); err != nil {
				return usagef("install: %w", err)
			}
			data, err := readInput(cmd, file, sizelimit.SeccompProfile, "a seccomp profile")
			if err != nil {
				return fmt.Errorf("install: read %s: %w", file, err)
			}
			tg, err := target.target()
			if err != nil {
				return err
			}
			p, docker, err := profile.ParseSeccompFor(data, tg)
			if err != nil {
				return fmt.Errorf("install: %s: %w", file, err)
			}
			if docker {
				// kubelet's runtimes (containerd) read the OCI form only: install what Docker
				// would load.
				fmt.Fprintln(cmd.ErrOrStderr(), resolvedNote(file, tg)+"; installing the resolved OCI profile")
				if data, err = profile.MarshalSeccomp(p); err != nil {
					return fmt.Errorf("install: %w", err)
				}
			}
			// What check rejects is not installed.
			rep, err := seccomp.Check(p)
			if err != nil {
				return fmt.Errorf("install: %s: %w", file, err)
			}
			if len(rep.Errors) > 0 {
				return fmt.Errorf("install: %s: %s (profgen check %s says more)", file, strings.Join(rep.Errors, "; "), file)
			}
			// The directory is reached without following links that users other than root
			// (and profgen's own) made, and refused when others may write to it.
			dir, err := inroot.OpenRoot(root, true)
			if err != nil {
				return fmt.Errorf("install: %w", err)
			}
			defer dir.Close()
			dst := filepath.Join(root, name+".json")
			if err := atomicfile.WriteAt(dir, name+".json", data, 0o644); err != nil {
				return fmt.Errorf("install: write %s: %w", dst, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "profgen: installed %s\n", dst)
			if w := profile.RuntimeSetWarning(p); w != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "profgen: install: warning:", w)
			}
			lp, inKubelet := profile.LocalhostProfileFor(root, name)
			if !inKubelet {
				fmt.Fprintf(cmd.ErrOrStderr(), "profgen: install: %s is not under kubelet's seccomp root %s: the localhostProfile below holds once the directory is there\n", root, profile.KubeletSeccompRoot)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "localhostProfile: %s\n", lp)
			return nil
		},
	}
	target.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&root, "root", profile.KubeletProfileDir, "directory to install the profile in")
	return cmd
}
