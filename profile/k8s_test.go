package profile

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestPodPatchDecodesStrictly decodes the patch for every kind strictly into its k8s.io/api
// type, as the API server reads a strategic merge patch, and finds the container's profile.
func TestPodPatchDecodesStrictly(t *testing.T) {
	for _, kind := range KubeKinds {
		t.Run(kind, func(t *testing.T) {
			b, err := PodPatch(KubeOutput{Name: "web", Kind: strings.ToUpper(kind[:1]) + kind[1:], Container: "app"})
			if err != nil {
				t.Fatal(err)
			}
			var spec *corev1.PodSpec
			switch kind {
			case "pod":
				var o corev1.Pod
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec
			case "deployment":
				var o appsv1.Deployment
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec.Template.Spec
			case "statefulset":
				var o appsv1.StatefulSet
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec.Template.Spec
			case "daemonset":
				var o appsv1.DaemonSet
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec.Template.Spec
			case "replicaset":
				var o appsv1.ReplicaSet
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec.Template.Spec
			case "job":
				var o batchv1.Job
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec.Template.Spec
			case "cronjob":
				var o batchv1.CronJob
				err, spec = yaml.UnmarshalStrict(b, &o), &o.Spec.JobTemplate.Spec.Template.Spec
			}
			if err != nil {
				t.Fatalf("strict decoding:\n%s\n%v", b, err)
			}
			if len(spec.Containers) != 1 || spec.Containers[0].Name != "app" || spec.Containers[0].SecurityContext == nil {
				t.Fatalf("containers %+v in\n%s", spec.Containers, b)
			}
			sp := spec.Containers[0].SecurityContext.SeccompProfile
			if sp == nil || sp.Type != corev1.SeccompProfileTypeLocalhost || sp.LocalhostProfile == nil || *sp.LocalhostProfile != "profiles/web.json" {
				t.Errorf("seccompProfile %+v", sp)
			}
			if strings.Contains(string(b), "{}") || strings.Contains(string(b), "status") {
				t.Errorf("empty objects in the patch:\n%s", b)
			}
		})
	}
	for _, o := range []KubeOutput{{Name: "web", Kind: "service", Container: "app"}, {Name: "web", Container: "App_1"}, {Name: "a/b", Container: "app"}} {
		if _, err := PodPatch(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func TestSPONamesAndVersions(t *testing.T) {
	for in, want := range map[string]string{
		"My_App.json": "my-app.json", "web": "web", "__": "", "a..b": "a.b", "-x-": "x", "Über": "ber",
	} {
		if got := KubeNameFrom(in); got != want {
			t.Errorf("KubeNameFrom(%q) = %q, want %q", in, got, want)
		}
	}
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	if _, err := EncodeSeccompFor(p, FormatSPO, KubeOutput{Name: "My_App"}); err == nil || !strings.Contains(err.Error(), "not a Kubernetes name") {
		t.Errorf("invalid metadata.name: %v", err)
	}
	for v, want := range map[string]string{"": "security-profiles-operator.x-k8s.io/v1\n", "v1": "security-profiles-operator.x-k8s.io/v1\n", "v1beta1": "security-profiles-operator.x-k8s.io/v1beta1\n"} {
		b, err := EncodeSeccompFor(p, FormatSPO, KubeOutput{Name: "web", SPOAPIVersion: v})
		if err != nil || !strings.HasPrefix(string(b), "apiVersion: "+want) {
			t.Errorf("%q: %v\n%s", v, err, b)
		}
	}
	if _, err := EncodeSeccompFor(p, FormatSPO, KubeOutput{Name: "web", SPOAPIVersion: "v2"}); err == nil {
		t.Error("apiVersion v2 accepted")
	}
}

func TestArchWarnings(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_PARISC", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_SH"}}
	w := ArchWarnings(p, FormatOCI)
	if len(w) != 1 || !strings.Contains(w[0], "runc refuses a profile listing SCMP_ARCH_PARISC, SCMP_ARCH_SH") {
		t.Errorf("oci: %q", w)
	}
	w = ArchWarnings(p, FormatSPO)
	if len(w) != 2 || !strings.Contains(w[1], "SeccompProfile CRD") || !strings.Contains(w[1], "SCMP_ARCH_LOONGARCH64, SCMP_ARCH_SH") {
		t.Errorf("spo: %q", w)
	}
	p.Architectures = []specs.Arch{"SCMP_ARCH_X86_64"}
	if w := ArchWarnings(p, FormatSPO); len(w) != 0 {
		t.Errorf("x86_64: %q", w)
	}
}
