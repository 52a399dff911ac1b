package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseSeccomp checks that ParseSeccomp never panics, that its errors are one line, and
// that what it accepts survives a marshal and parse round trip. Seeds: the golden profiles
// and Docker's default profile.
func FuzzParseSeccomp(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	paths = append(paths, filepath.Join("data", "moby-default.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseSeccomp(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		b, err := MarshalSeccomp(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseSeccomp(b); err != nil {
			t.Fatalf("re-parse of an accepted profile: %v", err)
		}
	})
}
