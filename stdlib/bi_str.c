/* str(): a NUL-terminated string read from kernel or user memory. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "runtime/print.h"
#include "stdlib/btf_args.h"
#include "stdlib/registry.h"

/* A string str() read that filled its whole buffer was probably cut short:
 * it prints with the trailer ".." (bpftrace 0.18's str_trunc_trailer), or
 * XTRACE_STR_TRUNC_TRAILER / BPFTRACE_STR_TRUNC_TRAILER ("" for 0.17's form). */
static const char *trunc_trailer(void)
{
	static const char *trailer;
	if (!trailer) {
		const char *e = getenv("XTRACE_STR_TRUNC_TRAILER");
		if (!e)
			e = getenv("BPFTRACE_STR_TRUNC_TRAILER");
		trailer = e ? e : "..";
	}
	return trailer;
}

/* t->rfmt: config str_trunc_trailer, when the program set it */
static void str_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	size_t len = strnlen((const char *)p, (size_t)t->size);
	const char *trailer = t->rfmt ? t->rfmt : trunc_trailer();
	out->kind = XT_VAL_STR;
	if (t->size > 1 && len + 1 >= (size_t)t->size && *trailer)
		out->s = xt_arena_printf(ar, "%.*s%s", (int)len, (const char *)p, trailer);
	else
		out->s = xt_arena_strndup(ar, (const char *)p, len);
}

static const struct xt_render str_render = { .name = "string", .printf_s = true, .decode = str_decode };

/* string[size] as str() makes it: printed with the trailer when full */
const struct xt_type *xt_str_read_type(struct xt_sema *s, int size)
{
	struct xt_type *t = (struct xt_type *)xt_type_str(xt_sema_arena(s), size);
	t->render = &str_render;
	t->rfmt = xt_sema_program(s)->opts.str_trunc_trailer;
	return t;
}

/* str($N + k): the parameter's text without its first k characters, folded
 * into a string literal (bpftrace: `str($1 + 1)`); $N is "" when not given. */
static void fold_param_offset(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *e = n->list;
	if (e->kind != XT_N_BINOP || e->op != XT_OP_ADD || e->a->kind != XT_N_POSPARAM || e->a->name ||
	    e->b->kind != XT_N_INT)
		return;
	const struct xt_sema_opts *o = &xt_sema_program(s)->opts;
	const char *text = e->a->ival >= 1 && e->a->ival <= (uint64_t)o->nparams ? o->params[e->a->ival - 1] : "";
	size_t skip = strlen(text) < e->b->ival ? strlen(text) : (size_t)e->b->ival;
	e->kind = XT_N_STR;
	e->sval = xt_arena_strdup(xt_sema_arena(s), text + skip);
	e->slen = strlen(e->sval);
}

/* The bytes, NUL included, of str(p, n) with n a literal, or 0 when n asks
 * for `size` or more. bpftrace 0.26 counts the NUL in n (n - 1 characters;
 * 0 keeps nothing, as 1 does), 0.17 did not (n characters). */
static int len_size(struct xt_sema *s, uint64_t n, int size)
{
	uint64_t want = xt_sema_program(s)->opts.str_count_017 ? n + 1 : n ? n : 1;
	return n < (uint64_t)size && want < (uint64_t)size ? (int)want : 0;
}

/* The bytes, NUL included, str(p, n) with n known at run time asks for (the
 * caller clamps them): n, or n + 1 with 0.17's counts (len_size). */
static LLVMValueRef run_len_size(struct xt_cg *cg, LLVMValueRef n)
{
	return cg->prog->opts.str_count_017 ? LLVMBuildAdd(cg->b, n, xt_cg_i64(cg, 1), "") : n;
}

/* str(s[, n]) of a string already (a literal, a string variable): its first
 * n - 1 characters (len_size), with the trailer when n or max_strlen cut it;
 * 0.17's counts keep n characters and the trailer for max_strlen's cut only,
 * as xtrace did before. A length known now is the type's size; one known at
 * run time is read again below (the bytes are the program's own, kernel
 * memory). */
static const struct xt_type *str_of_str_type(struct xt_sema *s, struct xt_node *n, const struct xt_type *t, int max)
{
	const struct xt_type *whole = t->size > max ? xt_str_read_type(s, max) : t;
	struct xt_node *len = n->list->next;
	if (!len)
		return whole;
	const struct xt_type *lt = xt_sema_expr(s, len);
	if (!lt)
		return NULL;
	if (!xt_type_is_int(lt)) {
		xt_diag_error(xt_sema_diags(s), len->loc, "str() length must be an integer");
		return NULL;
	}
	int size = len->kind == XT_N_INT ? len_size(s, len->ival, whole->size) : 0;
	if (size && !xt_sema_program(s)->opts.str_count_017) /* 0.26: cut by n, printed with the trailer as str(p, n) */
		return xt_str_read_type(s, size);
	if (size) /* 0.17's form: n characters, no trailer */
		return xt_type_str(xt_sema_arena(s), size);
	return whole;
}

