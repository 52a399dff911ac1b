#!/bin/sh
# The syscall-heavy benchmark workload (about 115,000 syscalls): a find over /usr piped into cat, a tar of
# /usr/share/doc, and many short ls processes.
find /usr/share /usr/bin /usr/sbin 2>/dev/null | cat > /dev/null
tar -cf - /usr/share/doc 2>/dev/null | cat > /dev/null
i=0
while [ $i -lt 200 ]; do
	ls / > /dev/null
	i=$((i + 1))
done
