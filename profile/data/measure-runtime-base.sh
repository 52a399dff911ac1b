#!/bin/sh
# Measure an OCI runtime's base set with profgen record --runtime-base, the way the shipped
# runtime-*.json files were made:
#
#   sh profile/data/measure-runtime-base.sh runc false   # writes runtime-runc.json
#   sh profile/data/measure-runtime-base.sh runc true    # writes runtime-runc-nnp.json
#
# As root, with profgen (or $PROFGEN), the runtime, busybox-static (/bin/busybox), jq and
# unshare. A bundle of busybox `true` (config from `runc spec`, no linux.resources, rootfs
# read-only) with a `generate seccomp --mode log` profile and process.noNewPrivileges as asked
# is built in $DIR (default /tmp/profgen-runtime-base); the runtime runs it $RUNS times
# (default 100) under the ptrace recorder, and the set is written to the current directory
# under the shipped file's name. The command line ends up in the file's "method", so keep
# DIR fixed to reproduce a file byte for byte (but for its date).
set -eu
rt=${1:?usage: measure-runtime-base.sh RUNTIME true|false}
nnp=${2:?usage: measure-runtime-base.sh RUNTIME true|false}
case $nnp in true | false) ;; *) echo "measure-runtime-base.sh: noNewPrivileges must be true or false, not $nnp" >&2; exit 2 ;; esac
profgen=${PROFGEN:-profgen}
dir=${DIR:-/tmp/profgen-runtime-base}
runs=${RUNS:-100}
bundle=$dir/$rt-$nnp
state=$dir/$rt-$nnp-state

rm -rf "$bundle" "$state"
mkdir -p "$bundle/rootfs" "$state"
for d in bin proc dev sys tmp etc; do mkdir -p "$bundle/rootfs/$d"; done
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
echo 'root:x:0:0:root:/:/bin/sh' >"$bundle/rootfs/etc/passwd"
"$profgen" generate seccomp --mode log --seccomp "$dir/log.json" 2>/dev/null
runc spec --bundle "$bundle"
jq --slurpfile sc "$dir/log.json" --argjson nnp "$nnp" \
	'.process.terminal = false | .process.args = ["true"] | .process.noNewPrivileges = $nnp |
	 .root = {path: "rootfs", readonly: true} | del(.linux.resources) | .linux.seccomp = $sc[0]' \
	"$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

global="--root $state"
[ "$rt" = crun ] && global="$global --cgroup-manager=disabled"
loop="for i in \$(seq $runs); do $rt $global run --bundle $bundle base-\$i || exit 1; done"
# crun refuses a hybrid cgroup hierarchy whose cgroup2 mount holds controllers: run it in a
# private mount namespace without that mount (as the tests do).
if [ "$rt" = crun ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	exec "$profgen" record --runtime-base "$rt" -- unshare -m --propagation private sh -c "umount /sys/fs/cgroup/unified && $loop"
fi
exec "$profgen" record --runtime-base "$rt" -- sh -c "$loop"
