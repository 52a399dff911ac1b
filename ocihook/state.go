package ocihook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// AnnotationRecord is the container annotation that asks for a recording: its value is the
// directory the recording and the profiles are written to.
const AnnotationRecord = "io.profgen.record"

// MaxStateSize bounds the state a hook reads from its standard input.
const MaxStateSize = 1 << 20

// ErrBadState is wrapped by every error about the state a runtime passed.
var ErrBadState = errors.New("bad container state")

// State is the container state the OCI runtime spec says a runtime writes to a hook's
// standard input.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid,omitempty"`
	Bundle      string            `json:"bundle"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Stage is what the hook does for a state.
type Stage int

// Stages.
const (
	// StageStart: the container is being created (createRuntime or prestart, status
	// "creating"; some runtimes say "created"): start recording its process.
	StageStart Stage = iota + 1
	// StageNone: the container runs (poststart): nothing to do.
	StageNone
	// StageStop: the container has stopped (poststop): end the recording, write the outputs.
	StageStop
)

func (s Stage) String() string {
	switch s {
	case StageStart:
		return "start"
	case StageNone:
		return "none"
	case StageStop:
		return "stop"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// ParseState parses and checks the state a runtime passed to a hook.
func ParseState(data []byte) (*State, error) {
	if len(data) > MaxStateSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadState, MaxStateSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadState, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one JSON value", ErrBadState)
	}
	if err := ValidID(s.ID); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadState, err)
	}
	if s.Pid < 0 {
		return nil, fmt.Errorf("%w: negative pid %d", ErrBadState, s.Pid)
	}
	return &s, nil
}

// ValidID checks that a container id can name files: 1 to 255 bytes, not "." or "..", no
// "/", NUL or other control character.
func ValidID(id string) error {
	switch {
	case id == "":
		return errors.New("empty container id")
	case len(id) > 255:
		return fmt.Errorf("container id of %d bytes (at most 255)", len(id))
	case id == "." || id == "..":
		return fmt.Errorf("container id %q", id)
	}
	for _, r := range id {
		if r == '/' || r < 0x20 || r == 0x7f {
			return fmt.Errorf("container id %q holds %q", id, r)
		}
	}
	return nil
}

// Stage says what the hook does for s.
func (s *State) Stage() (Stage, error) {
	switch s.Status {
	case "creating", "created":
		if s.Pid == 0 {
			return 0, fmt.Errorf("%w: status %q without a pid", ErrBadState, s.Status)
		}
		return StageStart, nil
	case "running":
		return StageNone, nil
	case "stopped":
		return StageStop, nil
	}
	return 0, fmt.Errorf("%w: unknown status %q", ErrBadState, s.Status)
}

// RecordDir returns the directory the container's recording goes to: the annotation
// io.profgen.record, else def (the hook's own argument). "" means no recording was asked for.
// The directory must be absolute: a hook's working directory is the runtime's choice.
func (s *State) RecordDir(def string) (string, error) {
	dir := def
	if v, ok := s.Annotations[AnnotationRecord]; ok {
		dir = v
	}
	if dir == "" {
		return "", nil
	}
	if !filepath.IsAbs(dir) || strings.ContainsRune(dir, 0) {
		return "", fmt.Errorf("recording directory %q: want an absolute path", dir)
	}
	return filepath.Clean(dir), nil
}
