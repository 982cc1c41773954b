# Khiên developer tasks. The Go tool is the build system; these are shortcuts.

BENCHSTAT ?= golang.org/x/perf/cmd/benchstat@latest
BENCH_OWNERSHIP_OUT ?= /tmp/bench-ownership.txt
# benchstat gives a confidence interval from 6 samples up.
BENCH_COUNT ?= 6

.PHONY: run test bench bench-ownership

# run starts the platform with demo data (the README's run command).
run:
	go run ./cmd/khien serve --demo

# test runs every test (the README's test command).
test:
	./scripts/test

# bench runs every benchmark target.
bench: bench-ownership

# bench-ownership runs the ownership index benchmarks BENCH_COUNT times,
# summarises them with benchstat, and prints the IPv4 look-up cost as a ratio to an
# exact-match Go map over the same addresses (BenchmarkBaselineMapLookup).
bench-ownership: SHELL := /bin/bash
bench-ownership: .SHELLFLAGS := -o pipefail -c
bench-ownership:
	go test -run '^$$' -bench 'Ownership|Lookup|Baseline' -benchmem -count $(BENCH_COUNT) ./internal/org/ | tee $(BENCH_OWNERSHIP_OUT)
	go run $(BENCHSTAT) $(BENCH_OWNERSHIP_OUT)
	@awk '/^Benchmark/ { n = $$1; sub(/-[0-9]+$$/, "", n); \
	    for (i = 3; i < NF; i++) if ($$(i + 1) == "ns/op") { sum[n] += $$i; cnt[n]++ } } \
	  function mean(n) { return cnt[n] ? sum[n] / cnt[n] : 0 } \
	  END { \
	    bh = mean("BenchmarkBaselineMapLookup/hot"); bc = mean("BenchmarkBaselineMapLookup/cold"); \
	    h = mean("BenchmarkLookupIPv4Hot"); c = mean("BenchmarkLookupIPv4Cold"); \
	    if (!bh || !bc) { print "no baseline results"; exit 1 } \
	    printf "IPv4 hot:  %6.1f ns/op = %5.1f M look-ups/s per core, %.2fx the map baseline (%.1f ns/op)\n", h, 1000 / h, h / bh, bh; \
	    printf "IPv4 cold: %6.1f ns/op = %5.1f M look-ups/s per core, %.2fx the map baseline (%.1f ns/op)\n", c, 1000 / c, c / bc, bc; \
	    v6 = mean("BenchmarkLookupIPv6"); if (v6) printf "IPv6:      %6.1f ns/op = %5.1f M look-ups/s per core\n", v6, 1000 / v6 }' \
	  $(BENCH_OWNERSHIP_OUT)
