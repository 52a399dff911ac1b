#!/usr/bin/env bash
# make demo: record the example workload (examples/hello/app.sh) with the ptrace recorder,
# write its recording, seccomp profile and AppArmor profile, try the seccomp profile on it,
# and print where everything went.
set -euo pipefail
cd "$(dirname "$0")/.."
out=demo-out
rm -rf "$out"
mkdir -p "$out"
bin/profgen version
echo
echo "== profgen record --summary -- examples/hello/app.sh"
bin/profgen record --summary \
	--recording "$out/hello.recording.json" \
	--seccomp "$out/hello.seccomp.json" \
	--apparmor "$out/hello.apparmor" \
	-- examples/hello/app.sh
echo
echo "== the example again, under its own seccomp profile (profgen exec)"
bin/profgen exec --seccomp "$out/hello.seccomp.json" -- examples/hello/app.sh
echo
echo "profiles written to $out/:"
for f in "$out"/*; do
	printf '  %-32s %s\n' "$f" "$(wc -c < "$f") bytes"
done
