#!/bin/sh
# A mixed benchmark workload (reported, no target): two processes computing in parallel for
# about a second each while writing a line every few thousand steps (about 13,000 syscalls a
# second in all). Pinning tracer and workload to one CPU would serialise them.
spin() { awk 'BEGIN { for (i = 0; i < 30000000; i++) { s += i % 7; if (i % 3000 == 0) { print s; fflush() } } }' > /dev/null; }
spin &
spin &
wait
