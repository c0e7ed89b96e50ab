/* The typing pass, kernel types: `struct NAME` in casts, sizeof and
 * offsetof; fields of kernel structs through -> and .; array elements;
 * *p and &x; pointer arithmetic. The types come from vmlinux BTF through the
 * registry's xt_ktypes() hook (stdlib/btf_types.c), so lang needs no libbpf.
 * Bitfields, enums and char[N] (a string) arrive already converted. */
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

static const char *tname(struct xt_sema *s, const struct xt_type *t)
{
	return xt_type_name(s->ar, t);
}

const struct xt_type *xt_sema_kernel_named(struct xt_sema *s, const char *name, struct xt_loc loc)
{
	const char *near, *why;
	const struct xt_type *t = xt_ktypes()->find(name, &near, &why);
	if (t)
		return t;
	const char *sp = strchr(name, ' ');
	if (!sp) /* not struct/union/enum: an unknown base type or typedef */
		xt_diag_error(s->dg, loc, "unknown type '%s'", name);
	else if (strcmp(why, "unknown") != 0)
		xt_diag_error(s->dg, loc, "%s: %s", name, why);
	else if (near)
		xt_diag_error(s->dg, loc, "unknown %.*s '%s'; did you mean '%s'?", (int)(sp - name), name, sp + 1, near);
	else
		xt_diag_error(s->dg, loc, "unknown %.*s '%s' (neither the program's C definitions nor the kernel's BTF define it)",
			      (int)(sp - name), name, sp + 1);
	return NULL;
}

/* Field n->name of kernel record rec, or NULL after a diagnostic. */
static const struct xt_field *field_of(struct xt_sema *s, struct xt_node *n, const struct xt_type *rec,
				       const char *fname)
{
	const char *near;
	const struct xt_field *f = xt_ktypes()->field(rec, fname, &near);
	if (!f) {
		if (near)
			xt_diag_error(s->dg, n->loc, "%s has no field '%s'; did you mean '%s'?", tname(s, rec), fname, near);
		else
			xt_diag_error(s->dg, n->loc, "%s has no field '%s'", tname(s, rec), fname);
		return NULL;
	}
	if (!f->type) {
		xt_diag_error(s->dg, n->loc, "field '%s' of %s has a type xtrace cannot read (floating point or function)",
			      fname, tname(s, rec));
		return NULL;
	}
	return f;
}

/* p->f and r.f, where t (the type of n->a) is a pointer or a kernel record.
 * `.` goes through a pointer (bpftrace 0.25) and `->` means the same (0.26):
 * p.f is p->f, r->f is r.f. */
const struct xt_type *xt_sema_member(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	const struct xt_type *rec = t;
	if (t->kind == XT_T_KVAL) { /* $s.f of a copy: read from the copy's bytes */
		if (t->pointee->kind != XT_T_RECORD) {
			xt_diag_error(s->dg, n->loc, "%s is not a struct: it has no field '%s'", tname(s, t), n->name);
			return NULL;
		}
		const struct xt_field *f = field_of(s, n, t->pointee, n->name);
		if (!f)
			return NULL;
		n->sym = f;
		return xt_type_is_place(f->type) ? xt_type_kval(s->ar, f->type) : f->type;
	}
	if (t->kind == XT_T_PTR) {
		rec = t->pointee;
		if (!xt_type_is_place(rec) || rec->kind != XT_T_RECORD) {
			xt_diag_error(s->dg, n->loc, "%s does not point to a struct: it has no field '%s'", tname(s, t), n->name);
			return NULL;
		}
	}
	const struct xt_field *f = field_of(s, n, rec, n->name);
	if (!f)
		return NULL;
	n->sym = f;
	return f->type;
}

const struct xt_type *xt_sema_kval(struct xt_sema *s, struct xt_node *e, const struct xt_type *t)
{
	if (t->size <= 0) {
		xt_diag_error(s->dg, e->loc, "%s has no size: it cannot be copied", tname(s, t));
		return NULL;
	}
	if (t->size > XT_KVAL_MAX) {
		xt_diag_error(s->dg, e->loc, "%s is %d bytes: xtrace copies structs and arrays of up to %d bytes "
			      "(print or store its fields, or a pointer to it)", tname(s, t), t->size, XT_KVAL_MAX);
		return NULL;
	}
	return xt_type_kval(s->ar, t);
}

