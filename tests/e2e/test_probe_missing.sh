#!/usr/bin/env bash
# Kernel features are detected, not assumed: a probe type the kernel cannot
# serve fails at compile time with one sentence naming what may serve, exit 1.
. "$(dirname "$0")/lib.sh"
need_root
sentence() { printf '%s\n' "$XT_ERR" | sed -n 's/^<stdin>:[0-9:-]*: error: //p'; }

if [ -e /sys/kernel/tracing/kprobe_events ] || [ -e /sys/bus/event_source/devices/kprobe ]; then
	pass "kprobes present: nothing to refuse"
else
	for p in "kprobe:vfs_read" "k:vfs_read" "kretprobe:vfs_read"; do
		xt -e "$p { @ = count(); }"
		expect_eq "$p: exit 1" 1 "$XT_RC"
		name=${p%%:*}; [ "$name" = k ] && name=kprobe
		expect_match "$p: one sentence" "^$name:vfs_read: this kernel has no kprobes \\(CONFIG_KPROBES is off\\); (fentry:vfs_read or a tracepoint|fexit:vfs_read or a tracepoint|a tracepoint or rawtracepoint) may serve$" "$(sentence)"
		expect_eq "$p: nothing else said" 1 "$(sentence | wc -l)"
	done
	xt -e "kprobe:vfs_read { @ = count(); }"
	expect_match "the caret marks the attach point" "^[~]{15}$" "$XT_ERR"
fi

xt -e "fentry:vfs_read { @ = count(); }"
if [ "$XT_RC" = 1 ] && printf '%s' "$XT_ERR" | grep -q "refuses to load fentry"; then
	expect_eq "fentry: the sentence" "fentry:vfs_read: this kernel refuses to load fentry programs (Operation not permitted); a tracepoint or rawtracepoint may serve" "$(sentence)"
	for p in fexit:vfs_read f:vfs_read fr:vfs_read kfunc:vfs_read kretfunc:vfs_read; do
		xt -e "$p { @ = count(); }"
		expect_match "$p: refused in one sentence" "refuses to load fentry programs" "$(sentence)"
		expect_eq "$p: exit 1" 1 "$XT_RC"
	done
else
	expect_eq "fentry works here" 0 "$XT_RC"
fi
finish
