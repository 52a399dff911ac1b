#!/bin/sh
# The example workload of make demo: read a configuration, keep a log in a temporary
# directory, run a child process and a pipeline, then clean up.
set -eu
dir=$(mktemp -d "${TMPDIR:-/tmp}/profgen-example.XXXXXX")
trap 'rm -rf "$dir"' EXIT
host=$(cat /etc/hostname 2>/dev/null || echo unknown)
echo "greeting='hello from $host'" > "$dir/app.conf"
. "$dir/app.conf"
echo "$greeting" | tee "$dir/app.log"
ls /etc | sort | head -n 3 >> "$dir/app.log"
sh -c 'echo "child $$ done"' >> "$dir/app.log"
echo "log: $(wc -l < "$dir/app.log") lines"
