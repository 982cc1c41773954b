# Khiên developer tasks. The Go tool is the build system; these are shortcuts.

BENCHSTAT ?= golang.org/x/perf/cmd/benchstat@latest
BENCH_OWNERSHIP_OUT ?= /tmp/bench-ownership.txt
# benchstat gives a confidence interval from 6 samples up.
BENCH_COUNT ?= 6

.PHONY: run test check-csaf bench bench-ownership bench-detect bench-pipeline

# run starts the platform with demo data (the README's run command).
run:
	go run ./cmd/khien serve --demo

# test runs every test (the README's test command).
test:
	./scripts/test

# check-csaf runs gocsaf's csaf_checker and csaf_validator (built from the
# module proxy) against the CSAF provider served over loopback TLS.
check-csaf:
	go test -count=1 -run TestGocsafToolsAcceptProvider -v ./internal/app/

# bench runs every benchmark target.
bench: bench-ownership bench-detect bench-pipeline bench-advisory

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

BENCH_DETECT_OUT ?= /tmp/bench-detect.txt
BENCH_DETECT_DIR ?= /tmp/khien-bench-detect
# Events for the grep and rg runs (about 500 B each): enough that scanning,
# not the set-up of a million patterns, dominates their time.
BENCH_DETECT_EVENTS ?= 524288
BENCH_DETECT_RE ?= ^Benchmark(Match1M|Match10M|MatchParallel1M|MatchHit1M|Build1M|Build10M|ApplyDelta10k|ApplyDelta10kAt10M|ApplySweep1M|ParseOnly|DecodeEVE)$$

# bench-detect runs the IoC matcher benchmarks (internal/detect) BENCH_COUNT
# times and summarises them with benchstat, then times grep -F -f and (when
# installed) rg -F -f over the same events with the 1M indicators' literal
# values, and prints events/s per core of each beside the matcher's. Their
# output goes to a file: with output to /dev/null GNU grep stops at the first
# match. The 10M set needs about 5 GiB; rg about 11 GiB for a million
# patterns.
bench-detect: SHELL := /bin/bash
bench-detect: .SHELLFLAGS := -o pipefail -c
bench-detect:
	go test -run '^$$' -bench '$(BENCH_DETECT_RE)' -benchmem -count $(BENCH_COUNT) -timeout 3h ./internal/detect/ | tee $(BENCH_DETECT_OUT)
	go run $(BENCHSTAT) $(BENCH_DETECT_OUT)
	go run ./internal/detect/cmd/genfiles -out $(BENCH_DETECT_DIR) -events $(BENCH_DETECT_EVENTS)
	@cd $(BENCH_DETECT_DIR) && TIMEFORMAT=%R && \
	  secs() { { time "$$@" > counts.out 2>&1; } 2>&1; true; } && \
	  echo "timing grep -F -f indicators.txt (set-up on an empty file, then $(BENCH_DETECT_EVENTS) events) …" && \
	  g0=$$(secs grep -F -c -f indicators.txt empty.ndjson) && g=$$(secs grep -F -c -f indicators.txt events.ndjson) && \
	  r0= && r= && if command -v rg > /dev/null; then \
	    echo "timing rg -j1 -F -f indicators.txt …" && \
	    r0=$$(secs rg -j1 -F -c -f indicators.txt empty.ndjson) && r=$$(secs rg -j1 -F -c -f indicators.txt events.ndjson); \
	  else echo "rg is not installed: skipped (apt-get install -y ripgrep)"; fi; \
	  awk -v ev=$(BENCH_DETECT_EVENTS) -v g0="$$g0" -v g="$$g" -v r0="$$r0" -v r="$$r" \
	  '/^Benchmark/ { n = $$1; sub(/-[0-9]+$$/, "", n); \
	      for (i = 3; i < NF; i++) if ($$(i + 1) == "events/s") { s[n] += $$i; c[n]++ } } \
	    function m(k) { return c[k] ? s[k] / c[k] : 0 } \
	    function scan(t, t0) { return t - t0 > 0 ? ev / (t - t0) : 0 } \
	    function line(what, v) { if (v) printf "  %-44s %11.0f events/s\n", what, v } \
	    END { \
	      m1 = m("BenchmarkMatch1M"); gs = scan(g, g0); rs = r != "" ? scan(r, r0) : 0; \
	      print "\nevents/s per core (means of the runs above; grep and rg on the same events, their set-up taken out):"; \
	      line("matcher, 1M indicators", m1); line("matcher, 10M indicators", m("BenchmarkMatch10M")); \
	      line("matcher, 1M, both cores together", m("BenchmarkMatchParallel1M")); \
	      line("parse-only (encoding/json into a struct)", m("BenchmarkParseOnly")); \
	      line("decode-only (telemetry.Decode, EVE)", m("BenchmarkDecodeEVE")); \
	      line("grep -F -f, 1M literal values", gs); line("rg -j1 -F -f, 1M literal values", rs); \
	      printf "  grep set-up %.1f s, %.1f s in all", g0, g; if (r != "") printf "; rg set-up %.1f s, %.1f s in all", r0, r; print ""; \
	      if (!m1) { print "no matcher results"; exit 1 } \
	      printf "matcher (1M) = %.1fx parse-only", m1 / m("BenchmarkParseOnly"); \
	      if (m("BenchmarkDecodeEVE")) printf ", %.1fx decode-only", m1 / m("BenchmarkDecodeEVE"); \
	      if (gs) printf ", %.0fx grep -F", m1 / gs; if (rs) printf ", %.0fx rg -F", m1 / rs; print "" }' \
	  $(BENCH_DETECT_OUT)

