#!/usr/bin/env bash
# Stacks of a -c command that lives a few milliseconds print by name after it
# ended, every time: its mappings are read at its exit (ptrace exit stop), not
# polled. Also: signals still reach a traced command.
. "$(dirname "$0")/lib.sh"
need_root
S=$(realpath "$XT_TARGETS/shortlived")
[ -x "$S" ] || skip "tests/targets/shortlived is not built"

named=0 runs=10 last=
for ((i = 0; i < runs; i++)); do
	xt -q -e 'profile:hz:4999 /pid == cpid/ { @[ustack] = count(); }' -c "$S 2000"
	if printf '%s\n' "$XT_OUT" | grep -Eq '^    brief_spin\+[0-9]+$'; then
		named=$((named + 1))
	else
		last=$XT_OUT$XT_ERR
	fi
done
expect_eq "a 2 ms command's ustack names its busy function ($runs runs)" "$runs/$runs" "$named/$runs${last:+
$last}"

# How long the target lives (fork + exec + 2 ms of spinning), for the log.
t0=$(date +%s%N); "$S" 2000; echo "# the target lives $((($(date +%s%N) - t0) / 1000)) us"

# usym() on the traced command's addresses too, in perf mode with the module.
xt -q -e 'profile:hz:4999 /pid == cpid/ { @[ustack(perf, 1)] = count(); }' -c "$S 3000"
expect_match "perf-mode frame with the module" "^	[0-9a-f]+ brief_spin\\+[0-9]+ \\($S\\)$" "$XT_OUT"

# A traced command still gets its signals: SIGTERM ends it (and the trace).
# (XT_MS counts xtrace's own start too, which a loaded machine slows; the
# command's 100 s sleep is far longer than any such start.)
xt -q -e 'profile:hz:99 /pid == cpid/ { @[ustack] = count(); }' -c "sh -c 'kill -TERM \$\$; sleep 100'"
expect_eq "a signal reaches the traced command" 0 "$XT_RC"
[ "$XT_MS" -lt 30000 ] && pass "and it ended at once, not 100 s later ($XT_MS ms)" || fail "and it ended at once" "$XT_MS ms"
# exit() before the command ends ends it too, as bpftrace does (SIGTERM).
xt -q -e 'BEGIN { printf("cpid %d\n", cpid); } profile:hz:99 /pid == cpid/ { @[ustack] = count(); }
	interval:ms:200 { exit(); }' -c "sh -c 'exec sleep 100 >/dev/null 2>&1'"
left=$(printf '%s\n' "$XT_OUT" | sed -n 's/^cpid //p')
if [ -n "$left" ] && [ ! -e "/proc/$left" ] && [ "$XT_MS" -lt 30000 ]; then
	pass "exit() ends the command ($XT_MS ms)"
else
	fail "exit() ends the command" "cpid '${left}', $XT_MS ms, $(cat "/proc/${left:-0}/status" 2>/dev/null | head -3)"
fi
[ -n "$left" ] && kill "$left" 2>/dev/null
finish
