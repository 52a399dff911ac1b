package profile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/syscalls"
)

// RecordingVersion is the version of the recording file format this package writes. It reads
// this version and every earlier one (MinRecordingVersion on), and rejects others with
// ErrRecordingVersion.
//
// Version 2 keeps file names that are not valid UTF-8 (JSON strings cannot hold them) in
// "filesBase64", keyed by the base64 of the name's bytes; version 1 lost them.
const RecordingVersion = 2

// MinRecordingVersion is the oldest recording file format this package reads.
const MinRecordingVersion = 1

// RecordingKind is the value of a recording file's "kind" field.
const RecordingKind = "profgen.recording"

// ErrRecordingVersion is returned when a recording file has a version this build cannot read.
var ErrRecordingVersion = errors.New("unsupported recording version")

// Recording is what was observed of a workload: its syscalls per ABI, the argument values
// that matter for rules, the files, programs, sockets and capabilities it used, and where the
// observation came from. It is not safe for concurrent use.
type Recording struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
	Source  Source `json:"source"`
	// Syscalls maps ABI, then syscall name (or decimal number when the name is unknown), to
	// what was seen of it.
	Syscalls map[syscalls.ABI]map[string]*SyscallStat `json:"syscalls"`
	// Args maps a syscall name, then an argument name ("family", "flags", "option" ...), to
	// the sorted distinct values seen.
	Args map[string]map[string][]uint64 `json:"args,omitempty"`
	// Files maps an absolute path to how it was accessed.
	Files PathMap[*FileAccess] `json:"files,omitempty"`
	// Sockets are the distinct (family, type, protocol) triples of sockets created.
	Sockets []Socket `json:"sockets,omitempty"`
	// FailedFiles maps an absolute path to the accesses of it that failed (a lookup of a
	// file that is not there, a refused open). They are kept to explain a profile; no rule is
	// written for them.
	FailedFiles PathMap[*FileFailure] `json:"failedFiles,omitempty"`
	// Capabilities are capability names without CAP_, lower case (net_bind_service), that a
	// source observed being used (a kernel record of a capability check).
	Capabilities []string `json:"capabilities,omitempty"`
	// DerivedCapabilities are capabilities a source did not see checked but inferred from
	// what succeeded (a root process changing its user id must have had setuid), each with
	// the first evidence.
	DerivedCapabilities []DerivedCapability `json:"derivedCapabilities,omitempty"`
	// AppArmor holds rules seen only in AppArmor audit records (signal, ptrace, unix, mount,
	// dbus), each a class and the record's fields; the apparmor package turns them into rules.
	AppArmor []AppArmorRule `json:"apparmor,omitempty"`
}

// Source says where a recording came from.
type Source struct {
	Tool     string    `json:"tool"`
	Version  string    `json:"version,omitempty"`
	Backend  string    `json:"backend,omitempty"` // ptrace, ebpf, auditlog, merge, baseline
	Command  []string  `json:"command,omitempty"`
	Inputs   []string  `json:"inputs,omitempty"` // log files or merged recordings
	Start    time.Time `json:"start,omitempty"`
	End      time.Time `json:"end,omitempty"`
	ExitCode *int      `json:"exitCode,omitempty"`
	// Dropped counts events known to be lost, by reason (callbacks_suppressed, audit_lost ...).
	Dropped map[string]uint64 `json:"dropped,omitempty"`
	// Warnings are things a user should know about the recording's completeness.
	Warnings []string `json:"warnings,omitempty"`
}

// Process identifies the process in which something was first seen.
type Process struct {
	PID  int    `json:"pid,omitempty"`
	Comm string `json:"comm,omitempty"`
	Exe  string `json:"exe,omitempty"`
}

// SyscallStat is what was seen of one syscall on one ABI.
type SyscallStat struct {
	Count uint64  `json:"count"`
	First Process `json:"first"`
}