# bench-pipeline measures the whole monitoring path in one process: HTTP
# ingest, the JetStream stream, detection against 1M indicators and alert
# writes (SQLite). It prints end-to-end events/s, then offers half of that
# rate and prints ingest-to-alert latency p50 and p99 for probe events.
bench-pipeline: SHELL := /bin/bash
bench-pipeline: .SHELLFLAGS := -o pipefail -c
bench-pipeline:
	go test -run '^$$' -bench 'PipelineThroughput' -benchtime 2x -timeout 30m ./tests/e2e/ | tee /tmp/bench-pipeline.txt
	@rate=$$(awk '/^BenchmarkPipelineThroughput/ { for (i = 3; i < NF; i++) if ($$(i + 1) == "events/s") { s += $$i; n++ } } END { if (n) printf "%d", s / n / 2 }' /tmp/bench-pipeline.txt); \
	  echo "offering half the measured maximum: $$rate events/s"; \
	  KHIEN_BENCH_RATE=$$rate go test -run '^$$' -bench 'PipelineLatency' -benchtime 1x -timeout 30m ./tests/e2e/

BENCH_PORTAL_ENTRIES ?= 1000000
BENCH_PORTAL_DURATION ?= 20s
BENCH_PORTAL_CONNS ?= 64
BENCH_PORTAL_OUT ?= /tmp/bench-portal.txt

# bench-portal serves the public portal's JSON look-up (GET /portal/v1/check)
# on loopback with BENCH_PORTAL_ENTRIES published entries from a
# deterministic generator (internal/publicweb/cmd/benchportal; its look-up
# rate limit is raised there, never in production defaults), pinned to two
# cores with GOMAXPROCS=2, and drives it with Debian's wrk for
# BENCH_PORTAL_DURATION; it prints look-ups per second and the p99 latency.
.PHONY: bench-portal
bench-portal: SHELL := /bin/bash
bench-portal: .SHELLFLAGS := -o pipefail -ec
bench-portal:
	@command -v wrk >/dev/null || { echo "bench-portal needs wrk: apt-get install -y wrk" >&2; exit 1; }
	go build -o /tmp/khien-benchportal ./internal/publicweb/cmd/benchportal
	@rm -f /tmp/bench-portal.ready; \
	pin=""; if command -v taskset >/dev/null; then pin="taskset -c 0,1"; fi; \
	GOMAXPROCS=2 $$pin /tmp/khien-benchportal -entries $(BENCH_PORTAL_ENTRIES) -script /tmp/bench-portal.lua \
	  > /tmp/bench-portal.ready & pid=$$!; trap "kill $$pid 2>/dev/null || true" EXIT; \
	for i in $$(seq 1 300); do grep -q '^ready' /tmp/bench-portal.ready 2>/dev/null && break; \
	  kill -0 $$pid 2>/dev/null || { echo "benchportal exited" >&2; exit 1; }; sleep 0.5; done; \
	addr=$$(awk '/^ready/ {print $$2}' /tmp/bench-portal.ready); \
	[ -n "$$addr" ] || { echo "benchportal did not start" >&2; exit 1; }; \
	echo "wrk -t2 -c$(BENCH_PORTAL_CONNS) -d$(BENCH_PORTAL_DURATION) --latency -s /tmp/bench-portal.lua http://$$addr"; \
	wrk -t2 -c$(BENCH_PORTAL_CONNS) -d$(BENCH_PORTAL_DURATION) --latency -s /tmp/bench-portal.lua "http://$$addr" | tee $(BENCH_PORTAL_OUT); \
	awk '/Requests\/sec/ {rps = $$2} /^ +99%/ {p99 = $$2} /Non-2xx/ {bad = $$NF} \
	  END { printf "look-ups/s: %s   p99: %s   non-2xx: %s   (%s entries, 2 cores shared with wrk)\n", rps, p99, bad ? bad : 0, "$(BENCH_PORTAL_ENTRIES)" }' $(BENCH_PORTAL_OUT)

