package profile

import (
	"encoding/json"
	"fmt"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ruleKey identifies the rules MergeSeccomp folds together: same action, errno and argument
// conditions.
func ruleKey(r specs.LinuxSyscall) string {
	k := struct {
		A specs.LinuxSeccompAction
		E *uint
		G []specs.LinuxSeccompArg
	}{r.Action, r.ErrnoRet, r.Args}
	b, _ := json.Marshal(k)
	return string(b)
}

// permits reports whether an action lets the syscall run.
func permits(a specs.LinuxSeccompAction) bool { return a == specs.ActAllow || a == specs.ActLog }

// MergeSeccomp returns a profile that permits everything any of ps permits. All must have
// the same default action and default errno. Architectures are united. For an allow-list
// (the default stops a syscall) rules with the same action and conditions are united, and a
// name some input allows unconditionally is taken out of the other inputs' unconditional
// non-permitting rules (ENOSYS, say). For a deny-list (the default permits) a rule keeps only
// the names every input has in such a rule.
func MergeSeccomp(ps []*specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("merge seccomp profiles: no profiles")
	}
	first := ps[0]
	out := &specs.LinuxSeccomp{DefaultAction: first.DefaultAction, DefaultErrnoRet: first.DefaultErrnoRet}
	arches := map[specs.Arch]bool{}
	flags := map[specs.LinuxSeccompFlag]bool{}
	for i, p := range ps {
		if p.DefaultAction != first.DefaultAction || !sameUint(p.DefaultErrnoRet, first.DefaultErrnoRet) {
			return nil, fmt.Errorf("merge seccomp profiles: profile %d has default action %s%s, profile 1 has %s%s",
				i+1, p.DefaultAction, errnoSuffix(p.DefaultErrnoRet), first.DefaultAction, errnoSuffix(first.DefaultErrnoRet))
		}
		if p.ListenerPath != "" {
			return nil, fmt.Errorf("merge seccomp profiles: profile %d has a listenerPath; profgen does not merge notify profiles", i+1)
		}
		for _, a := range p.Architectures {
			arches[a] = true
		}
		for _, f := range p.Flags {
			flags[f] = true
		}
	}
	for a := range arches {
		out.Architectures = append(out.Architectures, a)
	}
	sort.Slice(out.Architectures, func(i, j int) bool { return out.Architectures[i] < out.Architectures[j] })
	for f := range flags {
		out.Flags = append(out.Flags, f)
	}
	sort.Slice(out.Flags, func(i, j int) bool { return out.Flags[i] < out.Flags[j] })
	if permits(first.DefaultAction) {
		out.Syscalls = intersectRules(ps)
	} else {
		out.Syscalls = uniteRules(ps)
	}
	return out, nil
}

func sameUint(a, b *uint) bool {
	if a == nil || b == nil {
		return a == b || (a == nil && *b == errnoEPERM) || (b == nil && *a == errnoEPERM)
	}
	return *a == *b
}

func errnoSuffix(e *uint) string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf(" (errno %d)", *e)
}

type keyedRule struct {
	rule  specs.LinuxSyscall
	names map[string]bool
}

// collect groups the rules of p by key, keeping the order keys are first seen in.
func collect(p *specs.LinuxSeccomp, into map[string]*keyedRule, order *[]string) map[string]map[string]bool {
	mine := map[string]map[string]bool{}
	for _, r := range p.Syscalls {
		k := ruleKey(r)
		kr := into[k]
		if kr == nil {
			kr = &keyedRule{rule: r, names: map[string]bool{}}
			into[k] = kr
			*order = append(*order, k)
		}
		if mine[k] == nil {
			mine[k] = map[string]bool{}
		}
		for _, n := range r.Names {
			mine[k][n] = true
		}
	}
	return mine
}

func uniteRules(ps []*specs.LinuxSeccomp) []specs.LinuxSyscall {
	rules := map[string]*keyedRule{}
	var order []string
	allowed := map[string]bool{}
	for _, p := range ps {
		for k, names := range collect(p, rules, &order) {
			for n := range names {
				rules[k].names[n] = true
			}
		}
		for _, r := range p.Syscalls {
			if permits(r.Action) && len(r.Args) == 0 {
				for _, n := range r.Names {
					allowed[n] = true
				}
			}
		}
	}
	return emitRules(rules, order, func(r specs.LinuxSyscall, n string) bool {
		return permits(r.Action) || len(r.Args) > 0 || !allowed[n]
	})
}

func intersectRules(ps []*specs.LinuxSeccomp) []specs.LinuxSyscall {
	rules := map[string]*keyedRule{}
	var order []string
	var per []map[string]map[string]bool
	for _, p := range ps {
		per = append(per, collect(p, rules, &order))
	}
	for k, kr := range rules {
		for n := range per[0][k] {
			inAll := true
			for _, m := range per[1:] {
				if !m[k][n] {
					inAll = false
					break
				}
			}
			if inAll {
				kr.names[n] = true
			}
		}
	}
	return emitRules(rules, order, func(specs.LinuxSyscall, string) bool { return true })
}

// emitRules writes the keyed rules in first-seen order with sorted names, dropping names keep
// refuses and rules left empty.
func emitRules(rules map[string]*keyedRule, order []string, keep func(specs.LinuxSyscall, string) bool) []specs.LinuxSyscall {
	var out []specs.LinuxSyscall
	for _, k := range order {
		kr := rules[k]
		var names []string
		for n := range kr.names {
			if keep(kr.rule, n) {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		r := kr.rule
		r.Names = names
		out = append(out, r)
	}
	return out
}

// MergeRecordings returns one recording holding everything recs hold, merged in order with
// Recording.Merge: counts add up and the first-seen processes of earlier recordings win.
// names are where the recordings came from, kept in Source.Inputs; the command is that of the
// first recording that has one. It is the one merge of recordings: generate and merge use it.
func MergeRecordings(recs []*Recording, names []string) *Recording {
	out := NewRecording("profgen", "merge")
	capsWarning := unobservedCapabilitiesWarning(recs, names)
	for i, r := range recs {
		if len(out.Source.Command) == 0 {
			out.Source.Command = append([]string(nil), r.Source.Command...)
		}
		out.Merge(r)
		if i < len(names) {
			out.Source.Inputs = append(out.Source.Inputs, names[i])
		}
	}
	if capsWarning != "" {
		out.Source.Warnings = append(out.Source.Warnings, capsWarning)
	}
	return out
}

// MergeDuplicateRules returns p with the rules that share action, errno and conditions folded
// into the first of them, each name once, and how many names were dropped as repeats. The
// filter is the same (libseccomp does not depend on rule order); building it, and checking
// it, no longer repeat work for every copy. p is not changed.
func MergeDuplicateRules(p *specs.LinuxSeccomp) (*specs.LinuxSeccomp, int) {
	index := map[string]int{}
	seen := map[string]map[string]bool{}
	var rules []specs.LinuxSyscall
	dropped := 0
	for _, r := range p.Syscalls {
		k := ruleKey(r)
		i, ok := index[k]
		if !ok {
			i = len(rules)
			index[k] = i
			seen[k] = map[string]bool{}
			nr := r
			nr.Names = nil
			rules = append(rules, nr)
		}
		for _, n := range r.Names {
			if seen[k][n] {
				dropped++
				continue
			}
			seen[k][n] = true
			rules[i].Names = append(rules[i].Names, n)
		}
	}
	if dropped == 0 && len(rules) == len(p.Syscalls) {
		return p, 0
	}
	out := *p
	out.Syscalls = rules
	return &out, dropped
}
