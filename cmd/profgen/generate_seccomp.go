package main

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/seccomp"
)

// choiceValue is a string flag that accepts one of a fixed set of values, so that a wrong
// value is a usage error at parse time, before a workload runs.
type choiceValue struct {
	p       *string
	choices []string
}

func newChoice(p *string, def string, choices []string) *choiceValue {
	*p = def
	return &choiceValue{p: p, choices: choices}
}

func (c *choiceValue) String() string { return *c.p }
func (c *choiceValue) Type() string   { return "string" }
func (c *choiceValue) Set(s string) error {
	for _, v := range c.choices {
		if s == v {
			*c.p = s
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", s, strings.Join(c.choices, ", "))
}

// seccompOutput holds the flags that shape the seccomp output besides its path.
type seccompOutput struct {
	format     string
	name       string
	podKind    string
	container  string
	spoVersion string
}

// addFlags registers --mode, --runtime, --deny, --format and --seccomp-name.
func (s *seccompOutput) addFlags(f *pflag.FlagSet, opts *profile.SeccompOptions) {
	f.Var(newChoice(&opts.Mode, profile.ModeAllow, profile.Modes), "mode",
		"seccomp profile mode: allow (allow-list, EPERM otherwise), deny (deny-list), log (audit every syscall not recorded), complain (allow-list that logs instead of failing)")
	f.Var(newChoice(&opts.Runtime, "none", profile.Runtimes), "runtime",
		"add the syscalls this OCI runtime makes after loading the filter (runc, crun, none)")
	f.BoolVar(&opts.NoNewPrivileges, "no-new-privileges", false,
		"the container runs with noNewPrivileges true (Kubernetes: allowPrivilegeEscalation: false): --runtime adds the smaller set measured so; "+
			"the default, false, is what Docker and Kubernetes do unless asked, and its set also covers true")
	f.StringSliceVar(&opts.Deny, "deny", nil, "syscalls a --mode deny profile denies (comma-separated; default: the dangerous set of Docker's default profile)")
	f.Var(newChoice(&s.format, profile.FormatOCI, profile.Formats), "format",
		"seccomp output format: oci (runtime-spec JSON), spo (Security Profiles Operator SeccompProfile YAML), pod (strategic merge patch that runs a container under the installed profile)")
	f.StringVar(&s.name, "seccomp-name", "", "profile name for --format spo (metadata.name) and pod (profiles/NAME.json) (default: from the --seccomp file's name)")
	f.Var(newChoice(&s.podKind, "pod", profile.KubeKinds), "pod-kind", "--format pod: the kind the patch is for: "+strings.Join(profile.KubeKinds, ", "))
	f.StringVar(&s.container, "pod-container", "", "--format pod: the container that runs under the profile (default: the profile name)")
	f.Var(newChoice(&s.spoVersion, "v1", profile.SPOAPIVersions), "spo-api-version", "--format spo: apiVersion security-profiles-operator.x-k8s.io/v1 or v1beta1")
}

// encode generates the seccomp profile from rec and encodes it; warnings go to stderr.
func (s *seccompOutput) encode(cmd *cobra.Command, rec *profile.Recording, opts profile.SeccompOptions, path string) ([]byte, error) {
	// Warnings are shown only when the profile is made: a failure is one line.
	var warnings []string
	opts.Warn = func(w string) { warnings = append(warnings, w) }
	b, err := s.encodeQuiet(rec, opts, path)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "profgen: seccomp: warning:", w)
	}
	return b, nil
}

// encodeQuiet is encode with warnings going to opts.Warn.
func (s *seccompOutput) encodeQuiet(rec *profile.Recording, opts profile.SeccompOptions, path string) ([]byte, error) {
	name := s.name
	if name == "" && s.format != profile.FormatOCI {
		if path == "-" || path == "" {
			return nil, usagef("--format %s needs a profile name: --seccomp-name NAME", s.format)
		}
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		if s.format == profile.FormatSPO {
			// metadata.name must be a Kubernetes name: My_App.yaml gives my-app.
			name = profile.KubeNameFrom(name)
			if name == "" {
				return nil, usagef("--format spo: no Kubernetes name can be made from %s: --seccomp-name NAME", path)
			}
		}
	}
	switch s.format {
	case profile.FormatSPO:
		if err := profile.ValidateKubeName(name); err != nil {
			return nil, usagef("--seccomp-name: %w", err)
		}
	case profile.FormatPod:
		if err := profile.ValidateProfileName(name); err != nil {
			return nil, usagef("--seccomp-name: %w", err)
		}
	}
	container := s.container
	if container == "" {
		container = name
	}
	p, err := profile.GenerateSeccomp(rec, opts)
	if err != nil {
		return nil, err
	}
	if opts.Warn != nil {
		for _, w := range profile.ArchWarnings(p, s.format) {
			opts.Warn(w)
		}
		if opts.Mode == profile.ModeDeny {
			if w := unknownToLibseccomp(p); w != "" {
				opts.Warn(w)
			}
		}
	}
	ko := profile.KubeOutput{Name: name, Kind: s.podKind, Container: container, SPOAPIVersion: s.spoVersion}
	if s.format == profile.FormatPod && rec != nil && profile.CapabilityChecksObserved(rec) {
		ko.Capabilities = profile.CapabilitiesUsed(rec.Capabilities)
	}
	b, err := profile.EncodeSeccompFor(p, s.format, ko)
	if err != nil && s.format == profile.FormatPod && s.container == "" {
		return nil, usagef("%w (--pod-container NAME)", err)
	}
	return b, err
}

