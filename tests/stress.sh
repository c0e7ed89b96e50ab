#!/usr/bin/env bash
# tests/stress.sh [RUNS] [BUILD]: the suite must pass on a busy machine.
# Runs every test (ctest -j2 in BUILD, default build) RUNS times in a row
# (default 5) while stress-ng keeps two CPU workers and one I/O worker busy
# (or what STRESS says, e.g. STRESS="--cpu 4 --io 2 --vm 1"),
# and prints per run: passed, failed, skipped and wall time; exits 1 if any
# run had a failure. Each run's log is kept in BUILD/Testing/stress-N.log.
# Installs stress-ng with apt-get when it is missing (needs root, like the
# tests). Build first (make build).
set -u
RUNS=${1:-5}
BUILD=${2:-$(dirname "$0")/../build}
[ -f "$BUILD/CTestTestfile.cmake" ] || { echo "stress.sh: no build in $BUILD (make build first)" >&2; exit 2; }
if ! command -v stress-ng >/dev/null; then
	echo "stress.sh: installing stress-ng"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null; } ||
		{ echo "stress.sh: cannot install stress-ng" >&2; exit 2; }
fi

# shellcheck disable=SC2086 # STRESS is a list of options
stress-ng ${STRESS:---cpu 2 --io 1} --timeout 0 >/dev/null 2>&1 &
SP=$!
trap 'kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null' EXIT
sleep 1 # let the workers start: the load, not the test, decides the timing

bad=0
for ((run = 1; run <= RUNS; run++)); do
	log=$BUILD/Testing/stress-$run.log
	mkdir -p "$BUILD/Testing"
	t0=$(date +%s)
	(cd "$BUILD" && ctest -j2 --output-on-failure) >"$log" 2>&1
	wall=$(($(date +%s) - t0))
	total=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$log")
	passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed ' "$log")
	skipped=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Skipped' "$log")
	failed=$((total - passed - skipped))
	printf 'run %d: %d passed, %d failed, %d skipped, %d s\n' "$run" "$passed" "$failed" "$skipped" "$wall"
	if [ "$failed" != 0 ]; then
		bad=1
		grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$log" | grep -vE ' Passed |\*\*\*Skipped' | sed 's/^/    /'
	fi
done
exit $bad
