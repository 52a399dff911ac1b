#!/bin/sh
# A shell workload with pipes, subshells, command substitution and background children.
ls / | sort | head -n 3 > /dev/null
(echo a; echo b) | wc -l > /dev/null
host=$(cat /etc/hostname)
sh -c 'exit 0' &
sleep 0.01 &
wait
mkdir -p "$TMPDIR/pipes-test" && echo "$host" > "$TMPDIR/pipes-test/out" && rm -r "$TMPDIR/pipes-test"
