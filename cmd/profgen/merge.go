package main

import (
	"bytes"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/profgen/profgen/profile"
)

func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge [-o OUT] IN...",
		Short: "Merge recordings, or seccomp profiles, into one",
		Long: `Merge several recordings into one (syscalls, arguments, files, sockets and capabilities
united, counts added up), or several seccomp profiles into one that permits everything any
of them permits. The inputs must all be recordings or all be profiles; profiles must share
their default action.

Typical use in CI: record each test suite separately, merge the recordings, generate the
profile once.`,
		Example: `  profgen merge -o all.rec.json unit.rec.json e2e.rec.json
  profgen generate seccomp --runtime runc --seccomp app.json all.rec.json
  profgen merge -o both.json api.json worker.json   # profiles: the union of what they allow`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data := make([][]byte, len(args))
			recordings := 0
			for i, p := range args {
				b, err := readInput(cmd, p)
				if err != nil {
					return fmt.Errorf("merge: read %s: %w", p, err)
				}
				data[i] = b
				if profile.IsRecordingJSON(b) {
					recordings++
				}
			}
			if recordings != 0 && recordings != len(args) {
				return usagef("merge: the inputs mix recordings and seccomp profiles; merge one kind at a time")
			}
			var b []byte
			var err error
			if recordings > 0 {
				b, err = mergeRecordings(args, data)
			} else {
				b, err = mergeProfiles(args, data)
			}
			if err != nil {
				return err
			}
			return writeOutput(cmd, out, b)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "-", `write the result to this file ("-": standard output)`)
	return cmd
}

func mergeRecordings(paths []string, data [][]byte) ([]byte, error) {
	rec := profile.NewRecording("profgen", "merge")
	rec.Source.Version = version
	for i, p := range paths {
		r, err := profile.ParseRecording(data[i])
		if err != nil {
			return nil, fmt.Errorf("merge: read recording %s: %w", p, err)
		}
		if len(rec.Source.Command) == 0 {
			rec.Source.Command = r.Source.Command
		}
		rec.Merge(r)
		rec.Source.Inputs = append(rec.Source.Inputs, p)
	}
	var b bytes.Buffer
	if _, err := rec.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mergeProfiles(paths []string, data [][]byte) ([]byte, error) {
	ps := make([]*specs.LinuxSeccomp, len(paths))
	for i, p := range paths {
		prof, err := profile.ParseSeccomp(data[i])
		if err != nil {
			return nil, fmt.Errorf("merge: read seccomp profile %s: %w", p, err)
		}
		ps[i] = prof
	}
	m, err := profile.MergeSeccomp(ps)
	if err != nil {
		return nil, err
	}
	return profile.MarshalSeccomp(m)
}