// FileAccess is how a path was used. Access holds AppArmor-style permission letters in the
// canonical order of AccessLetters.
type FileAccess struct {
	Access string `json:"access"`
	// Type is the file's type when the source knew it (FileTypes); empty when unknown.
	Type string `json:"type,omitempty"`
	// NotOwner is set when a process whose file-system uid was not the file's owner
	// accessed it after the workload created it (AppArmor's owner would not match).
	NotOwner bool    `json:"notOwner,omitempty"`
	Count    uint64  `json:"count"`
	First    Process `json:"first"`
}

// File types a FileAccess may carry.
const (
	FileTypeDir     = "dir"
	FileTypeRegular = "file"
	FileTypeSymlink = "symlink"
	FileTypeOther   = "other" // device, fifo, socket
)

// FileFailure is how often accesses of a path failed: Access holds the permission letters
// asked for, Errors the distinct error names (ENOENT, EACCES ...), sorted.
type FileFailure struct {
	Access string   `json:"access"`
	Errors []string `json:"errors"`
	Count  uint64   `json:"count"`
	First  Process  `json:"first"`
}

// DerivedCapability is a capability inferred from what a workload did: Name as in
// Capabilities, Reason the first evidence ("setuid(33) as uid 0").
type DerivedCapability struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// AccessLetters lists the file permission letters a recording may hold, in canonical order:
// read, write, append, create, delete, link, lock, mmap-exec, exec, chown/chmod (setattr).
const AccessLetters = "rwacdlkmx"

// Socket is one kind of socket a workload created, with the names AppArmor network rules use
// (family inet, inet6, unix, netlink, packet ...; type stream, dgram, raw, seqpacket ...).
type Socket struct {
	Family   string `json:"family"`
	Type     string `json:"type,omitempty"`
	Protocol int    `json:"protocol,omitempty"`
}

// AppArmorRule is one non-file rule taken from an AppArmor audit record: Class is signal,
// ptrace, unix, mount, dbus ...; Fields holds the record's values that make up the rule.
type AppArmorRule struct {
	Class  string            `json:"class"`
	Fields map[string]string `json:"fields"`
}

// NewRecording returns an empty recording made by tool.
func NewRecording(tool, backend string) *Recording {
	return &Recording{
		Kind:     RecordingKind,
		Version:  RecordingVersion,
		Source:   Source{Tool: tool, Backend: backend},
		Syscalls: map[syscalls.ABI]map[string]*SyscallStat{},
	}
}

// AddSyscall counts n calls of syscall name on ABI abi, made first by p if it is new.
func (r *Recording) AddSyscall(abi syscalls.ABI, name string, n uint64, p Process) {
	m := r.Syscalls[abi]
	if m == nil {
		m = map[string]*SyscallStat{}
		if r.Syscalls == nil {
			r.Syscalls = map[syscalls.ABI]map[string]*SyscallStat{}
		}
		r.Syscalls[abi] = m
	}
	s := m[name]
	if s == nil {
		m[name] = &SyscallStat{Count: n, First: p}
		return
	}
	s.Count = addSaturating(s.Count, n)
}

// addSaturating adds counts, stopping at the largest count instead of wrapping to a small one.
func addSaturating(a, b uint64) uint64 {
	if a+b < a {
		return math.MaxUint64
	}
	return a + b
}

// AddArg records that syscall name was called with argument arg equal to v.
func (r *Recording) AddArg(syscall, arg string, v uint64) {
	if r.Args == nil {
		r.Args = map[string]map[string][]uint64{}
	}
	m := r.Args[syscall]
	if m == nil {
		m = map[string][]uint64{}
		r.Args[syscall] = m
	}
	vals := m[arg]
	i := sort.Search(len(vals), func(i int) bool { return vals[i] >= v })
	if i < len(vals) && vals[i] == v {
		return
	}
	vals = append(vals, 0)
	copy(vals[i+1:], vals[i:])
	vals[i] = v
	m[arg] = vals
}

