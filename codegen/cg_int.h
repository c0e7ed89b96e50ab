/* Internal to codegen/: what its files share beyond cg.h. */
#ifndef XT_CG_INT_H
#define XT_CG_INT_H

#include "codegen/cg.h"

/* emit_obj.c: the module, its target and the object it becomes. */
int xt_cg_module_begin(struct xt_cg *cg, const char *source_name);
/* 0; -1 with cg->error set; -2 when a diagnostic says why (a probe too large);
 * -EINTR when a stop signal came. */
int xt_cg_module_finish(struct xt_cg *cg, unsigned flags, struct xt_compiled *out);
void xt_cg_module_dispose(struct xt_cg *cg);

/* cg.c: xt_codegen's work, in this process. */
int xt_cg_compile(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg);
/* apart.c: whether prog is large enough to be compiled in a child process
 * (which a stop signal ends at once), and that compilation: as xt_codegen. */
bool xt_cg_apart_wanted(const struct xt_program *prog);
int xt_cg_compile_apart(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg);
/* Whether a stop signal came (xt_codegen_set_stop). */
bool xt_cg_stop_pending(void);
/* emit_maps.c: every program map, BTF-defined. */
void xt_cg_declare_maps(struct xt_cg *cg);
/* Completes what depends on the whole program (the ring buffer's size). */
void xt_cg_finish_maps(struct xt_cg *cg);

/* ir.c: the integer type of `size` bytes (i64 beyond 4). */
LLVMTypeRef xt_cg_int_type(struct xt_cg *cg, int size);
/* Whether a value of type t is an i64 (integers, pointers, kernel addresses),
 * not a pointer to a buffer. */
bool xt_cg_is_scalar(const struct xt_type *t);
/* n->a ? n->b : n->c (?: and if-expressions), each arm's value from `arm` (emit_expr.c). */
LLVMValueRef xt_cg_choose(struct xt_cg *cg, struct xt_node *n, LLVMValueRef (*arm)(struct xt_cg *, struct xt_node *));
/* Zero-fills size bytes at dst, known to be aligned to `align`. */
void xt_cg_zero_fill(struct xt_cg *cg, LLVMValueRef dst, int size, unsigned align);
/* Debug info for function fn with np pointer parameters named pnames. */
void xt_cg_di_function(struct xt_cg *cg, LLVMValueRef fn, const char *name, const char *const *pnames, int np,
		       bool local);

/* scratch.c: a temporary of `size` bytes (not zeroed), busy until
 * xt_cg_tmp_release(cg, mark) with a mark (cg->nbusy) taken before it. */
/* Starts the code of a function other than a probe's (cg->fn: a map-loop
 * callback, a part of a split probe): no temporaries, a new entry block,
 * and the body's block, returned, where the builder is left. */
LLVMBasicBlockRef xt_cg_fn_start(struct xt_cg *cg);
/* Ends it (returns 0), frees its state and goes back to the function
 * `saved` was taken in, keeping the callbacks counted and the scratch
 * space the finished function needs. */
void xt_cg_fn_finish(struct xt_cg *cg, LLVMBasicBlockRef body, const struct xt_cg *saved);
LLVMValueRef xt_cg_tmp_take(struct xt_cg *cg, int size, const char *name);
void xt_cg_tmp_release(struct xt_cg *cg, int mark);
/* Ends the function's entry block: on to `body`, through the scratch lookup if any. */
void xt_cg_entry_done(struct xt_cg *cg, LLVMBasicBlockRef body);
/* The slots of probe p's scratch variables: buffers, or slices of `frame`. */
LLVMValueRef *xt_cg_var_slots(struct xt_cg *cg, const struct xt_probe_info *p, LLVMValueRef frame);
/* The frame of a probe with a map loop: a new one (zeroed), the current
 * one, and its flag saying exit() stopped the probe inside a callback. */
LLVMValueRef xt_cg_frame_new(struct xt_cg *cg);
LLVMValueRef xt_cg_frame(struct xt_cg *cg);
LLVMValueRef xt_cg_frame_stopped(struct xt_cg *cg);
/* Declares the scratch map in place of `forward`, once its size is known.
 * 0, or -1 after a diagnostic (a probe needs more than a per-CPU value holds). */
int xt_cg_scratch_declare(struct xt_cg *cg, LLVMValueRef forward, struct xt_diags *dg);

/* emit_stmt.c: a statement list; one statement (its temporaries released after it). */
void xt_cg_stmts(struct xt_cg *cg, struct xt_node *list);
void xt_cg_stmt(struct xt_cg *cg, struct xt_node *st);

/* emit_split.c: whether probe p's body is large enough to be split into
 * parts, and the body built so, with its variables in the frame. */
bool xt_cg_split_wanted(const struct xt_probe_info *p);
/* The nodes under n and its siblings, counted up to `limit`. */
int xt_cg_count_nodes(const struct xt_node *n, int limit);
void xt_cg_split_body(struct xt_cg *cg, struct xt_node *list);

/* emit_kmem.c: kernel types. The address n denotes (a field, an element, *p). */
LLVMValueRef xt_cg_kaddr(struct xt_cg *cg, struct xt_node *n);
/* The value of such a node: read from memory, or its address for structs and arrays. */
LLVMValueRef xt_cg_kread(struct xt_cg *cg, struct xt_node *n);
/* Copies `size` bytes of kernel (or user) memory at addr, in `space`, to dst: a struct's copy. */
void xt_cg_kcopy(struct xt_cg *cg, LLVMValueRef dst, int size, LLVMValueRef addr, enum xt_addr_space space);
/* a[i] where a is a copy of an array (bytes in a variable, map value, ...) or
 * a string: the element's value, 0 (or zero bytes) when a variable index is
 * out of range. */
LLVMValueRef xt_cg_copy_elem(struct xt_cg *cg, struct xt_node *n);
/* Whether the `size` bytes at a and b are equal: an i64, 1 or 0. */
LLVMValueRef xt_cg_bytes_eq(struct xt_cg *cg, LLVMValueRef a, LLVMValueRef b, int size);
/* The bytes of array-typed expression n: a copy's own, or a place's read into a buffer. */
LLVMValueRef xt_cg_array_bytes(struct xt_cg *cg, struct xt_node *n);
/* s.f where s is a copy (XT_T_KVAL): read from the copy's bytes. */
LLVMValueRef xt_cg_kval_field(struct xt_cg *cg, struct xt_node *n);
/* p + i, i + p, p - i (scaled by the pointee's size), p - q (in elements). */
/* Bytes one step of pointer type ptr moves: sizeof(*p), 1 for void *. */
int xt_cg_ptr_step(const struct xt_type *ptr);
LLVMValueRef xt_cg_ptr_arith(struct xt_cg *cg, struct xt_node *n, LLVMValueRef a, LLVMValueRef b);

#endif
