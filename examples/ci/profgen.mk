# profgen.mk: regenerate an image's seccomp profile on each build. Include it from your
# Makefile (include examples/ci/profgen.mk) and run "make profile IMAGE=... TEST_CMD=...",
# or run it alone: make -f examples/ci/profgen.mk profile IMAGE=app:ci TEST_CMD=/app/test.sh
# Exit status as profgen-ci.sh's: 3 when the tests made syscalls the committed profile refuses.

PROFGEN_CI_DIR := $(dir $(lastword $(MAKEFILE_LIST)))

# profgen on the host, and a static build of it to run inside the image (any libc or none).
PROFGEN        ?= profgen
PROFGEN_STATIC ?= $(shell command -v $(PROFGEN))
IMAGE          ?= app:ci
TEST_CMD       ?= /app/test.sh
PROFILE_NAME   ?= app
PROFILE        ?= profiles/$(PROFILE_NAME).json
PROFGEN_OUT    ?= profgen-out
GENERATE_FLAGS ?= --runtime runc
# How to run a command in the image: docker by default; with runc, "$(PROFGEN_CI_DIR)runc-run.sh BUNDLE".
# The recorder installs a seccomp filter, which a process without CAP_SYS_ADMIN may only do
# under no_new_privs: hence no-new-privileges.
RUN_IN_IMAGE   ?= docker run --rm --security-opt no-new-privileges -v $(abspath $(PROFGEN_OUT)):/profgen-out -v $(PROFGEN_STATIC):/profgen:ro $(IMAGE)

.PHONY: profile
profile:
	@RUN_IN_IMAGE='$(RUN_IN_IMAGE)' TEST_CMD='$(TEST_CMD)' NAME='$(PROFILE_NAME)' PROFILE='$(PROFILE)' \
	OUT='$(PROFGEN_OUT)' PROFGEN='$(PROFGEN)' GENERATE_FLAGS='$(GENERATE_FLAGS)' $(PROFGEN_CI_DIR)profgen-ci.sh
