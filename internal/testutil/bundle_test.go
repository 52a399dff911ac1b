package testutil

import (
	"strings"
	"testing"
)

func TestBusyboxBundleRuns(t *testing.T) {
	RequireRoot(t)
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			RequireCommand(t, rt)
			b := NewBusyboxBundle(t, []string{"sh", "-c", "echo hello; exit 3"}, nil)
			out, errOut, err := RunBundle(t, rt, b)
			if out != "hello\n" {
				t.Errorf("stdout = %q, want hello (stderr %q)", out, errOut)
			}
			if err == nil || !strings.Contains(err.Error(), "exit status 3") {
				t.Errorf("err = %v, want exit status 3", err)
			}
			WriteBundleConfig(t, b, []string{"true"}, nil)
			if _, errOut, err := RunBundle(t, rt, b); err != nil {
				t.Errorf("true: %v: %s", err, errOut)
			}
		})
	}
}
