package ebpf

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoUnifiedCgroup is returned when a process has no cgroup v2 ("0::") line, or the host no
// cgroup2 mount.
var ErrNoUnifiedCgroup = errors.New("no cgroup v2 hierarchy")

// ParseProcCgroup returns the cgroup v2 path of the process whose /proc/PID/cgroup is data:
// the path of its "0::" line, which is absolute within the cgroup2 hierarchy.
func ParseProcCgroup(data []byte) (string, error) {
	for _, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, "0::")
		if !ok {
			continue
		}
		if !strings.HasPrefix(rest, "/") || strings.ContainsRune(rest, 0) {
			return "", fmt.Errorf("parse cgroup line %q: the path is not absolute", line)
		}
		clean := filepath.Clean(rest)
		if clean != rest && clean+"/" != rest {
			return "", fmt.Errorf("parse cgroup line %q: the path is not clean", line)
		}
		return clean, nil
	}
	return "", fmt.Errorf("parse /proc cgroup file: %w (no 0:: line)", ErrNoUnifiedCgroup)
}

// ParseMountinfoCgroup2 returns the mount point of the first cgroup2 file system in data, the
// text of /proc/self/mountinfo, with octal escapes (\040 for a space) decoded.
func ParseMountinfoCgroup2(data []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(fields) || fields[sep+1] != "cgroup2" {
			continue
		}
		mnt := unescapeMountinfo(fields[4])
		if !filepath.IsAbs(mnt) || strings.ContainsRune(mnt, 0) {
			continue
		}
		return filepath.Clean(mnt), nil
	}
	return "", fmt.Errorf("find the cgroup2 mount: %w", ErrNoUnifiedCgroup)
}

// unescapeMountinfo decodes the \NNN octal escapes the kernel writes for space, tab, newline
// and backslash.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// CgroupOfPID returns the cgroup v2 directory of process pid on this host.
func CgroupOfPID(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", fmt.Errorf("read the cgroup of process %d: %w", pid, err)
	}
	rel, err := ParseProcCgroup(data)
	if err != nil {
		return "", fmt.Errorf("cgroup of process %d: %w", pid, err)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("read the mount table: %w", err)
	}
	root, err := ParseMountinfoCgroup2(mounts)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, rel), nil
}

// RuntimeErrorMessage returns what an OCI runtime's standard error says, on one line: the
// msg="..." of each of runc's log lines (time="..." level=error msg="container does not
// exist"), other lines (crun's) as they are, joined by "; ".
func RuntimeErrorMessage(stderr []byte) string {
	var msgs []string
	for _, line := range strings.Split(string(stderr), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if i := strings.Index(line, " msg=\""); i >= 0 && strings.HasPrefix(line, "time=") {
			if m, err := strconv.QuotedPrefix(line[i+len(" msg="):]); err == nil {
				if u, err := strconv.Unquote(m); err == nil {
					line = u
				}
			}
		}
		msgs = append(msgs, strings.Join(strings.Fields(line), " "))
	}
	return strings.Join(msgs, "; ")
}

// ContainerState asks the OCI runtime (runc, crun: any that has a "state" command printing
// JSON with a pid and a status) for the init process of container id and the container's
// status: "created" (runc create: the init waits to run the container's program) or
// "running" (or "paused"). root is the runtime's state
// directory (its --root: Docker's runc keeps its containers in /run/docker/runtime-runc/moby,
// containerd's in /run/containerd/runc/NAMESPACE); "" is the runtime's default.
func ContainerState(ctx context.Context, runtime, root, id string) (pid int, status string, err error) {
	if id == "" || strings.ContainsAny(id, "/\x00") || strings.HasPrefix(id, "-") {
		return 0, "", fmt.Errorf("container id %q is not valid", id)
	}
	var args []string
	if root != "" {
		args = append(args, "--root", root)
	}
	out, err := exec.CommandContext(ctx, runtime, append(args, "state", id)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return 0, "", fmt.Errorf("%s state %s: %s (%w)", runtime, id, RuntimeErrorMessage(ee.Stderr), err)
		}
		return 0, "", fmt.Errorf("%s state %s: %w", runtime, id, err)
	}
	var st struct {
		PID    int    `json:"pid"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return 0, "", fmt.Errorf("parse %s state %s: %w", runtime, id, err)
	}
	if st.PID <= 0 || st.Status == "stopped" {
		return 0, "", fmt.Errorf("container %s has no running process (status %q)", id, st.Status)
	}
	return st.PID, st.Status, nil
}
