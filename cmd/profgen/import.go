package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/auditlog"
	"github.com/profgen/profgen/syscalls"
)

// importOptions are the flags of profgen import.
type importOptions struct {
	out          outputOptions
	follow       bool
	comm, exe    []string
	pids         []uint
	profiles     []string
	since, until string
	kind         string
	summary      bool
	strict       bool
}

func newImportCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import [flags] [FILE...]",
		Short: "Build profiles from kernel audit records (seccomp SCMP_ACT_LOG, AppArmor complain mode)",
		Long: `Read kernel audit records and write the profiles they call for. Where a workload cannot be
traced (a pod on a node, say), run it under a seccomp profile whose default action is
SCMP_ACT_LOG (profgen generate seccomp --mode log) or an AppArmor profile in complain mode: the
kernel then writes an audit record for every syscall or access the profile does not allow, and
import turns those records into the allow-list.

FILE may be any log that holds the records, in any of the forms they take, even mixed in one
file: the kernel console or dmesg, /dev/kmsg, rsyslog's kern.log or syslog (classic or
high-precision time), auditd's audit.log (with or without its 0x1d enrichment), ausearch -i
output, journalctl's short output or -o json export, and audispd lines with node=. Gzip
files are read as they are. No FILE, or "-", reads standard input.

Syscalls are named on each record's own ABI (arch= and the x32 bit), never from auditd's
SYSCALL= text; numbers profgen has no name for are kept as numbers and reported.

Without auditd, the kernel rate-limits audit records on the console and drops most of them.
import looks for the signs ("callbacks suppressed", audit_lost=, "kauditd hold queue
overflow", gaps in the serial numbers) and warns that the profile may be incomplete. Run
auditd (auditctl -b 8192) and import /var/log/audit/audit.log to get every record.

Malformed, truncated, binary or over-long lines are skipped and counted; the first few are
reported with file and line. --strict makes the first one an error.

With no output flag, the seccomp profile is written to standard output.`,
		Example: `  # a pod ran under a log profile on this node: build its allow-list
  profgen import --comm myapp --seccomp myapp.json /var/log/audit/audit.log
  # the same from the kernel log, rotated files included, last hour only
  profgen import --since 1h --seccomp app.json /var/log/kern.log.1 /var/log/kern.log
  # journald, keeping the recording for profgen generate
  journalctl -k -o json | profgen import --recording app.rec.json --summary
  # watch the log while a test suite runs; Ctrl-C writes the profile
  profgen import --follow --exe /usr/bin/myapp --seccomp app.json /var/log/audit/audit.log`,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	o.out.addOutputFlags(cmd, true)
	f := cmd.Flags()
	f.BoolVar(&o.follow, "follow", false, "read FILE, then keep reading what is appended (across rotation) until interrupted; then write the outputs")
	f.StringSliceVar(&o.comm, "comm", nil, "keep only records of processes with this comm (repeatable, or comma-separated)")
	f.StringSliceVar(&o.exe, "exe", nil, "keep only seccomp records of this executable path (repeatable)")
	f.UintSliceVar(&o.pids, "pid", nil, "keep only records of this process id (repeatable)")
	f.Lookup("pid").DefValue = "" // no "(default [])" in the help: pflag shows an empty uint list's default
	f.StringSliceVar(&o.profiles, "profile", nil, "keep only AppArmor records of this profile (repeatable)")
	f.StringVar(&o.since, "since", "", `keep only records from this time on: RFC 3339, "2006-01-02 15:04:05", a date, or a duration ago ("2h")`)
	f.StringVar(&o.until, "until", "", "keep only records up to this time (same forms as --since)")
	f.StringVar(&o.kind, "kind", "all", "record kinds to read: seccomp, apparmor or all")
	f.BoolVar(&o.summary, "summary", false, "print, per process (exe and comm), what was found, to standard error")
	f.BoolVar(&o.strict, "strict", false, "fail on the first malformed, binary or over-long line instead of skipping it")
	return cmd
}

// options checks the flags and turns them into the importer's options.
func (o *importOptions) options(now time.Time) (auditlog.Options, error) {
	opts := auditlog.Options{Comm: o.comm, Exe: o.exe, Profile: o.profiles, Strict: o.strict, Summary: o.summary}
	for _, p := range o.pids {
		opts.PID = append(opts.PID, uint64(p))
	}
	switch o.kind {
	case "all":
	case "seccomp":
		opts.Seccomp = true
	case "apparmor":
		opts.AppArmor = true
	default:
		return opts, usagef("import: --kind must be seccomp, apparmor or all, not %q", o.kind)
	}
	var err error
	if opts.Since, err = parseWhen(o.since, now); err != nil {
		return opts, usagef("import: --since: %w", err)
	}
	if opts.Until, err = parseWhen(o.until, now); err != nil {
		return opts, usagef("import: --until: %w", err)
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && opts.Until.Before(opts.Since) {
		return opts, usagef("import: --until is before --since")
	}
	return opts, nil
}

// parseWhen reads a --since/--until value.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time (2026-01-02T15:04:05Z, \"2026-01-02 15:04:05\", 2026-01-02) or a duration ago (2h)", s)
}

