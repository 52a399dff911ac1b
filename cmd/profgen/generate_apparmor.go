package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/profgen/profgen/apparmor"
	"github.com/profgen/profgen/profile"
)

// apparmorOutput is the AppArmor profile output: its file and how to make it. record and
// import register its flags with the "apparmor-" prefix, generate apparmor without.
type apparmorOutput struct {
	path      string
	opts      apparmor.Options
	execModes []string // PATH=MODE
}

func (a *apparmorOutput) addFlags(f *pflag.FlagSet, prefix, pathDefault string) {
	f.StringVar(&a.path, "apparmor", pathDefault, `write the AppArmor profile to this file ("-": standard output)`)
	f.StringVar(&a.opts.Name, prefix+"name", "", `AppArmor profile name (default "profgen-" and the program's name)`)
	f.StringVar(&a.opts.Attachment, prefix+"attach", "", "absolute path of the program the AppArmor profile attaches to")
	f.BoolVar(&a.opts.Complain, prefix+"complain", false, "write the AppArmor profile in complain mode (log, do not deny)")
	f.BoolVar(&a.opts.Container, prefix+"container", false, "add the AppArmor flags containers need: attach_disconnected, mediate_deleted")
	f.StringArrayVar(&a.opts.DenyWrite, prefix+"deny-write", nil, `add "deny PATTERN w," to the AppArmor profile (repeatable; e.g. '/**')`)
	f.StringArrayVar(&a.opts.Globs, prefix+"glob", nil, "AppArmor pattern that replaces the rules of the files it matches (repeatable)")
	f.StringSliceVar(&a.opts.Disable, prefix+"no-generalize", nil,
		"AppArmor generalisation rules to switch off: "+strings.Join(apparmor.GeneralizationRules, ", "))
	f.StringVar(&a.opts.ExecMode, prefix+"exec-mode", "ix", "AppArmor exec permission for programs run: ix, px, cx, ux (and Px, pix ...)")
	f.StringArrayVar(&a.execModes, prefix+"exec", nil, "exec permission for one program, as PATH=MODE (repeatable)")
	f.IntVar(&a.opts.TreeThreshold, prefix+"tree-threshold", apparmor.DefaultTreeThreshold,
		"files of one extension read from one tree that make one ROOT/**.EXT rule (--no-generalize tree: never)")
}

// write makes the profile from rec and writes it, when an AppArmor output was asked for.
func (a *apparmorOutput) write(cmd *cobra.Command, rec *profile.Recording) error {
	if a.path == "" {
		return nil
	}
	opts, err := a.options(rec)
	if err != nil {
		return err
	}
	for _, n := range resolveProgramPaths(&opts) {
		fmt.Fprintln(cmd.ErrOrStderr(), "profgen: apparmor:", n)
	}
	p, err := apparmor.Generate(rec, opts)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "profgen: apparmor: warning:", w)
	}
	return writeOutput(cmd, a.path, p.Bytes())
}

// options returns the generation options for rec, from the flags.
func (a *apparmorOutput) options(rec *profile.Recording) (apparmor.Options, error) {
	opts := a.opts
	if opts.Name == "" {
		opts.Name = apparmor.DefaultName(rec)
	}
	if len(a.execModes) > 0 {
		opts.ExecModes = map[string]string{}
		for _, e := range a.execModes {
			p, m, ok := strings.Cut(e, "=")
			if !ok || !strings.HasPrefix(p, "/") {
				return opts, usagef("--exec %q: want PATH=MODE with an absolute PATH", e)
			}
			opts.ExecModes[p] = m
		}
	}
	return opts, nil
}

// resolveProgramPaths replaces the --attach and --exec paths that are symbolic links on this
// machine by the files they name, and returns a line for each: AppArmor attaches a profile
// to, and names in exec rules, the program's file after links (a profile attached to
// /usr/bin/python3 never confines anything, python3 being a link to python3.11).
func resolveProgramPaths(opts *apparmor.Options) []string {
	var notes []string
	resolve := func(flag, path string) string {
		real, err := filepath.EvalSymlinks(path)
		if err != nil || real == path || !filepath.IsAbs(real) {
			return path
		}
		notes = append(notes, fmt.Sprintf("%s %s is a symbolic link to %s: AppArmor names programs by their file, so the profile uses %s", flag, path, real, real))
		return real
	}
	if opts.Attachment != "" {
		opts.Attachment = resolve("--attach", opts.Attachment)
	}
	if len(opts.ExecModes) > 0 {
		modes := make(map[string]string, len(opts.ExecModes))
		for _, p := range slices.Sorted(maps.Keys(opts.ExecModes)) {
			modes[resolve("--exec", p)] = opts.ExecModes[p]
		}
		opts.ExecModes = modes
	}
	return notes
}

