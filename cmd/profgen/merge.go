package main

import (
	"bytes"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
)

func newMergeCmd() *cobra.Command {
	var out string
	var target targetFlags
	cmd := &cobra.Command{
		Use:   "merge [-o OUT] IN...",
		Short: "Merge recordings, or seccomp profiles, into one",
		Long: `Merge several recordings into one (syscalls, arguments, files, sockets and capabilities
united, counts added up), or several seccomp profiles into one that permits everything any
of them permits. The inputs must all be recordings or all be profiles; profiles must share
their default action. A profile in Docker's format is resolved for --arch, --caps and
--kernel first (merge of one such file writes its plain OCI form).

Typical use in CI: record each test suite separately, merge the recordings, generate the
profile once.`,
		Example: `  profgen merge -o all.rec.json unit.rec.json e2e.rec.json
  profgen generate seccomp --runtime runc --seccomp app.json all.rec.json
  profgen merge -o both.json api.json worker.json   # profiles: the union of what they allow`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var recs []*profile.Recording
			var profs []*specs.LinuxSeccomp
			tg, err := target.target()
			if err != nil {
				return err
			}
			for _, p := range args {
				data, err := readInput(cmd, p, sizelimit.Recording, "a recording or profile")
				if err != nil {
					return fmt.Errorf("merge: read %s: %w", p, err)
				}
				rec, prof, err := profile.ParseRecordingOrSeccompFor(data, tg)
				if err != nil {
					return fmt.Errorf("merge: %s: %w", p, err)
				}
				if rec == nil && profile.IsDockerFormat(data) {
					fmt.Fprintln(cmd.ErrOrStderr(), resolvedNote(p, tg))
				}
				if rec != nil {
					recs = append(recs, rec)
				} else {
					profs = append(profs, prof)
				}
			}
			if len(recs) != 0 && len(profs) != 0 {
				return usagef("merge: the inputs mix recordings and seccomp profiles; merge one kind at a time")
			}
			var b []byte
			if len(recs) > 0 {
				rec := profile.MergeRecordings(recs, args)
				rec.Source.Version = version
				var buf bytes.Buffer
				_, err = rec.WriteTo(&buf)
				b = buf.Bytes()
			} else {
				var m *specs.LinuxSeccomp
				if m, err = profile.MergeSeccomp(profs); err == nil {
					b, err = profile.MarshalSeccomp(m)
				}
			}
			if err != nil {
				return err
			}
			return writeOutput(cmd, out, b)
		},
	}
	target.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&out, "output", "o", "-", `write the result to this file ("-": standard output)`)
	return cmd
}
