/* Aggregations: per-CPU map values updated in place through the looked-up
 * pointer; the map is updated only on a miss. */
#include <stdint.h>
#include "codegen/cg.h"
#include "stdlib/registry.h"

static const struct xt_type *agg_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_builtin *b = n->sym;
	for (struct xt_node *a = n->list; a; a = a->next) {
		const struct xt_type *t = xt_sema_expr(s, a);
		if (!t)
			return NULL;
		if (!xt_type_is_int(t)) {
			xt_diag_error(xt_sema_diags(s), a->loc, "%s() needs an integer, not %s",
				      b->name, xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
	}
	return xt_type_agg(xt_sema_arena(s), b->agg);
}

/* A bound of lhist(): an integer literal, maybe negated, as a magnitude and
 * a sign (-9223372036854775808 has no int64 negation to compute). */
static bool lhist_literal(struct xt_sema *s, struct xt_node *a, bool *neg, uint64_t *mag)
{
	struct xt_node *lit = a->kind == XT_N_UNOP && a->op == XT_OP_NEG ? a->a : a;
	if (lit->kind != XT_N_INT) {
		xt_diag_error(xt_sema_diags(s), a->loc, "lhist() min, max and step must be integer literals");
		return false;
	}
	*mag = lit->ival;
	*neg = lit != a && *mag != 0;
	return true;
}

/* lhist(x, min, max, step): 0 <= min < max <= INT64_MAX and 1 <= step <=
 * max - min, as bpftrace 0.17 requires, with at most 1000 buckets. Then no
 * bucket bound (min + i * step <= max) and no bucket count overflows, here,
 * in the generated code or in the printer. */
static const struct xt_type *lhist_type(struct xt_sema *s, struct xt_node *n)
{
	if (!agg_type(s, n))
		return NULL;
	struct xt_diags *dg = xt_sema_diags(s);
	static const char *const what[3] = { "min", "max", "step" };
	struct xt_node *arg[3] = { n->list->next, n->list->next->next, n->list->next->next->next };
	int64_t v[3];
	for (int i = 0; i < 3; i++) {
		bool neg;
		uint64_t mag;
		if (!lhist_literal(s, arg[i], &neg, &mag))
			return NULL;
		if (neg && i == 1) {
			xt_diag_error(dg, arg[i]->loc, "lhist() max must be greater than min (%lld), not -%llu",
				      (long long)v[0], (unsigned long long)mag);
			return NULL;
		}
		if (neg) {
			xt_diag_error(dg, arg[i]->loc, "lhist() %s must be %s, not -%llu", what[i],
				      i == 0 ? "0 or more" : "1 or more", (unsigned long long)mag);
			return NULL;
		}
		if (mag > INT64_MAX) {
			xt_diag_error(dg, arg[i]->loc, "lhist() %s must be at most %lld, not %llu", what[i],
				      (long long)INT64_MAX, (unsigned long long)mag);
			return NULL;
		}
		v[i] = (int64_t)mag;
	}
	if (v[1] <= v[0]) {
		xt_diag_error(dg, arg[1]->loc, "lhist() max must be greater than min (%lld), not %lld",
			      (long long)v[0], (long long)v[1]);
		return NULL;
	}
	if (v[2] < 1) {
		xt_diag_error(dg, arg[2]->loc, "lhist() step must be 1 or more, not 0");
		return NULL;
	}
	int64_t range = v[1] - v[0]; /* 0 <= min < max: no overflow */
	if (v[2] > range) {
		xt_diag_error(dg, arg[2]->loc, "lhist() step %lld is larger than max - min (%lld)",
			      (long long)v[2], (long long)range);
		return NULL;
	}
	if (range / v[2] > 1000) {
		struct xt_loc loc = arg[0]->loc;
		loc.last_line = arg[2]->loc.last_line;
		loc.last_column = arg[2]->loc.last_column;
		xt_diag_error(dg, loc, "lhist() would have %lld buckets; at most 1000 are allowed",
			      (long long)(range / v[2]));
		return NULL;
	}
	struct xt_type *t = (struct xt_type *)xt_type_agg(xt_sema_arena(s), XT_A_LHIST);
	t->lmin = v[0];
	t->lmax = v[1];
	t->lstep = v[2];
	return t;
}

/* hist(x[, k]): k (0..5, a literal) sub-buckets 2^k per power of two, kept in
 * the type's lstep so that hist(x, 1) and hist(x, 2) are different map values. */
static const struct xt_type *hist_type(struct xt_sema *s, struct xt_node *n)
{
	if (!agg_type(s, n))
		return NULL;
	struct xt_node *k = n->list->next;
	if (k && (k->kind != XT_N_INT || k->ival > 5)) {
		xt_diag_error(xt_sema_diags(s), k->loc, "hist() k must be an integer literal from 0 to 5");
		return NULL;
	}
	struct xt_type *t = (struct xt_type *)xt_type_agg(xt_sema_arena(s), XT_A_HIST);
	t->lstep = k ? (int64_t)k->ival : 0;
	return t;
}

static LLVMValueRef slot(struct xt_cg *cg, LLVMValueRef p, int off)
{
	return off ? xt_cg_gep(cg, p, xt_cg_i64(cg, off)) : p;
}

static LLVMValueRef ld(struct xt_cg *cg, LLVMValueRef p, int off)
{
	return LLVMBuildLoad2(cg->b, cg->i64, slot(cg, p, off), "");
}

static void st(struct xt_cg *cg, LLVMValueRef v, LLVMValueRef p, int off)
{
	LLVMBuildStore(cg->b, v, slot(cg, p, off));
}

static LLVMValueRef value_slot(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key)
{
	return xt_cg_lookup_or_init(cg, m, key, xt_cg_buf(cg, m->value_size, "zero"));
}

static void emit_count(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	LLVMValueRef p = value_slot(cg, m, key);
	st(cg, LLVMBuildAdd(cg->b, ld(cg, p, 0), xt_cg_i64(cg, 1), ""), p, 0);
}

static void emit_sum(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef p = value_slot(cg, m, key);
	st(cg, LLVMBuildAdd(cg->b, ld(cg, p, 0), v, ""), p, 0);
}

/* avg and stats: {total, count} */
static void emit_avg(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef p = value_slot(cg, m, key);
	st(cg, LLVMBuildAdd(cg->b, ld(cg, p, 0), v, ""), p, 0);
	st(cg, LLVMBuildAdd(cg->b, ld(cg, p, 8), xt_cg_i64(cg, 1), ""), p, 8);
}

/* min and max: {value, set} */
static void emit_minmax(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef p = value_slot(cg, m, key);
	LLVMValueRef old = ld(cg, p, 0), set = ld(cg, p, 8);
	bool sign = n->list->type->kind == XT_T_INT && n->list->type->sign;
	LLVMIntPredicate better = m->val->agg == XT_A_MIN ? (sign ? LLVMIntSLT : LLVMIntULT)
							  : (sign ? LLVMIntSGT : LLVMIntUGT);
	LLVMValueRef take = LLVMBuildOr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, set, xt_cg_i64(cg, 0), ""),
					LLVMBuildICmp(cg->b, better, v, old, ""), "");
	st(cg, LLVMBuildSelect(cg->b, take, v, old, ""), p, 0);
	st(cg, xt_cg_i64(cg, 1), p, 8);
}

