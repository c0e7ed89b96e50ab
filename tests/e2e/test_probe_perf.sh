#!/usr/bin/env bash
# profile, software and hardware (perf-event) probes; interval with us/hz.
. "$(dirname "$0")/lib.sh"
need_root
B=$(realpath "$XT_TARGETS/busyloop")
[ -x "$B" ] || skip "tests/targets/busyloop is not built"

# A profile of a short-lived -c command: its stacks print by name after it ended.
xt -q -e "profile:hz:99 /pid == cpid/ { @[ustack] = count(); }" -c "$B 300"
expect_match "profile ustack names the busy function" "^    busy_work\\+[0-9]+$" "$XT_OUT"
expect_match "profile ustack names main" "^    main\\+[0-9]+$" "$XT_OUT"
total=$(printf '%s\n' "$XT_OUT" | sed -n 's/^\]: //p' | paste -sd+ | bc)
# 99 Hz x 0.3 s of CPU time (busyloop counts its own CPU time, so a busy
# machine does not change this): about 30; half or twice the rate is a bug.
[ "${total:-0}" -ge 20 ] && [ "${total:-0}" -le 40 ] && pass "99 Hz over 0.3 s of CPU ($total samples)" || fail "99 Hz over 0.3 s of CPU" "$total samples"

xt -q -e "profile:ms:10 /pid == cpid/ { @[ustack(perf, 1)] = count(); }" -c "$B 100"
expect_match "perf-mode stack" "^	[0-9a-f]+ busy_work\\+[0-9]+ \\($B\\)$" "$XT_OUT"

xt -q -e "profile:hz:99 /pid == cpid/ { @[kstack] = count(); }" -c "$B 100"
expect_match "a user-mode sample has an empty kernel stack" "^@\\[\\]: [0-9]+$" "$XT_OUT"

xt -q -e "software:page-faults:1 /pid == cpid/ { @ = count(); }" -c "$B 10"
expect_match "software:page-faults:1 counts the command's faults" "^@: [1-9][0-9]*$" "$XT_OUT"

xt -q -e "s:cpu-clock:1000000 /pid == cpid/ { @ = count(); }" -c "$B 200"
n=$(printf '%s\n' "$XT_OUT" | sed -n 's/^@: //p')
[ "${n:-0}" -ge 150 ] && [ "${n:-0}" -le 250 ] && pass "cpu-clock every 1 ms of CPU over 200 ms ($n)" || fail "cpu-clock every 1 ms" "$XT_OUT"

# interval_count NAME UNIT: three ticks, then exit(). On failure the exit
# status, time and stderr join the output (a count of 2 was seen once under
# load, unexplained: they tell an exit() from an outside signal next time).
interval_count() {
	xt -q -e "interval:$2 { @ = count(); if (@ == 3) { exit(); } }"
	local got
	got=$(printf '%s\n' "$XT_OUT" | grep '^@')
	[ "$got$XT_RC" = "@: 30" ] || got="$got (exit $XT_RC after $XT_MS ms) $XT_ERR"
	expect_eq "$1" "@: 3" "$got"
}
interval_count "interval:us" us:200000
interval_count "interval:hz" hz:20

xt -e "software:page-fault { @ = count(); }"
expect_match "unknown software event: suggestion" "unknown software event 'page-fault'; did you mean 'page-faults'\\?" "$XT_ERR"

if [ -e /sys/bus/event_source/devices/cpu/events/cpu-cycles ] || [ -e /sys/bus/event_source/devices/cpu_core ]; then
	xt -q -e "hardware:instructions:1000000 /pid == cpid/ { @ = count(); }" -c "$B 50"
	expect_match "hardware:instructions" "^@: [1-9]" "$XT_OUT"
else
	xt -e "hardware:cycles { @ = count(); }"
	expect_eq "no PMU: exit 1" 1 "$XT_RC"
	expect_eq "no PMU: one sentence" "hardware:cycles: this machine has no hardware performance counters (no PMU); software:cpu-clock or profile:hz:99 may serve" \
		"$(printf '%s\n' "$XT_ERR" | sed -n 's/^<stdin>:[0-9:-]*: error: //p')"
fi
finish
