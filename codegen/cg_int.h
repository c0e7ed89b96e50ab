/* Internal to codegen/: module set-up and map declaration. */
#ifndef XT_CG_INT_H
#define XT_CG_INT_H

#include "codegen/cg.h"

int xt_cg_module_begin(struct xt_cg *cg, const char *source_name);
int xt_cg_module_finish(struct xt_cg *cg, unsigned flags, struct xt_compiled *out);
void xt_cg_module_dispose(struct xt_cg *cg);
void xt_cg_declare_maps(struct xt_cg *cg);

/* emit_kmem.c: kernel types. The address n denotes (a field, an element, *p). */
LLVMValueRef xt_cg_kaddr(struct xt_cg *cg, struct xt_node *n);
/* The value of such a node: read from memory, or its address for structs and arrays. */
LLVMValueRef xt_cg_kread(struct xt_cg *cg, struct xt_node *n);
/* Copies `size` bytes of kernel (or user) memory at addr to dst: a struct's copy. */
void xt_cg_kcopy(struct xt_cg *cg, LLVMValueRef dst, int size, LLVMValueRef addr);
/* s.f where s is a copy (XT_T_KVAL): read from the copy's bytes. */
LLVMValueRef xt_cg_kval_field(struct xt_cg *cg, struct xt_node *n);
/* p + i, i + p, p - i (scaled by the pointee's size), p - q (in elements). */
/* Bytes one step of pointer type ptr moves: sizeof(*p), 1 for void *. */
int xt_cg_ptr_step(const struct xt_type *ptr);
LLVMValueRef xt_cg_ptr_arith(struct xt_cg *cg, struct xt_node *n, LLVMValueRef a, LLVMValueRef b);

#endif
