package ebpf

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// threadGroupOf returns the process (thread group) that thread tid belongs to: tid itself for
// a process's main thread, and when /proc cannot say (the attach then reports the error).
func threadGroupOf(tid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return tid
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				return n
			}
			break
		}
	}
	return tid
}