static const struct xt_type *str_type(struct xt_sema *s, struct xt_node *n)
{
	fold_param_offset(s, n);
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	int size = xt_sema_str_size(&xt_sema_program(s)->opts);
	if (t->kind == XT_T_STR)
		return str_of_str_type(s, n, t, size);
	/* an array of bytes, in memory or a copy: its text up to its first NUL
	 * or its end, never past it (C's char arrays need not end in a NUL) */
	const struct xt_type *arr = xt_type_array_of(t);
	if (arr && (arr->pointee->kind != XT_T_INT || arr->pointee->size != 1)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "str() needs a pointer or an array of bytes (int8, uint8, "
			      "char), not %s", xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (!(arr || xt_type_is_int(t) || t->kind == XT_T_PTR || t->kind == XT_T_DATALOC)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "str() needs a pointer, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	bool whole = arr && arr->n > 0; /* a flexible array member ([]) reads as a pointer does */
	if (whole && arr->n + 1 <= size) /* all of it: no trailer */
		size = arr->n + 1;
	if (n->list->next) {
		const struct xt_type *lt = xt_sema_expr(s, n->list->next);
		if (!lt)
			return NULL;
		if (!xt_type_is_int(lt)) {
			xt_diag_error(xt_sema_diags(s), n->list->next->loc, "str() length must be an integer");
			return NULL;
		}
		int cut = n->list->next->kind == XT_N_INT ? len_size(s, n->list->next->ival, size) : 0;
		if (cut)
			size = cut;
	}
	if (whole && size == arr->n + 1)
		return xt_type_str(xt_sema_arena(s), size);
	return xt_str_read_type(s, size);
}

/* str(arr): at most size - 1 bytes of the array (a zeroed buffer ends them),
 * copied from the copy or read from where the array lies. */
static LLVMValueRef str_of_array(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *a = n->list;
	int size = n->type->size, most = xt_type_array_of(a->type)->n;
	if (most > size - 1)
		most = size - 1;
	LLVMValueRef v = xt_cg_expr(cg, a);
	LLVMValueRef len = xt_cg_i64(cg, most);
	if (a->next && a->next->kind != XT_N_INT) { /* a run-time length, clamped: its characters */
		LLVMValueRef want = xt_cg_expr(cg, a->next);
		if (!cg->prog->opts.str_count_017) { /* n counts the NUL: n - 1 of them, none for 0 */
			LLVMValueRef none = LLVMBuildICmp(cg->b, LLVMIntEQ, want, xt_cg_i64(cg, 0), "");
			want = LLVMBuildSelect(cg->b, none, want, LLVMBuildSub(cg->b, want, xt_cg_i64(cg, 1), ""), "");
		}
		len = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, want, len, ""), want, len, "");
	}
	LLVMValueRef buf = xt_cg_buf(cg, size, "str");
	if (a->type->kind == XT_T_KVAL && !(a->next && a->next->kind != XT_N_INT))
		xt_cg_memcpy(cg, buf, v, most);
	else if (a->type->kind == XT_T_KVAL) /* a copy, `len` bytes of it: the BPF stack is kernel memory */
		xt_cg_probe_read_in(cg, buf, len, LLVMBuildPtrToInt(cg->b, v, cg->i64, ""), false, XT_AS_KERNEL);
	else
		xt_cg_probe_read_in(cg, buf, len, v, false, xt_node_space(a));
	return buf;
}

static LLVMValueRef str_emit(struct xt_cg *cg, struct xt_node *n)
{
	if (xt_type_array_of(n->list->type) && xt_type_array_of(n->list->type)->n > 0)
		return str_of_array(cg, n);
	if (n->list->type->kind == XT_T_STR && n->list->next && n->list->next->kind != XT_N_INT) {
		/* str(s, n) with n known at run time: s read again, at most n characters */
		int size = n->type->size;
		LLVMValueRef src = xt_cg_expr(cg, n->list);
		if (n->list->type->size > size) { /* cut to max_strlen first */
			LLVMValueRef cut = xt_cg_buf(cg, size, "strcut");
			xt_cg_store(cg, cut, n->type, src, n->list->type);
			src = cut;
		}
		LLVMValueRef want = run_len_size(cg, xt_cg_expr(cg, n->list->next));
		LLVMValueRef len = xt_cg_i64(cg, size);
		len = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, want, len, ""), want, len, "");
		len = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, len, xt_cg_i64(cg, 0), ""), xt_cg_i64(cg, 1), len, "");
		LLVMValueRef buf = xt_cg_buf(cg, size, "str");
		xt_cg_probe_read_in(cg, buf, len, LLVMBuildPtrToInt(cg->b, src, cg->i64, ""), true, XT_AS_KERNEL);
		return buf;
	}
	if (n->list->type->kind == XT_T_STR) {
		if (n->list->type->size <= n->type->size)
			return xt_cg_expr(cg, n->list);
		LLVMValueRef cut = xt_cg_buf(cg, n->type->size, "strcut");
		xt_cg_store(cg, cut, n->type, xt_cg_expr(cg, n->list), n->list->type);
		return cut;
	}
	int size = n->type->size;
	LLVMValueRef addr = xt_cg_expr(cg, n->list);
	LLVMValueRef len = xt_cg_i64(cg, size);
	if (n->list->next && n->list->next->kind != XT_N_INT) {
		/* A run-time length: clamp to the buffer so the verifier sees a bounded size. */
		LLVMValueRef l = run_len_size(cg, xt_cg_expr(cg, n->list->next));
		LLVMValueRef small = LLVMBuildICmp(cg->b, LLVMIntULT, l, len, "");
		len = LLVMBuildSelect(cg->b, small, l, len, "");
		len = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, len, xt_cg_i64(cg, 0), ""), xt_cg_i64(cg, 1), len, "");
	}
	LLVMValueRef buf = xt_cg_buf(cg, size, "str");
	if (n->list->type->kind == XT_T_DATALOC) {
		LLVMValueRef args[] = { buf, len, LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "") };
		xt_cg_helper(cg, XT_H_READ_KERNEL_STR, false, args, 3);
	} else {
		xt_cg_probe_read_in(cg, buf, len, addr, true, n->list->type->space); /* uptr/kptr decide */
	}
	return buf;
}

