/* Map functions: print, clear, zero, delete, has_key, len. Whole-map
 * operations happen in user space: the program sends a ring-buffer record
 * and the runtime acts on it when it reads the record. */
#include <string.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/ctx.h"
#include "stdlib/registry.h"

static bool is_hist(const struct xt_map_info *m)
{
	return m->val && m->val->kind == XT_T_AGG && m->val->agg->buckets;
}

/* Sends call n's record {id} plus `nvals` u64 payload values. */
static void map_event(struct xt_cg *cg, struct xt_node *n, uint32_t id, LLVMValueRef *vals, int nvals)
{
	LLVMValueRef buf = xt_cg_buf(cg, 8 + 8 * nvals, "mapev");
	for (int i = 0; i < nvals; i++)
		LLVMBuildStore(cg->b, vals[i], xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + 8 * i)));
	xt_cg_event(cg, n->sym, id, buf, 8 * nvals);
}

/* The map a record names, or NULL. */
static const struct xt_map_info *map_of(struct xt_rt *rt, uint32_t id)
{
	const struct xt_program *prog = xt_rt_program(rt);
	return id < (uint32_t)prog->nmaps ? prog->maps[id] : NULL;
}

/* print's records: {map id | PRINT_MAP, u64 top, u64 div} for a whole map,
 * {format id, the value} for a value. */
#define PRINT_MAP (1u << 31)

/* print(@m[, top[, div]]) prints a whole map; print(value) prints one value. */
static const struct xt_type *print_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	if (a->kind == XT_N_MAP && !a->list) {
		if (!xt_sema_map_arg(s, a, false))
			return NULL;
		for (struct xt_node *x = a->next; x; x = x->next) {
			const struct xt_type *t = xt_sema_expr(s, x);
			if (!t)
				return NULL;
			if (!xt_type_is_int(t)) {
				xt_diag_error(xt_sema_diags(s), x->loc, "print() top and div must be integers");
				return NULL;
			}
		}
		n->ival = 1;
		return &xt_void;
	}
	if (a->next) {
		xt_diag_error(xt_sema_diags(s), a->next->loc, "print() of a value takes no top or div; they are for whole maps");
		return NULL;
	}
	/* print(CONSTANT) prints its name (bpftrace 0.22): an enum's constant
	 * does so as any enum value (a number in JSON); a kernel header's
	 * (TASK_RUNNING, stdlib/kconst.c), which has no enum, as a string */
	int64_t ev;
	if (a->kind == XT_N_IDENT && !xt_builtin_find(a->name, XT_BI_VAR) && xt_ktypes()->enumerator &&
	    xt_ktypes()->enumerator(a->name, &ev) && !(xt_ktypes()->enum_type && xt_ktypes()->enum_type(a->name))) {
		a->kind = XT_N_STR;
		a->sval = a->name;
		a->slen = strlen(a->name);
	}
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	if ((t->kind == XT_T_ARRAY || (t->kind == XT_T_RECORD && t->btf_id)) && !xt_sema_kval(s, a, t))
		return NULL;
	if (t->kind == XT_T_VOID || (t->kind == XT_T_RECORD && !t->btf_id)) {
		xt_diag_error(xt_sema_diags(s), a->loc, "print() cannot print a %s", xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	struct xt_node *fmt = xt_node_new(xt_sema_arena(s), XT_N_STR, a->loc);
	fmt->sval = "";
	n->ival = 0;
	n->aux = xt_sema_add_fmt(s, fmt, a);
	return &xt_void;
}

static LLVMValueRef print_emit(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *a = n->list;
	if (n->ival) {
		LLVMValueRef v[2] = { xt_cg_i64(cg, 0), xt_cg_i64(cg, 0) };
		int i = 0;
		for (struct xt_node *x = a->next; x; x = x->next)
			v[i++] = xt_cg_expr(cg, x);
		map_event(cg, n, (uint32_t)((const struct xt_map_info *)a->sym)->id | PRINT_MAP, v, 2);
		return NULL;
	}
	const struct xt_fmt_info *f = cg->prog->fmts[n->aux];
	LLVMValueRef buf = xt_cg_buf(cg, 8 + f->size, "print");
	xt_cg_store(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8)), f->arg_types[0], xt_cg_expr(cg, a), a->type);
	xt_cg_event(cg, n->sym, (uint32_t)f->id, buf, f->size);
	return NULL;
}

/* print(@m, top, div); print(value): the value alone on its line. */
static void print_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = xt_rt_program(rt);
	if (id & PRINT_MAP) {
		const struct xt_map_info *m = map_of(rt, id & ~PRINT_MAP);
		uint64_t top = 0, div = 0;
		if (!m || size < 16)
			return;
		memcpy(&top, payload, 8);
		memcpy(&div, payload + 8, 8);
		xt_rt_print_one(rt, m, (size_t)top, div);
		return;
	}
	if (id >= (uint32_t)prog->nfmts || size < (size_t)prog->fmts[id]->size)
		return;
	const struct xt_fmt_info *f = prog->fmts[id];
	struct xt_arena *ar = xt_arena_new();
	struct xt_val v;
	xt_rt_decode(prog, ar, f->arg_types[0], payload + f->arg_offsets[0], &v);
	const struct xt_rt_opts *o = xt_rt_options(rt);
	if (o->format == XT_FMT_JSON) {
		fputs("{\"type\": \"value\", \"data\": ", o->out);
		xt_print_val(o->out, XT_FMT_JSON, &v);
		fputs("}\n", o->out);
	} else {
		xt_print_val(o->out, XT_FMT_TEXT, &v);
		fputc('\n', o->out);
	}
	xt_arena_free(ar);
}