func (o *importOptions) run(cmd *cobra.Command, args []string) error {
	opts, err := o.options(time.Now())
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	if o.follow && (len(args) != 1 || args[0] == "-") {
		return usagef("import: --follow takes exactly one FILE (not standard input)")
	}
	if !o.out.any() {
		o.out.seccomp = "-"
	}
	if err := o.out.validate(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	im := auditlog.NewImporter(opts)
	if o.follow {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		fmt.Fprintf(cmd.ErrOrStderr(), "profgen: following %s; interrupt (Ctrl-C) to write the outputs\n", args[0])
		err = im.Follow(ctx, args[0], 0)
	} else {
		err = readInputs(cmd, im, args)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	rec := im.Recording()
	rec.Source.Version = version
	report(cmd.ErrOrStderr(), im, rec, len(args))
	if o.summary {
		writeImportSummary(cmd.ErrOrStderr(), im.Summary(), im.Stats())
	}
	st := im.Stats()
	if st.Seccomp+st.AppArmor == 0 && st.Filtered > 0 {
		return fmt.Errorf("import: no record matched the filters (%d lines read, %d records filtered out); the records are of %s",
			st.Lines, st.Filtered, auditlog.SeenList(im.Programs(), 10))
	}
	if st.Seccomp+st.AppArmor == 0 {
		return fmt.Errorf("import: no seccomp or AppArmor records found (%d lines read)", st.Lines)
	}
	return o.out.write(cmd, rec)
}

func readInputs(cmd *cobra.Command, im *auditlog.Importer, args []string) error {
	for _, name := range args {
		if name == "-" {
			if err := im.Read("stdin", cmd.InOrStdin()); err != nil {
				return err
			}
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			return fmt.Errorf("%s is a directory: name the log files in it (audit.log.1 audit.log ...)", name)
		}
		err = im.Read(name, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// report prints what was read, the first bad lines and the warnings, to w.
func report(w io.Writer, im *auditlog.Importer, rec *profile.Recording, inputs int) {
	st := im.Stats()
	fmt.Fprintf(w, "profgen: import: %d lines (%.1f MB) in %d input(s): %d seccomp and %d AppArmor records kept, %d filtered out, %d bad lines skipped\n",
		st.Lines, float64(st.Bytes)/1e6, inputs, st.Seccomp, st.AppArmor, st.Filtered, st.Bad)
	for _, b := range im.BadLines() {
		fmt.Fprintf(w, "profgen: skipped %v: %q\n", b, b.Text)
	}
	if st.Bad > uint64(len(im.BadLines())) {
		fmt.Fprintf(w, "profgen: ... and %d more bad lines\n", st.Bad-uint64(len(im.BadLines())))
	}
	if st.NoTime > 0 {
		fmt.Fprintf(w, "profgen: warning: %d records have no time stamp (journalctl short output) and were kept despite --since/--until\n", st.NoTime)
	}
	for _, warn := range rec.Source.Warnings {
		fmt.Fprintf(w, "profgen: warning: %s\n", warn)
	}
}

// writeImportSummary prints the line forms and seccomp actions met, and per process the
// syscalls and AppArmor events found.
func writeImportSummary(w io.Writer, procs []auditlog.ProcessSummary, st auditlog.Stats) {
	fmt.Fprintf(w, "records by line form: %s\n", countList(st.Forms))
	if len(st.Actions) > 0 {
		fmt.Fprintf(w, "seccomp actions: %s\n", countList(st.Actions))
	}
	if st.UnusedAppArmor > 0 {
		fmt.Fprintf(w, "AppArmor records that give no rule (status, hints, other classes): %d\n", st.UnusedAppArmor)
	}
	for _, p := range procs {
		fmt.Fprintf(w, "%s (comm %s)\n", orDash(p.Exe), orDash(p.Comm))
		abis := make([]string, 0, len(p.Syscalls))
		for abi := range p.Syscalls {
			abis = append(abis, string(abi))
		}
		sort.Strings(abis)
		for _, abi := range abis {
			m := p.Syscalls[syscalls.ABI(abi)]
			names := make([]string, 0, len(m))
			for n, c := range m {
				names = append(names, fmt.Sprintf("%s(%d)", n, c))
			}
			sort.Strings(names)
			fmt.Fprintf(w, "  %s: %d syscalls: %s\n", abi, len(names), strings.Join(names, " "))
		}
		events := make([]string, 0, len(p.AppArmor))
		for e, c := range p.AppArmor {
			events = append(events, fmt.Sprintf("%s(%d)", e, c))
		}
		sort.Strings(events)
		if len(events) > 0 {
			fmt.Fprintf(w, "  apparmor: %s\n", strings.Join(events, ", "))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// countList renders counts as "a 3, b 1", largest first.
func countList(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
