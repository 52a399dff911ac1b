package syscalls

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
)

// ErrUnknownSyscall is returned for a syscall name or number that an ABI does not have.
var ErrUnknownSyscall = errors.New("unknown syscall")

type entry struct {
	nr   int64
	name string
}

// Syscall is one syscall of one ABI. Nr is the number the kernel and audit records use for
// it on that ABI, offsets included (x32's 0x40000000, MIPS's 4000/5000/6000).
type Syscall struct {
	ABI  ABI    `json:"abi"`
	Nr   int64  `json:"nr"`
	Name string `json:"name"`
}

type index struct {
	byNr   map[int64]string
	byName map[string]int64
}

var (
	indexOnce sync.Once
	indexes   map[ABI]*index
)

func buildIndexes() {
	indexes = make(map[ABI]*index, len(tables))
	for a, t := range tables {
		ix := &index{byNr: make(map[int64]string, len(t)), byName: make(map[string]int64, len(t))}
		for _, e := range t {
			ix.byNr[e.nr] = e.name
			ix.byName[e.name] = e.nr
		}
		indexes[a] = ix
	}
}

func lookupIndex(a ABI) *index {
	indexOnce.Do(buildIndexes)
	return indexes[a]
}

// ErrNoTable is returned for an ABI that profgen knows (it may appear in a profile's
// architectures) but whose syscall numbers the compiled-in kernel tables do not give.
var ErrNoTable = errors.New("no syscall table")

// HasTable reports whether profgen has a syscall table for ABI a.
func (a ABI) HasTable() bool { return lookupIndex(a) != nil }

func (a ABI) tableError() error {
	if info, ok := abiInfos[a]; ok {
		return fmt.Errorf("%w for %s in Linux %s: %s", ErrNoTable, a, KernelVersion, info.noTable)
	}
	return fmt.Errorf("%w %q", ErrUnknownABI, string(a))
}

// Name returns the name of syscall nr on ABI a.
func (a ABI) Name(nr int64) (string, error) {
	ix := lookupIndex(a)
	if ix == nil {
		return "", a.tableError()
	}
	if name, ok := ix.byNr[nr]; ok {
		return name, nil
	}
	return "", fmt.Errorf("%w: %s has no syscall %d", ErrUnknownSyscall, a, nr)
}

// Number returns the number of syscall name on ABI a.
func (a ABI) Number(name string) (int64, error) {
	ix := lookupIndex(a)
	if ix == nil {
		return 0, a.tableError()
	}
	if nr, ok := ix.byName[name]; ok {
		return nr, nil
	}
	return 0, fmt.Errorf("%w: %s has no syscall %q", ErrUnknownSyscall, a, name)
}

// Has reports whether ABI a has a syscall called name.
func (a ABI) Has(name string) bool {
	ix := lookupIndex(a)
	if ix == nil {
		return false
	}
	_, ok := ix.byName[name]
	return ok
}

// Syscalls returns every syscall of ABI a, sorted by number.
func (a ABI) Syscalls() []Syscall {
	t := tables[a]
	out := make([]Syscall, len(t))
	for i, e := range t {
		out[i] = Syscall{ABI: a, Nr: e.nr, Name: e.name}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Nr < out[j].Nr })
	return out
}

// NameOrNumber returns the syscall's name, or its number in decimal when ABI a has no name
// for it (a newer kernel's syscall, say), so that nothing observed is ever dropped.
func (a ABI) NameOrNumber(nr int64) string {
	if name, err := a.Name(nr); err == nil {
		return name
	}
	return strconv.FormatInt(nr, 10)
}
