package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// Docker's seccomp profile format (moby's profiles/seccomp, the format of Docker's
// default.json and of CRI-O's and Podman's profiles) is the OCI LinuxSeccomp object plus:
// archMap (the architectures to filter, chosen by the machine's own), and per rule a comment,
// a deprecated single name, and includes/excludes conditions on the container's capabilities,
// the machine's architecture and the kernel version. Docker resolves it into a plain OCI
// profile when it starts a container; profgen does the same for a Target.

// DockerSeccomp is a seccomp profile in Docker's format.
type DockerSeccomp struct {
	DefaultAction    specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet  *uint                    `json:"defaultErrnoRet,omitempty"`
	Architectures    []specs.Arch             `json:"architectures,omitempty"`
	ArchMap          []DockerArch             `json:"archMap,omitempty"`
	Flags            []specs.LinuxSeccompFlag `json:"flags,omitempty"`
	ListenerPath     string                   `json:"listenerPath,omitempty"`
	ListenerMetadata string                   `json:"listenerMetadata,omitempty"`
	Syscalls         []DockerSyscall          `json:"syscalls"`
}

// DockerArch is one archMap entry: when the machine's architecture is Arch, the profile
// filters Arch and SubArches.
type DockerArch struct {
	Arch      specs.Arch   `json:"architecture"`
	SubArches []specs.Arch `json:"subArchitectures"`
}

// DockerSyscall is a rule with Docker's conditions.
type DockerSyscall struct {
	Name     string                   `json:"name,omitempty"`
	Names    []string                 `json:"names,omitempty"`
	Action   specs.LinuxSeccompAction `json:"action"`
	ErrnoRet *uint                    `json:"errnoRet,omitempty"`
	Args     []specs.LinuxSeccompArg  `json:"args,omitempty"`
	Comment  string                   `json:"comment,omitempty"`
	Includes *DockerFilter            `json:"includes,omitempty"`
	Excludes *DockerFilter            `json:"excludes,omitempty"`
}