// AddFile records access to path with the permission letters in access.
func (r *Recording) AddFile(path, access string, p Process) {
	if r.Files == nil {
		r.Files = map[string]*FileAccess{}
	}
	f := r.Files[path]
	if f == nil {
		r.Files[path] = &FileAccess{Access: MergeAccess("", access), Count: 1, First: p}
		return
	}
	f.Access = MergeAccess(f.Access, access)
	f.Count = addSaturating(f.Count, 1)
}

// SetFileType records the type of path when it is not known yet; the path needs no access
// (a directory that mkdir found already there). Known types are kept.
func (r *Recording) SetFileType(path, typ string, p Process) {
	if typ == "" {
		return
	}
	if r.Files == nil {
		r.Files = map[string]*FileAccess{}
	}
	f := r.Files[path]
	if f == nil {
		r.Files[path] = &FileAccess{Type: typ, First: p}
		return
	}
	if f.Type == "" {
		f.Type = typ
	}
}

// AddFileFailure records a failed access to path with the permission letters in access and
// the error's name.
func (r *Recording) AddFileFailure(path, access, errName string, p Process) {
	if r.FailedFiles == nil {
		r.FailedFiles = map[string]*FileFailure{}
	}
	f := r.FailedFiles[path]
	if f == nil {
		f = &FileFailure{First: p}
		r.FailedFiles[path] = f
	}
	f.Access = MergeAccess(f.Access, access)
	f.Count = addSaturating(f.Count, 1)
	f.Errors = addSorted(f.Errors, errName)
}

func addSorted(list []string, s string) []string {
	if s == "" {
		return list
	}
	i := sort.SearchStrings(list, s)
	if i < len(list) && list[i] == s {
		return list
	}
	list = append(list, "")
	copy(list[i+1:], list[i:])
	list[i] = s
	return list
}