func newGenerateAppArmorCmd() *cobra.Command {
	var out apparmorOutput
	cmd := &cobra.Command{
		Use:   "apparmor RECORDING...",
		Short: "Write an AppArmor profile from recordings",
		Long: `Write an AppArmor profile from one or more recordings (merged): file rules with the
permissions of the accesses that succeeded (r, w, a, k, l, m and an exec mode for programs
run; failed accesses get none), directories with a trailing /, owner where the workload
created the files, network rules from the sockets made, capability rules (observed, or
derived from what a root workload did, with the evidence as a comment), and the signal,
ptrace, unix, mount and dbus rules of imported AppArmor records.

File names are data: names with spaces, quotes, commas, braces, newlines, # or glob
characters are quoted and escaped so that each rule matches exactly that file.

Generalisation rules, each switched off with --no-generalize RULE:
  base   files abstractions/base already allows (shared libraries, ld.so.cache, locale
         data, /dev/null ...) get no rule of their own
  proc   /proc/<pid>/... and /proc/self/... become @{PROC}/@{pid}/...
  transient  files the workload created and removed or renamed away get * for the parts
         of their names that change from run to run (temp-6381.rdb -> temp-*.rdb,
         job.x8Kq2z -> job.*), their own and in the paths below them
  tree   --tree-threshold (10) or more files of one extension read from one tree (below
         /a/b/c) become one ROOT/**.EXT rule, as aa-logprof's "glob with extension",
         and the directories below ROOT that were only listed one ROOT/**/ rule
  tmp    per-run temporary names under /tmp, /var/tmp, /dev/shm, /run/user/<uid> become *
         (runs of 8+ letters and digits that mix letters and digits, are all digits, or
         mix two upper- and two lower-case letters: tmp.AbcDefgh -> tmp.*)
  cover  a rule is dropped when a glob rule already allows all it matches
  owner  rules for files the workload created get the owner qualifier
--glob PATTERN adds a rule of your own that replaces the rules of the files it matches.`,
		Example: `  profgen generate apparmor app.rec.json > profgen-app
  profgen generate apparmor --name web --attach /usr/sbin/nginx --apparmor web run1.json run2.json
  # a container profile that denies every write, as the well-known deny-write example
  profgen generate apparmor --container --deny-write '/**' --name ro app.json
  profgen apparmor check profgen-app`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rec, err := loadRecordings(cmd, args)
			if err != nil {
				return err
			}
			return out.write(cmd, rec)
		},
	}
	out.addFlags(cmd.Flags(), "", "-")
	return cmd
}

func newGenerateK8sCmd() *cobra.Command {
	var name, container, kind, output, recording string
	cmd := &cobra.Command{
		Use:   "k8s --pod-container CONTAINER [--apparmor NAME] [--recording REC]",
		Short: "Write the Kubernetes settings that apply an AppArmor profile, or the capabilities used, to a container",
		Long: `Write the Kubernetes fields that make a container run under the AppArmor profile NAME
(loaded on the node, e.g. with profgen apparmor install and load): the
securityContext.appArmorProfile (type Localhost) read by Kubernetes 1.30 and later, and the
annotation container.apparmor.security.beta.kubernetes.io/<container> read by older
versions (keyed by the container's name, not the pod's). With --recording (from --backend
ebpf) the container's capabilities are set to those the workload used (drop ALL, add them);
--recording without --apparmor writes the capabilities alone (for nodes without AppArmor,
which refuse a pod that names an AppArmor profile). The output is a strategic merge patch:
merge it into the manifest, or apply it with kubectl patch --patch-file.`,
		Example: `  profgen generate k8s --apparmor profgen-app --pod-container app
  profgen generate k8s --apparmor profgen-app --pod-container app --pod-kind deployment -o patch.yaml
  kubectl patch deployment web --patch-file patch.yaml
  profgen generate k8s --recording app.rec.json --pod-container app`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if container == "" || (name == "" && recording == "") {
				return usagef("generate k8s: --pod-container CONTAINER is required, with --apparmor NAME, --recording REC (the capabilities it used), or both")
			}
			var caps *profile.ContainerCapabilities
			if recording != "" {
				rec, err := loadRecordings(cmd, []string{recording})
				if err != nil {
					return err
				}
				if !profile.CapabilityChecksObserved(rec) {
					return fmt.Errorf("generate k8s: %s holds no observed capability checks (record with --backend ebpf)", recording)
				}
				caps = profile.CapabilitiesUsed(rec.Capabilities)
			}
			var patch []byte
			var err error
			if name == "" {
				patch, err = profile.PodPatch(profile.KubeOutput{Kind: kind, Container: container, Capabilities: caps})
			} else {
				patch, err = apparmor.KubernetesPatchWithCapabilities(name, container, kind, caps)
			}
			if err != nil {
				return usagef("generate k8s: %w", err)
			}
			return writeOutput(cmd, output, patch)
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "apparmor", "", "name of the AppArmor profile (as loaded on the nodes)")
	f.StringVar(&container, "pod-container", "", "name of the container the profile applies to")
	f.StringVar(&kind, "pod-kind", "pod", "the kind the patch is for: "+strings.Join(profile.KubeKinds, ", "))
	f.StringVarP(&output, "output", "o", "-", `write to this file ("-": standard output)`)
	f.StringVar(&recording, "recording", "", "also set the container's capabilities to those this recording used (drop ALL, add them; needs a recording with capability checks, from --backend ebpf)")
	// The names of the seccomp pod patch's flags (--format pod), which cannot be --kind and
	// --container: import and record use those for other things. The old spellings stay,
	// hidden, for scripts.
	f.SetNormalizeFunc(podFlagAliases)
	return cmd
}

// podFlagAliases maps generate k8s's old flag names, --kind and --container, to --pod-kind
// and --pod-container.
func podFlagAliases(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	switch name {
	case "kind":
		name = "pod-kind"
	case "container":
		name = "pod-container"
	}
	return pflag.NormalizedName(name)
}
