#!/usr/bin/env bash
# Wildcard tracepoints that read no field run as raw tracepoints, syscall
# tracepoints among them through one sys_enter and one sys_exit attachment
# (stdlib/prov_tracepoint.c; issue 15: tracepoint:*:* left perf-event links
# for a minute after exit). Each case counts a workload it controls exactly,
# prints what the perf-event path (XTRACE_NO_RAW_TP=1 XTRACE_NO_RAW_SYSCALLS=1)
# prints, holds raw-tracepoint links only, and leaves nothing in the kernel
# after exit (polled, 30 s at most).
. "$(dirname "$0")/lib.sh"
need_root
command -v bpftool >/dev/null || skip "bpftool is not installed"
[ -e /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: tracepoints stay perf events"
T=$XT_TARGETS

# The link types xtrace holds while the program runs, with how many of each,
# read from its fds by its -c command.
cat >"$XT_TMP/links.sh" <<'SH'
#!/bin/sh
cat /proc/$PPID/fdinfo/* 2>/dev/null | sed -n 's/^link_type:[[:space:]]*//p' | sort | uniq -c | awk '{print $2, $1}' >&2
SH
chmod +x "$XT_TMP/links.sh"

# exact NAME GROUPS WANT SAME: @m[probe] over the attach points GROUPS for
# getppid_loop 4321: its lines for sched_process_exec/exit and getppid are
# WANT exactly, and its lines matching SAME (a regex: probes whose counts do
# not depend on scheduling) are the perf-event path's.
exact() {
	local name=$1 groups=$2 want=$3 same=$4 map=tw$$ raw perf
	local prog="$groups /pid == cpid/ { @$map[probe] = count(); }"
	xt -q -e "$prog" -c "$T/getppid_loop 4321"
	raw=$(printf '%s\n' "$XT_OUT" | sed "s/^@$map//" | sort)
	expect_eq "$name: raw tracepoints count exactly" "$want" \
		"$(printf '%s\n' "$raw" | grep -E 'sched_process_e|_getppid\]')"
	expect_nothing_left "$name: nothing left after exit" "$map"
	XTRACE_NO_RAW_TP=1 XTRACE_NO_RAW_SYSCALLS=1 xt -q -e "$prog" -c "$T/getppid_loop 4321"
	perf=$(printf '%s\n' "$XT_OUT" | sed "s/^@$map//" | sort)
	expect_eq "$name: the perf-event path prints the same" "$(printf '%s\n' "$perf" | grep -E "$same")" \
		"$(printf '%s\n' "$raw" | grep -E "$same")"
}

# links NAME PROG WANT: the links xtrace holds for PROG
links() {
	xt -q -e "$2" -c "$XT_TMP/links.sh"
	expect_eq "$1" "$3" "$XT_ERR"
}

want=$(printf '%s\n' '[tracepoint:sched:sched_process_exec]: 1' '[tracepoint:sched:sched_process_exit]: 1' \
	'[tracepoint:syscalls:sys_enter_getppid]: 4321' '[tracepoint:syscalls:sys_exit_getppid]: 4321')

# syscall entries and exits, raw_syscalls and sched tracepoints in one probe:
# 2 sched + 2 raw_syscalls attachments with their site as cookie, and one
# each to sys_enter and sys_exit for the syscall sites
groups='tracepoint:syscalls:sys_*_getppid, tracepoint:raw_syscalls:sys_e*, tracepoint:sched:sched_process_e*'
links "a mixed wildcard holds raw-tracepoint links only" "$groups { @ = count(); }" "raw_tracepoint 6"
exact "mixed wildcard" "$groups" "$want" 'sched_process_e|getppid|raw_syscalls'
# a field the tracepoints compute (signal_deliver's errno) keeps the record:
# perf events for all
links "a computed field keeps the perf events" 'tracepoint:signal:* { @[args.errno] = count(); }' "perf 2"

# more raw tracepoints than xtrace closes itself (FAST_CLOSE_MAX, 8, in
# runtime/release.c): the releasing child closes them after exit
cats="timer sched irq workqueue block power"
n=$(for c in $cats; do ls -d /sys/kernel/tracing/events/$c/*/; done 2>/dev/null | wc -l)
if ((n > 8)); then
	exact "$cats: $n tracepoints" \
		"$(for c in $cats; do printf 'tracepoint:%s:*, ' "$c"; done)tracepoint:syscalls:sys_*_getppid" \
		"$want" 'sched_process_e|_getppid\]'
else
	echo "# only $n tracepoints in $cats: the releasing child is not tried"
fi
finish
