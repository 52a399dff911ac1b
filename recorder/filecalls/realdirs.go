package filecalls

import "path/filepath"

// RealDirs resolves the symbolic links of the directories of paths, as the recorder's root
// sees them, caching what it resolved until a call changes names (Changed). The zero value is
// ready to use.
type RealDirs struct {
	dirs map[string]string
}

// Resolve returns path with its directory's symbolic links resolved (a directory that cannot
// be resolved is kept as it is).
func (r *RealDirs) Resolve(path string) string {
	dir, base := filepath.Split(path)
	dir = filepath.Clean(dir)
	if dir == "/" || base == "" {
		return path
	}
	real, ok := r.dirs[dir]
	if !ok {
		res, err := filepath.EvalSymlinks(dir)
		if err != nil || !filepath.IsAbs(res) {
			return path
		}
		real = res
		if r.dirs == nil {
			r.dirs = map[string]string{}
		}
		r.dirs[dir] = real
	}
	return filepath.Join(real, base)
}

// Changed drops the resolved directories after a successful call of syscall name that may
// change what a name resolves to.
func (r *RealDirs) Changed(name string) {
	if ChangesNames(name) && len(r.dirs) > 0 {
		r.dirs = nil
	}
}
