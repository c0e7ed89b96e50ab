/* Raw tracepoints for the providers that attach through them
 * (rawtracepoint:, and tracepoint: where its fields are the raw arguments):
 * a tracepoint's C arguments from vmlinux BTF, and the attach syscall with a
 * cookie, which libbpf 1.1 lacks. */
#ifndef XT_RAW_TP_H
#define XT_RAW_TP_H

#include <stdint.h>
#include "stdlib/btf_args.h"

enum { XT_RAW_TP_MAX_ARGS = 12 };

struct xt_raw_tp {
	int nargs;
	struct xt_btf_arg args[XT_RAW_TP_MAX_ARGS]; /* named from __bpf_trace_<name>, else argN */
};

/* The arguments of vmlinux's raw tracepoint `name` (TP_PROTO, without the
 * private data pointer) into out; 0, or -ENOENT when vmlinux's BTF has no
 * btf_trace_<name> (or no BTF at all). */
int xt_raw_tp_args(const char *name, struct xt_raw_tp *out);
/* Attaches prog_fd to raw tracepoint `name` with BPF_RAW_TRACEPOINT_OPEN and
 * `cookie` (kernel >= 6.10; without it on older kernels): the fd that holds
 * the attachment, or -errno. */
int xt_raw_tp_open(int prog_fd, const char *name, uint64_t cookie);

#endif
