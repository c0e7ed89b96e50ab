/* Aggregations: per-CPU map values updated in place through the looked-up
 * pointer; the map is updated only on a miss. */
#include <inttypes.h>
#include <stdint.h>
#include "codegen/cg.h"
#include "runtime/print.h"
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

/* hist(x, k) and hist(x, j), or lhists of other bounds, keep different values. */
static bool same_params(const struct xt_type *a, const struct xt_type *b)
{
	return a->lmin == b->lmin && a->lmax == b->lmax && a->lstep == b->lstep;
}

static const char *hist_name(struct xt_arena *ar, const struct xt_type *t)
{
	return t->lstep ? xt_arena_printf(ar, "hist with k = %d", (int)t->lstep) : "hist";
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
	struct xt_type *t = (struct xt_type *)xt_type_agg(xt_sema_arena(s), xt_bi_lhist.agg);
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
	struct xt_type *t = (struct xt_type *)xt_type_agg(xt_sema_arena(s), xt_bi_hist.agg);
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
static void emit_best(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n, bool min)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef p = value_slot(cg, m, key);
	LLVMValueRef old = ld(cg, p, 0), set = ld(cg, p, 8);
	bool sign = n->list->type->kind == XT_T_INT && n->list->type->sign;
	LLVMIntPredicate better = min ? (sign ? LLVMIntSLT : LLVMIntULT) : (sign ? LLVMIntSGT : LLVMIntUGT);
	LLVMValueRef take = LLVMBuildOr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, set, xt_cg_i64(cg, 0), ""),
					LLVMBuildICmp(cg->b, better, v, old, ""), "");
	st(cg, LLVMBuildSelect(cg->b, take, v, old, ""), p, 0);
	st(cg, xt_cg_i64(cg, 1), p, 8);
}

static void emit_min(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	emit_best(cg, m, key, n, true);
}

static void emit_max(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	emit_best(cg, m, key, n, false);
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

/* hist and lhist: the bucket goes in the key's last 8 bytes; the value is
 * {count, sum of the values counted}: the sum costs one add in the value
 * already at hand, and is the histogram's _sum for --metrics (runtime/metrics.c). */
static void emit_bucketed(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n, bool log2)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	if (n->list->type->kind == XT_T_INT && !n->list->type->sign)
		v = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, v, xt_cg_i64(cg, 0), ""),
				    xt_cg_i64(cg, INT64_MAX), v, ""); /* huge unsigned values go to the top bucket */
	LLVMValueRef bucket = log2 ? log2_bucket(cg, v, (int)m->val->lstep) : linear_bucket(cg, m->val, v);
	st(cg, bucket, key, m->key_size - 8);
	LLVMValueRef p = value_slot(cg, m, key);
	st(cg, LLVMBuildAdd(cg->b, ld(cg, p, 0), xt_cg_i64(cg, 1), ""), p, 0);
	st(cg, LLVMBuildAdd(cg->b, ld(cg, p, 8), v, ""), p, 8);
}

static void emit_hist(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	emit_bucketed(cg, m, key, n, true);
}

static void emit_lhist(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	emit_bucketed(cg, m, key, n, false);
}

/* The value of an aggregation at `key`, merged over every CPU's slot with
 * bpf_map_lookup_percpu_elem (count/sum add up, min/max compare the slots
 * that were set, avg divides the summed total by the summed count). */
enum merged { M_SUM, M_MIN, M_MAX, M_AVG };

