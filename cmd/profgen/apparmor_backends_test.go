//go:build linux

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// TestAppArmorBackendsAgree records the exact workloads above, Python's http.server start-up
// and make demo's app with each backend: the eBPF recorder's profile must be the ptrace
// recorder's, line for line (each run in a work directory of its own, named WORK here).
func TestAppArmorBackendsAgree(t *testing.T) {
	requireBPF(t)
	py := testutil.Python(t)
	app, _ := filepath.Abs("../../examples/hello/app.sh")
	server := "import http.server\ns = http.server.ThreadingHTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\ns.server_close()"
	for _, w := range []struct {
		name string
		args []string
	}{
		{"shell", []string{"/bin/sh", "-c", exactScript}},
		{"http.server", []string{py, "-c", server}},
		{"demo", []string{app}},
	} {
		t.Run(w.name, func(t *testing.T) {
			var profiles [2][]string
			for i, backend := range []string{"ptrace", "ebpf"} {
				work := exactWorkDir(t)
				env := append(os.Environ(), "WORK="+work)
				for _, l := range recordProfile(t, env, []string{"--backend", backend, "--apparmor-no-generalize", "tmp"}, w.args...) {
					profiles[i] = append(profiles[i], strings.ReplaceAll(l, work, "WORK"))
				}
			}
			if !slices.Equal(profiles[0], profiles[1]) {
				t.Errorf("profiles differ\nptrace:\n%s\neBPF:\n%s", strings.Join(profiles[0], "\n"), strings.Join(profiles[1], "\n"))
			}
		})
	}
}
