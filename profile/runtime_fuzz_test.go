package profile

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParseRuntimeSet: whatever ParseRuntimeSet accepts encodes to a file it reads back to
// the same bytes again.
func FuzzParseRuntimeSet(f *testing.F) {
	for _, name := range []string{"runtime-runc.json", "runtime-runc-nnp.json", "runtime-crun.json", "runtime-crun-nnp.json"} {
		if b, err := os.ReadFile("data/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"runtime":"x","noNewPrivileges":true,"syscalls":{"x86":["_llseek"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseRuntimeSet(data)
		if err != nil {
			return
		}
		b, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseRuntimeSet(b)
		if err != nil {
			t.Fatalf("encoded set does not parse: %v\n%s", err, b)
		}
		b2, _ := s2.Encode()
		if !bytes.Equal(b, b2) {
			t.Fatalf("not stable:\n%s\n%s", b, b2)
		}
	})
}

// FuzzKubeNameFrom: a derived name is empty or a valid Kubernetes name.
func FuzzKubeNameFrom(f *testing.F) {
	for _, s := range []string{"My_App.json", "a..b", "-x-", "Über", "web.prod.yaml"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		if n := KubeNameFrom(file); n != "" {
			if err := ValidateKubeName(n); err != nil {
				t.Fatalf("KubeNameFrom(%q) = %q: %v", file, n, err)
			}
		}
	})
}