const struct xt_builtin xt_bi_str = { .name = "str", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.check = str_type, .emit = str_emit,
	.help = "str(ptr[, len]): the string at ptr (at most len bytes, its NUL included)" };

/* --- string functions: bounded loops over fixed-size buffers --------------- */

#include <signal.h>
#include <string.h>
#include "stdlib/tracefs.h"

static bool need_str(struct xt_sema *s, struct xt_node *a, const struct xt_type *t, const char *fn)
{
	if (t && t->kind == XT_T_STR)
		return true;
	if (t)
		xt_diag_error(xt_sema_diags(s), a->loc, "%s() needs a string, not %s", fn, xt_type_name(xt_sema_arena(s), t));
	return false;
}

static const struct xt_type *strlen_type(struct xt_sema *s, struct xt_node *n)
{
	return need_str(s, n->list, xt_sema_expr(s, n->list), "strlen") ? &xt_u64 : NULL;
}

/* The index of the first NUL in str[0, size), or size. */
static LLVMValueRef emit_len(struct xt_cg *cg, LLVMValueRef str, int size)
{
	LLVMBuilderRef B = cg->b;
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(B), head = xt_cg_block(cg, "slen"), body = xt_cg_block(cg, "slenb"),
			  next = xt_cg_block(cg, "slenn"), done = xt_cg_block(cg, "slend");
	LLVMBuildBr(B, head);
	LLVMPositionBuilderAtEnd(B, head);
	LLVMValueRef i = LLVMBuildPhi(B, cg->i64, "i");
	LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, i, xt_cg_i64(cg, size), ""), body, done);
	LLVMPositionBuilderAtEnd(B, body);
	LLVMValueRef c = LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, str, i), "");
	LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ, c, LLVMConstInt(cg->i8, 0, 0), ""), done, next);
	LLVMPositionBuilderAtEnd(B, next);
	LLVMValueRef i1 = LLVMBuildAdd(B, i, xt_cg_i64(cg, 1), "");
	LLVMBuildBr(B, head);
	LLVMValueRef iv[] = { xt_cg_i64(cg, 0), i1 };
	LLVMBasicBlockRef ib[] = { pre, next };
	LLVMAddIncoming(i, iv, ib, 2);
	LLVMPositionBuilderAtEnd(B, done);
	LLVMValueRef r = LLVMBuildPhi(B, cg->i64, "len");
	LLVMValueRef rv[] = { i, i };
	LLVMBasicBlockRef rb[] = { head, body };
	LLVMAddIncoming(r, rv, rb, 2);
	return r;
}

static LLVMValueRef strlen_emit(struct xt_cg *cg, struct xt_node *n)
{
	return emit_len(cg, xt_cg_expr(cg, n->list), n->list->type->size);
}

/* strncmp(a, b, n): 0 when the first n characters agree (up to a NUL), else 1. */
static const struct xt_type *strncmp_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list, *b = a->next, *len = b->next;
	if (!need_str(s, a, xt_sema_expr(s, a), "strncmp") || !need_str(s, b, xt_sema_expr(s, b), "strncmp"))
		return NULL;
	if (!xt_sema_expr(s, len))
		return NULL;
	if (len->kind != XT_N_INT) {
		xt_diag_error(xt_sema_diags(s), len->loc, "strncmp() needs an integer literal as its length");
		return NULL;
	}
	return &xt_s64;
}

static LLVMValueRef strncmp_emit(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *a = n->list, *b = a->next;
	int lim = (int)(n->list->next->next->ival < 1000000 ? n->list->next->next->ival : 1000000);
	LLVMValueRef va = xt_cg_expr(cg, a), vb = xt_cg_expr(cg, b);
	LLVMValueRef eq = xt_cg_str_eq(cg, va, a->type->size, vb, b->type->size, lim);
	return LLVMBuildXor(cg->b, eq, xt_cg_i64(cg, 1), "");
}

/* strcontains(haystack, needle): whether needle occurs in haystack. */
static const struct xt_type *strcontains_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list, *b = a->next;
	if (!need_str(s, a, xt_sema_expr(s, a), "strcontains") || !need_str(s, b, xt_sema_expr(s, b), "strcontains"))
		return NULL;
	return &xt_bool;
}

/* The first index at which needle occurs in haystack, or -1: strcontains
 * and strstr. */