// DockerFilter is a rule's condition. Includes: the rule applies when the container has every
// capability in Caps, the machine's architecture is one of Arches and the kernel is at least
// MinKernel. Excludes: it does not apply when the container has any capability in Caps, the
// architecture is one of Arches, or the kernel is at least MinKernel.
type DockerFilter struct {
	Caps      []string `json:"caps,omitempty"`
	Arches    []string `json:"arches,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// Target is what the conditional rules of a Docker-format profile are resolved for.
type Target struct {
	// ABI is the machine's architecture (the native ABI of the container's processes).
	ABI syscalls.ABI
	// Caps are the container's capabilities (bounding set), CAP_ names.
	Caps []string
	// Kernel is the kernel release, "6.18" or "6.18.44-generic".
	Kernel string
}

// DockerDefaultCaps is the capability set Docker and containerd give a container unless
// told otherwise.
var DockerDefaultCaps = []string{
	"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_CHROOT",
}

// DefaultTarget is this machine: its native ABI, Docker's default capabilities and the
// running kernel.
func DefaultTarget() Target {
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return Target{ABI: syscalls.Native(), Caps: DockerDefaultCaps, Kernel: kernel}
}

var kernelRE = regexp.MustCompile(`^([0-9]+)\.([0-9]+)`)

// parseKernel returns the major and minor number of a release ("6.18.44-generic": 6, 18).
func parseKernel(s string) (int, int, error) {
	m := kernelRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("kernel version %q: want MAJOR.MINOR", s)
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("kernel version %q: out of range", s)
	}
	return major, minor, nil
}

// dockerFields are the fields only Docker's format has; a file with any of them is read as
// Docker's format, any other as a plain OCI profile.
type dockerProbe struct {
	ArchMap  json.RawMessage `json:"archMap"`
	Syscalls []struct {
		Name     json.RawMessage `json:"name"`
		Comment  json.RawMessage `json:"comment"`
		Includes json.RawMessage `json:"includes"`
		Excludes json.RawMessage `json:"excludes"`
	} `json:"syscalls"`
}

// IsDockerFormat reports whether data is a seccomp profile in Docker's format: it has an
// archMap, or a rule with includes, excludes, comment or name.
func IsDockerFormat(data []byte) bool {
	var p dockerProbe
	if json.Unmarshal(data, &p) != nil {
		return false
	}
	if p.ArchMap != nil {
		return true
	}
	for _, r := range p.Syscalls {
		if r.Name != nil || r.Comment != nil || r.Includes != nil || r.Excludes != nil {
			return true
		}
	}
	return false
}

// ParseDockerSeccomp decodes a profile in Docker's format. Fields that format does not have
// are errors, as are the conflicts Docker refuses (architectures with archMap, name with
// names).
func ParseDockerSeccomp(data []byte) (*DockerSeccomp, error) {
	var p DockerSeccomp
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: truncated JSON", ErrBadProfile)
		}
		return nil, fmt.Errorf("%w: Docker format: %w", ErrBadProfile, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the profile object", ErrBadProfile)
	}
	if len(p.Architectures) > 0 && len(p.ArchMap) > 0 {
		return nil, fmt.Errorf("%w: Docker format: both architectures and archMap", ErrBadProfile)
	}
	for i, r := range p.Syscalls {
		if r.Name != "" && len(r.Names) > 0 {
			return nil, fmt.Errorf("%w: syscalls[%d]: both name and names", ErrBadProfile, i)
		}
		for _, f := range []*DockerFilter{r.Includes, r.Excludes} {
			if f != nil && f.MinKernel != "" {
				if _, _, err := parseKernel(f.MinKernel); err != nil {
					return nil, fmt.Errorf("%w: syscalls[%d]: minKernel: %w", ErrBadProfile, i, err)
				}
			}
		}
	}
	// Every rule must be valid as it would be resolved for some target.
	if err := ValidateSeccomp(p.unconditional()); err != nil {
		return nil, err
	}
	for _, a := range p.ArchMap {
		for _, arch := range append([]specs.Arch{a.Arch}, a.SubArches...) {
			if _, err := syscalls.ABIFromSCMPArch(string(arch)); err != nil {
				return nil, fmt.Errorf("%w: archMap: %w", ErrBadProfile, err)
			}
		}
	}
	return &p, nil
}

// unconditional is p with every rule applied and no architectures: what validation checks.
func (p *DockerSeccomp) unconditional() *specs.LinuxSeccomp {
	out := &specs.LinuxSeccomp{DefaultAction: p.DefaultAction, DefaultErrnoRet: p.DefaultErrnoRet,
		Architectures: p.Architectures, Flags: p.Flags, ListenerPath: p.ListenerPath, ListenerMetadata: p.ListenerMetadata}
	for _, r := range p.Syscalls {
		out.Syscalls = append(out.Syscalls, r.oci())
	}
	return out
}

func (r DockerSyscall) oci() specs.LinuxSyscall {
	names := r.Names
	if r.Name != "" {
		names = []string{r.Name}
	}
	return specs.LinuxSyscall{Names: names, Action: r.Action, ErrnoRet: r.ErrnoRet, Args: r.Args}
}

// Resolve returns the plain OCI profile Docker would load for t: the archMap entry of t's
// architecture (none: the profile filters the native architecture only), and the rules whose
// conditions hold. Architectures in includes/excludes are matched by GOARCH ("amd64", as
// Docker matches them) or by ABI name ("x86_64").
func (p *DockerSeccomp) Resolve(t Target) (*specs.LinuxSeccomp, error) {
	if !t.ABI.Valid() {
		return nil, fmt.Errorf("resolve Docker-format profile: %w %q", syscalls.ErrUnknownABI, string(t.ABI))
	}
	major, minor, kerr := parseKernel(t.Kernel)
	out := p.unconditional()
	out.Syscalls = nil
	if len(p.ArchMap) > 0 {
		for _, a := range p.ArchMap {
			if string(a.Arch) == t.ABI.SCMPArch() {
				out.Architectures = append(append(out.Architectures, a.Arch), a.SubArches...)
			}
		}
	}
	archMatches := func(list []string) bool {
		return slices.Contains(list, t.ABI.GOARCH()) || slices.Contains(list, string(t.ABI))
	}
	hasCap := func(c string) bool { return slices.Contains(t.Caps, c) }
	atLeast := func(v string) (bool, error) {
		if kerr != nil {
			return false, fmt.Errorf("resolve Docker-format profile: a rule depends on the kernel version: %w", kerr)
		}
		wmaj, wmin, _ := parseKernel(v)
		return major > wmaj || major == wmaj && minor >= wmin, nil
	}
rules:
	for _, r := range p.Syscalls {
		if e := r.Excludes; e != nil {
			if len(e.Arches) > 0 && archMatches(e.Arches) || slices.ContainsFunc(e.Caps, hasCap) {
				continue
			}
			if e.MinKernel != "" {
				ok, err := atLeast(e.MinKernel)
				if err != nil {
					return nil, err
				}
				if ok {
					continue
				}
			}
		}
		if in := r.Includes; in != nil {
			if len(in.Arches) > 0 && !archMatches(in.Arches) {
				continue
			}
			for _, c := range in.Caps {
				if !hasCap(c) {
					continue rules
				}
			}
			if in.MinKernel != "" {
				ok, err := atLeast(in.MinKernel)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
		}
		out.Syscalls = append(out.Syscalls, r.oci())
	}
	return out, nil
}

// ParseSeccompFor reads a seccomp profile in the OCI format or in Docker's, and resolves the
// latter for t. docker reports which it was.
func ParseSeccompFor(data []byte, t Target) (p *specs.LinuxSeccomp, docker bool, err error) {
	if !IsDockerFormat(data) {
		p, err := ParseSeccomp(data)
		return p, false, err
	}
	d, err := ParseDockerSeccomp(data)
	if err != nil {
		return nil, true, err
	}
	p, err = d.Resolve(t)
	return p, true, err
}
