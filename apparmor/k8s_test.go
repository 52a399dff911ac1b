package apparmor

import (
	"strings"
	"testing"

	"github.com/profgen/profgen/profile"
)

func TestKubernetesPatch(t *testing.T) {
	pod, err := KubernetesPatch("profgen-app", "web", "pod")
	if err != nil {
		t.Fatal(err)
	}
	dep, err := KubernetesPatch("profgen-app", "web", "Deployment")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`container.apparmor.security.beta.kubernetes.io/web: "localhost/profgen-app"`,
		`localhostProfile: "profgen-app"`, `- name: "web"`, "type: Localhost",
	} {
		if !strings.Contains(string(pod), want) || !strings.Contains(string(dep), want) {
			t.Errorf("patches lack %q:\n%s\n%s", want, pod, dep)
		}
	}
	if strings.Contains(string(pod), "template:") || !strings.Contains(string(dep), "spec:\n  template:\n    metadata:") {
		t.Errorf("pod template only for the deployment:\n%s\n%s", pod, dep)
	}
	for _, bad := range [][3]string{
		{"../x", "web", "pod"}, {"p", "Web", "pod"}, {"p", "web", "service"}, {"p", strings.Repeat("a", 64), "pod"},
	} {
		if _, err := KubernetesPatch(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("KubernetesPatch%q: no error", bad)
		}
	}
}

func TestKubernetesPatchWithCapabilities(t *testing.T) {
	caps := &profile.ContainerCapabilities{Drop: []string{"ALL"}, Add: []string{"NET_BIND_SERVICE"}}
	b, err := KubernetesPatchWithCapabilities("profgen-app", "web", "pod", caps)
	if err != nil {
		t.Fatal(err)
	}
	want := "    securityContext:\n      appArmorProfile:\n        type: Localhost\n        localhostProfile: \"profgen-app\"\n      capabilities:\n        add:\n        - NET_BIND_SERVICE\n        drop:\n        - ALL\n"
	if !strings.HasSuffix(string(b), want) {
		t.Errorf("patch:\n%s\nwant it to end with:\n%s", b, want)
	}
	bad := &profile.ContainerCapabilities{Drop: []string{"ALL"}, Add: []string{"net_admin\n- X"}}
	if _, err := KubernetesPatchWithCapabilities("profgen-app", "web", "pod", bad); err == nil {
		t.Errorf("a capability name with YAML in it was written")
	}
}
