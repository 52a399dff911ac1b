package apparmor

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/profgen/profgen/profile"
)

// k8sContainerNameRe is a Kubernetes container name (RFC 1123 label).
var k8sContainerNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// k8sCapabilityRe is a capability as Kubernetes names it (NET_BIND_SERVICE, or ALL).
var k8sCapabilityRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// k8sPodTemplate is where the pod template is in each kind of profile.KubeKinds but pod: the
// lines that open it, and the indentation of the pod's metadata and spec under them.
var k8sPodTemplate = map[string]struct{ open, indent string }{
	"deployment":  {"spec:\n  template:\n", "    "},
	"statefulset": {"spec:\n  template:\n", "    "},
	"daemonset":   {"spec:\n  template:\n", "    "},
	"replicaset":  {"spec:\n  template:\n", "    "},
	"job":         {"spec:\n  template:\n", "    "},
	"cronjob":     {"spec:\n  jobTemplate:\n    spec:\n      template:\n", "        "},
}

// KubernetesPatch returns a strategic merge patch (YAML) that makes container run under the
// AppArmor profile name, loaded on the node: securityContext.appArmorProfile (type Localhost)
// for Kubernetes 1.30 and later, and the container.apparmor.security.beta.kubernetes.io
// annotation for older versions. kind is one of profile.KubeKinds: "pod" or a kind with a pod
// template (deployment, statefulset, daemonset, replicaset, job, cronjob; any case). Names
// are validated, and quoted anyway so that YAML never reads them as numbers or booleans.
func KubernetesPatch(name, container, kind string) ([]byte, error) {
	return KubernetesPatchWithCapabilities(name, container, kind, nil)
}

// KubernetesPatchWithCapabilities is KubernetesPatch that also sets the container's
// securityContext.capabilities to caps (see profile.CapabilitiesUsed) when caps is not nil.
func KubernetesPatchWithCapabilities(name, container, kind string, caps *profile.ContainerCapabilities) ([]byte, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if !k8sContainerNameRe.MatchString(container) {
		return nil, fmt.Errorf("container name %q is not a Kubernetes name (lower-case letters, digits and -, at most 63)", container)
	}
	kind = strings.ToLower(kind)
	tpl, ok := k8sPodTemplate[kind]
	if kind != "pod" && !ok {
		return nil, fmt.Errorf("kind %q: want %s", kind, strings.Join(profile.KubeKinds, ", "))
	}
	var b strings.Builder
	ind := ""
	b.WriteString("# AppArmor profile " + name + " for container " + container + ": Kubernetes 1.30 and later\n")
	b.WriteString("# read securityContext.appArmorProfile, older versions the annotation.\n")
	if kind != "pod" {
		b.WriteString(tpl.open)
		ind = tpl.indent
	}
	b.WriteString(ind + "metadata:\n")
	b.WriteString(ind + "  annotations:\n")
	fmt.Fprintf(&b, "%s    container.apparmor.security.beta.kubernetes.io/%s: \"localhost/%s\"\n", ind, container, name)
	b.WriteString(ind + "spec:\n")
	b.WriteString(ind + "  containers:\n")
	fmt.Fprintf(&b, "%s  - name: %q\n", ind, container)
	b.WriteString(ind + "    securityContext:\n")
	b.WriteString(ind + "      appArmorProfile:\n")
	b.WriteString(ind + "        type: Localhost\n")
	fmt.Fprintf(&b, "%s        localhostProfile: %q\n", ind, name)
	if caps != nil {
		b.WriteString(ind + "      capabilities:\n")
		for _, l := range []struct {
			key   string
			names []string
		}{{"add", caps.Add}, {"drop", caps.Drop}} {
			if len(l.names) == 0 {
				continue
			}
			b.WriteString(ind + "        " + l.key + ":\n")
			for _, n := range l.names {
				if !k8sCapabilityRe.MatchString(n) {
					return nil, fmt.Errorf("capability %q is not a capability name", n)
				}
				fmt.Fprintf(&b, "%s        - %s\n", ind, n)
			}
		}
	}
	return []byte(b.String()), nil
}
