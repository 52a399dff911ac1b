package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/syscalls"
)

// ErrBadProfile is returned, wrapped with the details, for a seccomp profile that is not a
// valid OCI runtime-spec LinuxSeccomp object.
var ErrBadProfile = errors.New("invalid seccomp profile")

// syscallNameRE is what a syscall name in a profile may look like. Anything else (a path, a
// space, a NUL) is refused before it reaches libseccomp, a file name or a terminal. One
// leading underscore is allowed: the kernel's tables and libseccomp name _llseek, _newselect
// and _sysctl so (x86, arm, ppc, mips, parisc, m68k, sh, s390x; _sysctl on x86_64 too), and
// Docker's and containerd's default profiles list them.
var syscallNameRE = regexp.MustCompile(`^_?[a-z][a-z0-9_]{0,62}$`)

// ValidSyscallName reports whether name looks like a syscall name: lower-case letters, digits
// and underscores, starting with a letter or one underscore and a letter, at most 64
// characters.
func ValidSyscallName(name string) bool { return syscallNameRE.MatchString(name) }

// knownActions are the actions of the runtime spec, in the order it lists them.
var knownActions = map[specs.LinuxSeccompAction]bool{
	specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true,
	specs.ActTrap: true, specs.ActErrno: true, specs.ActTrace: true, specs.ActAllow: true,
	specs.ActLog: true, specs.ActNotify: true,
}

var knownOps = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true, specs.OpEqualTo: true,
	specs.OpGreaterEqual: true, specs.OpGreaterThan: true, specs.OpMaskedEqual: true,
}

var knownFlags = map[specs.LinuxSeccompFlag]bool{
	specs.LinuxSeccompFlagLog: true, specs.LinuxSeccompFlagSpecAllow: true,
	specs.LinuxSeccompFlagWaitKillableRecv: true, "SECCOMP_FILTER_FLAG_TSYNC": true,
}

