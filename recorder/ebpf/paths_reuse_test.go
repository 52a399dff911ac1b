//go:build linux && amd64

package ebpf

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// TestPathsFilesMadeAfterRemovals: a file made after another was removed may get the freed
// dentry's and inode's memory; it is still a new file, recorded as made ("c") under its own
// name. (An earlier program keyed what it had sent by those addresses alone and took a new
// file, opened with the same flags, for one already sent: its creation was lost.)
func TestPathsFilesMadeAfterRemovals(t *testing.T) {
	requireBPF(t)
	dir := t.TempDir()
	const n = 40
	// rm -r frees the dentries of the directory's files (rmdir prunes them), so the next new
	// file's dentry and inode may take their memory.
	script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do mkdir "d$i"; echo x > "d$i/f"; rm -r "d$i"; sleep 0.02; echo x > "t$i"; i=$((i+1)); done`, n)
	res, err := Record(context.Background(), Options{Args: []string{"/bin/sh", "-c", script}, Dir: dir, Files: true, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status() != 0 {
		t.Fatalf("workload exit status %d", res.Status())
	}
	var bad []string
	for i := 0; i < n; i++ {
		path := filepath.Join(dir, fmt.Sprintf("t%d", i))
		f := res.Recording.Files[path]
		if f == nil || !strings.Contains(f.Access, "c") {
			bad = append(bad, fmt.Sprintf("%s: %+v", filepath.Base(path), f))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d files made and removed not recorded as made:\n  %s", len(bad), n, strings.Join(bad, "\n  "))
	}
}
