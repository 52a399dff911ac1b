package main

import "github.com/spf13/cobra"

// generateCmd groups the commands that write a profile or manifest from recordings; each
// output kind adds itself as a subcommand in its own file.
var generateCmd = &cobra.Command{
	Use:   "generate",
	Short: "Write a seccomp profile, AppArmor profile or Kubernetes manifest from recordings",
}

func init() { rootCmd.AddCommand(generateCmd) }