static LLVMValueRef read_merged(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, enum merged how)
{
	LLVMBuilderRef B = cg->b;
	bool minmax = how == M_MIN || how == M_MAX;
	LLVMValueRef acc = xt_cg_i64(cg, 0), acc2 = xt_cg_i64(cg, 0), set = xt_cg_i64(cg, 0);
	int ncpu = cg->prog->opts.ncpus > 0 ? cg->prog->opts.ncpus : 1;
	for (int c = 0; c < ncpu; c++) {
		LLVMValueRef args[] = { xt_cg_map(cg, m), key, xt_cg_i32(cg, c) };
		LLVMValueRef p = xt_cg_helper(cg, XT_H_LOOKUP_PERCPU, true, args, 3);
		LLVMBasicBlockRef here = LLVMGetInsertBlock(B), has = xt_cg_block(cg, "cpu"), next = xt_cg_block(cg, "cpunext");
		LLVMBuildCondBr(B, LLVMBuildIsNull(B, p, ""), next, has);
		LLVMPositionBuilderAtEnd(B, has);
		LLVMValueRef v0 = LLVMBuildLoad2(B, cg->i64, p, "");
		LLVMValueRef n0, n1 = acc2, ns = set;
		if (minmax) {
			LLVMValueRef vset = LLVMBuildLoad2(B, cg->i64, xt_cg_gep(cg, p, xt_cg_i64(cg, 8)), "");
			LLVMValueRef better = LLVMBuildICmp(B, how == M_MIN ? LLVMIntSLT : LLVMIntSGT, v0, acc, "");
			LLVMValueRef take = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntNE, vset, xt_cg_i64(cg, 0), ""),
				LLVMBuildOr(B, LLVMBuildICmp(B, LLVMIntEQ, set, xt_cg_i64(cg, 0), ""), better, ""), "");
			n0 = LLVMBuildSelect(B, take, v0, acc, "");
			ns = LLVMBuildOr(B, set, vset, "");
		} else {
			n0 = LLVMBuildAdd(B, acc, v0, "");
			if (how == M_AVG)
				n1 = LLVMBuildAdd(B, acc2, LLVMBuildLoad2(B, cg->i64, xt_cg_gep(cg, p, xt_cg_i64(cg, 8)), ""), "");
		}
		LLVMBasicBlockRef from_has = LLVMGetInsertBlock(B);
		LLVMBuildBr(B, next);
		LLVMPositionBuilderAtEnd(B, next);
		LLVMBasicBlockRef from[] = { here, from_has };
		LLVMValueRef phi = LLVMBuildPhi(B, cg->i64, ""), phi2 = LLVMBuildPhi(B, cg->i64, ""),
			     phi3 = LLVMBuildPhi(B, cg->i64, "");
		LLVMValueRef a[] = { acc, n0 }, b[] = { acc2, n1 }, c3[] = { set, ns };
		LLVMAddIncoming(phi, a, from, 2);
		LLVMAddIncoming(phi2, b, from, 2);
		LLVMAddIncoming(phi3, c3, from, 2);
		acc = phi;
		acc2 = phi2;
		set = phi3;
	}
	if (how != M_AVG)
		return acc;
	LLVMValueRef isz = LLVMBuildICmp(B, LLVMIntEQ, acc2, xt_cg_i64(cg, 0), "");
	return LLVMBuildSelect(B, isz, xt_cg_i64(cg, 0),
			       xt_cg_sdivrem(cg, acc, LLVMBuildSelect(B, isz, xt_cg_i64(cg, 1), acc2, ""), false), "");
}

static LLVMValueRef read_sum(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key) { return read_merged(cg, m, key, M_SUM); }
static LLVMValueRef read_min(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key) { return read_merged(cg, m, key, M_MIN); }
static LLVMValueRef read_max(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key) { return read_merged(cg, m, key, M_MAX); }
static LLVMValueRef read_avg(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key) { return read_merged(cg, m, key, M_AVG); }

/* --- in user space: per-CPU values merged, then printed ---------------------- */

/* min and max: {value, set}; only the CPUs that saw a value take part. */
static void merge_best(int64_t acc[2], bool *set, int64_t a, int64_t b, bool min)
{
	if (!b)
		return;
	if (!*set || (min ? a < acc[0] : a > acc[0]))
		acc[0] = a;
	*set = true;
}

static void merge_min(int64_t acc[2], bool *set, int64_t a, int64_t b) { merge_best(acc, set, a, b, true); }
static void merge_max(int64_t acc[2], bool *set, int64_t a, int64_t b) { merge_best(acc, set, a, b, false); }

static void count_value(struct xt_map_entry *e, const int64_t acc[2])
{
	e->value.kind = XT_VAL_UINT;
	e->value.u = (uint64_t)acc[0];
}

/* avg and stats: {total, count} */
static void avg_value(struct xt_map_entry *e, const int64_t acc[2])
{
	e->total = acc[0];
	e->count = (uint64_t)acc[1];
	e->value.kind = XT_VAL_INT;
	e->value.i = acc[1] ? acc[0] / acc[1] : 0;
}

static int64_t average(const struct xt_map_entry *e)
{
	return e->count ? e->total / (int64_t)e->count : 0;
}

static void avg_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div)
{
	fprintf(out, "%" PRId64, average(e) / (int64_t)div);
}

/* bpftrace ignores div for stats */
static void stats_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div)
{
	fprintf(out, fmt == XT_FMT_JSON
			     ? "{\"count\": %" PRId64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}"
			     : "count %" PRId64 ", average %" PRId64 ", total %" PRId64,
		(int64_t)e->count, average(e), e->total);
}

