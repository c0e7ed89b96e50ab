#!/usr/bin/env bash
# Runs the BEGIN-only language cases (tests/e2e/cases/*.case) through
# bpftrace and through xtrace and diffs the normalised output. Cases marked
# `# compare: no (reason)` are deliberate differences or constructs newer than
# the bpftrace installed here (Debian's 0.17); docs/language.md lists them.
# Normalised: bpftrace's "Attaching N probes..." line is dropped (xtrace runs
# with -q), trailing blanks are trimmed. xtrace runs with
# XTRACE_TEXT_LAYOUT=0.17 and XTRACE_JSON_LAYOUT=0.17: by default it prints
# bpftrace 0.26's layouts (hist headers `@h:` without 0.17's trailing space,
# nothing for an empty map, no empty lines before JSON's final maps,
# `[{...},{...}]` between JSON hist buckets), and those variables bring back
# the 0.17 forms compared here (docs/output-format.md, the choices). Other
# 0.26 forms xtrace prints by default are in a case's `compare: no` (strings
# cut short: bpftrace 0.26 keeps max_strlen characters and the ".." trailer,
# bi26_str_trailer); no compared case cuts a string. tests/e2e/test_strcount.sh
# compares 0.17's counts (XTRACE_STR_COUNT=0.17) with this bpftrace directly.
. "$(dirname "$0")/lib.sh"
need_root
export XTRACE_TEXT_LAYOUT=0.17 XTRACE_JSON_LAYOUT=0.17
BPFTRACE=${BPFTRACE:-$(command -v bpftrace)}
if [ -z "$BPFTRACE" ] && command -v apt-get >/dev/null 2>&1; then
	apt-get install -y bpftrace >/dev/null 2>&1
	BPFTRACE=$(command -v bpftrace)
fi
[ -n "$BPFTRACE" ] || skip "bpftrace is not installed and cannot be installed"
CASES=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/e2e/cases

section() {
	awk -v want="--- $2" '
		/^--- / { on = ($0 == want); next }
		on { print }' "$1"
}

norm() { sed -e '/^Attaching [0-9]* probes\{0,1\}\.\.\.$/d' -e 's/[[:space:]]*$//'; }

ncmp=0
for f in "$CASES"/*.case; do
	grep -q '^# compare: no' "$f" && continue
	name=$(basename "$f" .case)
	prog=$(section "$f" program)
	opts=() params=() dd=0
	for w in $(section "$f" args); do
		if [ "$w" = "--" ]; then dd=1; continue; fi
		if [ $dd = 1 ]; then params+=("$w"); else opts+=("$w"); fi
	done
	ncmp=$((ncmp + 1))
	want=$(timeout -k 5 30 "$BPFTRACE" "${opts[@]}" -e "$prog" "${params[@]}" 2>"$XT_TMP/bt.err" | norm)
	xt -q "${opts[@]}" -e "$prog" "${params[@]}"
	got=$(printf '%s\n' "$XT_OUT" | norm)
	expect_eq "same as bpftrace: $name" "$want" "$got"
done
echo "$ncmp cases compared with $("$BPFTRACE" --version)"
finish
