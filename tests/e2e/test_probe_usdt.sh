#!/usr/bin/env bash
# usdt: probes read from .note.stapsdt, semaphores armed, arguments from the
# notes' operand specs (memory operands at -O0), wildcards with cookies.
. "$(dirname "$0")/lib.sh"
need_root
U=$(realpath "$XT_TARGETS/usdt_ticks")
[ -x "$U" ] || skip "tests/targets/usdt_ticks is not built (needs <sys/sdt.h> from systemtap-sdt-dev)"

xt -q -e "usdt:$U:xt:tick { @ = count(); @s = sum(arg1); @m = max(arg0); }" -c "$U 100"
expect_eq "semaphore armed while attached" "armed 100 of 100" "$(printf '%s\n' "$XT_OUT" | grep '^armed')"
expect_eq "count, sum(arg1), max(arg0)" "@: 100
@m: 99
@s: -39600" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "U:$U:* { @[probe] = count(); @a = sum(arg0); }" -c "$U 10"
expect_eq "wildcard over provider and name" "@[usdt:$U:xt:plain]: 10
@[usdt:$U:xt:tick]: 10
@a: 90" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "usdt:$U:plain { @ = hist(arg0); }" -c "$U 4"
expect_eq "name without provider, arg0 histogram" "@:
[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@:/,/^$/p' | sed '/^$/d')"

# The last run's uprobes may outlive it for a moment (slow links close in a
# releasing child after xtrace exits), and a wildcard usdt:*: of another test
# may hold this file's probes meanwhile: the semaphore must be down within
# 10 s, not at once.
for i in $(seq 100); do
	out=$("$U" 5)
	[ "$out" = "armed 0 of 5" ] && break
	sleep 0.1
done
expect_eq "semaphore not armed without a tracer" "armed 0 of 5" "$out"

xt -e "usdt:$U:xt:tock { @ = count(); }"
expect_match "unknown probe" "no USDT probe xt:tock in $U" "$XT_ERR"
xt -e "usdt:$U:xt:plain { @ = sum(arg1); }"
expect_match "argument count checked" "has 1 argument" "$XT_ERR"

xt -lv "usdt:$U:*"
expect_eq "-lv lists probes and argument types" "usdt:$U:xt:tick
    int32 arg0
    int64 arg1
usdt:$U:xt:plain
    int32 arg0" "$XT_OUT"
finish