static const struct xt_type *whole_map_type(struct xt_sema *s, struct xt_node *n)
{
	return xt_sema_map_arg(s, n->list, false) ? &xt_void : NULL;
}

/* clear(@m), zero(@m): {map id} */
static LLVMValueRef whole_map_emit(struct xt_cg *cg, struct xt_node *n)
{
	map_event(cg, n, (uint32_t)((const struct xt_map_info *)n->list->sym)->id, NULL, 0);
	return NULL;
}

static void clear_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_map_info *m = map_of(rt, id);
	if (m)
		xt_rt_map_clear(rt, m);
}

static void zero_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_map_info *m = map_of(rt, id);
	if (m)
		xt_rt_map_zero(rt, m);
}

/* The map element a call names: @m[key] as its only argument, or (@m, key).
 * The element is kept in n->a as a map node. */
static struct xt_map_info *element(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	if (a->kind != XT_N_MAP) {
		xt_diag_error(xt_sema_diags(s), a->loc, "%s() needs a map element: @map[key], or @map and a key", n->name);
		return NULL;
	}
	struct xt_node *el = a;
	if (a->next) {
		if (a->list) {
			xt_diag_error(xt_sema_diags(s), a->loc, "%s(@map, key) takes the map without a key", n->name);
			return NULL;
		}
		el = xt_node_new(xt_sema_arena(s), XT_N_MAP, a->loc);
		el->name = a->name;
		el->list = a->next; /* the last argument: its next is NULL */
	}
	struct xt_map_info *m = xt_sema_map_arg(s, el, true);
	if (!m)
		return NULL;
	if (m->key && !el->list) {
		xt_diag_error(xt_sema_diags(s), a->loc, "%s() needs a key of @%s", n->name, m->name);
		return NULL;
	}
	if (is_hist(m)) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s() cannot take one key of a %s map; use clear(@%s)",
			      n->name, m->val->agg->name, m->name);
		return NULL;
	}
	n->a = el;
	return m;
}

/* delete(@m[k]), delete(@m, k), delete(@m): a bool, whether the key was
 * there and is gone (bpftrace 0.24) */
static const struct xt_type *delete_type(struct xt_sema *s, struct xt_node *n)
{
	return element(s, n) ? &xt_bool : NULL;
}

static LLVMValueRef delete_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_map_info *m = n->a->sym;
	LLVMValueRef args[] = { xt_cg_map(cg, m), xt_cg_map_key(cg, m, n->a) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_MAP_DELETE, false, args, 2);
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, r, xt_cg_i64(cg, 0), ""), cg->i64, "deleted");
}

static const struct xt_type *has_key_type(struct xt_sema *s, struct xt_node *n)
{
	if (!n->list->next) {
		xt_diag_error(xt_sema_diags(s), n->loc, "has_key() takes a map and a key: has_key(@map, key)");
		return NULL;
	}
	return element(s, n) ? &xt_bool : NULL;
}

static LLVMValueRef has_key_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_map_info *m = n->a->sym;
	LLVMValueRef args[] = { xt_cg_map(cg, m), xt_cg_map_key(cg, m, n->a) };
	LLVMValueRef p = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	return LLVMBuildZExt(cg->b, LLVMBuildIsNotNull(cg->b, p, ""), cg->i64, "");
}

/* find(@m, key, $v) (bpftrace 0.25): whether @m has key; when it has, $v
 * takes its value, in one lookup. Maps of plain values only: an
 * aggregation's value is spread over the CPUs. */
static const struct xt_type *find_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *key = n->list->next, *out = key ? key->next : NULL;
	if (!out || out->next || n->list->list) {
		xt_diag_error(xt_sema_diags(s), n->loc, "find() takes a map, a key and a variable: find(@map, key, $value)");
		return NULL;
	}
	if (out->kind != XT_N_VAR) {
		xt_diag_error(xt_sema_diags(s), out->loc, "find() stores the value in a variable ($name)");
		return NULL;
	}
	/* element() reads the last argument as the key: it sees the list without
	 * the variable, and keeps a copy of the key node, alone in its list. */
	key->next = NULL;
	struct xt_map_info *m = element(s, n);
	key->next = out;
	if (m && n->a->list == key) {
		struct xt_node *k = xt_node_new(xt_sema_arena(s), key->kind, key->loc);
		*k = *key;
		k->next = NULL;
		n->a->list = k;
	}
	if (!m)
		return NULL;
	if (!m->val) /* first round: the map's values are not known yet */
		return &xt_bool;
	if (m->val->kind == XT_T_AGG) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "find() reads maps of plain values, not of %s()", m->val->agg->name);
		return NULL;
	}
	return xt_sema_assign_var(s, out, m->val) < 0 ? NULL : &xt_bool;
}

