# profgen's build. `make demo` and `make test` are the two set-up commands of the README: both
# install the Debian packages they need first (as root; otherwise they print the apt-get line).

SHELL     := /bin/bash
GO        ?= go
BIN       := bin/profgen
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
FUZZTIME  ?= 10s
# Tools the checks install into bin/tools (ignored by git), pinned, so a fresh CI machine has
# them: `make test` installs what is missing.
TOOLS     := $(CURDIR)/bin/tools
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)
# Other systems the pure-Go core (and the CLI) must build and vet on.
CROSS_GOOS := darwin windows

# Debian packages the build and the tests need.
DEBS := libseccomp-dev apparmor runc busybox-static strace gcc-multilib auditd
DEBS += crun
DEBS += python3
DEBS += nginx
# The eBPF recorder's programs: clang compiles them (bpf2go, make generate), llvm-strip strips
# them, libbpf-dev has bpf_helpers.h; linux-libc-dev (with gcc) has the kernel's uapi headers.
DEBS += clang llvm libbpf-dev
# bench/ebpf.sh times with /usr/bin/time (CPU seconds of the workload's processes).
DEBS += time
# bench/attach.sh runs Debian's redis-server under redis-benchmark.
DEBS += redis-server redis-tools

# Fuzz targets run briefly by `make test`: package:FuzzFunc.
FUZZ_TARGETS := ./recorder/auditlog:FuzzParseKernel ./recorder/auditlog:FuzzParseAuditd ./recorder/auditlog:FuzzParseInterpreted ./recorder/auditlog:FuzzParseJournal ./recorder/auditlog:FuzzParseAppArmor ./recorder/auditlog:FuzzImport
FUZZ_TARGETS += ./apparmor:FuzzQuotePath ./apparmor:FuzzSetProfileMode ./apparmor:FuzzCompilePattern ./apparmor:FuzzParseProfiles
FUZZ_TARGETS += ./profile:FuzzParseSeccomp ./profile:FuzzParseRecordingOrSeccomp
FUZZ_TARGETS += ./profile:FuzzParseDockerSeccomp ./profile:FuzzParseRuntimeSet ./profile:FuzzKubeNameFrom
FUZZ_TARGETS += ./recorder/auditlog:FuzzSeccompRawAgrees ./recorder/auditlog:FuzzRawStampAgrees
FUZZ_TARGETS += ./recorder:FuzzParseBaseline ./recorder/ptrace:FuzzDecodeFilter
FUZZ_TARGETS += ./recorder:FuzzParseStatusCreds
FUZZ_TARGETS += ./recorder/ebpf:FuzzParseProcCgroup ./recorder/ebpf:FuzzParseMountinfoCgroup2 ./recorder/ebpf:FuzzParseKallsyms ./recorder/ebpf:FuzzParseBacktraceName ./recorder/ebpf:FuzzDecodePathEvent ./recorder/ebpf:FuzzParseTaskSyscall
FUZZ_TARGETS += ./ocihook:FuzzParseState ./recorder/ebpf:FuzzRuntimeErrorMessage

.PHONY: all deps build test unit race fuzz vet cross staticcheck demo generate verify-generate bench lint clean

all: build

deps:
	@missing=""; \
	for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "make deps: missing Debian packages; run as root:"; \
	    echo "  apt-get update && apt-get install -y --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/profgen

vet:
	$(GO) vet ./...

# The model builds without cgo (no libseccomp headers), and everything builds and vets on the
# other systems profgen is imported on.
cross:
	CGO_ENABLED=0 $(GO) build ./...
	@set -e; for os in $(CROSS_GOOS); do \
	  echo "GOOS=$$os go build ./... && go vet ./..."; \
	  GOOS=$$os GOARCH=amd64 $(GO) build ./...; \
	  GOOS=$$os GOARCH=amd64 $(GO) vet ./...; \
	done

$(STATICCHECK):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(TOOLS)/staticcheck $@

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

unit: build
	$(GO) test -count=1 -timeout 30m ./...

# The tests once more under the race detector.
race:
	$(GO) test -race -count=1 -timeout 45m ./...

# A run that ends with go's "context deadline exceeded" and no failing input is the fuzzing
# harness timing out while it stops its workers on a loaded machine, not a finding: that
# target is run once more. A real finding writes its input under testdata/fuzz and fails.
fuzz:
	@set -e; log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  for try in 1 2; do \
	    echo "fuzz $$fn in $$pkg for $(FUZZTIME)"; \
	    if $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg 2>&1 | tee $$log; test $${PIPESTATUS[0]} = 0; then break; fi; \
	    if [ $$try = 1 ] && grep -q 'context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log; then \
	      echo "fuzz $$fn: the harness timed out stopping its workers; running it once more"; continue; \
	    fi; \
	    exit 1; \
	  done; \
	done

test: deps vet cross staticcheck verify-generate unit race fuzz

demo: deps build
	./scripts/demo.sh

generate:
	$(GO) generate ./...

verify-generate: generate
	@git diff --exit-code -- '*_gen.go' '*_bpfel.go' '*.o' || { echo "generated files differ from the committed ones: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- '*_gen.go' '*_bpfel.go' '*.o')" || { echo "generate made new files:"; git status --porcelain -- '*_gen.go' '*_bpfel.go' '*.o'; exit 1; }

bench: deps build
	./bench/run.sh

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
