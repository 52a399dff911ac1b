package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/apparmor"
	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// outputOptions are the output flags shared by record, import and generate: where to write
// the recording and the profiles made from it, and how to make them.
type outputOptions struct {
	recording   string
	seccomp     string
	seccompOpts profile.SeccompOptions
	seccompOut  seccompOutput  // --format and --seccomp-name of the seccomp output
	apparmor    apparmorOutput // --apparmor FILE and its --apparmor-* options
	// keepRecording: the recording was made by this run (record, import) and cannot be made
	// again, so it reaches the disk even when an output fails.
	keepRecording bool
}

// addOutputFlags registers the shared output flags on cmd. withRecording adds --recording
// (record and import write one; generate reads them instead).
func (o *outputOptions) addOutputFlags(cmd *cobra.Command, withRecording bool) {
	f := cmd.Flags()
	o.keepRecording = withRecording
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

// toStdout reports whether an output goes to profgen's standard output ("-", /dev/stdout).
func (o *outputOptions) toStdout() bool {
	for _, path := range []string{o.recording, o.seccomp, o.apparmor.path} {
		if path != "" && outputIdentity(path) == "stdout" {
			return true
		}
	}
	return false
}

// write writes every output asked for, and says on stderr where each went. An output that
// fails does not keep the others from being written. If one fails after a recording (a
// generation error, a full disk, an unwritable path), the recording still reaches the disk:
// at --recording, or else at a fallback file that the error names.
func (o *outputOptions) write(cmd *cobra.Command, rec *profile.Recording) error {
	var errs []error
	saved := false
	if o.recording != "" {
		if err := writeRecording(cmd, o.recording, rec); err != nil {
			errs = append(errs, err)
		} else {
			saved = true
		}
	}
	if o.seccomp != "" {
		if err := o.writeSeccomp(cmd, rec); err != nil {
			errs = append(errs, err)
		}
	}
	if err := o.apparmor.write(cmd, rec); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil
	}
	err := errors.Join(errs...)
	if !o.keepRecording || saved {
		return err
	}
	path, ferr := writeFallbackRecording(rec)
	if ferr != nil {
		return fmt.Errorf("%w\nthe recording is lost too: %w", err, ferr)
	}
	return fmt.Errorf("%w\nthe recording was saved to %s: make the profiles from it with profgen generate seccomp|apparmor %s", err, path, path)
}

// validate checks, before a workload runs or a log is read, what can be checked of the
// outputs: each path can be written (its folder exists and is writable, it is no folder), and
// the profile options are good, by making each profile from a small stand-in recording with
// the same code that makes the real one. Nothing is written.
func (o *outputOptions) validate() error {
	written := map[string]string{} // outputIdentity -> flag
	for _, out := range []struct{ flag, path string }{
		{"--recording", o.recording}, {"--seccomp", o.seccomp}, {"--apparmor", o.apparmor.path},
	} {
		if out.path == "" {
			continue
		}
		if id := outputIdentity(out.path); id != "" {
			// The second would replace the first (a recording over its profile), or on
			// standard output follow it, making neither readable.
			if prev, ok := written[id]; ok {
				return usagef("%s and %s both write %s: give each output its own file", prev, out.flag, out.path)
			}
			written[id] = out.flag
		}
		if out.path == "-" {
			continue
		}
		if err := checkOutputPath(out.path); err != nil {
			return usagef("%s %s: %w", out.flag, out.path, err)
		}
	}
	if o.keepRecording && o.seccomp != "" && o.seccompOut.format == profile.FormatPod && o.recording == "" {
		// The patch names profiles/NAME.json, whose syscalls are in the recording alone.
		return usagef("--format pod writes only the patch, which names the profile to install on the nodes; that profile is made from the recording: add --recording FILE, then profgen generate seccomp FILE writes it")
	}
	probe := profile.NewRecording("profgen", "probe")
	probe.AddSyscall(syscalls.Native(), "read", 1, profile.Process{Exe: "/probe"})
	probe.Source.Command = []string{"/probe"}
	if o.seccomp != "" {
		opts := o.seccompOpts
		opts.Warn = func(string) {}
		if _, err := o.seccompOut.encodeQuiet(probe, opts, o.seccomp); err != nil {
			return err
		}
	}
	if o.apparmor.path != "" {
		opts, err := o.apparmor.options(probe)
		if err != nil {
			return err
		}
		if _, err := apparmor.Generate(probe, opts); err != nil {
			return usagef("AppArmor options: %w", err)
		}
	}
	return nil
}

