# The README's test command is `make test`; .ci/run calls it and nothing else.
GO ?= go

.PHONY: test unit vet fmt-check interop generate fuzz bench

test: fmt-check vet unit interop

unit:
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The interoperability tests: mesos-go's unmodified example scheduler and
# executor against `agora dev` (a separate module; see interop/README.md).
interop:
	cd interop && $(GO) vet ./... && $(GO) test -count=1 -timeout 15m ./...

# Regenerates api/**/*.pb.go; needs protoc and protoc-gen-go (see docs/development.md).
generate:
	$(GO) generate ./api/...

# Short fuzz runs of every decoder fuzz target (seed corpora live under each
# package's testdata/fuzz/). go test fuzzes one target of one package at a time.
FUZZTIME ?= 30s
FUZZ_TARGETS = \
	./wire:FuzzUnmarshalJSON \
	./wire/recordio:FuzzReadRecord \
	./resources:FuzzParse \
	./constraints:FuzzParseCompact \
	./constraints:FuzzParseMarathon \
	./agent/fetcher:FuzzExtractTar \
	./agent/containerizer:FuzzParseDuration \
	./agent/containerizer/internal/supervisor:FuzzDecode \
	./agent/checkpoint:FuzzReadRecords \
	./sdk/executor:FuzzParseDuration \
	./agent/cgroups:FuzzParseMountinfo \
	./agent/files:FuzzResolve \
	./agent/files:FuzzParseReadQuery \
	./master:FuzzSchedulerAPI \
	./master:FuzzWeightsEndpoint \
	./master:FuzzExplainEndpoint \
	./services/app:FuzzDecode \
	./services/app:FuzzPatch \
	./services/app:FuzzDecodeFile \
	./services/marathon:FuzzHandler \
	./services/marathon:FuzzLabelSelector

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
