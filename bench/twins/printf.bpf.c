/* Twin of: tracepoint:raw_syscalls:sys_enter /pid == $1/ { printf("%d %d\n", pid, args->id); }
 * One ring-buffer record per event of the traced process; user space
 * (twin.c) formats and writes each one. The pid to keep is set by the loader
 * in .rodata before loading. */
#include "twin.h"

const volatile u32 target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct event {
	u32 pid;
	u32 pad;
	s64 id;
};

SEC("tracepoint/raw_syscalls/sys_enter")
int print(struct sys_enter_ctx *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	if (pid != target_pid)
		return 0;
	struct event e = { .pid = pid, .id = ctx->id };
	bpf_ringbuf_output(&events, &e, sizeof(e), 0);
	return 0;
}