// outputIdentity names the file an output path writes, so that two outputs to one file are
// found however they are spelled: "-", /dev/stdout and profgen's descriptor 1 are standard
// output; "" for /dev/null, which any number of outputs may share.
func outputIdentity(path string) string {
	switch path {
	case os.DevNull:
		return ""
	case "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return "stdout"
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return "stderr"
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// checkOutputPath says why path could not be written as an output, if it could not.
func checkOutputPath(path string) error {
	if atomicfile.IsSpecial(path) {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a folder")
	}
	if n := len(filepath.Base(path)); n > atomicfile.MaxNameLen {
		return fmt.Errorf("the file name is %d bytes, longer than %d", n, atomicfile.MaxNameLen)
	}
	dir := filepath.Dir(path)
	if target, err := filepath.EvalSymlinks(path); err == nil {
		dir = filepath.Dir(target)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("no folder to write it in: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if err := canWrite(dir); err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	return nil
}

// writeSeccomp makes the seccomp profile and writes it.
func (o *outputOptions) writeSeccomp(cmd *cobra.Command, rec *profile.Recording) error {
	b, err := o.seccompOut.encode(cmd, rec, o.seccompOpts, o.seccomp)
	if err != nil {
		return err
	}
	return writeOutput(cmd, o.seccomp, b)
}

// writeRecording writes rec, as versioned JSON, to path.
func writeRecording(cmd *cobra.Command, path string, rec *profile.Recording) error {
	var b bytes.Buffer
	if _, err := rec.WriteTo(&b); err != nil {
		return fmt.Errorf("encode the recording: %w", err)
	}
	return writeOutput(cmd, path, b.Bytes())
}

// writeFallbackRecording writes rec to a new file in the temporary folder ($TMPDIR), or else
// in the home or current folder, and returns its path.
func writeFallbackRecording(rec *profile.Recording) (string, error) {
	var b bytes.Buffer
	if _, err := rec.WriteTo(&b); err != nil {
		return "", fmt.Errorf("encode the recording: %w", err)
	}
	dirs := []string{os.TempDir()}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, home)
	}
	dirs = append(dirs, ".")
	var errs []error
	for _, dir := range dirs {
		path, err := writeNewFile(dir, "profgen-*.rec.json", b.Bytes())
		if err == nil {
			return path, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// writeNewFile writes data to a new file in dir named after pattern (as os.CreateTemp), synced
// to the disk, and returns its path. A failed write leaves no file.
func writeNewFile(dir, pattern string, data []byte) (path string, err error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("write the recording in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err = f.Chmod(os.FileMode(0o644 &^ atomicfile.Umask())); err != nil {
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err = f.Sync(); err != nil {
		return "", fmt.Errorf("write %s: sync: %w", f.Name(), err)
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if abs, aerr := filepath.Abs(f.Name()); aerr == nil {
		return abs, nil
	}
	return f.Name(), nil
}

// writeOutput is every command's output: standard output for "-", otherwise
// atomicfile.Write (devices and pipes written in place, profgen's own descriptors such as
// /dev/stdout written to as "-" is, regular files replaced atomically wherever they are).
func writeOutput(cmd *cobra.Command, path string, data []byte) error {
	if path == "-" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	special := atomicfile.IsSpecial(path)
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return err
	}
	if !special {
		fmt.Fprintf(cmd.ErrOrStderr(), "profgen: wrote %s\n", path)
	}
	return nil
}

// readInput reads a named file, or standard input for "-", refusing more than limit bytes
// (what names the kind of input in that error).
func readInput(cmd *cobra.Command, path string, limit int64, what string) ([]byte, error) {
	if path == "-" {
		return sizelimit.ReadAll(cmd.InOrStdin(), "standard input", limit, what)
	}
	return sizelimit.ReadFile(path, limit, what)
}
