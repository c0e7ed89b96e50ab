/* Twin of: tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }
 * A per-CPU hash keyed by comm; look up, increment in place, and insert only
 * on a miss -- what a careful C programmer writes by hand. */
#include "twin.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, char[16]);
	__type(value, u64);
} counts SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int count(struct sys_enter_ctx *ctx)
{
	char comm[16] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	u64 *v = bpf_map_lookup_elem(&counts, comm);
	if (v) {
		(*v)++;
	} else {
		u64 one = 1;
		bpf_map_update_elem(&counts, comm, &one, BPF_NOEXIST);
	}
	return 0;
}
