#!/usr/bin/env bash
# The kernel refusing an attachment the compiler could not foresee exits 255,
# as bpftrace does (0.17 and 0.26), marked at the attach point, with 0.26's
# hint; config missing_probes = warn/ignore lets that probe go and the rest
# run. The refusal used: a watchpoint on an address its length does not align
# with, which perf_event_open refuses (EINVAL) on every x86 with breakpoints.
. "$(dirname "$0")/lib.sh"
need_root
L=$(realpath "$XT_TARGETS")/getppid_loop
[ -x "$L" ] || skip "tests/targets/getppid_loop is not built"
WP='watchpoint:0x1001:8:w'
TP='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @n = count(); }'

xt -c "$L 7" -e "$WP { @w = count(); }"
if [ "$XT_RC" = 1 ] && printf '%s' "$XT_ERR" | grep -q "no hardware breakpoints"; then
	skip "this machine refuses hardware breakpoints already at compile time: $(head -1 <<<"$XT_ERR")"
fi
expect_eq "attach failure: exit 255" 255 "$XT_RC"
expect_match "attach failure: at the attach point" "^<stdin>:1:1-21: error: cannot attach $WP: perf_event_open: " "$(head -1 <<<"$XT_ERR")"
expect_eq "attach failure: 0.26's hint last" "note: if this is expected, set the 'missing_probes' config variable to 'warn'" "$(tail -1 <<<"$XT_ERR")"
expect_eq "attach failure: nothing printed" "" "$XT_OUT"

xt -c "$L 7" -e "config = { missing_probes = \"error\" } $WP { @w = count(); }"
expect_eq "missing_probes = error: exit 255" 255 "$XT_RC"

xt -q -c "$L 7" -e "config = { missing_probes = \"warn\" } $WP { @w = count(); } $TP"
expect_eq "missing_probes = warn: the rest runs" 0 "$XT_RC"
expect_eq "missing_probes = warn: exact count" "@n: 7" "$(grep '^@n' <<<"$XT_OUT")"
expect_match "missing_probes = warn: a located warning" "^<stdin>:1:38-58: warning: cannot attach $WP: .*; the probe is left out \(missing_probes = \"warn\"\)$" "$(head -1 <<<"$XT_ERR")"

xt -q -c "$L 7" -e "config = { missing_probes = \"ignore\" } $WP { @w = count(); } $TP"
expect_eq "missing_probes = ignore: silent" "" "$XT_ERR"
expect_eq "missing_probes = ignore: exact count" "@n: 7" "$(grep '^@n' <<<"$XT_OUT")"

xt -c "$L 7" -e "config = { missing_probes = \"warn\" } $WP { @w = count(); } begin { @b = 1; }"
expect_eq "every probe that attaches failed: exit 255" 255 "$XT_RC"
expect_eq "every probe that attaches failed: said last" "<stdin>: error: attachment failed for all probes" "$(tail -1 <<<"$XT_ERR")"
expect_nothing_left "nothing left after the failures" "w"
finish
