# Shared helpers for end-to-end tests: each tests/e2e/test_*.sh sources this,
# runs xtrace for real against a workload it controls and asserts exact output.
# Exit 0 = pass, 1 = fail, 77 = skipped (ctest SKIP_RETURN_CODE).
set -u
XTRACE=${XTRACE:-${XT_BUILD_DIR:-build}/xtrace}
XT_TARGETS=${XT_TARGETS:-${XT_BUILD_DIR:-build}/targets}
XT_FAILS=0
XT_PASSES=0
XT_TMP=$(mktemp -d /tmp/xt-e2e.XXXXXX)
trap 'rm -rf "$XT_TMP"' EXIT

skip() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"; }

# pass/fail NAME [DETAILS]
pass() { echo "ok - $1"; XT_PASSES=$((XT_PASSES + 1)); }
fail() { echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    /'; XT_FAILS=$((XT_FAILS + 1)); }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1" "$(printf -- '--- expected\n%s\n--- actual\n%s' "$2" "$3")"; fi
}

# expect_match NAME REGEX ACTUAL (grep -E on the whole text)
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass "$1"; else
		fail "$1" "$(printf -- 'pattern: %s\n--- actual\n%s' "$2" "$3")"; fi
}

# xt ARGS...: runs xtrace with a time limit, stdout+stderr in $XT_OUT/$XT_ERR, status in $XT_RC
xt() {
	local t0=$(date +%s%N)
	XT_OUT=$(timeout -k 5 ${XT_TIMEOUT:-60} "$XTRACE" "$@" 2>"$XT_TMP/stderr")
	XT_RC=$?
	XT_MS=$((($(date +%s%N) - t0) / 1000000))
	[ -n "${XT_TRACE_TIME:-}" ] && echo "# ${XT_MS} ms: xtrace $*"
	XT_ERR=$(cat "$XT_TMP/stderr")
}

# expect_nothing_left NAME MAP: no BPF map named m_MAP (a map name unique to
# the test, at most 13 characters) may be left in the kernel once xtrace exited.
expect_nothing_left() {
	command -v bpftool >/dev/null 2>&1 || { fail "$1" "bpftool is not installed"; return; }
	local left i
	# The kernel frees a closed map from a work queue: give it a moment.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		left=$(bpftool map show 2>/dev/null | grep -cE "name m_$2( |$)" || true)
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	expect_eq "$1" 0 "$left"
}

finish() {
	echo "$XT_PASSES passed, $XT_FAILS failed"
	[ "$XT_FAILS" = 0 ]
	exit $?
}
