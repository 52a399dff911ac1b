package main

import "testing"

// TestContainerRootHint: a container runc's default root does not hold may be Docker's or
// containerd's: the error names the engines' state roots that exist here, for --container-root.
func TestContainerRootHint(t *testing.T) {
	only := func(dirs ...string) func(string) bool {
		return func(p string) bool {
			for _, d := range dirs {
				if p == d {
					return true
				}
			}
			return false
		}
	}
	if got, want := containerRootHint("runc", only("/run/docker/runtime-runc/moby")),
		"a container that Docker or containerd started is in their state root: --container-root /run/docker/runtime-runc/moby"; got != want {
		t.Errorf("Docker: %q, want %q", got, want)
	}
	if got := containerRootHint("/usr/sbin/runc", only("/run/docker/runtime-runc/moby", "/run/containerd/runc/k8s.io")); got !=
		"a container that Docker or containerd started is in their state root: --container-root /run/docker/runtime-runc/moby or /run/containerd/runc/k8s.io" {
		t.Errorf("Docker and containerd: %q", got)
	}
	if got := containerRootHint("runc", only()); got != "" {
		t.Errorf("no engine here: %q", got)
	}
	if got := containerRootHint("crun", only("/run/docker/runtime-runc/moby")); got != "" {
		t.Errorf("crun: %q", got)
	}
}