/* hist and lhist sort by the sum of their buckets */
static int64_t hist_total(const struct xt_map_entry *e)
{
	uint64_t sum = 0;
	for (int i = 0; i < e->nbuckets; i++)
		sum += e->buckets[i];
	return (int64_t)sum;
}

static void hist_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div)
{
	xt_print_hist(out, fmt, m, e, div);
}

/* bpftrace ignores div for lhist */
static void lhist_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div)
{
	xt_print_hist(out, fmt, m, e, 1);
}

/* Bucket layout: runtime/print.h. k (m->lstep) = log2 of the sub-buckets per power of two. */
static int hist_nbuckets(const struct xt_map_data *m)
{
	return XT_HIST_NBUCKETS((int)m->lstep);
}

static int lhist_nbuckets(const struct xt_map_data *m)
{
	return (int)((m->lmax - m->lmin) / m->lstep) + 2;
}

/* "1", "2K", "16M", ... for 2^power, as bpftrace's hist_index_label (which
 * stops at T because its buckets stop at 2^32; ours go on to P and E). */
static void pow2_label(char *buf, size_t sz, int power)
{
	static const char suffix[] = { 0, 'K', 'M', 'G', 'T', 'P', 'E' };
	int unit = power / 10;

	if (unit > 6)
		unit = 6;
	snprintf(buf, sz, "%" PRIu64 "%.*s", (uint64_t)1 << (power - unit * 10),
		 suffix[unit] ? 1 : 0, &suffix[unit]);
}

/* bpftrace's lhist_index_label: exact multiples of 1M and 1K get a suffix. */
static void lin_label(char *buf, size_t sz, int64_t n)
{
	if (n != 0 && n % 1048576 == 0)
		snprintf(buf, sz, "%" PRId64 "M", n / 1048576);
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, sz, "%" PRId64 "K", n / 1024);
	else
		snprintf(buf, sz, "%" PRId64, n);
}

/* The lower bound of log2 bucket i > 2^k with k sub-buckets, labelled as newest
 * bpftrace labels it: 2^p * (2^k + s) with a K/M/G... suffix taken from p. */
static void sub_label(char *buf, size_t sz, int i, int k)
{
	static const char suffix[] = { 0, 'K', 'M', 'G', 'T', 'P', 'E' };
	int j = i - 1, power = (j >> k) - 1, s = j & ((1 << k) - 1);
	int unit = power / 10;

	if (unit > 6)
		unit = 6;
	snprintf(buf, sz, "%" PRIu64 "%.*s", ((uint64_t)1 << (power - unit * 10)) * (uint64_t)((1 << k) + s),
		 suffix[unit] ? 1 : 0, &suffix[unit]);
}

/* The value range of log2 bucket i (i >= 1) with k sub-buckets: [*lo, *hi]. */
static void sub_range(int i, int k, uint64_t *lo, uint64_t *hi)
{
	int j = i - 1, power, s;

	if (j < (1 << k)) {
		*lo = *hi = (uint64_t)j;
		return;
	}
	power = (j >> k) - 1;
	s = j & ((1 << k) - 1);
	*lo = ((uint64_t)1 << power) * (uint64_t)((1 << k) + s);
	*hi = *lo + ((uint64_t)1 << power) - 1;
}

static void hist_label(char *buf, size_t sz, const struct xt_map_data *m, int i, int nbuckets)
{
	char lo[24], hi[24];
	int k = (int)m->lstep;

	if (k > 0) {
		if (i == 0) {
			snprintf(buf, sz, "(..., 0)");
		} else if (i - 1 < (1 << k)) {
			snprintf(buf, sz, "[%d]", i - 1);
		} else {
			sub_label(lo, sizeof(lo), i, k);
			sub_label(hi, sizeof(hi), i + 1, k);
			snprintf(buf, sz, "[%s, %s)", lo, hi);
		}
		return;
	}
	if (i == 0) {
		snprintf(buf, sz, "(..., 0)");
	} else if (i == 1) {
		snprintf(buf, sz, "[0]");
	} else if (i == 2) {
		snprintf(buf, sz, "[1]");
	} else {
		pow2_label(lo, sizeof(lo), i - 2);
		pow2_label(hi, sizeof(hi), i - 1);
		snprintf(buf, sz, "[%s, %s)", lo, hi);
	}
}

