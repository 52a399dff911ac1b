package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/profgen/profgen/profile"
)

// writeDiffMarkdown writes d as a short Markdown summary for a pull request: one line saying
// what changed, then a table with one row per syscall, dangerous additions first (with why
// they matter), then other additions, then removals, each naming the ABIs it happened on.
func writeDiffMarkdown(w io.Writer, d profile.Diff, oldName, newName string) {
	fmt.Fprintf(w, "### profgen: seccomp changes from `%s` to `%s`\n\n", mdCode(oldName), mdCode(newName))
	defer writeCapabilityMarkdown(w, d.Capabilities)
	if len(d.ABIs) == 0 {
		fmt.Fprintln(w, "No syscall added or removed.")
		return
	}
	added, removed := mdRows(d, true), mdRows(d, false)
	dangerous := 0
	for _, r := range added {
		if r.dangerous {
			dangerous++
		}
	}
	fmt.Fprintf(w, "**%s added", plural(len(added), "syscall"))
	if dangerous > 0 {
		fmt.Fprintf(w, ", %d of them dangerous", dangerous)
	}
	fmt.Fprintf(w, "**, %d removed. ", len(removed))
	switch {
	case dangerous > 0:
		fmt.Fprintln(w, "Review the dangerous additions before accepting the new profile: each widens what a compromised workload can do to the host.")
	case len(added) > 0:
		fmt.Fprintln(w, "The workload now makes syscalls the committed profile refuses: accept the new profile, or find out why the workload changed.")
	default:
		fmt.Fprintln(w, "The workload no longer makes some syscalls the committed profile allows: the new profile is narrower.")
	}
	fmt.Fprintln(w, "\n| change | syscall | ABIs | why it matters |\n|---|---|---|---|")
	sort.SliceStable(added, func(i, j int) bool { return added[i].dangerous && !added[j].dangerous })
	for _, r := range added {
		change, why := "added", ""
		if r.dangerous {
			change, why = "**added, dangerous**", profile.DangerReason(r.name)
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %s |\n", change, r.name, strings.Join(r.abis, ", "), why)
	}
	for _, r := range removed {
		fmt.Fprintf(w, "| removed | `%s` | %s | |\n", r.name, strings.Join(r.abis, ", "))
	}
}

type mdRow struct {
	name      string
	dangerous bool
	abis      []string
}

// mdRows groups the added (or removed) syscalls of d by name, sorted by name, with the ABIs
// each changed on.
func mdRows(d profile.Diff, added bool) []mdRow {
	byName := map[string]*mdRow{}
	for _, a := range d.ABIs {
		list := a.Removed
		if added {
			list = a.Added
		}
		for _, c := range list {
			r := byName[c.Name]
			if r == nil {
				r = &mdRow{name: c.Name, dangerous: c.Dangerous}
				byName[c.Name] = r
			}
			r.abis = append(r.abis, string(a.ABI))
		}
	}
	out := make([]mdRow, 0, len(byName))
	for _, r := range byName {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// plural returns "1 syscall", "2 syscalls".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// mdCode makes s safe inside a Markdown code span on one table-free line.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ", "\r", " ").Replace(s)
}

// writeCapabilityMarkdown adds a line for the capabilities two recordings used, if they changed.
func writeCapabilityMarkdown(w io.Writer, c *profile.CapabilityDiff) {
	if c == nil {
		return
	}
	list := func(names []string) string {
		if len(names) == 0 {
			return "none"
		}
		return "`" + strings.Join(names, "`, `") + "`"
	}
	fmt.Fprintf(w, "\n**Capabilities** added: %s; removed: %s.\n", list(c.Added), list(c.Removed))
}
