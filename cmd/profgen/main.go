// Command profgen turns what a workload really does into seccomp and AppArmor profiles.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:]))
}