/* a[i]: an element of a kernel array, or of what a pointer points to. */
const struct xt_type *xt_sema_index(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->a), *it = xt_sema_expr(s, n->b);
	if (!t || !it)
		return NULL;
	if (!xt_type_is_int(it)) {
		xt_diag_error(s->dg, n->b->loc, "an index must be an integer, not %s", tname(s, it));
		return NULL;
	}
	if (t->kind == XT_T_ARRAY) {
		if (n->b->kind == XT_N_INT && t->n > 0 && n->b->ival >= (uint64_t)t->n) {
			xt_diag_error(s->dg, n->b->loc, "index %s is out of bounds for %s",
				      xt_arena_printf(s->ar, "%llu", (unsigned long long)n->b->ival), tname(s, t));
			return NULL;
		}
		return t->pointee;
	}
	if (t->kind == XT_T_PTR && t->pointee)
		return t->pointee;
	xt_diag_error(s->dg, n->loc, "[] needs an array or a typed pointer, not %s", tname(s, t));
	return NULL;
}

/* *p */
const struct xt_type *xt_sema_deref(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	if (t->kind != XT_T_PTR) {
		xt_diag_error(s->dg, n->loc, "cannot dereference %s, which is not a pointer", tname(s, t));
		return NULL;
	}
	if (!t->pointee) {
		xt_diag_error(s->dg, n->loc, "cannot dereference %s: what it points to is unknown (cast it first)", tname(s, t));
		return NULL;
	}
	return t->pointee;
}

/* Whether n denotes kernel memory: a field of a kernel struct, an array
 * element or *p (so that &n has a meaning). */
bool xt_sema_in_memory(const struct xt_node *n)
{
	/* (recursive only along a string's base: as deep as the expression) */
	switch (n->kind) {
	case XT_N_ARROW:
	case XT_N_FIELD:
		return n->a->type && (n->a->type->kind == XT_T_PTR || xt_type_is_place(n->a->type));
	case XT_N_INDEX: /* of a pointer, an array in memory, or a char array read as a string from memory */
		return n->a->type && (n->a->type->kind == XT_T_PTR || xt_type_is_place(n->a->type) ||
				      (n->a->type->kind == XT_T_STR && xt_sema_in_memory(n->a)));
	case XT_N_UNOP:
		return n->op == XT_OP_DEREF;
	default:
		return false;
	}
}

bool xt_sema_decays(const struct xt_node *n, const struct xt_type *t)
{
	/* (a tracepoint's array field lies in the probe's context, not in memory) */
	return t && (t->kind == XT_T_ARRAY || t->kind == XT_T_STR) && xt_sema_in_memory(n);
}

const struct xt_type *xt_sema_decay(struct xt_sema *s, struct xt_node **slot)
{
	struct xt_node *arr = *slot;
	struct xt_node *idx = xt_node_new(s->ar, XT_N_INDEX, arr->loc), *addr = xt_node_new(s->ar, XT_N_UNOP, arr->loc);
	idx->a = arr;
	idx->b = xt_node_new(s->ar, XT_N_INT, arr->loc); /* 0 */
	addr->op = XT_OP_ADDR;
	addr->a = idx;
	addr->next = arr->next; /* its place in a list of arguments */
	arr->next = NULL;
	*slot = addr;
	return xt_sema_expr(s, addr);
}

const struct xt_type *xt_sema_addr_arg(struct xt_sema *s, struct xt_node **slot, const struct xt_type *t)
{
	return xt_sema_decays(*slot, t) ? xt_sema_decay(s, slot) : t;
}

/* &$v, &@m[k] (bpftrace 0.26): where the variable's slot or the map's value
 * lies, memory of the BPF program that the kernel's reads reach: *&$v and
 * (&@m)->f read it back. &@m[k] is 0 (NULL) when @m has no key k.
 * Aggregations are kept per CPU and merged when printed: no one address holds
 * their value. */