// unknownToLibseccomp returns a warning naming the names of p that the linked libseccomp does
// not know on each architecture: runc skips them silently, so a deny-list does not deny them.
func unknownToLibseccomp(p *specs.LinuxSeccomp) string {
	// ABIs with the same unknown names are named together.
	var lists []string
	abisOf := map[string][]string{}
	for _, abi := range profile.ProfileABIs(p) {
		_, unknown, err := seccomp.Compile(p, abi)
		if err != nil || len(unknown) == 0 {
			continue
		}
		l := strings.Join(unknown, ", ")
		if abisOf[l] == nil {
			lists = append(lists, l)
		}
		abisOf[l] = append(abisOf[l], string(abi))
	}
	var parts []string
	for _, l := range lists {
		parts = append(parts, strings.Join(abisOf[l], ", ")+": "+l)
	}
	if len(parts) == 0 {
		return ""
	}
	lib, _ := seccomp.LibseccompVersion()
	return "names unknown to libseccomp " + lib + " are skipped by runtimes built with it, so this deny-list does not deny them (" + strings.Join(parts, "; ") + ")"
}

func newGenerateSeccompCmd() *cobra.Command {
	var o outputOptions
	cmd := &cobra.Command{
		Use:   "seccomp [flags] [RECORDING...]",
		Short: "Write a seccomp profile (OCI, SPO SeccompProfile or pod patch) from recordings",
		Long: `Write a seccomp profile from one or more recordings (merged), as an OCI runtime-spec
LinuxSeccomp object: the format runc, crun, containerd, CRI-O and kubelet's localhost
profiles read. Output is deterministic: the same recordings give the same bytes.

Modes:
  allow     defaultAction SCMP_ACT_ERRNO (EPERM); the recorded syscalls allowed; newer
            syscalls libc falls back from (clone3, openat2, faccessat2, close_range,
            statx, ...) answer ENOSYS unless recorded, so a newer libc still works
  complain  the allow-list with SCMP_ACT_LOG as default: a missing syscall is logged to
            the audit log, not fatal, while a profile is proven
  log       defaultAction SCMP_ACT_LOG: every syscall not recorded yet is logged, to
            discover syscalls through the audit log (no recording needed)
  deny      defaultAction SCMP_ACT_ALLOW, denying --deny NAMES or the syscalls Docker's
            default profile blocks, less those the workload was recorded using (each
            named in a warning; no recording needed)

Architectures are the recorded ABIs with their companions (x86_64 brings x86 and x32).
exit, exit_group and rt_sigreturn are always allowed. --runtime runc|crun adds the syscalls
that runtime makes after it loads the filter, measured on this project's test machines
with the container's noNewPrivileges false (Docker's and Kubernetes' default) and true
(--no-new-privileges: allowPrivilegeEscalation: false); without them a container cannot
start under an allow-list profile, and profgen says so.

--format pod writes a strategic merge patch for --pod-kind that runs --pod-container under
the installed profile; --format spo a SeccompProfile (apiVersion v1, --spo-api-version
v1beta1) whose metadata.name is a Kubernetes name.`,
		Example: `  profgen generate seccomp app.rec.json > app.json
  profgen generate seccomp --runtime runc --seccomp app.json run1.json run2.json
  profgen generate seccomp --mode complain --runtime runc --seccomp trial.json app.rec.json
  profgen generate seccomp --mode log --seccomp audit.json
  profgen generate seccomp --mode deny --deny mount,umount2,ptrace --seccomp deny.json
  profgen generate seccomp --runtime runc --no-new-privileges --seccomp app.json app.rec.json
  profgen generate seccomp --format spo --seccomp-name web app.rec.json > web.yaml
  profgen generate seccomp --format pod --pod-kind deployment --pod-container web --seccomp-name app app.rec.json
  profgen generate seccomp --format pod --seccomp-name web app.rec.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.seccomp == "" {
				o.seccomp = "-"
			}
			var rec *profile.Recording
			if len(args) > 0 {
				r, err := loadRecordings(cmd, args)
				if err != nil {
					return err
				}
				rec = r
			} else if m := o.seccompOpts.Mode; m != profile.ModeLog && m != profile.ModeDeny {
				return usagef("--mode %s needs at least one RECORDING", m)
			}
			b, err := o.seccompOut.encode(cmd, rec, o.seccompOpts, o.seccomp)
			if err != nil {
				return err
			}
			return writeOutput(cmd, o.seccomp, b)
		},
	}
	o.seccompOut.addFlags(cmd.Flags(), &o.seccompOpts)
	cmd.Flags().StringVar(&o.seccomp, "seccomp", "-", `write the profile to this file ("-": standard output)`)
	return cmd
}

// loadRecordings reads recording files ("-": standard input) and merges them into one.
func loadRecordings(cmd *cobra.Command, paths []string) (*profile.Recording, error) {
	recs := make([]*profile.Recording, len(paths))
	for i, p := range paths {
		data, err := readInput(cmd, p, sizelimit.Recording, "a recording or profile")
		if err != nil {
			return nil, fmt.Errorf("read recording: %w", err)
		}
		if recs[i], err = profile.ParseRecording(data); err != nil {
			return nil, fmt.Errorf("read recording %s: %w", p, err)
		}
	}
	if len(recs) == 1 {
		return recs[0], nil
	}
	return profile.MergeRecordings(recs, paths), nil
}
