package profile

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCapabilitiesUsed(t *testing.T) {
	got := CapabilitiesUsed([]string{"sys_time", "CAP_NET_BIND_SERVICE", "net_bind_service"})
	want := &ContainerCapabilities{Drop: []string{"ALL"}, Add: []string{"NET_BIND_SERVICE", "SYS_TIME"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CapabilitiesUsed = %+v, want %+v", got, want)
	}
	if got := CapabilitiesUsed(nil); !reflect.DeepEqual(got, &ContainerCapabilities{Drop: []string{"ALL"}}) {
		t.Errorf("no capabilities: %+v", got)
	}
}

func TestEncodeSeccompPodCapabilities(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}
	b, err := EncodeSeccompPod(p, "app", CapabilitiesUsed([]string{"sys_time"}))
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{"# Install the OCI profile", "    securityContext:\n      capabilities:\n        add:\n        - SYS_TIME\n        drop:\n        - ALL\n", "localhostProfile: profiles/app.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("pod snippet lacks %q:\n%s", want, out)
		}
	}
	plain, err := EncodeSeccompPod(p, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain), "capabilities") {
		t.Errorf("a snippet without capabilities has them:\n%s", plain)
	}
}
