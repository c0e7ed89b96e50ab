/* uptr(p) and kptr(p) (bpftrace): p, a pointer, an integer address or an
 * array in memory (which decays to a pointer to its first element), marked
 * as pointing into user or kernel memory, so that what is read through it
 * (*p, p->f, p[i], str(p), buf(p, n), and pointers read from there in turn)
 * is read with bpf_probe_read_user or _kernel whatever the address looks like. */
#include "codegen/cg.h"
#include "lang/diag.h"
#include "stdlib/registry.h"

static const struct xt_type *mark(struct xt_sema *s, struct xt_node *n, enum xt_addr_space space)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (t) /* uptr(arr): its first element's address, as in C */
		t = xt_sema_addr_arg(s, &n->list, t);
	if (!t)
		return NULL;
	if (xt_type_array_of(t)) { /* a copy, or a field of the probe's context */
		xt_diag_error(xt_sema_diags(s), n->list->loc, "%s() needs an address: this %s is %s, which has no "
			      "address; an array in memory (as $p->arr) decays to a pointer to its first element",
			      n->name, xt_type_name(xt_sema_arena(s), t),
			      t->kind == XT_T_KVAL ? "a copy" : "a field of the probe's context");
		return NULL;
	}
	if (t->kind != XT_T_PTR && t->kind != XT_T_INT) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "%s() needs a pointer or an integer address, not %s",
			      n->name, xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	/* ints are kept as 64 bits: an address narrower than that is no address */
	if (t->kind == XT_T_INT)
		t = xt_type_int(8, t->sign);
	return xt_type_in_space(xt_sema_arena(s), t, space);
}

static const struct xt_type *uptr_type(struct xt_sema *s, struct xt_node *n)
{
	return mark(s, n, XT_AS_USER);
}

static const struct xt_type *kptr_type(struct xt_sema *s, struct xt_node *n)
{
	return mark(s, n, XT_AS_KERNEL);
}

/* The value is the address itself: only its type changed. */
static LLVMValueRef same_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_expr(cg, n->list);
}

const struct xt_builtin xt_bi_uptr = { .name = "uptr", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = uptr_type, .emit = same_emit,
	.help = "uptr(p): p, read from user memory (*p, p->f, str(p), ...) whatever the address" };
const struct xt_builtin xt_bi_kptr = { .name = "kptr", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = kptr_type, .emit = same_emit,
	.help = "kptr(p): p, read from kernel memory (*p, p->f, str(p), ...) whatever the address" };