static const struct xt_type *addr_of_var(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	if (n->a->kind == XT_N_MAP) {
		const struct xt_map_info *m = n->a->sym;
		if (m && m->val && m->val->kind == XT_T_AGG) {
			xt_diag_error(s->dg, n->loc, "cannot take the address of @%s: it holds %s(), which is kept per CPU "
				      "and has no one address", m->name, m->val->agg->name);
			return NULL;
		}
		if (m && m->val)
			t = m->val;
	}
	if (t->kind == XT_T_KVAL) /* a copy of a kernel struct or array: a pointer to that type */
		t = t->pointee;
	else if (!xt_type_is_int(t) && t->kind != XT_T_PTR && t->kind != XT_T_STR) {
		xt_diag_error(s->dg, n->loc, "cannot take the address of %s, which holds %s: & reads integers, "
			      "pointers, strings and copies of kernel structs", n->a->kind == XT_N_VAR ? "this variable" : "this map value",
			      tname(s, t));
		return NULL;
	}
	const struct xt_type *p = xt_type_ptr(s->ar, t, xt_arena_printf(s->ar, "%s *", tname(s, t)));
	return xt_type_in_space(s->ar, p, XT_AS_KERNEL);
}

/* &x */
const struct xt_type *xt_sema_addr(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	if (n->a->kind == XT_N_VAR || n->a->kind == XT_N_MAP)
		return addr_of_var(s, n, t);
	if (!xt_sema_in_memory(n->a)) {
		xt_diag_error(s->dg, n->loc, "& needs a $variable, a @map element, a field of a kernel struct, an array element or *p");
		return NULL;
	}
	const struct xt_field *f = n->a->kind == XT_N_ARROW || n->a->kind == XT_N_FIELD ? n->a->sym : NULL;
	if (f && f->bits) {
		xt_diag_error(s->dg, n->loc, "cannot take the address of bitfield '%s'", f->name);
		return NULL;
	}
	/* it points where x lies: &uptr(p)->f is a user address too */
	const struct xt_type *p = xt_type_ptr(s->ar, t, xt_arena_printf(s->ar, "%s *", tname(s, t)));
	return xt_type_in_space(s->ar, p, xt_node_space(n->a->a));
}

/* offsetof(struct T, f.g...) and offsetof(T, f): a constant from here on. */
const struct xt_type *xt_sema_offsetof(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *rec = xt_sema_kernel_named(s, n->name, n->loc);
	if (!rec)
		return NULL;
	if (!xt_type_is_place(rec) || rec->kind != XT_T_RECORD) {
		xt_diag_error(s->dg, n->loc, "offsetof needs a struct or union, not %s", tname(s, rec));
		return NULL;
	}
	uint64_t off = 0;
	for (const char *p = n->sval;;) {
		const char *dot = strchr(p, '.');
		const char *fname = dot ? xt_arena_strndup(s->ar, p, (size_t)(dot - p)) : p;
		const char *near;
		const struct xt_field *f = xt_ktypes()->field(rec, fname, &near);
		if (!f) { /* its diagnostic; a float's offset is fine, its value xtrace cannot read */
			field_of(s, n, rec, fname);
			return NULL;
		}
		if (f->bits) {
			xt_diag_error(s->dg, n->loc, "offsetof cannot take bitfield '%s' of %s", fname, tname(s, rec));
			return NULL;
		}
		off += (uint64_t)f->offset;
		if (!dot)
			break;
		rec = f->type;
		if (!xt_type_is_place(rec) || rec->kind != XT_T_RECORD) {
			xt_diag_error(s->dg, n->loc, "field '%s' is %s, not a struct: it has no field '%s'", fname,
				      tname(s, rec), xt_arena_strndup(s->ar, dot + 1, strcspn(dot + 1, ".")));
			return NULL;
		}
		p = dot + 1;
	}
	n->kind = XT_N_INT;
	n->ival = off;
	return &xt_u64;
}