static LLVMValueRef find_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMBuilderRef B = cg->b;
	struct xt_node *a = n->list, *b = a->next;
	int ha = a->type->size, nb = b->type->size;
	LLVMValueRef hay = xt_cg_expr(cg, a), needle = xt_cg_expr(cg, b);
	LLVMValueRef nlen = emit_len(cg, needle, nb);
	/* for i in [0, ha): for j in [0, nlen): hay[i+j] == needle[j]; all matched -> found */
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(B), outer = xt_cg_block(cg, "sc_i"), inner_pre = xt_cg_block(cg, "sc_ip"),
			  inner = xt_cg_block(cg, "sc_j"), cmp = xt_cg_block(cg, "sc_cmp"), jnext = xt_cg_block(cg, "sc_jn"),
			  inext = xt_cg_block(cg, "sc_in"), found = xt_cg_block(cg, "sc_yes"), none = xt_cg_block(cg, "sc_no");
	LLVMBuildBr(B, outer);
	LLVMPositionBuilderAtEnd(B, outer);
	LLVMValueRef i = LLVMBuildPhi(B, cg->i64, "i");
	LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, i, xt_cg_i64(cg, ha), ""), inner_pre, none);
	LLVMPositionBuilderAtEnd(B, inner_pre);
	LLVMBuildBr(B, inner);
	LLVMPositionBuilderAtEnd(B, inner);
	LLVMValueRef j = LLVMBuildPhi(B, cg->i64, "j");
	LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, j, nlen, ""), cmp, found);
	LLVMPositionBuilderAtEnd(B, cmp);
	LLVMValueRef k = LLVMBuildAdd(B, i, j, "");
	/* keep the index visibly inside the buffer for the verifier */
	LLVMValueRef inb = LLVMBuildICmp(B, LLVMIntULT, k, xt_cg_i64(cg, ha), "");
	LLVMValueRef kc = LLVMBuildSelect(B, inb, k, xt_cg_i64(cg, ha - 1), "");
	LLVMValueRef jc = LLVMBuildAnd(B, j, xt_cg_i64(cg, 0x7fffffff), "");
	jc = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntULT, jc, xt_cg_i64(cg, nb), ""), jc, xt_cg_i64(cg, nb - 1), "");
	LLVMValueRef hc = LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, hay, kc), "");
	LLVMValueRef nc = LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, needle, jc), "");
	LLVMValueRef ok = LLVMBuildAnd(B, inb, LLVMBuildICmp(B, LLVMIntEQ, hc, nc, ""), "");
	LLVMBuildCondBr(B, ok, jnext, inext);
	LLVMPositionBuilderAtEnd(B, jnext);
	LLVMValueRef j1 = LLVMBuildAdd(B, j, xt_cg_i64(cg, 1), "");
	LLVMBuildBr(B, inner);
	LLVMPositionBuilderAtEnd(B, inext);
	LLVMValueRef i1 = LLVMBuildAdd(B, i, xt_cg_i64(cg, 1), "");
	LLVMBuildBr(B, outer);
	LLVMValueRef iv[] = { xt_cg_i64(cg, 0), i1 };
	LLVMBasicBlockRef ib[] = { pre, inext };
	LLVMAddIncoming(i, iv, ib, 2);
	LLVMValueRef jv[] = { xt_cg_i64(cg, 0), j1 };
	LLVMBasicBlockRef jb[] = { inner_pre, jnext };
	LLVMAddIncoming(j, jv, jb, 2);
	LLVMBasicBlockRef done = xt_cg_block(cg, "sc_done");
	LLVMPositionBuilderAtEnd(B, found);
	LLVMBuildBr(B, done);
	LLVMPositionBuilderAtEnd(B, none);
	LLVMBuildBr(B, done);
	LLVMPositionBuilderAtEnd(B, done);
	LLVMValueRef at = LLVMBuildPhi(B, cg->i64, "at");
	LLVMValueRef av[] = { i, xt_cg_i64(cg, -1) };
	LLVMBasicBlockRef ab[] = { found, none };
	LLVMAddIncoming(at, av, ab, 2);
	return at;
}

static LLVMValueRef strcontains_emit(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntSGE, find_emit(cg, n), xt_cg_i64(cg, 0), ""), cg->i64, "");
}

/* strstr(haystack, needle): the index of needle in haystack, -1 when absent (bpftrace 0.25). */
static const struct xt_type *strstr_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list, *b = a->next;
	if (!need_str(s, a, xt_sema_expr(s, a), "strstr") || !need_str(s, b, xt_sema_expr(s, b), "strstr"))
		return NULL;
	return &xt_s64;
}

/* is_err(p): whether p is an ERR_PTR, -4095..-1 (MAX_ERRNO) as a signed value (bpftrace 0.26). */
static const struct xt_type *is_err_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (t->kind != XT_T_PTR && (!xt_type_is_int(t) || t->kind == XT_T_BOOL)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "is_err() needs a pointer or an integer, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return &xt_bool;
}

static LLVMValueRef is_err_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef err = LLVMBuildICmp(cg->b, LLVMIntUGE, v, xt_cg_i64(cg, -4095), "");
	return LLVMBuildZExt(cg->b, err, cg->i64, "is_err");
}

/* --- compile-time questions about a value's type (bpftrace 0.25's stdlib
 * helpers): the argument is typed, never run; the answer is a constant. */
