/* dw_ustack (bpftrace 0.26, unstable): user stacks unwound with DWARF CFI
 * (libdwfl) from a copy of the task's user registers and the top of its
 * user stack, taken in BPF; so frames of code built without frame pointers
 * are found. x86_64 only. The record a dw_ustack value holds:
 *   u64 pid, u64 bytes of stack copied, struct pt_regs (user registers),
 *   then XT_DW_STACK bytes of stack from the stack pointer up. */
#ifndef XT_DW_UNWIND_H
#define XT_DW_UNWIND_H

#include <stdint.h>
#include "runtime/symbols.h"
#include "util/arena.h"

enum {
	XT_DW_REGS = 21,                        /* x86_64 struct pt_regs, in u64 */
	XT_DW_STACK = 4096,                     /* stack bytes copied from sp */
	XT_DW_STACK_SMALL = 512,                /* tried when the full copy faults (near the stack's top) */
	XT_DW_REGS_OFF = 16,
	XT_DW_STACK_OFF = XT_DW_REGS_OFF + XT_DW_REGS * 8,
	XT_DW_SIZE = XT_DW_STACK_OFF + XT_DW_STACK,
};

/* --debuginfo DIR[:DIR]: where separate debug files (CFI in .debug_frame)
 * are looked for before the standard places. */
void xt_dw_set_debuginfo(const char *path);

/* Unwinds the record at p (limit frames at most) and rewrites it in place
 * as those frames: pid, XT_DW_CANON, zeroed registers, then the frame count
 * and the frames where the stack was. Equal stacks then have equal records
 * (map keys merge: xt_render.canon); xt_dw_stack reads both forms. */
#define XT_DW_CANON UINT64_MAX
void xt_dw_canon(uint8_t *p, int limit);

/* Unwinds the record at p and renders its frames as ustack renders its own
 * (xt_sym_stack's layouts), at most limit frames; "" when nothing unwinds. */
char *xt_dw_stack(struct xt_arena *ar, const uint8_t *p, enum xt_stack_mode mode, int limit);

#endif
