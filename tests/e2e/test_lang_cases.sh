#!/usr/bin/env bash
# Data-driven language cases: every tests/e2e/cases/*.case is one program and
# what xtrace must print for it. A case file is sections opened by lines
#   --- program     the program text (required)
#   --- args        extra command-line words, e.g. `--unsafe` or `-f json`,
#                   and after `--` the positional parameters (a second
#                   `--` goes to xtrace: named options follow it)
#   --- expect      exact stdout (xtrace runs with -q: no "Attaching" line)
#   --- error       exact stderr; the exit status must then be 1
# and `# ...` comment lines before the first section; `# compare: no (why)`
# keeps a case out of test_compare_bpftrace.sh.
# usage: test_lang_cases.sh [CASE...]   (names or paths; default: all)
. "$(dirname "$0")/lib.sh"
need_root
# btf_struct_print prints the running task's scheduling weight (1048576 at
# nice 0): run the cases at nice 0 also when the suite runs under `nice`.
renice -n 0 -p $$ >/dev/null 2>&1 || true
CASES=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/e2e/cases

# section FILE NAME: the lines of section NAME, without the marker
section() {
	awk -v want="--- $2" '
		/^--- / { on = ($0 == want); next }
		on { print }' "$1"
}

run_case() {
	local f=$1 name prog args expect error opts=() params=() seen_dd=0
	name=$(basename "$f" .case)
	prog=$(section "$f" program)
	args=$(section "$f" args)
	for w in $args; do
		if [ "$w" = "--" ] && [ $seen_dd = 0 ]; then seen_dd=1; continue; fi # a second -- is xtrace's
		if [ $seen_dd = 1 ]; then params+=("$w"); else opts+=("$w"); fi
	done
	xt -q "${opts[@]}" -e "$prog" "${params[@]}"
	if grep -q '^--- error$' "$f"; then
		error=$(section "$f" error)
		if [ "$XT_RC" = 1 ] && [ "$XT_ERR" = "$error" ]; then pass "$name"; else
			fail "$name" "$(printf -- 'status %s\n--- expected stderr\n%s\n--- actual stderr\n%s' "$XT_RC" "$error" "$XT_ERR")"; fi
	else
		expect=$(section "$f" expect)
		if [ "$XT_RC" = 0 ] && [ "$XT_OUT" = "$expect" ]; then pass "$name"; else
			fail "$name" "$(printf -- 'status %s\n--- expected\n%s\n--- actual\n%s\n--- stderr\n%s' "$XT_RC" "$expect" "$XT_OUT" "$XT_ERR")"; fi
	fi
}

if [ $# -gt 0 ]; then
	for c in "$@"; do
		[ -f "$c" ] || c=$CASES/$c.case
		run_case "$c"
	done
else
	for c in "$CASES"/*.case; do run_case "$c"; done
fi
finish
