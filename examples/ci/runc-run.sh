#!/bin/sh
# runc-run.sh BUNDLE CMD...: run CMD in a container of the OCI bundle BUNDLE with runc, as
# "docker run IMAGE CMD..." does for an image: the bundle's own process (config.json's
# process.args) must keep running, e.g. ["sleep", "3600"]; CMD runs beside it with
# "runc exec", under the same process settings, and the container is deleted afterwards.
# RUNC_ROOT chooses runc's state directory (default: runc's own).
set -eu
bundle=$1
shift
id=profgen-ci-$$-$(date +%s)
runc() { command runc ${RUNC_ROOT:+--root "$RUNC_ROOT"} "$@"; }
runc run --detach --bundle "$bundle" "$id" </dev/null >/dev/null
trap 'runc delete --force "$id" >/dev/null 2>&1 || true' EXIT
runc exec "$id" "$@"