/* The log2 bucket of v with 2^k sub-buckets per power of two, as newest
 * bpftrace computes it: 0 for v < 0; v + 1 for 0 <= v < 2^k; otherwise, with
 * l = floor(log2 v): ((l - k + 1) << k) + ((v >> (l - k)) & (2^k - 1)) + 1.
 * For k = 0 that is 1 for 0 and 2 + floor(log2 v) above (bpftrace 0.17's). */
static LLVMValueRef log2_bucket(struct xt_cg *cg, LLVMValueRef v, int k)
{
	LLVMBuilderRef B = cg->b;
	LLVMValueRef x = v, l = xt_cg_i64(cg, 0);
	int64_t mask = ((int64_t)1 << k) - 1;
	for (int sh = 32; sh > 0; sh /= 2) {
		LLVMValueRef big = LLVMBuildICmp(B, LLVMIntUGE, x, xt_cg_i64(cg, (int64_t)1 << sh), "");
		x = LLVMBuildSelect(B, big, LLVMBuildLShr(B, x, xt_cg_i64(cg, sh), ""), x, "");
		l = LLVMBuildSelect(B, big, LLVMBuildAdd(B, l, xt_cg_i64(cg, sh), ""), l, "");
	}
	/* l - k is only used when v > mask, where l >= k; clamp it for the shift anyway */
	LLVMValueRef lk = LLVMBuildSub(B, l, xt_cg_i64(cg, k), "");
	lk = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, lk, xt_cg_i64(cg, 0), ""), xt_cg_i64(cg, 0), lk, "");
	LLVMValueRef hi = LLVMBuildShl(B, LLVMBuildAdd(B, lk, xt_cg_i64(cg, 1), ""), xt_cg_i64(cg, k), "");
	LLVMValueRef sub = LLVMBuildAnd(B, LLVMBuildLShr(B, v, lk, ""), xt_cg_i64(cg, mask), "");
	LLVMValueRef big = LLVMBuildAdd(B, LLVMBuildAdd(B, hi, sub, ""), xt_cg_i64(cg, 1), "");
	LLVMValueRef small = LLVMBuildAdd(B, v, xt_cg_i64(cg, 1), "");
	LLVMValueRef r = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLE, v, xt_cg_i64(cg, mask), ""), small, big, "");
	return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, v, xt_cg_i64(cg, 0), ""), xt_cg_i64(cg, 0), r, "");
}

