package apparmor

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/profgen/profgen/profile"
)

// TestKubernetesPatchDecodesStrictly decodes the patch for every kind a seccomp pod patch
// can be written for strictly into its k8s.io/api type, and finds the annotation and the
// container's appArmorProfile in the pod template.
func TestKubernetesPatchDecodesStrictly(t *testing.T) {
	caps := &profile.ContainerCapabilities{Drop: []string{"ALL"}, Add: []string{"SETUID"}}
	for _, kind := range profile.KubeKinds {
		t.Run(kind, func(t *testing.T) {
			b, err := KubernetesPatchWithCapabilities("profgen-app", "web", kind, caps)
			if err != nil {
				t.Fatal(err)
			}
			var tpl *corev1.PodTemplateSpec
			switch kind {
			case "pod":
				var o corev1.Pod
				err, tpl = yaml.UnmarshalStrict(b, &o), &corev1.PodTemplateSpec{ObjectMeta: o.ObjectMeta, Spec: o.Spec}
			case "deployment":
				var o appsv1.Deployment
				err, tpl = yaml.UnmarshalStrict(b, &o), &o.Spec.Template
			case "statefulset":
				var o appsv1.StatefulSet
				err, tpl = yaml.UnmarshalStrict(b, &o), &o.Spec.Template
			case "daemonset":
				var o appsv1.DaemonSet
				err, tpl = yaml.UnmarshalStrict(b, &o), &o.Spec.Template
			case "replicaset":
				var o appsv1.ReplicaSet
				err, tpl = yaml.UnmarshalStrict(b, &o), &o.Spec.Template
			case "job":
				var o batchv1.Job
				err, tpl = yaml.UnmarshalStrict(b, &o), &o.Spec.Template
			case "cronjob":
				var o batchv1.CronJob
				err, tpl = yaml.UnmarshalStrict(b, &o), &o.Spec.JobTemplate.Spec.Template
			default:
				t.Fatalf("kind %s not known to the test", kind)
			}
			if err != nil {
				t.Fatalf("strict decoding:\n%s\n%v", b, err)
			}
			if got := tpl.Annotations["container.apparmor.security.beta.kubernetes.io/web"]; got != "localhost/profgen-app" {
				t.Errorf("annotation %q in\n%s", got, b)
			}
			if len(tpl.Spec.Containers) != 1 || tpl.Spec.Containers[0].Name != "web" || tpl.Spec.Containers[0].SecurityContext == nil {
				t.Fatalf("containers %+v in\n%s", tpl.Spec.Containers, b)
			}
			sc := tpl.Spec.Containers[0].SecurityContext
			if p := sc.AppArmorProfile; p == nil || p.Type != corev1.AppArmorProfileTypeLocalhost || p.LocalhostProfile == nil || *p.LocalhostProfile != "profgen-app" {
				t.Errorf("appArmorProfile %+v in\n%s", p, b)
			}
			if c := sc.Capabilities; c == nil || len(c.Add) != 1 || c.Add[0] != "SETUID" || len(c.Drop) != 1 || c.Drop[0] != "ALL" {
				t.Errorf("capabilities %+v in\n%s", c, b)
			}
		})
	}
}

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
