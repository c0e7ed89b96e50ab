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

# xt ARGS...: runs xtrace with a time limit, stdout+stderr in $XT_OUT/$XT_ERR
# (without the "Attached N probes" line), status in $XT_RC
xt() {
	local t0=$(date +%s%N)
	XT_OUT=$(timeout -k 5 ${XT_TIMEOUT:-60} "$XTRACE" "$@" 2>"$XT_TMP/stderr")
	XT_RC=$?
	XT_MS=$((($(date +%s%N) - t0) / 1000000))
	[ -n "${XT_TRACE_TIME:-}" ] && echo "# ${XT_MS} ms: xtrace $*"
	XT_ERR=$(sed -E '/^Attached [0-9]+ probes?$/d' "$XT_TMP/stderr") # asserted by test_cli26.sh
}

# Background runs, for tests that must act while xtrace traces (send it a
# signal, run a workload system-wide or on a -p process). They synchronise on
# events, never on fixed sleeps: xtrace's "Attached N probes" line on stderr
# (bpftrace 0.26's; printed once every probe is attached), or 0.17's
# "Attaching N probes..." on stdout under --attach-line 0.17, and a workload
# held on a FIFO until then.
# Typically: hold PROG ARGS wait; xt_held -p $HELD_PID PROGRAM; expect_...

# xt_start ARGS...: starts xtrace ARGS in the background (never pass -q: its
# "Attached" line is the handshake; xt_stop drops it from XT_ERR) and returns
# 0 once every probe is attached and xtrace takes SIGINT/SIGTERM through its
# event loop (both blocked: a signal sent earlier would kill it unprinted).
# Returns 1, with XT_RC/XT_OUT/XT_ERR set, when xtrace exited first or did not
# attach within XT_ATTACH_TIMEOUT seconds (default 60). Sets XT_PID.
xt_start() {
	local mask end=$((SECONDS + ${XT_ATTACH_TIMEOUT:-60}))
	# a previous run's "Attached" line must not be read before the new run's redirection truncates it
	rm -f "$XT_TMP/bg.out" "$XT_TMP/bg.err"
	"$XTRACE" "$@" >"$XT_TMP/bg.out" 2>"$XT_TMP/bg.err" &
	XT_PID=$!
	while ((SECONDS < end)); do
		if grep -Eqs '^Attached [0-9]+ probes?$' "$XT_TMP/bg.err" ||
			grep -Eqs '^Attaching [0-9]+ probes?\.\.\.$' "$XT_TMP/bg.out"; then
			mask=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$XT_PID/status" 2>/dev/null)
			[ -n "$mask" ] && (((0x$mask & 0x4002) == 0x4002)) && return 0 # SIGINT, SIGTERM
		fi
		kill -0 "$XT_PID" 2>/dev/null || break
		sleep 0.02
	done
	kill -0 "$XT_PID" 2>/dev/null && echo "xt_start: not attached after ${XT_ATTACH_TIMEOUT:-60} s" >>"$XT_TMP/bg.err"
	xt_stop KILL
	return 1
}

# xt_stop [SIG]: sends SIG (default INT) to the xtrace of xt_start, waits for
# it to end (XT_TIMEOUT s at most, then SIGKILL) and sets XT_RC, XT_OUT and
# XT_ERR (without the "Attached" line).
xt_stop() {
	kill -"${1:-INT}" "$XT_PID" 2>/dev/null
	xt_wait
}

# xt_wait: as xt_stop, for an xtrace that ends by itself (exit(), END).
xt_wait() {
	local end=$((SECONDS + ${XT_TIMEOUT:-60}))
	while ((SECONDS < end)); do
		kill -0 "$XT_PID" 2>/dev/null || break
		sleep 0.02
	done
	kill -0 "$XT_PID" 2>/dev/null && { echo "xt_wait: still running after ${XT_TIMEOUT:-60} s" >>"$XT_TMP/bg.err"; kill -KILL "$XT_PID"; }
	wait "$XT_PID"
	XT_RC=$?
	XT_OUT=$(sed -E '1{/^Attaching [0-9]+ probes?\.\.\.$/d}' "$XT_TMP/bg.out")
	XT_ERR=$(sed -E '/^Attached [0-9]+ probes?$/d' "$XT_TMP/bg.err")
}

# hold PROG ARGS...: starts a workload that waits for `release` before it
# works: its stdin is a FIFO it reads one byte from first (tests/targets
# programs do so when their last argument is "wait"). Returns once PROG runs
# (exec done, so -p PID sees PROG, not a shell); fails the test if it cannot.
# Sets HELD_PID.
hold() {
	local exe end=$((SECONDS + 60))
	exe=$(command -v "$1") && exe=$(realpath "$exe") || { fail "hold: no program $1"; finish; }
	rm -f "$XT_TMP/hold"
	mkfifo "$XT_TMP/hold"
	"$@" <"$XT_TMP/hold" &
	HELD_PID=$!
	exec 9>"$XT_TMP/hold" # returns once the workload opened its end
	while ((SECONDS < end)); do
		[ "$(readlink "/proc/$HELD_PID/exe" 2>/dev/null)" = "$exe" ] && return 0
		sleep 0.02
	done
	fail "hold: $1 did not start"
	finish
}

# release: lets the held workload work; `wait $HELD_PID` then waits for its end.
release() {
	echo >&9
	exec 9>&-
}

# xt_held ARGS...: the usual run on a held workload (-p $HELD_PID among
# ARGS): xt_start, release the workload once attached, wait for its end,
# after which xtrace ends by itself (it watches the -p process); XT_RC,
# XT_OUT and XT_ERR as xt_wait sets them. No Ctrl-C: one arriving while the
# final maps print would cut them short, as a second Ctrl-C does.
xt_held() {
	if xt_start "$@"; then
		release
		wait "$HELD_PID"
		xt_wait
	else
		release
	fi
}

# expect_nothing_left NAME MAP: no BPF map named m_MAP (a map name unique to
# the test, at most 13 characters) may be left in the kernel once xtrace exited.
expect_nothing_left() {
	command -v bpftool >/dev/null 2>&1 || { fail "$1" "bpftool is not installed"; return; }
	local left end=$((SECONDS + 30))
	# The kernel frees a closed map from a work queue, and xtrace leaves slow
	# perf-event links to a detached child to close: wait for it, 30 s at most.
	while :; do
		left=$(bpftool map show 2>/dev/null | grep -cE "name m_$2( |$)" || true)
		[ "$left" = 0 ] || ((SECONDS >= end)) && break
		sleep 0.1
	done
	expect_eq "$1" 0 "$left"
}

finish() {
	echo "$XT_PASSES passed, $XT_FAILS failed"
	[ "$XT_FAILS" = 0 ]
	exit $?
}

# xt_tmux_reaper SOCK: kills the tmux server SOCK once this test's shell is
# gone, also when ctest's timeout killed it (no EXIT trap runs then): an
# xtrace REPL left in a tmux pane would keep its probes attached and load
# the machine for every test after it.
xt_tmux_reaper() {
	setsid bash -c "while kill -0 $$ 2>/dev/null; do sleep 1; done; tmux -L '$1' kill-server 2>/dev/null" \
		</dev/null >/dev/null 2>&1 &
}
