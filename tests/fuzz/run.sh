#!/usr/bin/env bash
# make fuzz: runs every libFuzzer harness for SECONDS (default 60) each,
# starting from its committed corpus (copied: the committed one changes only
# by hand, with `-merge=1` of what a run found), and prints per harness the
# executions, executions per second, coverage and findings. A finding's input
# is kept in build-fuzz/findings/NAME/ (crash-*, leak-*, timeout-*, slow-unit-*).
#   tests/fuzz/run.sh [SECONDS] [NAME...]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${XT_FUZZ_BUILD:-$here/../../build-fuzz}
secs=${1:-60}
shift || true
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
	for f in "$here"/fuzz_*.c; do n=$(basename "$f" .c); names+=("${n#fuzz_}"); done
fi
printf '%-10s %12s %10s %8s %8s %8s %s\n' harness executions exec/s cov ft slowest findings
status=0
for n in "${names[@]}"; do
	bin=$build/tests/fuzz/fuzz_$n
	[[ -x $bin ]] || { echo "fuzz: $bin is not built (make fuzz builds it)" >&2; status=1; continue; }
	work=$build/corpus/$n findings=$build/findings/$n
	mkdir -p "$work" "$findings"
	cp -n "$here/corpus/$n/"* "$work/" 2>/dev/null
	log=$build/fuzz_$n.log
	# An input slower than 1 s counts as a finding (issue: none may be):
	# -report_slow_units=1 keeps it as slow-unit-* and goes on; -timeout
	# (FUZZ_TIMEOUT, default 10 s) stops the run. libFuzzer times wall
	# clock, so on a loaded machine a slow unit is timed again alone below.
	# -rss_limit_mb: leaks and blow-ups show; detect_leaks through ASan.
	(cd "$findings" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -report_slow_units=1 \
		-rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 "$work" >"$log" 2>&1)
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
	found=$(find "$findings" -type f | wc -l)
	slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)
	for f in "$findings"/slow-unit-* "$findings"/timeout-*; do
		[[ -f $f ]] || continue
		# one process per run: libFuzzer's "Executed FILE in N ms" is the
		# total of all -runs of a file, without the process's warm-up
		alone=$(for i in 1 2 3; do ASAN_OPTIONS=detect_leaks=1 "$bin" -runs=1 "$f" 2>&1; done |
			sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' | sort -n | head -1)
		echo "  $(basename "$f"): ${alone:-?} ms alone (fastest of 3)" >&2
	done
	printf '%-10s %12s %10s %8s %8s %7ss %s\n' "$n" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${slowest:-?}" "$found"
	if [[ $rc -ne 0 || $found -ne 0 ]]; then
		status=1
		echo "  exit $rc; see $log and $findings" >&2
	fi
done
exit $status
