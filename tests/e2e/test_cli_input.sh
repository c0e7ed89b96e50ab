#!/usr/bin/env bash
# What xtrace reads before it traces: the script file (a directory, a missing
# file, an endless device, a FIFO nobody writes, process substitution, stdin)
# and the -c / -p arguments. Each refusal is one message and exit status 1.
. "$(dirname "$0")/lib.sh"
need_root

# expect_fail NAME MESSAGE: the last xt call exited 1 with exactly MESSAGE on stderr and nothing on stdout
expect_fail() {
	expect_eq "$1" "1
$2" "$XT_RC
$XT_ERR$XT_OUT"
}

# --- script files ---
xt "$XT_TMP"
expect_fail "a directory as the script" "xtrace: cannot read $XT_TMP: Is a directory"
xt "$XT_TMP/missing.xt"
expect_fail "a missing script" "xtrace: cannot read $XT_TMP/missing.xt: No such file or directory"

XT_TIMEOUT=30 xt /dev/zero
expect_fail "an endless device is refused" "xtrace: /dev/zero is larger than 16 MB: not a script"
[ "$XT_MS" -lt 5000 ] && pass "and at once" || fail "and at once" "took $XT_MS ms"
truncate -s 17M "$XT_TMP/big.xt"
xt "$XT_TMP/big.xt"
expect_fail "a file larger than 16 MB" "xtrace: $XT_TMP/big.xt is larger than 16 MB: not a script"

# A FIFO nobody writes to: xtrace waits, and a stop signal ends the wait at once.
mkfifo "$XT_TMP/fifo"
for sig in TERM INT HUP; do
	timeout -k 5 30 "$XTRACE" "$XT_TMP/fifo" >"$XT_TMP/out" 2>"$XT_TMP/err" &
	job=$!
	# timeout's child is xtrace; signal it, not timeout, once it blocks signals
	child=
	for i in $(seq 200); do
		child=$(pgrep -P "$job" -x xtrace)
		blk=$([ -n "$child" ] && awk '/^SigBlk:/ { print $2 }' "/proc/$child/status" 2>/dev/null)
		[ -n "$blk" ] && (((0x$blk & 0x4000) != 0)) && break
		sleep 0.05
	done
	t0=$(date +%s%N)
	kill -s "$sig" "$child"
	wait "$job"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_eq "SIG$sig while waiting for a FIFO's writer" "1
xtrace: stopped while reading $XT_TMP/fifo" "$rc
$(cat "$XT_TMP/err" "$XT_TMP/out")"
	[ "$ms" -lt 1000 ] && pass "SIG$sig ends it within a second" || fail "SIG$sig ends it within a second" "took $ms ms"
done

# A FIFO that does get a writer: read once (LLVM's line info must not open it again).
(echo 'BEGIN { printf("from a fifo\n"); exit(); }' >"$XT_TMP/fifo" &)
xt -q "$XT_TMP/fifo"
expect_eq "a FIFO with a writer" "0
from a fifo" "$XT_RC
$XT_OUT"

xt -q <(echo 'BEGIN { printf("hi\n"); exit(); }')
expect_eq "process substitution" "0
hi" "$XT_RC
$XT_OUT"
XT_OUT=$(echo 'BEGIN { printf("from stdin\n"); exit(); }' | timeout -k 5 60 "$XTRACE" -q - 2>"$XT_TMP/stderr")
XT_RC=$?
expect_eq "'-' reads standard input" "0
from stdin" "$XT_RC
$XT_OUT"

# --- -c and -p ---
xt -e 'BEGIN { exit(); }' -c /tmp
expect_fail "-c with a directory" "xtrace: cannot run /tmp: Is a directory"

# Checked before anything is compiled: the program here would not even parse.
xt -e 'BEGIN {' -p 12abc
expect_fail "-p 12abc" "xtrace: -p: '12abc' is not a process id (a positive decimal number)"
xt -e 'BEGIN {' -p -1
expect_fail "-p -1" "xtrace: -p: '-1' is not a process id (a positive decimal number)"
max=$(cat /proc/sys/kernel/pid_max)
xt -e 'BEGIN {' -p 999999999
expect_fail "-p 999999999" "xtrace: -p 999999999: process ids on this system are below $max"
xt -e 'BEGIN {' -p 4194303
if [ "$max" -le 4194303 ]; then
	expect_fail "-p 4194303" "xtrace: -p 4194303: process ids on this system are below $max"
elif ! kill -0 4194303 2>/dev/null; then
	expect_fail "-p 4194303" "xtrace: -p 4194303: no such process"
fi
# a process id below pid_max that no process has
nopid=$((max - 1))
while kill -0 "$nopid" 2>/dev/null; do nopid=$((nopid - 1)); done
xt -e 'BEGIN {' -p "$nopid"
expect_fail "-p of no process" "xtrace: -p $nopid: no such process"

# Deep programs: a chain of 4,000 `+` (left-associative: the parser's own
# stack stays flat) once overflowed the recursive passes' stack; now one
# diagnostic at the first node past 1,000 levels. 900 terms still run.
chain() { printf 'BEGIN { @x = 1'; for ((i = 1; i < $1; i++)); do printf ' + 1'; done; printf '; exit(); }'; }
chain 4000 >"$XT_TMP/chain4000.xt"
xt -q "$XT_TMP/chain4000.xt"
expect_eq "4,000-term chain: exit 1" 1 "$XT_RC"
expect_eq "4,000-term chain: one diagnostic" \
	"$XT_TMP/chain4000.xt:1:12030: error: the program is nested too deeply: more than 1000 levels of expressions and blocks" \
	"$(printf '%s\n' "$XT_ERR" | head -1)"
chain 900 >"$XT_TMP/chain900.xt"
xt -q "$XT_TMP/chain900.xt"
expect_eq "900-term chain runs" "@x: 900" "$(printf '%s\n' "$XT_OUT" | grep '^@x')"
finish