static void hist_json(FILE *out, const struct xt_map_data *m, int i, int nbuckets)
{
	int k = (int)m->lstep;

	if (k > 0 && i > 0) {
		uint64_t lo, hi;

		sub_range(i, k, &lo, &hi);
		fprintf(out, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", lo, hi);
	} else if (i == 0) {
		fputs("\"max\": -1, ", out);
	} else if (i == 1) {
		fputs("\"min\": 0, \"max\": 0, ", out);
	} else if (i == 2) {
		fputs("\"min\": 1, \"max\": 1, ", out);
	} else {
		fprintf(out, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ",
			(uint64_t)1 << (i - 2),
			i - 1 >= 64 ? UINT64_MAX : ((uint64_t)1 << (i - 1)) - 1);
	}
}

/* The last bucket (values >= max) has a label of its own. */
static void lhist_label(char *buf, size_t sz, const struct xt_map_data *m, int i, int nbuckets)
{
	char lo[24], hi[24];

	if (i == 0) {
		lin_label(lo, sizeof(lo), m->lmin);
		snprintf(buf, sz, "(..., %s)", lo);
	} else if (i == nbuckets - 1) {
		lin_label(lo, sizeof(lo), m->lmax);
		snprintf(buf, sz, "[%s, ...)", lo);
	} else {
		lin_label(lo, sizeof(lo), m->lmin + (i - 1) * m->lstep);
		lin_label(hi, sizeof(hi), m->lmin + i * m->lstep);
		snprintf(buf, sz, "[%s, %s)", lo, hi);
	}
}

static void lhist_json(FILE *out, const struct xt_map_data *m, int i, int nbuckets)
{
	if (i == 0)
		fprintf(out, "\"max\": %" PRId64 ", ", m->lmin - 1);
	else if (i == nbuckets - 1)
		fprintf(out, "\"min\": %" PRId64 ", ", m->lmax);
	else
		fprintf(out, "\"min\": %" PRId64 ", \"max\": %" PRId64 ", ",
			m->lmin + (i - 1) * m->lstep, m->lmin + i * m->lstep - 1);
}

static LLVMValueRef no_value(struct xt_cg *cg, struct xt_node *n) { return NULL; }

#define AGG(sym, nm, mn, mx, chk, em, hlp, ...) \
	static const struct xt_agg sym##_agg = { .name = nm, __VA_ARGS__ }; \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = mn, .max_args = mx, \
		.flags = XT_BIF_AGG, .agg = &sym##_agg, .check = chk, .emit = no_value, .emit_agg = em, .help = hlp }

AGG(xt_bi_count, "count", 0, 0, agg_type, emit_count, "count(): how many times the probe fired",
    .value_size = 8, .readable = true, .emit_read = read_sum, .value = count_value, .zero_when_empty = true,
    .prom_type = "counter");
AGG(xt_bi_sum, "sum", 1, 1, agg_type, emit_sum, "sum(x): the sum of x",
    .value_size = 8, .readable = true, .emit_read = read_sum);
AGG(xt_bi_avg, "avg", 1, 1, agg_type, emit_avg, "avg(x): the average of x",
    .value_size = 16, .readable = true, .emit_read = read_avg, .value = avg_value, .sort_value = average,
    .print = avg_print, .json_type = "stats", .text_end = "\n\n");
AGG(xt_bi_min, "min", 1, 1, agg_type, emit_min, "min(x): the smallest x",
    .value_size = 16, .readable = true, .emit_read = read_min, .merge = merge_min);
AGG(xt_bi_max, "max", 1, 1, agg_type, emit_max, "max(x): the largest x",
    .value_size = 16, .readable = true, .emit_read = read_max, .merge = merge_max);
AGG(xt_bi_stats, "stats", 1, 1, agg_type, emit_avg, "stats(x): count, average and total of x",
    .value_size = 16, .value = avg_value, .sort_value = average, .print = stats_print,
    .json_type = "stats", .text_end = "\n\n", .all = true, .prom_type = "summary");
AGG(xt_bi_hist, "hist", 1, 2, hist_type, emit_hist,
    "hist(x[, k]): log2 histogram of x, 2^k buckets per power of two (k 0..5)",
    .value_size = 16, .buckets = true, .same = same_params, .type_name = hist_name, .nbuckets = hist_nbuckets,
    .bucket_label = hist_label, .bucket_json = hist_json, .sort_value = hist_total, .print = hist_print,
    .json_type = "hist", .prom_type = "histogram");
AGG(xt_bi_lhist, "lhist", 4, 4, lhist_type, emit_lhist, "lhist(x, min, max, step): linear histogram of x",
    .value_size = 16, .buckets = true, .same = same_params, .nbuckets = lhist_nbuckets,
    .bucket_label = lhist_label, .bucket_json = lhist_json, .sort_value = hist_total, .print = lhist_print,
    .json_type = "hist", .prom_type = "histogram");