enum { Q_INTEGER, Q_UNSIGNED, Q_PTR, Q_STR, Q_ARRAY, Q_LITERAL };

static const struct xt_type *type_question(struct xt_sema *s, struct xt_node *n, int q)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	int k = n->list->kind;
	bool yes = q == Q_INTEGER ? t->kind == XT_T_INT
		 : q == Q_UNSIGNED ? t->kind == XT_T_INT && !t->sign
		 : q == Q_PTR ? t->kind == XT_T_PTR
		 : q == Q_STR ? t->kind == XT_T_STR
		 : q == Q_ARRAY ? t->kind == XT_T_ARRAY || (t->kind == XT_T_KVAL && t->pointee && t->pointee->kind == XT_T_ARRAY)
		 : k == XT_N_INT || k == XT_N_STR || k == XT_N_BOOL;
	n->aux = yes;
	return &xt_bool;
}

static const struct xt_type *is_integer_type(struct xt_sema *s, struct xt_node *n) { return type_question(s, n, Q_INTEGER); }
static const struct xt_type *is_unsigned_type(struct xt_sema *s, struct xt_node *n) { return type_question(s, n, Q_UNSIGNED); }
static const struct xt_type *is_ptr_type(struct xt_sema *s, struct xt_node *n) { return type_question(s, n, Q_PTR); }
static const struct xt_type *is_str_type(struct xt_sema *s, struct xt_node *n) { return type_question(s, n, Q_STR); }
static const struct xt_type *is_array_type(struct xt_sema *s, struct xt_node *n) { return type_question(s, n, Q_ARRAY); }
static const struct xt_type *is_literal_type(struct xt_sema *s, struct xt_node *n) { return type_question(s, n, Q_LITERAL); }

/* assert_str(x): a compile error unless x is a string */
static const struct xt_type *assert_str_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (t->kind != XT_T_STR) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "assert_str(): expected a string, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return &xt_void;
}

/* strcap(s): the bytes a string can hold, its type's size (comm: 16) */
static const struct xt_type *strcap_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (t->kind != XT_T_STR) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "strcap() needs a string, not %s", xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	n->aux = t->size;
	return &xt_s64;
}

/* default_str_length(): the string size str() uses (max_strlen) */
static const struct xt_type *default_str_length_type(struct xt_sema *s, struct xt_node *n)
{
	int m = xt_sema_program(s)->opts.max_strlen;
	n->aux = m > 0 ? m : 1024;
	return &xt_s64;
}

/* The BTF id of kfunc `name` (a word or a string; its bpf_kfunc declaration
 * tag makes it one), 0 when the kernel has none, -1 after a diagnostic. */
static int kfunc_id(struct xt_sema *s, struct xt_node *n, const char *what)
{
	struct xt_node *a = n->list;
	const char *name = a->kind == XT_N_IDENT && !a->list ? a->name : a->kind == XT_N_STR ? a->sval : NULL;
	if (!name) {
		xt_diag_error(xt_sema_diags(s), a->loc, "%s() needs a function's name", what);
		return -1;
	}
	const struct btf *btf = xt_btf_get(NULL);
	int fn = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) : -1;
	for (unsigned id = 1, cnt = fn > 0 ? btf__type_cnt(btf) : 0; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_kind(t) == BTF_KIND_DECL_TAG && t->type == (unsigned)fn &&
		    strcmp(btf__name_by_offset(btf, t->name_off), "bpf_kfunc") == 0)
			return fn;
	}
	return 0;
}

/* kfunc_exist(name): whether the kernel has kfunc `name` */
static const struct xt_type *kfunc_exist_type(struct xt_sema *s, struct xt_node *n)
{
	int fn = kfunc_id(s, n, "kfunc_exist");
	if (fn < 0)
		return NULL;
	n->aux = fn > 0;
	return &xt_bool;
}

/* kfunc_allowed(name): whether a program of this probe's kind may call kfunc
 * `name` (the kernel registers its kfuncs per program type, and BTF does not
 * say which). Asked of the kernel: a program of that type that calls it is
 * loaded, and the verifier's answer read. Refused calls end in "calling
 * kernel function NAME is not allowed"; any other complaint (the call's
 * unset arguments) comes after that check passed. */
static const struct xt_type *kfunc_allowed_type(struct xt_sema *s, struct xt_node *n)
{
	int fn = kfunc_id(s, n, "kfunc_allowed");
	if (fn < 0)
		return NULL;
	const struct xt_probe_info *p = xt_sema_probe(s);
	const char *sec = p && p->prov ? p->prov->section : NULL;
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
	if (!sec || libbpf_prog_type_by_name(sec, &type, &attach) < 0 || type == BPF_PROG_TYPE_TRACING ||
	    type == BPF_PROG_TYPE_LSM || type == BPF_PROG_TYPE_EXT) {
		xt_diag_error(xt_sema_diags(s), n->loc, "kfunc_allowed() is answered in probes of every kind but %s "
			      "(its programs load only against their target)", p && p->prov ? p->prov->name : "this");
		return NULL;
	}
	n->aux = 0;
	if (fn > 0 && xt_sema_final(s)) { /* once: the answer is used only by code generation */
		struct bpf_insn insns[] = {
			{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = fn },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		static char log[16384];
		log[0] = '\0';
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1,
			    .expected_attach_type = attach);
		int fd = bpf_prog_load(type, NULL, "GPL", insns, 3, &o);
		if (fd >= 0)
			close(fd);
		n->aux = fd >= 0 || (log[0] && !strstr(log, "is not allowed"));
	}
	return &xt_bool;
}