static LLVMValueRef find_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_map_info *m = n->a->sym;
	struct xt_node *out = n->list->next->next;
	LLVMValueRef args[] = { xt_cg_map(cg, m), xt_cg_map_key(cg, m, n->a) };
	LLVMValueRef p = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	LLVMValueRef found = LLVMBuildIsNotNull(cg->b, p, "");
	LLVMBasicBlockRef yes = xt_cg_block(cg, "found"), done = xt_cg_block(cg, "findend");
	LLVMBuildCondBr(cg->b, found, yes, done);
	LLVMPositionBuilderAtEnd(cg->b, yes);
	const struct xt_type *vt = cg->probe->var_types[out->aux];
	xt_cg_store(cg, cg->vars[out->aux], vt, xt_cg_load(cg, p, m->val), m->val);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return LLVMBuildZExt(cg->b, found, cg->i64, "");
}

static const struct xt_type *len_type(struct xt_sema *s, struct xt_node *n)
{
	if (xt_stack_len_of(n)) /* len(kstack): the number of frames (bi_stack.c) */
		return xt_stack_len_check(s, n);
	struct xt_map_info *m = xt_sema_map_arg(s, n->list, false);
	if (!m)
		return NULL;
	if (is_hist(m)) {
		xt_diag_error(xt_sema_diags(s), n->loc, "len() of a %s map is not supported", m->val->agg->name);
		return NULL;
	}
	if (xt_sema_final(s) && !m->key) { /* bpftrace 0.26's error */
		xt_diag_error(xt_sema_diags(s), n->loc, "call to len() expects a map with explicit keys (non-scalar map)");
		return NULL;
	}
	return &xt_s64;
}

/* len(@m): the number of elements bpf_for_each_map_elem visits, which is its
 * return value; the callback does nothing. Counting in the callback through its
 * context made the verifier track the counter exactly over every iteration it
 * simulates, so a condition on it (`if (len(@m) > 1)`) never converged: "BPF
 * program is too large. Processed 1000001 insn". The helper's result is an
 * unknown scalar to the verifier. */
static LLVMValueRef len_emit(struct xt_cg *cg, struct xt_node *n)
{
	if (xt_stack_len_of(n))
		return xt_stack_len_emit(cg, n);
	const struct xt_map_info *m = n->list->sym;
	LLVMBasicBlockRef resume = LLVMGetInsertBlock(cg->b);
	static int seq;
	LLVMValueRef fn = xt_cg_callback(cg, xt_arena_printf(cg->prog->ar, "len_cb%d", seq++));
	LLVMPositionBuilderAtEnd(cg->b, LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"));
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, resume);
	LLVMValueRef args[] = { xt_cg_map(cg, m), fn, LLVMConstNull(cg->ptr), xt_cg_i64(cg, 0) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_FOR_EACH_MAP, false, args, 4);
	/* -EINVAL only for bad flags, which these are not; never below 0 anyway */
	LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, r, xt_cg_i64(cg, 0), "");
	return LLVMBuildSelect(cg->b, neg, xt_cg_i64(cg, 0), r, "len");
}

#define MAPFN(sym, nm, mn, mx, fl, chk, em, ev, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = mn, .max_args = mx, \
		.flags = fl, .check = chk, .emit = em, .on_event = ev, .help = hlp }

MAPFN(xt_bi_print, "print", 1, 3, XT_BIF_NOVALUE | XT_BIF_PRINTER, print_type, print_emit, print_event,
      "print(@m[, top[, div]]): print a map now; print(value): print one value");
MAPFN(xt_bi_clear, "clear", 1, 1, XT_BIF_NOVALUE, whole_map_type, whole_map_emit, clear_event,
      "clear(@m): delete every key of @m");
MAPFN(xt_bi_zero, "zero", 1, 1, XT_BIF_NOVALUE, whole_map_type, whole_map_emit, zero_event,
      "zero(@m): set every value of @m to zero");
MAPFN(xt_bi_delete, "delete", 1, 2, XT_BIF_DISCARD, delete_type, delete_emit, NULL,
      "delete(@m, key), delete(@m) or delete(@m[key]): remove one key; true if it was there");
MAPFN(xt_bi_has_key, "has_key", 2, 2, 0, has_key_type, has_key_emit, NULL, "has_key(@m, key): whether @m holds key");
MAPFN(xt_bi_len, "len", 1, 1, 0, len_type, len_emit, NULL, "len(@m): the number of keys in @m; len(kstack), len(ustack): the number of frames");
const struct xt_builtin xt_bi_find = { .name = "find", .kind = XT_BI_FUNC, .min_args = 3, .max_args = 3,
	.check = find_type, .emit = find_emit,
	.help = "find(@map, key, $v): whether @map has key; if so $v takes its value" };
