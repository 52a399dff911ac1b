#!/bin/sh
# profgen-ci.sh: on each image build, run the image's test command under profgen, write the
# image's seccomp profile from what the tests did, compare it with the committed profile and
# say what changed and why it matters. profgen.mk and profile-image.yml call it.
#
# Environment:
#   RUN_IN_IMAGE  a command that runs its arguments in the freshly built image, with the
#                 output directory $OUT mounted read-write at /profgen-out and a static profgen
#                 (CGO_ENABLED=0 go build ./cmd/profgen) at /profgen, e.g.
#                 "docker run --rm --security-opt no-new-privileges -v $PWD/profgen-out:/profgen-out -v $(command -v profgen):/profgen:ro app:ci"
#                 or "examples/ci/runc-run.sh BUNDLE" (required)
#   TEST_CMD      the image's test command, split into words by the shell (required)
#   NAME          the profile's name (default: app)
#   PROFILE       the committed profile (default: profiles/$NAME.json)
#   OUT           this build's outputs: $NAME.rec.json, $NAME.json, $NAME.diff.md (default: profgen-out)
#   PROFGEN       profgen on the host (default: profgen)
#   GENERATE_FLAGS  flags for generate seccomp (default: --runtime runc, the base set of the
#                 runtime that will run the image)
#   GITHUB_STEP_SUMMARY  when set, a Markdown summary of the change is appended to it
#
# Exit status: 0 nothing added (or no committed profile yet: this build's profile is copied to
# $PROFILE, to be committed), 3 the workload now makes syscalls the committed profile refuses
# (profgen diff --fail-on added), 1 a step failed (the tests themselves, say).
set -eu

: "${RUN_IN_IMAGE:?set RUN_IN_IMAGE to a command that runs its arguments in the image}"
: "${TEST_CMD:?set TEST_CMD to the image's test command}"
NAME=${NAME:-app}
PROFILE=${PROFILE:-profiles/$NAME.json}
OUT=${OUT:-profgen-out}
PROFGEN=${PROFGEN:-profgen}
GENERATE_FLAGS=${GENERATE_FLAGS:---runtime runc}

say() { echo "profgen-ci: $*"; }
summary() {
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat >>"$GITHUB_STEP_SUMMARY"; else cat >/dev/null; fi
}

mkdir -p "$OUT"
rec=$OUT/$NAME.rec.json
new=$OUT/$NAME.json
rm -f "$rec" "$new" "$OUT/$NAME.diff.md"

# 1. The image's tests, traced by profgen inside the image (ptrace: every process the tests
#    start, nothing of the runtime's own). A failing test fails the build here.
say "recording $TEST_CMD"
# shellcheck disable=SC2086 # both are command lines, split on purpose
$RUN_IN_IMAGE /profgen record --backend ptrace --recording "/profgen-out/$NAME.rec.json" -- $TEST_CMD
test -s "$rec" || { say "the run wrote no recording at $rec (is $OUT mounted at /profgen-out?)"; exit 1; }

# 2. The profile, with the base set of the runtime that will run the image.
# shellcheck disable=SC2086
"$PROFGEN" generate seccomp $GENERATE_FLAGS --seccomp "$new" "$rec"

# 3. Compare with the committed profile.
if [ ! -f "$PROFILE" ]; then
	mkdir -p "$(dirname "$PROFILE")"
	cp "$new" "$PROFILE"
	say "no committed profile at $PROFILE: created it from this build; commit it"
	printf '### profgen: created `%s`\n\nNo committed profile yet: this build wrote one from the tests. Commit it (it is also in the build'"'"'s artifacts).\n' "$PROFILE" | summary
	exit 0
fi
status=0
"$PROFGEN" diff --fail-on added "$PROFILE" "$new" || status=$?
"$PROFGEN" diff --markdown "$PROFILE" "$new" >"$OUT/$NAME.diff.md"
summary <"$OUT/$NAME.diff.md"
case $status in
0) say "no syscall added to $PROFILE" ;;
3)
	say "the image's tests made syscalls that $PROFILE refuses (listed above, dangerous ones first):"
	say "a container under the committed profile would fail. If the change is intended, commit $new as $PROFILE."
	;;
*) say "profgen diff failed (status $status)" ;;
esac
exit $status
