package main

import "github.com/spf13/cobra"

// newGenerateCmd groups the commands that write a profile or manifest from recordings.
func newGenerateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a seccomp profile, AppArmor profile or Kubernetes manifest from recordings",
	}
	cmd.AddCommand(newGenerateSeccompCmd(), newGenerateAppArmorCmd(), newGenerateK8sCmd())
	return cmd
}
