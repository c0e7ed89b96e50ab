/* Twin of: tracepoint:raw_syscalls:sys_enter { @ = hist(args->id); }
 * Power-of-two buckets as bpftrace's hist() has them (0 for negatives, 1 for
 * zero, 2 + log2(v) above), kept in a per-CPU array indexed by bucket. */
#include "twin.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 66);
	__type(key, u32);
	__type(value, u64);
} buckets SEC(".maps");

static __always_inline u32 bucket(s64 v)
{
	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	u64 x = (u64)v;
	u32 log = 0;
	if (x >> 32) { x >>= 32; log += 32; }
	if (x >> 16) { x >>= 16; log += 16; }
	if (x >> 8) { x >>= 8; log += 8; }
	if (x >> 4) { x >>= 4; log += 4; }
	if (x >> 2) { x >>= 2; log += 2; }
	if (x >> 1) { log += 1; }
	return 2 + log;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int hist(struct sys_enter_ctx *ctx)
{
	u32 k = bucket(ctx->id);
	u64 *v = bpf_map_lookup_elem(&buckets, &k);
	if (v)
		(*v)++;
	return 0;
}
