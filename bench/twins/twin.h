/* Shared by the hand-written BPF twins (the .bpf.c files here): the context of
 * tracepoint:raw_syscalls:sys_enter as its format file lays it out, and the
 * map-definition macros, so the twins need neither vmlinux.h nor xtrace. */
#ifndef TWIN_H
#define TWIN_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;

/* /sys/kernel/tracing/events/raw_syscalls/sys_enter/format */
struct sys_enter_ctx {
	unsigned short common_type;
	unsigned char common_flags;
	unsigned char common_preempt_count;
	int common_pid;
	long id;
	unsigned long args[6];
};

char LICENSE[] SEC("license") = "GPL";

#endif
