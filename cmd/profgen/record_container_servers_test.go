//go:build linux

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/ebpf"
)

var allServers = flag.Bool("all-servers", false, "run the eBPF server tests for nginx, redis and python3 -m http.server, not one server each")

// containerServer is a server of serverWorkloads recorded in runc by the eBPF backend, and how
// its profile is shown to be enforced.
type containerServer struct {
	name   string // the serverWorkloads entry, or nginx-workers
	cgroup bool   // record by --cgroup (else --container ID --container-root)
	deflt  bool   // run without -all-servers
	// caps: recorded with Docker's default capabilities, the server runs again with exactly
	// those the recording says it used, and fails without any one of them.
	caps    bool
	enforce func(t *testing.T, w serverWorkload, dir string, p *specs.LinuxSeccomp, nnp bool, caps []string)
}

var containerServers = []containerServer{
	// SAVE makes redis write its dump (fsync, rename, and a fork for BGSAVE): calls the traffic
	// never made, so under the profile SAVE fails while the rest of redis serves.
	{name: "redis", deflt: true, enforce: enforceRedisSave},
	// The call that writes the response, denied: the server starts, accepts, and every GET
	// fails.
	{name: "nginx-workers", cgroup: true, deflt: true, caps: true, enforce: enforceWithout("writev")},
	{name: "nginx", cgroup: true, enforce: enforceWithout("writev")},
	{name: "python-http", enforce: enforceWithout("sendto")},
}

