#!/usr/bin/env bash
# tracepoint: probes run as raw tracepoints when every field they read is one
# of the tracepoint's C arguments (stdlib/prov_tracepoint.c): the program
# attaches to a raw tracepoint (seen with bpftool while it runs), counts
# exactly, and prints what the perf-event path (XTRACE_NO_RAW_TP=1) prints.
. "$(dirname "$0")/lib.sh"
need_root
command -v bpftool >/dev/null || skip "bpftool is not installed"
[ -e /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: tracepoints stay perf events"
T=$XT_TARGETS

# link_of PROG: the types of the BPF links xtrace holds while PROG runs
# ("raw_tracepoint", "perf"), read from its fds by its -c command
cat >"$XT_TMP/links.sh" <<'SH'
#!/bin/sh
cat /proc/$PPID/fdinfo/* 2>/dev/null | sed -n 's/^link_type:[[:space:]]*//p' | sort -u >&2
SH
chmod +x "$XT_TMP/links.sh"
link_of() {
	xt -q -e "$1" -c "$XT_TMP/links.sh"
	printf '%s\n' "$XT_ERR"
}

# same NAME PROG ARGS...: one output through both paths, expected exactly
same() {
	local name=$1 prog=$2 want=$3; shift 3
	xt -q -e "$prog" "$@"
	expect_eq "$name: raw tracepoint" "$want" "$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"
	XTRACE_NO_RAW_TP=1 xt -q -e "$prog" "$@"
	expect_eq "$name: perf event (XTRACE_NO_RAW_TP=1)" "$want" "$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"
}

# raw_syscalls: id from the raw argument, args[] and the exit's id from pt_regs
expect_eq "sys_enter with args.id is a raw tracepoint" raw_tracepoint \
	"$(link_of 'tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[args.id] = count(); }')"
same "sys_enter count" 'tracepoint:raw_syscalls:sys_enter /pid == cpid && args.id == 110/ { @ = count(); }' \
	'@: 4321' -c "$T/getppid_loop 4321"
same "sys_enter args[]" 'tracepoint:raw_syscalls:sys_enter /pid == cpid && args.id == 257/ { @[(int32)args.args[0], str(args.args[1]), args.args[2]] = count(); }' \
	'@[-100, /dev/null, 0]: 37' -c "$T/openat37"
same "sys_exit ret and id" 'tracepoint:raw_syscalls:sys_exit /pid == cpid && args.id == 257/ { @[args.ret] = count(); }' \
	'@[3]: 37' -c "$T/openat37"

# a tracepoint of another kind: signal_generate(int sig, ..., int group, int result)
# records sig, group and result as they are; its comm and pid are computed
sig_prog='tracepoint:signal:signal_generate /pid == cpid && args.sig == 10/ { @[args.sig, args.group, args.result] = count(); }'
sig_cmd="sh -c 'trap : USR1; kill -USR1 \$\$; kill -USR1 \$\$; kill -USR1 \$\$'"
expect_eq "signal_generate's sig is a raw argument" raw_tracepoint "$(link_of "$sig_prog")"
same "signal_generate" "$sig_prog" '@[10, 1, 0]: 3' -c "$sig_cmd"
# a field the tracepoint computes keeps the record: perf event
expect_eq "signal_generate's pid is computed: perf event" perf \
	"$(link_of 'tracepoint:signal:signal_generate /args.pid == 1/ { @ = count(); }')"
# no field at all: a raw tracepoint, probe tells the matches apart by cookie
same "probe through cookies" 'tracepoint:sched:sched_process_e* /pid == cpid/ { @[probe] = count(); }' \
	"$(printf '@[tracepoint:sched:sched_process_exec]: 1\n@[tracepoint:sched:sched_process_exit]: 1')" -c /bin/true
expect_eq "sched_process_e* without fields: raw tracepoints" raw_tracepoint \
	"$(link_of 'tracepoint:sched:sched_process_e* /pid == cpid/ { @[probe] = count(); }')"
finish