static LLVMValueRef answer_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_i64(cg, n->aux);
}

static LLVMValueRef nothing_emit(struct xt_cg *cg, struct xt_node *n)
{
	(void)cg;
	(void)n;
	return NULL;
}

/* bswap(x): x with its bytes reversed, at x's own width (literals: 64 bits). */
static const struct xt_type *bswap_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (t->kind != XT_T_INT) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "bswap() needs an integer, not %s", xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (n->list->kind == XT_N_INT)
		return xt_type_int(8, false);
	return xt_type_int(t->size, false);
}

static LLVMValueRef bswap_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	int size = n->type->size;
	if (size == 1)
		return LLVMBuildAnd(cg->b, v, xt_cg_i64(cg, 0xff), "");
	LLVMTypeRef ty = LLVMIntTypeInContext(cg->ctx, (unsigned)size * 8);
	unsigned id = LLVMLookupIntrinsicID("llvm.bswap", 10);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, &ty, 1);
	LLVMValueRef arg = size == 8 ? v : LLVMBuildTrunc(cg->b, v, ty, "");
	LLVMValueRef r = LLVMBuildCall2(cg->b, LLVMGlobalGetValueType(fn), fn, &arg, 1, "");
	return size == 8 ? r : LLVMBuildZExt(cg->b, r, cg->i64, "");
}

static void strerror_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	out->kind = XT_VAL_STR;
	out->s = xt_arena_strdup(ar, strerror((int)xt_render_u64(p)));
}

static const struct xt_render strerror_render = { .name = "strerror", .printf_s = true, .decode = strerror_decode };
static const struct xt_type strerror_result = { .kind = XT_T_RENDERED, .size = 8, .render = &strerror_render };

/* syscall_name(n): this architecture's name of syscall n, or its number */
static void syscall_name_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	int64_t nr = (int64_t)xt_render_u64(p);
	const char *name = nr >= 0 && nr < INT32_MAX ? xt_syscall_name((int)nr) : NULL;
	out->kind = XT_VAL_STR;
	out->s = name ? xt_arena_strdup(ar, name) : xt_arena_printf(ar, "%lld", (long long)nr);
}

/* signal_name(n): SIGHUP..SIGSYS, SIGRTMIN+N; "Unknown signal 0" and "N/A"
 * out of range, as bpftrace 0.26 words them. */
static void signal_name_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	int64_t sig = (int64_t)xt_render_u64(p);
	out->kind = XT_VAL_STR;
	const char *abbrev = sig > 0 && sig < SIGRTMIN ? sigabbrev_np((int)sig) : NULL;
	if (sig == 0)
		out->s = "Unknown signal 0";
	else if (abbrev)
		out->s = xt_arena_printf(ar, "SIG%s", abbrev);
	else if (sig == SIGRTMIN)
		out->s = "SIGRTMIN";
	else if (sig > SIGRTMIN && sig <= SIGRTMAX)
		out->s = xt_arena_printf(ar, "SIGRTMIN+%d", (int)(sig - SIGRTMIN));
	else
		out->s = "N/A";
}

static const struct xt_render syscall_name_render = { .name = "syscall_name", .printf_s = true, .decode = syscall_name_decode };
static const struct xt_type syscall_name_result = { .kind = XT_T_RENDERED, .size = 8, .render = &syscall_name_render };
static const struct xt_render signal_name_render = { .name = "signal_name", .printf_s = true, .decode = signal_name_decode };
static const struct xt_type signal_name_result = { .kind = XT_T_RENDERED, .size = 8, .render = &signal_name_render };

/* A number rendered as text in user space: strerror, syscall_name, signal_name. */
static const struct xt_type *rendered_number(struct xt_sema *s, struct xt_node *n, const struct xt_type *result)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "%s() needs an integer, not %s", n->name,
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return result;
}

static const struct xt_type *strerror_type(struct xt_sema *s, struct xt_node *n)
{
	return rendered_number(s, n, &strerror_result);
}

static const struct xt_type *syscall_name_type(struct xt_sema *s, struct xt_node *n)
{
	return rendered_number(s, n, &syscall_name_result);
}

static const struct xt_type *signal_name_type(struct xt_sema *s, struct xt_node *n)
{
	return rendered_number(s, n, &signal_name_result);
}

static LLVMValueRef int_arg_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_expr(cg, n->list);
}

/* strftime(fmt, ns): ns (nsecs) shown as local time in fmt, rendered in user space. */

/* ns: CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns), shown as wall-clock time in t->rfmt.
 * The wall clock's offset from the monotonic one is taken once (as bpftrace
 * takes its boot time once): the same ns always prints the same time, and
 * two timestamps differ by what their ns differ. */