// nginxWorkers is Debian's nginx as it runs by default: a master process, root, and worker
// processes that become nobody (setgid, setuid) and serve.
var nginxWorkers = serverWorkload{name: "nginx-workers", program: "/usr/sbin/nginx", traffic: httpTraffic, args: func(dir string, port int) []string {
	conf := fmt.Sprintf(`daemon off;
worker_processes 2;
pid %[1]s/nginx-workers.pid;
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
	os.WriteFile(filepath.Join(dir, "nginx-workers.conf"), []byte(conf), 0o644)
	return []string{"/usr/sbin/nginx", "-e", "stderr", "-c", filepath.Join(dir, "nginx-workers.conf")}
}}

// getWithin is one GET of /index.html that must be answered within d.
func getWithin(d time.Duration) func(addr string) error {
	return func(addr string) error {
		resp, err := (&http.Client{Timeout: d}).Get("http://" + addr + "/index.html")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET /index.html: %s", resp.Status)
		}
		return nil
	}
}

// checkCapabilities runs w under p with exactly the capabilities the recording rec says were
// used (Kubernetes' drop ALL, add those), where it must serve, then without each of them,
// where it must not.
func checkCapabilities(t *testing.T, w serverWorkload, dir, rec string, p *specs.LinuxSeccomp) {
	t.Helper()
	r, err := profile.LoadRecording(rec)
	if err != nil {
		t.Fatal(err)
	}
	used := r.Capabilities
	t.Logf("capabilities used: %v (warnings %q)", used, r.Source.Warnings)
	if len(used) == 0 {
		t.Fatalf("no capability recorded, though nginx's workers change user")
	}
	if err := serveInRunc(t, w, dir, p, false, used...); err != nil {
		t.Fatalf("with exactly the capabilities used %v: %v", used, err)
	}
	quick := w
	quick.traffic = getWithin(3 * time.Second)
	for _, c := range used {
		var less []string
		for _, o := range used {
			if o != c {
				less = append(less, o)
			}
		}
		if err := serveInRunc(t, quick, dir, p, false, append([]string{}, less...)...); err == nil {
			t.Errorf("served without %s, which the recording says it used", c)
		}
	}
}

func enforceWithout(name string) func(*testing.T, serverWorkload, string, *specs.LinuxSeccomp, bool, []string) {
	return func(t *testing.T, w serverWorkload, dir string, p *specs.LinuxSeccomp, nnp bool, caps []string) {
		t.Helper()
		if !hasSyscall(p, name) {
			t.Fatalf("the profile lacks %s, which %s calls to answer", name, w.name)
		}
		err := serveInRunc(t, w, dir, testutil.WithoutSyscall(p, name), nnp, caps...)
		if err == nil {
			t.Errorf("%s served under its profile without %s: the profile is not enforced", w.name, name)
		}
		t.Logf("without %s: %v", name, err)
	}
}

func enforceRedisSave(t *testing.T, w serverWorkload, dir string, p *specs.LinuxSeccomp, nnp bool, _ []string) {
	t.Helper()
	port := testutil.FreePort(t)
	bundle := testutil.NewHostBundle(t, w.args(dir, port), p, dir)
	testutil.SetNoNewPrivileges(t, bundle, nnp)
	c := testutil.StartBundle(t, bundle)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if !testutil.WaitPort(addr, 30*time.Second, func() bool { exited, _ := c.Exited(); return !exited }) {
		out, e, err := c.Stop()
		t.Fatalf("redis never listened under its profile: %v: %s%s", err, out, e)
	}
	reply, err := redisCommand(addr, "SAVE")
	if err != nil || !strings.HasPrefix(reply, "-ERR") {
		t.Errorf("SAVE under a profile recorded without it: reply %q, %v (want -ERR: its fsync and rename are not allowed)", reply, err)
	}
	if err := w.traffic(addr); err != nil {
		t.Errorf("redis stopped serving after the denied SAVE: %v", err)
	}
	out, e, _ := c.Stop()
	if !strings.Contains(out+e, "Operation not permitted") {
		t.Errorf("redis's log does not say why SAVE failed:\n%s%s", out, e)
	}
}

// redisCommand sends one command in RESP and returns the first line of the reply.
func redisCommand(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
	}
	return bufio.NewReader(c).ReadString('\n')
}

func hasSyscall(p *specs.LinuxSeccomp, name string) bool {
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			if n == name {
				return true
			}
		}
	}
	return false
}

// TestRecordContainerServersEBPF records Debian's servers in runc with the eBPF backend as a
// node would: the container is created (runc create), profgen record --container (or
// --cgroup with its cgroup) attaches, runc start starts it, real traffic is sent and the
// container is stopped, which ends the recording. The profile generated with --runtime runc
// then runs the same container with noNewPrivileges false (Kubernetes' default) and true,
// serving the same traffic; a request that needs a call the recording lacks fails. One
// server per way of naming the container by default; -all-servers runs python3 -m
// http.server too.
func TestRecordContainerServersEBPF(t *testing.T) {
	requireBPF(t)
	testutil.RequireCommand(t, "runc")
	for _, cs := range containerServers {
		t.Run(cs.name, func(t *testing.T) {
			if !cs.deflt && !*allServers {
				t.Skip("one server per mode by default; -all-servers runs this one")
			}
			w := serverWorkloadNamed(t, cs.name)
			dir := serverDir(t)
			var caps []string
			if cs.caps {
				caps = testutil.DockerCapabilities
			}
			rec := recordServerContainer(t, w, dir, cs.cgroup, caps)
			servesUnderItsProfile(t, w, dir, rec, caps, func(t *testing.T, p *specs.LinuxSeccomp, nnp bool) {
				cs.enforce(t, w, dir, p, nnp, caps)
				if cs.caps && !nnp {
					checkCapabilities(t, w, dir, rec, p)
				}
			})
		})
	}
}

func serverWorkloadNamed(t *testing.T, name string) serverWorkload {
	t.Helper()
	for _, w := range append(serverWorkloads[:len(serverWorkloads):len(serverWorkloads)], nginxWorkers) {
		if w.name == name {
			if _, err := os.Stat(w.program); err != nil {
				t.Skipf("needs %s (make deps installs nginx, redis-server, python3): %v", w.program, err)
			}
			return w
		}
	}
	t.Fatalf("no server workload %q", name)
	return serverWorkload{}
}

// serverDir makes the directory the servers of serverWorkloads run in, readable by all (nginx's
// workers are nobody): www/index.html, and nginx's temporary directories owned by nobody, whom
// nginx makes them for: in runc (whose default capabilities lack CAP_CHOWN) nginx cannot chown
// them itself.
func serverDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("hello from profgen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(filepath.Join(dir, d), 65534, 0); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// recordServerContainer creates w's container (noNewPrivileges false; caps, if given, its
// capabilities), records it with
// profgen record --backend ebpf from runc start to its end, sends it traffic meanwhile, and
// returns the recording's path.
func recordServerContainer(t *testing.T, w serverWorkload, dir string, byCgroup bool, caps []string) string {
	t.Helper()
	port := testutil.FreePort(t)
	bundle := testutil.NewHostBundle(t, w.args(dir, port), nil, dir)
	testutil.SetNoNewPrivileges(t, bundle, false)
	if caps != nil {
		testutil.SetCapabilities(t, bundle, caps)
	}
	c := createContainer(t, bundle, fmt.Sprintf("profgen-ebpf-%s-%d", w.name, os.Getpid()))
	rec := filepath.Join(dir, w.name+".rec.json")
	r := startRecorder(t, recordContainerArgs(t, c, rec, byCgroup))

	if b, err := c.runc("start", c.id).CombinedOutput(); err != nil {
		t.Fatalf("runc start: %v: %s", err, b)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	alive := func() bool { return testutil.ProcessAlive(r.cmd.Process.Pid) }
	if !testutil.WaitPort(addr, 30*time.Second, alive) {
		t.Fatalf("%s did not listen in its container: %s", w.name, c.output())
	}
	if err := w.traffic(addr); err != nil {
		t.Errorf("traffic while recording: %v", err)
	}
	err := r.waitContainerStopped(t, c)
	<-r.logged
	if err != nil {
		t.Fatalf("record: %v\n%s", err, r.log.String())
	}
	if _, err := os.Stat(rec); err != nil {
		t.Fatalf("no recording: %v\n%s", err, r.log.String())
	}
	return rec
}

// createdContainer is a container made by runc create and not started yet, with a state
// directory of its own.
type createdContainer struct {
	root, id string
	out      *os.File // the container's standard output and error
}

// createContainer runs runc create for bundle; the container is killed and deleted when the
// test ends.
func createContainer(t *testing.T, bundle, id string) *createdContainer {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	c := &createdContainer{root: t.TempDir(), id: id, out: out}
	create := c.runc("create", "--bundle", bundle, id)
	create.Stdout, create.Stderr = out, out
	if err := create.Run(); err != nil {
		t.Fatalf("runc create: %v: %s", err, c.output())
	}
	t.Cleanup(func() {
		c.runc("kill", id, "KILL").Run()
		c.runc("delete", "--force", id).Run()
	})
	return c
}

// runc is the runc command with args for the container's state directory.
func (c *createdContainer) runc(args ...string) *exec.Cmd {
	return exec.Command("runc", append([]string{"--root", c.root}, args...)...)
}

// output is what the container wrote so far (for failure messages).
func (c *createdContainer) output() string {
	b, _ := os.ReadFile(c.out.Name())
	return string(b)
}

// recordContainerArgs are the arguments of profgen record --backend ebpf that record c into
// rec, by its cgroup or by its id.
func recordContainerArgs(t *testing.T, c *createdContainer, rec string, byCgroup bool) []string {
	t.Helper()
	args := []string{"record", "--backend", "ebpf", "--recording", rec}
	if byCgroup {
		pid, _, err := ebpf.ContainerState(context.Background(), "runc", c.root, c.id)
		if err != nil {
			t.Fatal(err)
		}
		cg, err := ebpf.CgroupOfPID(pid)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--cgroup", cg)
	} else {
		args = append(args, "--container", c.id, "--container-root", c.root)
	}
	return append(args, "--duration", "2m")
}

// recorderRun is a profgen record running in the background.
type recorderRun struct {
	cmd    *exec.Cmd
	done   chan error    // its exit, once
	exited chan struct{} // closed once it is waited for
	logged chan struct{} // closed once its standard error is read to the end
	log    *strings.Builder
}

// startRecorder starts profgen with args and returns once it says it records the cgroup.
// It is killed when the test ends, if it has not ended by then.
func startRecorder(t *testing.T, args []string) *recorderRun {
	t.Helper()
	r := &recorderRun{cmd: profgenCommand(args...), done: make(chan error, 1),
		exited: make(chan struct{}), logged: make(chan struct{}), log: &strings.Builder{}}
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(stderr)
	for !strings.Contains(r.log.String(), "profgen: recording cgroup") {
		line, err := lines.ReadString('\n')
		r.log.WriteString(line)
		if err != nil {
			r.cmd.Wait()
			t.Fatalf("the recorder ended before recording: %v\n%s", err, r.log.String())
		}
	}
	go func() {
		rest, _ := io.ReadAll(lines)
		r.log.Write(rest)
		close(r.logged)
		err := r.cmd.Wait()
		close(r.exited)
		r.done <- err
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			r.cmd.Process.Kill()
			<-r.exited
		}
	})
	return r
}

// waitContainerStopped stops c as the runtime stops a container, SIGTERM then SIGKILL
// (python3 as the container's PID 1 has no SIGTERM handler, so the kernel drops the
// signal), and returns the recorder's exit, which the container's end brings.
func (r *recorderRun) waitContainerStopped(t *testing.T, c *createdContainer) error {
	t.Helper()
	c.runc("kill", c.id, "TERM").Run()
	select {
	case err := <-r.done:
		return err
	case <-time.After(3 * time.Second):
	}
	c.runc("kill", c.id, "KILL").Run()
	select {
	case err := <-r.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("record did not end with the container: %s", c.output())
	}
	return nil
}