BENCH_ADVISORY_OUT ?= /tmp/bench-advisory.txt
BENCH_ADVISORY_COUNT ?= $(BENCH_COUNT)
BENCH_ADVISORY_RE ?= ^Benchmark(FullRecompute|BuildAdvisoryIndex|MatchAll|Upload1k|NewAdvisory|Naive)$$

# bench-advisory runs the vulnerability matcher's benchmarks (internal/vuln,
# data from internal/vuln/gen: 300k advisories against 100k inventory
# items) on one core, BENCH_ADVISORY_COUNT times, summarises them with
# benchstat and prints each figure beside its target (issue 5) and the
# naive pair scan (run on 300 advisories, extrapolated linearly to all) as
# a ratio to the full recompute. The verdicts use CPU time per operation
# (GOMAXPROCS=1: time on one core), which other work on the machine does
# not inflate as it does wall time; wall time is printed beside it.
.PHONY: bench-advisory
bench-advisory: SHELL := /bin/bash
bench-advisory: .SHELLFLAGS := -o pipefail -c
bench-advisory:
	GOMAXPROCS=1 go test -run '^$$' -bench '$(BENCH_ADVISORY_RE)' -benchmem -cpu 1 -count $(BENCH_ADVISORY_COUNT) -timeout 1h ./internal/vuln/ | tee $(BENCH_ADVISORY_OUT)
	go run $(BENCHSTAT) $(BENCH_ADVISORY_OUT)
	@awk '/^Benchmark/ { n = $$1; sub(/-[0-9]+$$/, "", n); \
	    for (i = 3; i < NF; i++) { u = $$(i + 1); if (u ~ /^(ns\/op|cpu-s\/op|cpu-ms\/op|index-MiB|matches|naive-full-cpu-s)$$/) { s[n, u] += $$i; c[n, u]++ } } } \
	  function m(n, u) { return c[n, u] ? s[n, u] / c[n, u] : 0 } \
	  function verdict(v, t) { return v <= t ? "met" : "MISSED" } \
	  END { \
	    full = m("BenchmarkFullRecompute", "cpu-s/op"); if (!full) { print "no results"; exit 1 } \
	    build = m("BenchmarkBuildAdvisoryIndex", "cpu-s/op"); mt = m("BenchmarkMatchAll", "cpu-s/op"); \
	    adv = m("BenchmarkNewAdvisory", "cpu-ms/op"); up = m("BenchmarkUpload1k", "cpu-ms/op"); \
	    amem = m("BenchmarkBuildAdvisoryIndex", "index-MiB"); imem = m("BenchmarkNewAdvisory", "index-MiB"); \
	    naive = m("BenchmarkNaive", "naive-full-cpu-s"); \
	    print "\nvulnerability matching, CPU time on one core (means of the runs above; wall time in brackets, longer when other work shares the cores):"; \
	    printf "  full recompute, 300k advisories x 100k items  %9.3f s   target <= 2 s     %-6s [%.3f s] %d matches; index build %.3f s, matching %.3f s\n", full, verdict(full, 2), m("BenchmarkFullRecompute", "ns/op") / 1e9, m("BenchmarkFullRecompute", "matches"), build, mt; \
	    printf "  one new advisory against the inventory index  %9.3f ms  target <= 10 ms   %-6s [%.3f ms]\n", adv, verdict(adv, 10), m("BenchmarkNewAdvisory", "ns/op") / 1e6; \
	    printf "  1k-item upload against the advisory index     %9.3f ms  target <= 10 ms   %-6s [%.3f ms] %d matches\n", up, verdict(up, 10), m("BenchmarkUpload1k", "ns/op") / 1e6, m("BenchmarkUpload1k", "matches"); \
	    printf "  advisory index memory                         %9.1f MiB target <= 128 MiB %s\n", amem, verdict(amem, 128); \
	    printf "  inventory index memory                        %9.1f MiB target <= 128 MiB %s\n", imem, verdict(imem, 128); \
	    if (naive) printf "  naive pair scan, extrapolated to 300k         %9.0f s   = %.0fx the full recompute\n", naive, naive / full }' \
	  $(BENCH_ADVISORY_OUT)
