package profile

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Seccomp output formats.
const (
	// FormatOCI is the runtime-spec LinuxSeccomp JSON (runc, crun, containerd, CRI-O, kubelet).
	FormatOCI = "oci"
	// FormatSPO is a Security Profiles Operator SeccompProfile custom resource (YAML).
	FormatSPO = "spo"
	// FormatPod is a strategic merge patch that runs a container of a pod (or of a kind with a
	// pod template) under a localhost profile.
	FormatPod = "pod"
)

// Formats lists the seccomp output formats.
var Formats = []string{FormatOCI, FormatSPO, FormatPod}

// KubeletProfileDir is where kubelet looks for localhost seccomp profiles by default; a pod's
// localhostProfile is relative to /var/lib/kubelet/seccomp.
const KubeletProfileDir = "/var/lib/kubelet/seccomp/profiles"

// KubeletSeccompRoot is kubelet's seccomp root (its --root-dir plus "seccomp"): a pod's
// localhostProfile is a path relative to it.
const KubeletSeccompRoot = "/var/lib/kubelet/seccomp"

// LocalhostProfileFor returns the localhostProfile of a profile installed as NAME.json in
// dir: its path relative to KubeletSeccompRoot, and true, when dir is inside it; otherwise
// the last element of dir and NAME.json ("profiles/app.json"), which holds once dir is placed
// in kubelet's seccomp root, and false.
func LocalhostProfileFor(dir, name string) (string, bool) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		if rel, err := filepath.Rel(KubeletSeccompRoot, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return filepath.ToSlash(filepath.Join(rel, name+".json")), true
		}
	}
	return filepath.Base(filepath.Clean(dir)) + "/" + name + ".json", false
}

// LocalhostProfile returns the localhostProfile value for a profile installed as NAME.json in
// KubeletProfileDir.
func LocalhostProfile(name string) string { return "profiles/" + name + ".json" }

// ValidateProfileName checks a profile name before it becomes a file or resource name: not
// empty, no "/", no "..", no NUL or other control character, at most 250 bytes (NAME.json fits a 255-byte file name).
func ValidateProfileName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("profile name is empty")
	case strings.Contains(name, "/"):
		return fmt.Errorf("profile name %q contains /", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("profile name %q contains .. (a parent directory)", name)
	case name == ".":
		return fmt.Errorf("profile name %q is not a file name", name)
	case len(name)+len(".json") > 255:
		// NAME.json is one file name: at most 255 bytes on Linux file systems.
		return fmt.Errorf("profile name is %d bytes, longer than 250 (NAME.json must fit in a 255-byte file name)", len(name))
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("profile name %q contains a control character", name)
		}
	}
	return nil
}

type spoResource struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   spoMetadata    `json:"metadata"`
	Spec       spoProfileSpec `json:"spec"`
}

type spoMetadata struct {
	Name string `json:"name"`
}

// spoProfileSpec is the spec of a SeccompProfile: the OCI fields it shares. It has no
// defaultErrnoRet; runtimes then answer EPERM, which is what profgen's profiles use.
type spoProfileSpec struct {
	DefaultAction specs.LinuxSeccompAction `json:"defaultAction"`
	Architectures []specs.Arch             `json:"architectures,omitempty"`
	Flags         []specs.LinuxSeccompFlag `json:"flags,omitempty"`
	Syscalls      []specs.LinuxSyscall     `json:"syscalls,omitempty"`
}

// ContainerCapabilities is the capabilities field of a Kubernetes container's securityContext.
type ContainerCapabilities struct {
	Drop []string `json:"drop"`
	Add  []string `json:"add,omitempty"`
}

// CapabilitiesUsed returns the securityContext.capabilities of a container whose workload used
// caps (recording names: net_bind_service, with or without CAP_, any case): every capability
// dropped, and caps added back by their Kubernetes names (NET_BIND_SERVICE), sorted.
func CapabilitiesUsed(caps []string) *ContainerCapabilities {
	c := &ContainerCapabilities{Drop: []string{"ALL"}}
	seen := map[string]bool{}
	for _, name := range caps {
		k := strings.ToUpper(strings.TrimPrefix(strings.ToLower(name), "cap_"))
		if k != "" && !seen[k] {
			seen[k] = true
			c.Add = append(c.Add, k)
		}
	}
	sort.Strings(c.Add)
	return c
}

// EncodeSeccompPod is EncodeSeccomp's pod patch with, when caps is not nil, the container's
// capabilities in its securityContext.
func EncodeSeccompPod(p *specs.LinuxSeccomp, name string, caps *ContainerCapabilities) ([]byte, error) {
	return EncodeSeccompFor(p, FormatPod, KubeOutput{Name: name, Kind: "pod", Container: name, Capabilities: caps})
}

// EncodeSeccomp writes p in format (oci, spo or pod). name is the profile's name: the
// SeccompProfile's metadata.name, or the NAME of profiles/NAME.json in the pod patch (for a
// pod, container NAME). EncodeSeccompFor says more.
func EncodeSeccomp(p *specs.LinuxSeccomp, format, name string) ([]byte, error) {
	return EncodeSeccompFor(p, format, KubeOutput{Name: name, Kind: "pod", Container: name})
}

// EncodeSeccompFor writes p in format: oci (the runtime-spec JSON), spo (a SeccompProfile
// resource named o.Name, apiVersion o.SPOAPIVersion) or pod (PodPatch for o).
func EncodeSeccompFor(p *specs.LinuxSeccomp, format string, o KubeOutput) ([]byte, error) {
	switch format {
	case "", FormatOCI:
		return MarshalSeccomp(p)
	case FormatSPO:
		return encodeSPO(p, o)
	case FormatPod:
		return PodPatch(o)
	}
	return nil, fmt.Errorf("encode seccomp profile: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}
