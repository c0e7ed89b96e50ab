#!/usr/bin/env bash
# watchpoint:ADDR:LEN:MODE on a process of ours that writes and reads a long
# at a fixed address (tests/targets/wpwrites): exact hits for w and rw, with
# -c and with -p; the forms and the need for a process are diagnosed.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/wpwrites")
[ -x "$T" ] || skip "tests/targets/wpwrites is not built"

xt -e 'watchpoint:0x10000000:8:w { @ = count(); }' -c true
if printf '%s\n' "$XT_ERR" | grep -q "this machine has no hardware breakpoints"; then
	expect_eq "no breakpoints: exit 1" 1 "$XT_RC"
	expect_match "no breakpoints: one sentence" \
		"^<stdin>:1:1-25: error: watchpoint:0x10000000:8:w: this machine has no hardware breakpoints \\(.*\\); a uprobe on the code that touches the address may serve$" "$XT_ERR"
	finish
fi

xt -q -e 'watchpoint:0x10000000:8:w { @ = count(); }' -c "$T 5 3"
expect_eq "w: every write of the -c command" "@: 5" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -e 'w:0x10000000:8:rw { @[probe] = count(); }' -c "$T 5 3"
expect_eq "rw: writes and reads, by probe name" "@[watchpoint:0x10000000:8:rw]: 8" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -e 'watchpoint:0x10000008:8:w { @ = count(); }' -c "$T 5 3"
expect_eq "the next long is not watched" "@: 0" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

# -p: the process waits for a byte on its stdin while xtrace attaches.
mkfifo "$XT_TMP/go"
"$T" 7 0 wait <"$XT_TMP/go" &
tp=$!
exec 3>"$XT_TMP/go"
timeout -k 5 60 "$XTRACE" -p "$tp" -e 'watchpoint:0x10000000:8:w { @ = count(); }' >"$XT_TMP/p.out" 2>&1 &
xp=$!
for i in $(seq 100); do grep -q '^Attaching' "$XT_TMP/p.out" && break; sleep 0.1; done
echo >&3
exec 3>&-
wait "$tp"
kill -INT "$xp"
wait "$xp"
expect_eq "-p: every write of the process" "@: 7" "$(grep '^@' "$XT_TMP/p.out")"

xt -e 'watchpoint:0x10000000:8:w { @ = count(); }'
expect_eq "without -p or -c: exit 1" 1 "$XT_RC"
expect_match "without -p or -c: what to do" "error: a watchpoint watches one process: run xtrace with -p PID or -c CMD$" "$XT_ERR"
xt -e 'watchpoint:0x10000000:3:w { @ = count(); }' -c true
expect_match "a bad length" "error: watchpoints are written watchpoint:ADDR:LEN:MODE with LEN 1, 2, 4 or 8 and MODE r, w, rw or x" "$XT_ERR"
if [ "$(uname -m)" = x86_64 ]; then
	xt -e 'watchpoint:0x10000000:8:r { @ = count(); }' -c true
	expect_match "x86: no read-only watchpoints" "error: x86 breakpoints cannot watch reads alone; use mode rw \\(reads and writes\\)$" "$XT_ERR"
fi
finish
