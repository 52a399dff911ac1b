//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// containerEnv is the environment `runc spec` gives a container; the host recording runs with
// the same, so that the programs take the same paths.
var containerEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}

// serverWorkload is a Debian server program, how to run it on a port, and real traffic for it.
type serverWorkload struct {
	name    string
	program string // the Debian package's binary (skip if absent)
	args    func(dir string, port int) []string
	traffic func(addr string) error
}

// httpClient gives up on a server that accepted and never answered (under a profile that
// denies what it needs to answer), instead of waiting for ever.
var httpClient = &http.Client{Timeout: 20 * time.Second}

func httpTraffic(addr string) error {
	for i := 0; i < 20; i++ {
		resp, err := httpClient.Get("http://" + addr + "/index.html")
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello from profgen\n" {
			return fmt.Errorf("GET /index.html: %s %q", resp.Status, b)
		}
	}
	resp, err := httpClient.Get("http://" + addr + "/missing")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		return fmt.Errorf("GET /missing: %s", resp.Status)
	}
	return nil
}

// redisTraffic speaks RESP: PING, SET, GET, INCR, DEL, each answered as redis answers.
func redisTraffic(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	do := func(want string, args ...string) error {
		fmt.Fprintf(c, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("%v: %w", args, err)
		}
		if strings.HasPrefix(line, "$") && line != "$-1\r\n" {
			v, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			line += v
		}
		if line != want {
			return fmt.Errorf("%v: got %q, want %q", args, line, want)
		}
		return nil
	}
	if err := do("+PONG\r\n", "PING"); err != nil {
		return err
	}
	for i := 1; i <= 50; i++ {
		if err := do(fmt.Sprintf(":%d\r\n", i), "INCR", "profgen:n"); err != nil {
			return err
		}
	}
	if err := do("+OK\r\n", "SET", "profgen:k", "value"); err != nil {
		return err
	}
	if err := do("$5\r\nvalue\r\n", "GET", "profgen:k"); err != nil {
		return err
	}
	return do(":2\r\n", "DEL", "profgen:k", "profgen:n")
}

