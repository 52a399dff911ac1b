package profile

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/profgen/profgen/syscalls"
)

// SPO API versions of SeccompProfile. profgen writes SPOAPIVersion unless asked for the older
// one.
const (
	SPOAPIVersionV1      = "security-profiles-operator.x-k8s.io/v1"
	SPOAPIVersionV1Beta1 = "security-profiles-operator.x-k8s.io/v1beta1"
)

// SPOAPIVersions lists the apiVersions a SeccompProfile can be written with.
var SPOAPIVersions = []string{"v1", "v1beta1"}

// KubeKinds lists the kinds a pod patch can be written for: a pod, or a kind with a pod
// template.
var KubeKinds = []string{"pod", "deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob"}

// KubeOutput says how a profile is written for Kubernetes.
type KubeOutput struct {
	// Name is the profile's name: the SeccompProfile's metadata.name (a DNS subdomain), or
	// NAME of the localhostProfile profiles/NAME.json a pod patch points at.
	Name string
	// Kind and Container say what a pod patch patches: a kind of KubeKinds and the name of
	// the container that runs under the profile.
	Kind      string
	Container string
	// SPOAPIVersion is "v1" (the default) or "v1beta1".
	SPOAPIVersion string
	// Capabilities, when not nil, go in the pod patch's container securityContext (see
	// CapabilitiesUsed).
	Capabilities *ContainerCapabilities
}

var (
	dns1123Label     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	notNameChars     = regexp.MustCompile(`[^a-z0-9.-]+`)
)

// ValidateKubeName checks that name is a Kubernetes object name (an RFC 1123 DNS subdomain:
// lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most
// 253 characters), as a SeccompProfile's metadata.name must be.
func ValidateKubeName(name string) error {
	if len(name) > 253 || !dns1123Subdomain.MatchString(name) {
		return fmt.Errorf("%q is not a Kubernetes name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253)", name)
	}
	return nil
}

// KubeNameFrom derives a valid Kubernetes name from a file name ("My_App.json": "my-app"), or
// "" when nothing usable is left.
func KubeNameFrom(file string) string {
	n := strings.ToLower(file)
	n = notNameChars.ReplaceAllString(n, "-")
	n = strings.Trim(n, "-.")
	for strings.Contains(n, "..") || strings.Contains(n, "-.") || strings.Contains(n, ".-") {
		n = strings.NewReplacer("..", ".", "-.", ".", ".-", ".").Replace(n)
	}
	if len(n) > 253 {
		n = strings.Trim(n[:253], "-.")
	}
	if ValidateKubeName(n) != nil {
		return ""
	}
	return n
}

// runcArchesUnsupported are architectures runc (with the libseccomp-golang it is built with)
// refuses in a profile; spoArchesUnsupported those SPO's SeccompProfile CRD does not accept.
var (
	runcArchesUnsupported = []syscalls.ABI{syscalls.PARISC, syscalls.PARISC64, syscalls.M68K, syscalls.SH, syscalls.SHEB}
	spoArchesUnsupported  = []syscalls.ABI{syscalls.LOONGARCH64, syscalls.M68K, syscalls.SH, syscalls.SHEB}
)

// ArchWarnings returns one line per consumer of a profile written in format that cannot take
// one of its architectures: runc for every format (the pod patch and SPO end up in runc or
// crun too), SPO's CRD for spo.
func ArchWarnings(p *specs.LinuxSeccomp, format string) []string {
	var out []string
	check := func(consumer string, bad []syscalls.ABI) {
		var found []string
		for _, a := range p.Architectures {
			abi, err := syscalls.ABIFromSCMPArch(string(a))
			if err == nil && containsABI(bad, abi) {
				found = append(found, string(a))
			}
		}
		if len(found) > 0 {
			out = append(out, fmt.Sprintf("%s refuses a profile listing %s: leave those architectures out for it", consumer, strings.Join(found, ", ")))
		}
	}
	check("runc", runcArchesUnsupported)
	if format == FormatSPO {
		check("the Security Profiles Operator's SeccompProfile CRD", spoArchesUnsupported)
	}
	return out
}

func containsABI(l []syscalls.ABI, a syscalls.ABI) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}

