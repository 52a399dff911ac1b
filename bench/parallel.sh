#!/bin/sh
# The CPU-parallel benchmark workload: two processes each computing for about a second,
# making few syscalls.
spin() { awk 'BEGIN { for (i = 0; i < 30000000; i++) s += i % 7; print s }' > /dev/null; }
spin &
spin &
wait
