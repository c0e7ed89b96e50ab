/* What a probe's context offers to the context builtins (arg0.., retval,
 * func), and the register layout the providers read them from.
 * A provider sets the XT_PROVF_CTX_* flags (registry.h) it serves; its
 * ctx_type/emit_ctx hooks then see the
 * builtin's node (n->kind == XT_N_IDENT, n->name "arg0", "retval", "func"). */
#ifndef XT_CTX_H
#define XT_CTX_H

#include "stdlib/registry.h"

/* The number N of an `argN` node, or -1. */
int xt_ctx_argn(const struct xt_node *n);

#if defined(__x86_64__)
/* struct pt_regs (arch/x86/include/asm/ptrace.h) offsets. */
enum {
	XT_REGS_R15 = 0, XT_REGS_R14 = 8, XT_REGS_R13 = 16, XT_REGS_R12 = 24, XT_REGS_BP = 32,
	XT_REGS_BX = 40, XT_REGS_R11 = 48, XT_REGS_R10 = 56, XT_REGS_R9 = 64, XT_REGS_R8 = 72,
	XT_REGS_AX = 80, XT_REGS_CX = 88, XT_REGS_DX = 96, XT_REGS_SI = 104, XT_REGS_DI = 112,
	XT_REGS_ORIG_AX = 120, XT_REGS_IP = 128, XT_REGS_CS = 136, XT_REGS_SP = 152,
	XT_REGS_SIZE = 168,
};
#define XT_REGS_RET XT_REGS_AX
#define XT_HAVE_REGS 1
#else
#define XT_HAVE_REGS 0
#endif

/* pt_regs offset of the i-th integer argument of a function call (System V
 * ABI), or -1 past the registers. */
int xt_ctx_arg_reg(int i);
/* pt_regs offset of a register named as in GNU assembler ("rax", "eax", "di",
 * "r8d", ...), or -1; *size is set to the register width in bytes. */
int xt_ctx_reg_by_name(const char *name, int *size);

struct xt_cg;
struct LLVMOpaqueValue;
/* Loads the 8-byte pt_regs field at `off` from a context that is pt_regs
 * (uprobes, kprobes) or starts with it (perf events). */
struct LLVMOpaqueValue *xt_ctx_reg(struct xt_cg *cg, int off);
/* Starts remembering the mappings of the -p and -c processes (bi_stack.c):
 * called by code that emits user addresses to be symbolised when printed. */
void xt_sym_watch_targets(struct xt_cg *cg);
/* The type of ksym(addr) (an address printed as its kernel symbol) or, when
 * `user`, of usym(addr) ({addr, pid}): what `func` is (bi_stack.c). */
const struct xt_type *xt_sym_type(struct xt_arena *ar, bool user);
struct xt_sema;
struct xt_node;
/* len(kstack), len(ustack), len(kstack(mode, N)): whether n's argument is
 * one of them (typed by now); then its type (int64, or NULL after a
 * diagnostic) and its code, the number of frames (bi_stack.c). */
bool xt_stack_len_of(const struct xt_node *n);
const struct xt_type *xt_stack_len_check(struct xt_sema *s, struct xt_node *n);
struct LLVMOpaqueValue *xt_stack_len_emit(struct xt_cg *cg, struct xt_node *n);

#endif