static LLVMValueRef linear_bucket(struct xt_cg *cg, const struct xt_type *t, LLVMValueRef v)
{
	LLVMBuilderRef B = cg->b;
	int64_t nb = (t->lmax - t->lmin) / t->lstep; /* lhist_type keeps 0 <= min < max: no overflow */
	/* Unsigned: the quotient is used only when v >= min (BPF v3 has no signed division). */
	LLVMValueRef in = LLVMBuildAdd(B, LLVMBuildUDiv(B, LLVMBuildSub(B, v, xt_cg_i64(cg, t->lmin), ""),
							xt_cg_i64(cg, t->lstep), ""), xt_cg_i64(cg, 1), "");
	LLVMValueRef r = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGE, v, xt_cg_i64(cg, t->lmin + nb * t->lstep), ""),
					 xt_cg_i64(cg, nb + 1), in, "");
	return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, v, xt_cg_i64(cg, t->lmin), ""), xt_cg_i64(cg, 0), r, "");
}

static void emit_hist(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	if (n->list->type->kind == XT_T_INT && !n->list->type->sign)
		v = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, v, xt_cg_i64(cg, 0), ""),
				    xt_cg_i64(cg, INT64_MAX), v, ""); /* huge unsigned values go to the top bucket */
	LLVMValueRef bucket = m->val->agg == XT_A_HIST ? log2_bucket(cg, v, (int)m->val->lstep) : linear_bucket(cg, m->val, v);
	st(cg, bucket, key, m->key_size - 8);
	emit_count(cg, m, key, n);
}

static LLVMValueRef no_value(struct xt_cg *cg, struct xt_node *n) { return NULL; }

#define AGG(sym, nm, ag, mn, mx, chk, em, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = mn, .max_args = mx, \
		.flags = XT_BIF_AGG, .agg = ag, .check = chk, .emit = no_value, .emit_agg = em, .help = hlp }

AGG(xt_bi_count, "count", XT_A_COUNT, 0, 0, agg_type, emit_count, "count(): how many times the probe fired");
AGG(xt_bi_sum, "sum", XT_A_SUM, 1, 1, agg_type, emit_sum, "sum(x): the sum of x");
AGG(xt_bi_avg, "avg", XT_A_AVG, 1, 1, agg_type, emit_avg, "avg(x): the average of x");
AGG(xt_bi_min, "min", XT_A_MIN, 1, 1, agg_type, emit_minmax, "min(x): the smallest x");
AGG(xt_bi_max, "max", XT_A_MAX, 1, 1, agg_type, emit_minmax, "max(x): the largest x");
AGG(xt_bi_stats, "stats", XT_A_STATS, 1, 1, agg_type, emit_avg, "stats(x): count, average and total of x");
AGG(xt_bi_hist, "hist", XT_A_HIST, 1, 2, hist_type, emit_hist,
    "hist(x[, k]): log2 histogram of x, 2^k buckets per power of two (k 0..5)");
AGG(xt_bi_lhist, "lhist", XT_A_LHIST, 4, 4, lhist_type, emit_hist, "lhist(x, min, max, step): linear histogram of x");