static void strftime_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	static int64_t real_off;
	static bool have_off;
	if (!have_off) {
		struct timespec mono, real;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		real_off = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 + (real.tv_nsec - mono.tv_nsec);
		have_off = true;
	}
	int64_t ns = (int64_t)xt_render_u64(p) + real_off;
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	localtime_r(&secs, &tm);
	/* %f: the microseconds, six digits (bpftrace's addition to strftime) */
	const char *fmt = t->rfmt ? t->rfmt : "%H:%M:%S";
	char f[256];
	size_t o = 0;
	int64_t us = (ns % 1000000000 + 1000000000) % 1000000000 / 1000;
	for (const char *c = fmt; *c && o + 8 < sizeof(f); c++) {
		if (c[0] == '%' && c[1] == 'f') {
			o += (size_t)snprintf(f + o, sizeof(f) - o, "%06lld", (long long)us);
			c++;
		} else if (c[0] == '%' && c[1]) {
			f[o++] = *c++;
			f[o++] = *c;
		} else {
			f[o++] = *c;
		}
	}
	f[o] = 0;
	char text[256];
	size_t n = strftime(text, sizeof(text), f, &tm);
	text[n] = 0;
	out->kind = XT_VAL_STR;
	out->s = xt_arena_strdup(ar, text);
}

static const struct xt_render timestamp_render = { .name = "timestamp", .printf_s = true, .decode = strftime_decode };

static const struct xt_type *strftime_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *fmt = n->list;
	if (fmt->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), fmt->loc, "strftime() needs a string literal as its format");
		return NULL;
	}
	const struct xt_type *t = xt_sema_expr(s, fmt->next);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t)) {
		xt_diag_error(xt_sema_diags(s), fmt->next->loc, "strftime() needs nanoseconds (an integer), not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	struct xt_type *r = (struct xt_type *)xt_type_rendered(xt_sema_arena(s), &timestamp_render, 8);
	r->rfmt = fmt->sval;
	return r;
}

static LLVMValueRef strftime_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_expr(cg, n->list->next);
}

/* memcmp(a, b, n): compares the first n bytes of two strings or buffers
 * (bpftrace 0.25): 0 when equal, else the difference of the first bytes
 * that differ (as unsigned chars). n is at most the smaller size; a run-time
 * n is clamped to it. */
static const struct xt_type *memcmp_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *a = n->list, *b = a->next, *len = b->next;
	int size[2];
	int i = 0;
	for (struct xt_node *x = a; x != len; x = x->next, i++) {
		const struct xt_type *t = xt_sema_expr(s, x);
		if (!t)
			return NULL;
		if (t->kind != XT_T_STR && !XT_TYPE_IS_BYTES(t)) {
			xt_diag_error(dg, x->loc, "memcmp() compares strings or buffers, not %s", xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
		size[i] = t->kind == XT_T_BUF ? t->size - 8 : t->size;
	}
	const struct xt_type *lt = xt_sema_expr(s, len);
	if (!lt)
		return NULL;
	if (!xt_type_is_int(lt) || lt->kind == XT_T_BOOL) {
		xt_diag_error(dg, len->loc, "memcmp() needs a byte count, not %s", xt_type_name(xt_sema_arena(s), lt));
		return NULL;
	}
	int most = size[0] < size[1] ? size[0] : size[1];
	if (len->kind == XT_N_INT && len->ival > (uint64_t)most) {
		xt_diag_error(dg, len->loc, "memcmp() can compare at most %d bytes here (the smaller size)", most);
		return NULL;
	}
	return &xt_s64;
}

static LLVMValueRef mem_bytes(struct xt_cg *cg, struct xt_node *x)
{
	LLVMValueRef v = xt_cg_expr(cg, x);
	return x->type->kind == XT_T_BUF ? xt_cg_gep(cg, v, xt_cg_i64(cg, 8)) : v;
}

static LLVMValueRef memcmp_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMBuilderRef B = cg->b;
	struct xt_node *a = n->list, *b = a->next, *len = b->next;
	int sa = a->type->kind == XT_T_BUF ? a->type->size - 8 : a->type->size;
	int sb = b->type->kind == XT_T_BUF ? b->type->size - 8 : b->type->size;
	int most = sa < sb ? sa : sb;
	LLVMValueRef pa = mem_bytes(cg, a), pb = mem_bytes(cg, b);
	LLVMValueRef cnt = xt_cg_expr(cg, len);
	cnt = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntULT, cnt, xt_cg_i64(cg, most), ""), cnt, xt_cg_i64(cg, most), "");
	/* for i in [0, cnt): a[i] != b[i] -> a[i] - b[i]; all equal -> 0 */
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(B), head = xt_cg_block(cg, "mc_i"), body = xt_cg_block(cg, "mc_b"),
			  next = xt_cg_block(cg, "mc_n"), diff = xt_cg_block(cg, "mc_d"), done = xt_cg_block(cg, "mc_done");
	LLVMBuildBr(B, head);
	LLVMPositionBuilderAtEnd(B, head);
	LLVMValueRef i = LLVMBuildPhi(B, cg->i64, "i");
	LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, i, cnt, ""), body, done);
	LLVMPositionBuilderAtEnd(B, body);
	/* keep the index visibly inside both buffers for the verifier */
	LLVMValueRef ic = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntULT, i, xt_cg_i64(cg, most), ""), i,
					  xt_cg_i64(cg, most - 1), "");
	LLVMValueRef ca = LLVMBuildZExt(B, LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, pa, ic), ""), cg->i64, "");
	LLVMValueRef cb = LLVMBuildZExt(B, LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, pb, ic), ""), cg->i64, "");
	LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ, ca, cb, ""), next, diff);
	LLVMPositionBuilderAtEnd(B, next);
	LLVMValueRef i1 = LLVMBuildAdd(B, i, xt_cg_i64(cg, 1), "");
	LLVMBuildBr(B, head);
	LLVMValueRef iv[] = { xt_cg_i64(cg, 0), i1 };
	LLVMBasicBlockRef ib[] = { pre, next };
	LLVMAddIncoming(i, iv, ib, 2);
	LLVMPositionBuilderAtEnd(B, diff);
	LLVMValueRef d = LLVMBuildSub(B, ca, cb, "");
	LLVMBuildBr(B, done);
	LLVMPositionBuilderAtEnd(B, done);
	LLVMValueRef r = LLVMBuildPhi(B, cg->i64, "memcmp");
	LLVMValueRef rv[] = { xt_cg_i64(cg, 0), d };
	LLVMBasicBlockRef rb[] = { head, diff };
	LLVMAddIncoming(r, rv, rb, 2);
	return r;
}