// ParseSeccomp decodes and validates an OCI runtime-spec LinuxSeccomp object (the JSON runc,
// crun, containerd, CRI-O and kubelet read). Unknown fields, actions, operators, flags and
// architectures, malformed syscall names and trailing data are errors.
func ParseSeccomp(data []byte) (*specs.LinuxSeccomp, error) {
	var p specs.LinuxSeccomp
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: truncated JSON", ErrBadProfile)
		}
		if what := notASeccompProfile(data); what != "" {
			return nil, fmt.Errorf("%w: %s", ErrBadProfile, what)
		}
		return nil, fmt.Errorf("%w: %w", ErrBadProfile, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the profile object", ErrBadProfile)
	}
	if err := ValidateSeccomp(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ValidateSeccomp checks a profile held in memory the way ParseSeccomp checks a file.
func ValidateSeccomp(p *specs.LinuxSeccomp) error {
	if p.DefaultAction == "" {
		return fmt.Errorf("%w: no defaultAction", ErrBadProfile)
	}
	if !knownActions[p.DefaultAction] {
		return fmt.Errorf("%w: unknown defaultAction %q", ErrBadProfile, p.DefaultAction)
	}
	if err := validateErrno(p.DefaultErrnoRet); err != nil {
		return fmt.Errorf("%w: defaultErrnoRet: %w", ErrBadProfile, err)
	}
	for _, a := range p.Architectures {
		if _, err := syscalls.ABIFromSCMPArch(string(a)); err != nil {
			return fmt.Errorf("%w: %w", ErrBadProfile, err)
		}
	}
	for _, f := range p.Flags {
		if !knownFlags[f] {
			return fmt.Errorf("%w: unknown flag %q", ErrBadProfile, f)
		}
	}
	for i, r := range p.Syscalls {
		if err := validateRule(r); err != nil {
			return fmt.Errorf("%w: syscalls[%d]: %w", ErrBadProfile, i, err)
		}
	}
	return nil
}

func validateRule(r specs.LinuxSyscall) error {
	if !knownActions[r.Action] {
		return fmt.Errorf("unknown action %q", r.Action)
	}
	if len(r.Names) == 0 {
		return errors.New("no names")
	}
	if err := validateErrno(r.ErrnoRet); err != nil {
		return fmt.Errorf("errnoRet: %w", err)
	}
	for _, n := range r.Names {
		if !ValidSyscallName(n) {
			return fmt.Errorf("bad syscall name %q", n)
		}
	}
	for _, a := range r.Args {
		if a.Index > 5 {
			return fmt.Errorf("argument index %d (a syscall has 6 arguments, 0-5)", a.Index)
		}
		if !knownOps[a.Op] {
			return fmt.Errorf("unknown operator %q", a.Op)
		}
	}
	return nil
}

// maxErrno is the largest errno a seccomp filter can return (the kernel's MAX_ERRNO): the
// SECCOMP_RET_DATA of SCMP_ACT_ERRNO is 16 bits and values above 4095 are no error at all.
const maxErrno = 4095

func validateErrno(e *uint) error {
	if e != nil && *e > maxErrno {
		return fmt.Errorf("%d is not an errno (0 to %d)", *e, maxErrno)
	}
	return nil
}

// LoadSeccomp reads and validates a seccomp profile file; errors name the file.
func LoadSeccomp(path string) (*specs.LinuxSeccomp, error) {
	data, err := sizelimit.ReadFile(path, sizelimit.SeccompProfile, "a seccomp profile")
	if err != nil {
		return nil, fmt.Errorf("read seccomp profile: %w", err)
	}
	p, err := ParseSeccomp(data)
	if err != nil {
		return nil, fmt.Errorf("read seccomp profile %s: %w", path, err)
	}
	return p, nil
}

// LoadSeccompFor reads a seccomp profile file in the OCI format or in Docker's, resolving the
// latter for t; errors name the file.
func LoadSeccompFor(path string, t Target) (*specs.LinuxSeccomp, error) {
	data, err := sizelimit.ReadFile(path, sizelimit.SeccompProfile, "a seccomp profile")
	if err != nil {
		return nil, fmt.Errorf("read seccomp profile: %w", err)
	}
	p, _, err := ParseSeccompFor(data, t)
	if err != nil {
		return nil, fmt.Errorf("read seccomp profile %s: %w", path, err)
	}
	return p, nil
}

// ProfileABIs returns the ABIs a profile's architectures name, or the machine's own when the
// list is empty (runtimes then filter the native architecture only).
func ProfileABIs(p *specs.LinuxSeccomp) []syscalls.ABI {
	var out []syscalls.ABI
	for _, a := range p.Architectures {
		if abi, err := syscalls.ABIFromSCMPArch(string(a)); err == nil {
			out = append(out, abi)
		}
	}
	if len(out) == 0 {
		if n := syscalls.Native(); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// ParseRecordingOrSeccomp is the one place that decides whether a file's content is a
// profgen recording or a seccomp profile, and parses it as what it is: exactly one of the
// results is non-nil when err is nil. A recording is a JSON object with "kind":
// "profgen.recording" (also when it is malformed further on, so that a truncated recording is
// reported as one); anything else is read as a seccomp profile: OCI runtime-spec JSON, or
// Docker's format (archMap, includes/excludes) resolved for this machine (DefaultTarget).
func ParseRecordingOrSeccomp(data []byte) (*Recording, *specs.LinuxSeccomp, error) {
	return ParseRecordingOrSeccompFor(data, DefaultTarget())
}

// ParseRecordingOrSeccompFor is ParseRecordingOrSeccomp with a profile in Docker's format
// resolved for t instead of this machine.
func ParseRecordingOrSeccompFor(data []byte, t Target) (*Recording, *specs.LinuxSeccomp, error) {
	if isRecordingJSON(data) {
		r, err := ParseRecording(data)
		if err != nil {
			return nil, nil, fmt.Errorf("read recording: %w", err)
		}
		return r, nil, nil
	}
	p, _, err := ParseSeccompFor(data, t)
	if err != nil {
		return nil, nil, fmt.Errorf("read seccomp profile: %w", err)
	}
	return nil, p, nil
}

// isRecordingJSON reports whether data looks like a profgen recording rather than a seccomp
// profile (it has "kind": "profgen.recording"). It reads the top-level object only up to its
// kind, which a recording writes first: a recording of a large workload holds megabytes of
// files, and decoding all of it to find the kind took 7 ms of a 1.6 MB baseline's 23.
func isRecordingJSON(data []byte) bool {
	if kind, ok := topLevelKind(data); ok {
		return kind == RecordingKind
	}
	return strings.Contains(string(data[:min(len(data), 200)]), `"`+RecordingKind+`"`)
}

// topLevelKind returns the string value of data's top-level "kind" key ("" if the object has
// none); ok is false if data is no JSON object or does not decode up to its kind.
func topLevelKind(data []byte) (kind string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		// Keys match as encoding/json matches them to a field: without regard to case.
		if key, _ := t.(string); strings.EqualFold(key, "kind") {
			if err := dec.Decode(&kind); err != nil {
				return "", false
			}
			return kind, true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	_, err := dec.Token() // the object's end
	return "", err == nil
}

// notASeccompProfile names the other profgen outputs that a user may pass where a seccomp
// profile is read (check, install, exec): a recording, or the YAML of --format spo or pod.
// "" for anything else, which gets the decoder's own error.
func notASeccompProfile(data []byte) string {
	if kind, ok := topLevelKind(data); ok && kind == RecordingKind {
		return "this is a profgen recording, not a seccomp profile (profgen generate seccomp RECORDING writes one)"
	}
	text := string(data[:min(len(data), 4096)])
	switch {
	case strings.Contains(text, "kind: SeccompProfile"):
		return "this is a Security Profiles Operator SeccompProfile (--format spo), not an OCI seccomp profile (--format oci writes one)"
	case strings.Contains(text, "seccompProfile:") && strings.Contains(text, "localhostProfile:"):
		return "this is a Kubernetes patch (--format pod), not a seccomp profile (--format oci writes one)"
	}
	return ""
}