var serverWorkloads = []serverWorkload{
	{name: "nginx", program: "/usr/sbin/nginx", traffic: httpTraffic, args: func(dir string, port int) []string {
		conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/client_body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server { listen 127.0.0.1:%[2]d; root %[1]s/www; }
}
`, dir, port)
		os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
		return []string{"/usr/sbin/nginx", "-e", "stderr", "-c", filepath.Join(dir, "nginx.conf")}
	}},
	{name: "redis", program: "/usr/bin/redis-server", traffic: redisTraffic, args: func(dir string, port int) []string {
		return []string{"/usr/bin/redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--daemonize", "no", "--protected-mode", "no", "--logfile", ""}
	}},
	{name: "python-http", program: "/usr/bin/python3", traffic: httpTraffic, args: func(dir string, port int) []string {
		return []string{"/usr/bin/python3", "-m", "http.server", fmt.Sprint(port), "--bind", "127.0.0.1", "--directory", filepath.Join(dir, "www")}
	}},
}

// recordServer runs the workload under profgen record --runtime runc on the host, sends it
// traffic, stops it with SIGTERM (profgen passes it on) and returns the recording's path.
func recordServer(t *testing.T, w serverWorkload, dir string) string {
	t.Helper()
	port := testutil.FreePort(t)
	rec := filepath.Join(dir, w.name+".rec.json")
	args := append([]string{"record", "--runtime", "runc", "--recording", rec, "--"}, w.args(dir, port)...)
	errb := serveUnder(t, w, profgenCommand(args...), port, "profgen record", func(cmd *exec.Cmd) int { return cmd.Process.Pid })
	if _, err := os.Stat(rec); err != nil {
		t.Fatalf("no recording: %v\n%s", err, errb)
	}
	return rec
}

// serveUnder runs cmd, which starts server w on port (profgen record, strace ...) with
// containerEnv, waits until w listens, sends it w's traffic, and sends SIGTERM to the process
// stopPID names; it returns once cmd has ended, with cmd's standard error. what names cmd
// in failures.
func serveUnder(t *testing.T, w serverWorkload, cmd *exec.Cmd, port int, what string, stopPID func(*exec.Cmd) int) string {
	t.Helper()
	cmd.Env = containerEnv
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if !testutil.WaitPort(addr, 30*time.Second, func() bool { return testutil.ProcessAlive(cmd.Process.Pid) }) {
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not listen under %s: %s", w.name, what, errb.String())
	}
	if err := w.traffic(addr); err != nil {
		t.Errorf("traffic under %s: %v", what, err)
	}
	syscall.Kill(stopPID(cmd), syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not end after SIGTERM: %s", what, errb.String())
	}
	return errb.String()
}

// serveInRunc runs the workload in runc under p with the given noNewPrivileges (and, when
// caps is given, exactly those capabilities), sends it the traffic and stops it; it returns the traffic's error, or the container's if it never
// listened.
func serveInRunc(t *testing.T, w serverWorkload, dir string, p *specs.LinuxSeccomp, nnp bool, caps ...string) error {
	t.Helper()
	port := testutil.FreePort(t)
	bundle := testutil.NewHostBundle(t, w.args(dir, port), p, dir)
	testutil.SetNoNewPrivileges(t, bundle, nnp)
	if caps != nil {
		testutil.SetCapabilities(t, bundle, caps)
	}
	c := testutil.StartBundle(t, bundle)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if !testutil.WaitPort(addr, 30*time.Second, func() bool { exited, _ := c.Exited(); return !exited }) {
		out, e, err := c.Stop()
		return fmt.Errorf("never listened: %v: %s%s", err, out, e)
	}
	err := w.traffic(addr)
	if exited, cerr := c.Exited(); exited {
		return fmt.Errorf("the container ended under traffic: %v (traffic: %v): %s", cerr, err, c.Output())
	}
	c.Stop()
	return err
}

func generateFrom(t *testing.T, rec string, flags ...string) *specs.LinuxSeccomp {
	t.Helper()
	out := filepath.Join(filepath.Dir(rec), fmt.Sprintf("p%d.json", time.Now().UnixNano()))
	r := runProfgen(t, nil, append(append([]string{"generate", "seccomp", "--seccomp", out}, flags...), rec)...)
	if r.code != 0 {
		t.Fatalf("generate %v: %+v", flags, r)
	}
	p, err := profile.LoadSeccomp(out)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDebianServersInRunc records Debian's nginx, redis-server and python3 -m http.server on
// the host with profgen record --runtime runc, as a user would, then runs each in runc under
// its profile with noNewPrivileges false (Docker's and Kubernetes' default) and true, with
// real loopback traffic. Each must serve; with false, the profile made for true (runc's
// smaller set) must not start, and a profile without listen must not serve.
func TestDebianServersInRunc(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "runc")
	for _, w := range serverWorkloads {
		t.Run(w.name, func(t *testing.T) {
			if _, err := os.Stat(w.program); err != nil {
				t.Skipf("needs %s (make deps installs nginx-light, redis-server, python3): %v", w.program, err)
			}
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "www"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("hello from profgen\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			rec := recordServer(t, w, dir)
			servesUnderItsProfile(t, w, dir, rec, nil, func(t *testing.T, p *specs.LinuxSeccomp, nnp bool) {
				if err := serveInRunc(t, w, dir, testutil.WithoutSyscall(p, "listen"), nnp); err == nil {
					t.Errorf("served with listen denied: the profile is not enforced")
				}
				if !nnp {
					small := generateFrom(t, rec, "--runtime", "runc", "--no-new-privileges")
					if err := serveInRunc(t, w, dir, small, false); err == nil {
						t.Errorf("served with noNewPrivileges false under the profile for true: is runc's larger set still needed?")
					} else if !strings.Contains(err.Error(), "operation not permitted") {
						t.Logf("under the noNewPrivileges-true profile: %v", err)
					}
				}
			})
		})
	}
}

// servesUnderItsProfile runs w in runc, with noNewPrivileges false and true (a subtest each),
// under the profile generated from the recording rec for that setting (--runtime runc, with
// --no-new-privileges for true) and, when caps is not nil, exactly those capabilities: it
// must serve its traffic; check then tests more.
func servesUnderItsProfile(t *testing.T, w serverWorkload, dir, rec string, caps []string, check func(t *testing.T, p *specs.LinuxSeccomp, nnp bool)) {
	t.Helper()
	for _, nnp := range []bool{false, true} {
		t.Run(fmt.Sprintf("noNewPrivileges=%v", nnp), func(t *testing.T) {
			flags := []string{"--runtime", "runc"}
			if nnp {
				flags = append(flags, "--no-new-privileges")
			}
			p := generateFrom(t, rec, flags...)
			if err := serveInRunc(t, w, dir, p, nnp, caps...); err != nil {
				t.Fatalf("under its profile (%v): %v", flags, err)
			}
			check(t, p, nnp)
		})
	}
}
