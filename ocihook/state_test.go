package ocihook

import (
	"errors"
	"strings"
	"testing"
)

// Real states runc 1.1.5 passed to hooks (createRuntime, poststart, poststop).
const (
	runcCreateRuntime = `{"ociVersion":"1.0.2-dev","id":"hookdump1","status":"creating","pid":27267,"bundle":"/tmp/ci-exp/rb","annotations":{"io.profgen.record":"/tmp/ci-exp/rec"}}`
	runcPoststart     = `{"ociVersion":"1.0.2-dev","id":"hookdump1","status":"created","pid":27267,"bundle":"/tmp/ci-exp/rb","annotations":{"io.profgen.record":"/tmp/ci-exp/rec"}}`
	runcPoststop      = `{"ociVersion":"1.0.2-dev","id":"hookdump1","status":"stopped","bundle":"/tmp/ci-exp/rb","annotations":{"io.profgen.record":"/tmp/ci-exp/rec"}}`
)

func TestParseState(t *testing.T) {
	for _, tc := range []struct {
		in    string
		stage Stage
		dir   string
		err   string
	}{
		{runcCreateRuntime, StageStart, "/tmp/ci-exp/rec", ""},
		{runcPoststart, StageStart, "/tmp/ci-exp/rec", ""},
		{runcPoststop, StageStop, "/tmp/ci-exp/rec", ""},
		{`{"id":"c","status":"running","pid":3}`, StageNone, "/default", ""},
		{`{"id":"c","status":"creating"}`, 0, "", "without a pid"},
		{`{"id":"c","status":"paused","pid":3}`, 0, "", "unknown status"},
		{`{"id":"../x","status":"stopped"}`, 0, "", "holds '/'"},
		{`{"id":"..","status":"stopped"}`, 0, "", `container id ".."`},
		{`{"id":"","status":"stopped"}`, 0, "", "empty container id"},
		{`{"id":"c","status":"stopped"} {}`, 0, "", "more than one"},
		{`{"id":"c","status":"stopped","pid":-1}`, 0, "", "negative pid"},
		{`{"id":"c","status":"stop`, 0, "", "unexpected EOF"},
		{`{"id":"c","status":"stopped","annotations":{"io.profgen.record":"rel/dir"}}`, StageStop, "", "absolute path"},
	} {
		s, err := ParseState([]byte(tc.in))
		var stage Stage
		var dir string
		if err == nil {
			stage, err = s.Stage()
		}
		if err == nil {
			dir, err = s.RecordDir("/default")
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || stage != tc.stage || dir != tc.dir {
			t.Errorf("%s: %v %v %q, want %v %q", tc.in, err, stage, dir, tc.stage, tc.dir)
		}
	}
	if _, err := ParseState([]byte(`[]`)); !errors.Is(err, ErrBadState) {
		t.Errorf("array state: %v", err)
	}
	s, _ := ParseState([]byte(`{"id":"c","status":"stopped"}`))
	if d, err := s.RecordDir(""); d != "" || err != nil {
		t.Errorf("no annotation, no default: %q %v", d, err)
	}
}

func FuzzParseState(f *testing.F) {
	for _, s := range []string{runcCreateRuntime, runcPoststart, runcPoststop, `{"id":"a\u0000b"}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseState(data)
		if err != nil {
			if !errors.Is(err, ErrBadState) {
				t.Fatalf("error not wrapping ErrBadState: %v", err)
			}
			return
		}
		// An accepted id names a file in the recording directory and nothing else.
		if ValidID(s.ID) != nil || strings.ContainsAny(s.ID, "/\x00") || s.ID == ".." || s.ID == "." {
			t.Fatalf("accepted id %q", s.ID)
		}
		if stage, err := s.Stage(); err == nil && stage == StageStart && s.Pid <= 0 {
			t.Fatalf("start without a pid: %+v", s)
		}
	})
}
