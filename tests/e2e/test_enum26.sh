#!/usr/bin/env bash
# bpftrace 0.26's expression forms that need a traced workload or stderr:
# enum values by name where the kernel or a traced binary hands them over (a
# tracepoint field, a DWARF argument of a uprobe), delete() as a bool in a
# probe that really fires, and the warnings of 0.25/0.26 (`Return value
# discarded.`, `While loops are deprecated`) with --no-warnings. The forms
# that need no workload are cases: tests/e2e/cases/lang26_enum_*.case,
# lang26_delete_bool.case, lang26_block_args.case.
. "$(dirname "$0")/lib.sh"
need_root
D=$(realpath "$XT_TARGETS")

# A uprobe's DWARF argument of enum type (tests/targets/dwarfprog.c calls
# dp_color(DP_BLUE) once): by name in print(), %s, map keys and values; %d
# the number.
if [ -x "$D/dwarfprog" ]; then
	xt -q -e "uprobe:$D/dwarfprog:dp_color { print(args.c); printf(\"%s %d\\n\", args.c, args.c); @c[args.c] = args.c; @t = (args.c, 1); }" -c "$D/dwarfprog"
	expect_eq "uprobe DWARF enum argument by name" "0:DP_BLUE
DP_BLUE 6


@c[DP_BLUE]: DP_BLUE
@t: (DP_BLUE, 1)" "$XT_RC:$XT_OUT"
	xt -q -f json -e "uprobe:$D/dwarfprog:dp_color { @c[args.c] = args.c; }" -c "$D/dwarfprog"
	expect_eq "JSON: the name as a key, the number as a value" '{"type": "map", "data": {"@c": {"DP_BLUE": 6}}}' \
		"$(printf '%s\n' "$XT_OUT" | grep '"map"')"
	XTRACE_ENUM_AS_INT=1 xt -q -e "uprobe:$D/dwarfprog:dp_color { @c[args.c] = args.c; }" -c "$D/dwarfprog"
	expect_eq "XTRACE_ENUM_AS_INT=1: numbers, as bpftrace 0.17" "@c[6]: 6" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
else
	fail "tests/targets/dwarfprog is not built" ""
fi

# A tracepoint field of enum type (format file: `enum hrtimer_mode mode`):
# the sleeper's one nanosleep arms one relative timer (the scheduler tick
# arms absolute ones in its context, as many as it runs ticks: left out by
# comparing the field with an enumerator).
if [ -d /sys/kernel/tracing/events/timer/hrtimer_start ] || [ -d /sys/kernel/debug/tracing/events/timer/hrtimer_start ]; then
	xt -q -e 'tracepoint:timer:hrtimer_start /pid == cpid && args.mode == HRTIMER_MODE_REL/ { @[args.mode] = count(); }' -c "$D/sleeper 20"
	expect_eq "tracepoint enum field as a map key" "0:@[HRTIMER_MODE_REL]: 1" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
else
	fail "tracepoint timer:hrtimer_start is missing" ""
fi

# delete() says whether it removed the key, in a probe that fires: each of
# three getppid calls deletes key 1, which only the first finds.
G=$D/getppid_loop
xt -q -e 'BEGIN { @m[1] = 1; } tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @r[delete(@m, 1)] = count(); }' -c "$G 3"
expect_eq "delete() as a bool in a traced probe" "@r[true]: 1
@r[false]: 2" "$(printf '%s\n' "$XT_OUT" | grep '^@' | LC_ALL=C sort -r)"

# Warnings of bpftrace 0.25/0.26, on stderr, the program still runs; and
# none with --no-warnings.
xt -q -e 'begin { 1 + 2; $i = 0; while ($i < 2) { $i++; } @m[1] = 1; delete(@m, 1); _ = has_key(@m, 1); print($i); }'
expect_eq "warnings: value discarded, while deprecated" "0:2
<stdin>:1:9-13: warning: return value discarded; assign it to _ (_ = ...) to drop it quietly
begin { 1 + 2; \$i = 0; while (\$i < 2) { \$i++; } @m[1] = 1; delete(@m, 1); _ = has_key(@m, 1); print(\$i); }
        ~~~~~
<stdin>:1:24-28: warning: while loops are deprecated and may be removed in the future
begin { 1 + 2; \$i = 0; while (\$i < 2) { \$i++; } @m[1] = 1; delete(@m, 1); _ = has_key(@m, 1); print(\$i); }
                       ~~~~~
note: for loops take ranges (for \$i : \$start..\$end { ... }) and can take the place of while; the verifier bounds them more easily" \
	"$XT_RC:$XT_OUT
$XT_ERR"
xt -q -e 'begin { print(1); exit(); print(2); print(3); }'
expect_eq "warnings: unreachable statement, once" "0:1
<stdin>:1:27-34: warning: unreachable statement
begin { print(1); exit(); print(2); print(3); }
                          ~~~~~~~~" "$XT_RC:$XT_OUT
$XT_ERR"
xt -q --no-warnings -e 'begin { 1 + 2; $i = 0; while ($i < 2) { $i++; } print($i); }'
expect_eq "--no-warnings: neither warning" "0:2:" "$XT_RC:$XT_OUT:$XT_ERR"
finish
