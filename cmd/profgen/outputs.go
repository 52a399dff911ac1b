package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/profile"
)

// outputOptions are the output flags shared by record, import and generate: where to write
// the recording and the profiles made from it, and how to make them.
type outputOptions struct {
	recording   string
	seccomp     string
	seccompOpts profile.SeccompOptions
	seccompOut  seccompOutput  // --format and --seccomp-name of the seccomp output
	apparmor    apparmorOutput // --apparmor FILE and its --apparmor-* options
}

// addOutputFlags registers the shared output flags on cmd. withRecording adds --recording
// (record and import write one; generate reads them instead).
func (o *outputOptions) addOutputFlags(cmd *cobra.Command, withRecording bool) {
	f := cmd.Flags()
	if withRecording {
		f.StringVar(&o.recording, "recording", "", "write the recording (versioned JSON) to this file")
	}
	f.StringVar(&o.seccomp, "seccomp", "", `write the seccomp profile to this file ("-": standard output)`)
	o.seccompOut.addFlags(f, &o.seccompOpts)
	o.apparmor.addFlags(f, "apparmor-", "")
}

// any reports whether an output was asked for.
func (o *outputOptions) any() bool {
	return o.recording != "" || o.seccomp != "" || o.apparmor.path != ""
}

// write writes every output asked for, and says on stderr where each went.
func (o *outputOptions) write(cmd *cobra.Command, rec *profile.Recording) error {
	if o.recording != "" {
		var b bytes.Buffer
		if _, err := rec.WriteTo(&b); err != nil {
			return err
		}
		if err := writeOutput(cmd, o.recording, b.Bytes()); err != nil {
			return err
		}
	}
	if o.seccomp != "" {
		b, err := o.seccompOut.encode(cmd, rec, o.seccompOpts, o.seccomp)
		if err != nil {
			return err
		}
		if err := writeOutput(cmd, o.seccomp, b); err != nil {
			return err
		}
	}
	if err := o.apparmor.write(cmd, rec); err != nil {
		return err
	}
	return nil
}

// writeOutput writes data to path atomically, or to standard output for "-".
func writeOutput(cmd *cobra.Command, path string, data []byte) error {
	if path == "-" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	if isSpecialOutput(path) {
		// A device or pipe (/dev/null, /dev/stdout): write to it. Renaming a temporary
		// file over it would replace the device (or /dev/stdout's link) with a regular file.
		return writeSpecial(path, data)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "profgen: wrote %s\n", path)
	return nil
}

// isSpecialOutput reports whether path is an existing device, pipe or socket, or lies in
// /dev or /proc (where /dev/stdout and /proc/self/fd/N are links to whatever the fd is).
func isSpecialOutput(path string) bool {
	if abs, err := filepath.Abs(path); err == nil && (strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")) {
		return true
	}
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// writeSpecial writes data to an existing device or pipe.
func writeSpecial(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readInput reads a named file, or standard input for "-".
func readInput(cmd *cobra.Command, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(path)
}