// MergeAccess returns the union of two sets of permission letters in canonical order.
// Letters outside AccessLetters are dropped.
func MergeAccess(a, b string) string {
	var sb strings.Builder
	for _, c := range AccessLetters {
		if strings.ContainsRune(a, c) || strings.ContainsRune(b, c) {
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// AddSocket records a socket kind, once.
func (r *Recording) AddSocket(s Socket) {
	for _, o := range r.Sockets {
		if o == s {
			return
		}
	}
	r.Sockets = append(r.Sockets, s)
	sort.Slice(r.Sockets, func(i, j int) bool { return socketLess(r.Sockets[i], r.Sockets[j]) })
}

func socketLess(a, b Socket) bool {
	if a.Family != b.Family {
		return a.Family < b.Family
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.Protocol < b.Protocol
}

// AddCapability records a capability name (with or without CAP_, any case), once.
func (r *Recording) AddCapability(name string) {
	name = strings.TrimPrefix(strings.ToLower(name), "cap_")
	i := sort.SearchStrings(r.Capabilities, name)
	if i < len(r.Capabilities) && r.Capabilities[i] == name {
		return
	}
	r.Capabilities = append(r.Capabilities, "")
	copy(r.Capabilities[i+1:], r.Capabilities[i:])
	r.Capabilities[i] = name
}

// AddDerivedCapability records a capability inferred from evidence reason, once per name
// (the first reason is kept).
func (r *Recording) AddDerivedCapability(name, reason string) {
	name = strings.TrimPrefix(strings.ToLower(name), "cap_")
	i := sort.Search(len(r.DerivedCapabilities), func(i int) bool { return r.DerivedCapabilities[i].Name >= name })
	if i < len(r.DerivedCapabilities) && r.DerivedCapabilities[i].Name == name {
		return
	}
	r.DerivedCapabilities = append(r.DerivedCapabilities, DerivedCapability{})
	copy(r.DerivedCapabilities[i+1:], r.DerivedCapabilities[i:])
	r.DerivedCapabilities[i] = DerivedCapability{Name: name, Reason: reason}
}

// AddAppArmorRule records a non-file AppArmor rule, once.
func (r *Recording) AddAppArmorRule(rule AppArmorRule) {
	key := rule.key()
	for _, o := range r.AppArmor {
		if o.key() == key {
			return
		}
	}
	r.AppArmor = append(r.AppArmor, rule)
	sort.Slice(r.AppArmor, func(i, j int) bool { return r.AppArmor[i].key() < r.AppArmor[j].key() })
}

func (a AppArmorRule) key() string {
	keys := make([]string, 0, len(a.Fields))
	for k := range a.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString(a.Class)
	for _, k := range keys {
		sb.WriteString("\x00" + k + "=" + a.Fields[k])
	}
	return sb.String()
}

// AddDropped adds n to the dropped-event counter for reason.
func (r *Recording) AddDropped(reason string, n uint64) {
	if n == 0 {
		return
	}
	if r.Source.Dropped == nil {
		r.Source.Dropped = map[string]uint64{}
	}
	r.Source.Dropped[reason] = addSaturating(r.Source.Dropped[reason], n)
}

// ABIs returns the ABIs with at least one syscall recorded, sorted.
func (r *Recording) ABIs() []syscalls.ABI {
	out := make([]syscalls.ABI, 0, len(r.Syscalls))
	for a, m := range r.Syscalls {
		if len(m) > 0 {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// SyscallNames returns the sorted names of the syscalls recorded on abi.
func (r *Recording) SyscallNames(abi syscalls.ABI) []string {
	m := r.Syscalls[abi]
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Merge adds everything in o to r. Counts add up; first-seen processes of r win.
func (r *Recording) Merge(o *Recording) {
	for abi, m := range o.Syscalls {
		for name, s := range m {
			r.AddSyscall(abi, name, s.Count, s.First)
		}
	}
	for sc, args := range o.Args {
		for arg, vals := range args {
			for _, v := range vals {
				r.AddArg(sc, arg, v)
			}
		}
	}
	for path, f := range o.Files {
		if r.Files == nil {
			r.Files = map[string]*FileAccess{}
		}
		if cur := r.Files[path]; cur != nil {
			cur.Access = MergeAccess(cur.Access, f.Access)
			cur.Count = addSaturating(cur.Count, f.Count)
			if cur.Type == "" {
				cur.Type = f.Type
			}
			cur.NotOwner = cur.NotOwner || f.NotOwner
		} else {
			c := *f
			r.Files[path] = &c
		}
	}
	for path, f := range o.FailedFiles {
		if r.FailedFiles == nil {
			r.FailedFiles = map[string]*FileFailure{}
		}
		cur := r.FailedFiles[path]
		if cur == nil {
			cur = &FileFailure{First: f.First}
			r.FailedFiles[path] = cur
		}
		cur.Access = MergeAccess(cur.Access, f.Access)
		cur.Count = addSaturating(cur.Count, f.Count)
		for _, e := range f.Errors {
			cur.Errors = addSorted(cur.Errors, e)
		}
	}
	for _, c := range o.DerivedCapabilities {
		r.AddDerivedCapability(c.Name, c.Reason)
	}
	for _, s := range o.Sockets {
		r.AddSocket(s)
	}
	for _, c := range o.Capabilities {
		r.AddCapability(c)
	}
	for _, a := range o.AppArmor {
		r.AddAppArmorRule(a)
	}
	for reason, n := range o.Source.Dropped {
		r.AddDropped(reason, n)
	}
	r.Source.Warnings = append(r.Source.Warnings, o.Source.Warnings...)
}

// Validate checks that the recording is well formed: known kind, version and ABIs, and no
// empty syscall names.
func (r *Recording) Validate() error {
	if r.Kind != RecordingKind {
		return fmt.Errorf("kind is %q, want %q", r.Kind, RecordingKind)
	}
	if r.Version < MinRecordingVersion || r.Version > RecordingVersion {
		return fmt.Errorf("%w %d (this profgen reads versions %d to %d)", ErrRecordingVersion, r.Version, MinRecordingVersion, RecordingVersion)
	}
	for abi, m := range r.Syscalls {
		if !abi.Valid() {
			return fmt.Errorf("syscalls: %w %q", syscalls.ErrUnknownABI, string(abi))
		}
		for name, s := range m {
			// A name, or a decimal number for a syscall the tables do not name; nothing
			// else (".." or a path) ever reaches a profile or a file name.
			if !ValidSyscallName(name) && !isNumber(name) {
				return fmt.Errorf("syscalls: %s: bad syscall name %q", abi, name)
			}
			if s == nil {
				return fmt.Errorf("syscalls: %s: %s has no statistics", abi, name)
			}
		}
	}
	for path, f := range r.Files {
		if f == nil {
			return fmt.Errorf("files: %q has no access", path)
		}
		switch f.Type {
		case "", FileTypeDir, FileTypeRegular, FileTypeSymlink, FileTypeOther:
		default:
			return fmt.Errorf("files: %q has unknown type %q", path, f.Type)
		}
	}
	for path, f := range r.FailedFiles {
		if f == nil {
			return fmt.Errorf("failedFiles: %q has no access", path)
		}
	}
	for _, c := range r.DerivedCapabilities {
		if c.Name == "" {
			return fmt.Errorf("derivedCapabilities: empty name")
		}
	}
	return nil
}

// WriteTo writes the recording as indented JSON with a trailing newline.
func (r *Recording) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encode recording: %w", err)
	}
	b = append(b, '\n')
	n, err := w.Write(b)
	return int64(n), err
}

// PathMap maps a file name to what was seen of it. In a file (version 2) a name that is not
// valid UTF-8, which a JSON string cannot hold, is written as "base64:" and the base64 of its
// bytes, as is a name that starts with "base64:" itself; every other name as it is.
type PathMap[V any] map[string]V

// fileNamePrefix marks a file name written in base64.
const fileNamePrefix = "base64:"

// MarshalJSON writes the map with every name encoded losslessly.
func (m PathMap[V]) MarshalJSON() ([]byte, error) {
	out := make(map[string]V, len(m))
	for path, f := range m {
		if !utf8.ValidString(path) || strings.HasPrefix(path, fileNamePrefix) {
			path = fileNamePrefix + base64.StdEncoding.EncodeToString([]byte(path))
		}
		out[path] = f
	}
	return json.Marshal(out)
}

// decodePaths turns the base64 names of a version 2 file back into bytes.
func decodePaths[V any](field string, m PathMap[V]) (PathMap[V], error) {
	if m == nil {
		return nil, nil
	}
	out := make(PathMap[V], len(m))
	for k, f := range m {
		if enc, ok := strings.CutPrefix(k, fileNamePrefix); ok {
			b, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", field, k, err)
			}
			k = string(b)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%s: %q appears twice", field, k)
		}
		out[k] = f
	}
	return out, nil
}

// ParseRecording decodes and validates a recording held in memory: one JSON object and
// nothing after it. A recording of an older version is returned in the current one.
func ParseRecording(data []byte) (*Recording, error) {
	var r Recording
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		if what := notARecording(data); what != "" {
			return nil, fmt.Errorf("decode recording: %s", what)
		}
		return nil, fmt.Errorf("decode recording: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode recording: data after the recording object")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if r.Version >= 2 {
		var err error
		if r.Files, err = decodePaths("files", r.Files); err != nil {
			return nil, fmt.Errorf("decode recording: %w", err)
		}
		if r.FailedFiles, err = decodePaths("failedFiles", r.FailedFiles); err != nil {
			return nil, fmt.Errorf("decode recording: %w", err)
		}
	}
	r.Version = RecordingVersion
	if r.Syscalls == nil {
		r.Syscalls = map[syscalls.ABI]map[string]*SyscallStat{}
	}
	return &r, nil
}

// LoadRecording reads a recording file; errors name the file.
func LoadRecording(path string) (*Recording, error) {
	data, err := sizelimit.ReadFile(path, sizelimit.Recording, "a recording")
	if err != nil {
		return nil, fmt.Errorf("read recording: %w", err)
	}
	r, err := ParseRecording(data)
	if err != nil {
		return nil, fmt.Errorf("read recording %s: %w", path, err)
	}
	return r, nil
}