#define STRFN(sym, nm, mn, mx, chk, em, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = mn, .max_args = mx, \
		.check = chk, .emit = em, .help = hlp }

STRFN(xt_bi_strlen, "strlen", 1, 1, strlen_type, strlen_emit, "strlen(s): the length of string s");
STRFN(xt_bi_strncmp, "strncmp", 3, 3, strncmp_type, strncmp_emit,
      "strncmp(a, b, n): 0 when the first n characters of a and b are equal, else 1");
STRFN(xt_bi_strcontains, "strcontains", 2, 2, strcontains_type, strcontains_emit,
      "strcontains(s, sub): whether sub occurs in s");
STRFN(xt_bi_bswap, "bswap", 1, 1, bswap_type, bswap_emit, "bswap(x): x with its bytes in reverse order");
STRFN(xt_bi_strerror, "strerror", 1, 1, strerror_type, int_arg_emit, "strerror(errno): the error's description");
STRFN(xt_bi_strftime, "strftime", 2, 2, strftime_type, strftime_emit,
      "strftime(fmt, ns): the time ns (nsecs) as local time in strftime format fmt");
STRFN(xt_bi_strstr, "strstr", 2, 2, strstr_type, find_emit, "strstr(s, sub): the index of sub in s, -1 when absent");
STRFN(xt_bi_is_err, "is_err", 1, 1, is_err_type, is_err_emit, "is_err(p): whether p is an error pointer (-4095..-1)");
STRFN(xt_bi_is_integer, "is_integer", 1, 1, is_integer_type, answer_emit, "is_integer(x): whether x is an integer (compile time)");
STRFN(xt_bi_is_unsigned_integer, "is_unsigned_integer", 1, 1, is_unsigned_type, answer_emit,
      "is_unsigned_integer(x): whether x is an unsigned integer (compile time)");
STRFN(xt_bi_is_ptr, "is_ptr", 1, 1, is_ptr_type, answer_emit, "is_ptr(x): whether x is a pointer (compile time)");
STRFN(xt_bi_is_str, "is_str", 1, 1, is_str_type, answer_emit, "is_str(x): whether x is a string (compile time)");
STRFN(xt_bi_is_array, "is_array", 1, 1, is_array_type, answer_emit, "is_array(x): whether x is an array (compile time)");
STRFN(xt_bi_is_literal, "is_literal", 1, 1, is_literal_type, answer_emit, "is_literal(x): whether x is a literal (compile time)");
STRFN(xt_bi_strcap, "strcap", 1, 1, strcap_type, answer_emit, "strcap(s): the bytes string s can hold (its type's size)");
STRFN(xt_bi_default_str_length, "default_str_length", 0, 0, default_str_length_type, answer_emit,
      "default_str_length(): the string size of str() (max_strlen)");
STRFN(xt_bi_kfunc_exist, "kfunc_exist", 1, 1, kfunc_exist_type, answer_emit,
      "kfunc_exist(name): whether the kernel has the kfunc name (compile time)");
STRFN(xt_bi_kfunc_allowed, "kfunc_allowed", 1, 1, kfunc_allowed_type, answer_emit,
      "kfunc_allowed(name): whether this probe's kind of program may call the kfunc name (asked of the kernel at compile time)");
const struct xt_builtin xt_bi_assert_str = { .name = "assert_str", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_NOVALUE, .check = assert_str_type, .emit = nothing_emit,
	.help = "assert_str(x): a compile error unless x is a string" };
STRFN(xt_bi_syscall_name, "syscall_name", 1, 1, syscall_name_type, int_arg_emit, "syscall_name(n): the name of syscall n");
STRFN(xt_bi_signal_name, "signal_name", 1, 1, signal_name_type, int_arg_emit, "signal_name(n): the name of signal n (SIGKILL)");
STRFN(xt_bi_memcmp, "memcmp", 3, 3, memcmp_type, memcmp_emit,
      "memcmp(a, b, n): compare the first n bytes of two strings or buffers: 0 when equal");
