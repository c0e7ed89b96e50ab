#!/usr/bin/env bash
# watchpoint:ADDR:LEN:MODE on a process of ours that writes and reads a long
# at a fixed address (tests/targets/wpwrites): exact hits for w and rw, with
# -c and with -p; the forms and the need for a process are diagnosed; a
# machine whose breakpoints never fire says so and the test is skipped.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/wpwrites")
[ -x "$T" ] || skip "tests/targets/wpwrites is not built"

# Breakpoints that open but never fire (a virtualised CPU without debug
# registers) are told apart by trying one; XT_TEST_BREAKPOINTS_DEAD=1 makes
# that try write beside the watched variable, so the path runs here too.
NOFIRE="<stdin>:1:1-25: error: watchpoint:0x10000000:8:w: this machine has no hardware breakpoints (they open but never fire); a uprobe on the code that touches the address may serve
watchpoint:0x10000000:8:w { @ = count(); }
~~~~~~~~~~~~~~~~~~~~~~~~~"
XT_TEST_BREAKPOINTS_DEAD=1 xt -e 'watchpoint:0x10000000:8:w { @ = count(); }' -c true
expect_eq "breakpoints that never fire: one diagnostic" "$NOFIRE" "$XT_ERR"
expect_eq "breakpoints that never fire: exit 1" 1 "$XT_RC"

# The forms and the need for a process, diagnosed before any breakpoint is tried.
xt -e 'watchpoint:0x10000000:8:w { @ = count(); }'
expect_eq "without -p or -c: exit 1" 1 "$XT_RC"
expect_match "without -p or -c: what to do" "error: a watchpoint watches one process: run xtrace with -p PID or -c CMD$" "$XT_ERR"
xt -e 'watchpoint:0x10000000:3:w { @ = count(); }' -c true
expect_match "a bad length" "error: watchpoints are written watchpoint:ADDR:LEN:MODE with LEN 1, 2, 4 or 8 and MODE r, w, rw or x" "$XT_ERR"
if [ "$(uname -m)" = x86_64 ]; then
	xt -e 'watchpoint:0x10000000:8:r { @ = count(); }' -c true
	expect_match "x86: no read-only watchpoints" "error: x86 breakpoints cannot watch reads alone; use mode rw \\(reads and writes\\)$" "$XT_ERR"
fi

xt -e 'watchpoint:0x10000000:8:w { @ = count(); }' -c true
if printf '%s\n' "$XT_ERR" | grep -q "this machine has no hardware breakpoints"; then
	expect_eq "no breakpoints: exit 1" 1 "$XT_RC"
	expect_match "no breakpoints: one sentence" \
		"^<stdin>:1:1-25: error: watchpoint:0x10000000:8:w: this machine has no hardware breakpoints \\(.*\\); a uprobe on the code that touches the address may serve$" "$XT_ERR"
	[ "$XT_FAILS" = 0 ] || finish
	skip "$(printf '%s\n' "$XT_ERR" | sed -n 's/.*\(this machine has no hardware breakpoints ([^)]*)\).*/\1/p')"
fi

xt -q -e 'watchpoint:0x10000000:8:w { @ = count(); }' -c "$T 5 3"
expect_eq "w: every write of the -c command" "@: 5" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -e 'w:0x10000000:8:rw { @[probe] = count(); }' -c "$T 5 3"
expect_eq "rw: writes and reads, by probe name" "@[watchpoint:0x10000000:8:rw]: 8" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -e 'watchpoint:0x10000008:8:w { @ = count(); }' -c "$T 5 3"
expect_eq "the next long is not watched" "@: 0" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

# -p: the process is held until xtrace has attached.
hold "$T" 7 0 wait
xt_held -p "$HELD_PID" -e 'watchpoint:0x10000000:8:w { @ = count(); }'
expect_eq "-p: every write of the process" "@: 7" "$(printf '%s\n' "$XT_OUT" | grep '^@')$XT_ERR"

finish