// encodeSPO writes p as a SeccompProfile resource.
func encodeSPO(p *specs.LinuxSeccomp, o KubeOutput) ([]byte, error) {
	if err := ValidateKubeName(o.Name); err != nil {
		return nil, fmt.Errorf("encode SeccompProfile: metadata.name: %w", err)
	}
	api := SPOAPIVersionV1
	switch o.SPOAPIVersion {
	case "", "v1":
	case "v1beta1":
		api = SPOAPIVersionV1Beta1
	default:
		return nil, fmt.Errorf("encode SeccompProfile: apiVersion %q: want v1 or v1beta1", o.SPOAPIVersion)
	}
	if p.DefaultErrnoRet != nil && *p.DefaultErrnoRet != errnoEPERM {
		return nil, fmt.Errorf("encode SeccompProfile: a SeccompProfile has no defaultErrnoRet, and this profile's is %d, not EPERM", *p.DefaultErrnoRet)
	}
	if p.ListenerPath != "" {
		return nil, fmt.Errorf("encode SeccompProfile: a SeccompProfile made by profgen cannot carry listenerPath")
	}
	v := spoResource{APIVersion: api, Kind: "SeccompProfile", Metadata: spoMetadata{Name: o.Name},
		Spec: spoProfileSpec{DefaultAction: p.DefaultAction, Architectures: p.Architectures, Flags: p.Flags, Syscalls: p.Syscalls}}
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode SeccompProfile: %w", err)
	}
	return b, nil
}

// PodPatch returns a strategic merge patch (YAML) for a manifest of kind that runs container
// under the localhost seccomp profile profiles/NAME.json, for kubectl patch --patch-file or a
// kustomize patch. It is built from the k8s.io/api types, so it decodes strictly into them.
//
// With no Name but Capabilities, the patch sets the container's capabilities alone.
func PodPatch(o KubeOutput) ([]byte, error) {
	if o.Name != "" || o.Capabilities == nil {
		if err := ValidateProfileName(o.Name); err != nil {
			return nil, fmt.Errorf("encode pod patch: %w", err)
		}
	}
	if len(o.Container) > 63 || !dns1123Label.MatchString(o.Container) {
		return nil, fmt.Errorf("encode pod patch: container name %q is not a Kubernetes name (lower-case letters, digits and -, at most 63)", o.Container)
	}
	spec := corev1.PodSpec{Containers: []corev1.Container{{
		Name: o.Container, SecurityContext: &corev1.SecurityContext{},
	}}}
	if o.Name != "" {
		lp := LocalhostProfile(o.Name)
		spec.Containers[0].SecurityContext.SeccompProfile = &corev1.SeccompProfile{
			Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &lp,
		}
	}
	if c := o.Capabilities; c != nil {
		kc := &corev1.Capabilities{}
		for _, n := range c.Drop {
			kc.Drop = append(kc.Drop, corev1.Capability(n))
		}
		for _, n := range c.Add {
			kc.Add = append(kc.Add, corev1.Capability(n))
		}
		spec.Containers[0].SecurityContext.Capabilities = kc
	}
	// Only the pod spec is marshalled from the API types: the objects around it have fields
	// without omitempty (a Deployment's selector: null would delete the selector).
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode pod patch: %w", err)
	}
	var podSpec map[string]any
	if err := json.Unmarshal(b, &podSpec); err != nil {
		return nil, fmt.Errorf("encode pod patch: %w", err)
	}
	// The API types write their empty structs (resources ...) as {}: a patch holds only what
	// it changes.
	var patch any = pruneEmpty(podSpec)
	kind := strings.ToLower(o.Kind)
	switch kind {
	case "", "pod":
		kind = "pod"
	case "deployment", "statefulset", "daemonset", "replicaset", "job":
		patch = map[string]any{"template": map[string]any{"spec": patch}}
	case "cronjob":
		patch = map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": patch}}}}
	default:
		return nil, fmt.Errorf("encode pod patch: kind %q: want %s", o.Kind, strings.Join(KubeKinds, ", "))
	}
	out, err := yaml.Marshal(map[string]any{"spec": patch})
	if err != nil {
		return nil, fmt.Errorf("encode pod patch: %w", err)
	}
	apply := "kubectl patch " + kind + " NAME --patch-file THIS.yaml"
	if kind == "pod" {
		// A running pod's securityContext cannot change: patch its manifest.
		apply = "kubectl patch --local -f POD.yaml --patch-file THIS.yaml -o yaml (a running pod cannot change)"
	}
	header := fmt.Sprintf("# Strategic merge patch: container %s of this %s runs under the seccomp profile %s.\n"+
		"# Install the OCI profile on every node first: profgen install %s PROFILE.json (writes %s/%s.json);\n"+
		"# then: %s\n", o.Container, kind, LocalhostProfile(o.Name), o.Name, KubeletProfileDir, o.Name, apply)
	if o.Name == "" {
		header = fmt.Sprintf("# Strategic merge patch: container %s of this %s gets the capabilities its recording used.\n# Apply: %s\n", o.Container, kind, apply)
	}
	return append([]byte(header), out...), nil
}

// pruneEmpty drops nulls, empty maps, and maps left empty, from v.
func pruneEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			x = pruneEmpty(x)
			if m, ok := x.(map[string]any); x == nil || ok && len(m) == 0 {
				delete(t, k)
				continue
			}
			t[k] = x
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = pruneEmpty(x)
		}
		return t
	}
	return v
}
