/* Aggregations: per-CPU map values updated in place through the looked-up
 * pointer; the map is updated only on a miss. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* stats print as bpftrace 0.26 prints them, `{ .count = 2, .average = 15,
 * .total = 30 }`, and avg and stats maps end without 0.17's blank line;
 * XTRACE_STATS_LAYOUT=0.17 gives 0.17's `count 2, average 15, total 30` and
 * the blank line (docs/output-format.md). Read once, before main(). */
static bool stats_017;
static struct xt_agg avg_agg, stats_agg;

__attribute__((constructor)) static void stats_layout(void)
{
	const char *e = getenv("XTRACE_STATS_LAYOUT");
	stats_017 = e && strcmp(e, "0.17") == 0;
	avg_agg.text_end = stats_agg.text_end = stats_017 ? "\n\n" : NULL;
}

/* bpftrace ignores div for stats */
static void stats_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div)
{
	fprintf(out, fmt == XT_FMT_JSON
			     ? "{\"count\": %" PRId64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}"
			     : stats_017 ? "count %" PRId64 ", average %" PRId64 ", total %" PRId64
			     : "{ .count = %" PRId64 ", .average = %" PRId64 ", .total = %" PRId64 " }",
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

/* --- tseries(v, interval_ns, count[, "avg"|"min"|"max"|"sum"]) ----------------
 * bpftrace 0.24's time series: the value of each of the last `count`
 * intervals of interval_ns (by default the last value written in it). Each
 * CPU keeps a ring of slots {interval number + 1 (0: empty), value, aux}, as
 * many as the power of two at or above count (the slot is the interval
 * number masked, a bound the verifier can see); aux is the write's time
 * (last) or the count of values (avg). User space merges the CPUs' slots of
 * each interval and draws bpftrace's chart. The type keeps interval in lmin,
 * count in lmax and the mode in lstep. */
enum { TS_LAST, TS_AVG, TS_MIN, TS_MAX, TS_SUM, TS_SLOT = 24, TS_MAX_COUNT = 1000 };
static const char *const ts_modes[] = { "last", "avg", "min", "max", "sum" };

static void ts_merge_cpus(struct xt_arena *ar, struct xt_map_entry *e, const struct xt_map_data *m,
			  const uint8_t *vals, int ncpus, size_t stride);
static int64_t ts_last_update(const struct xt_map_entry *e);
static void ts_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div);

static const struct xt_type *tseries_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *v = n->list, *iv = v->next, *cnt = iv ? iv->next : NULL, *mode = cnt ? cnt->next : NULL;
	if (!cnt) {
		xt_diag_error(dg, n->loc, "tseries() takes a value, an interval in nanoseconds and a count of intervals");
		return NULL;
	}
	const struct xt_type *t = xt_sema_expr(s, v);
	if (!t || !xt_sema_expr(s, iv) || !xt_sema_expr(s, cnt))
		return NULL;
	if (!xt_type_is_int(t)) {
		xt_diag_error(dg, v->loc, "tseries() needs an integer, not %s", xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (iv->kind != XT_N_INT || iv->ival < 1 || iv->ival > (uint64_t)INT64_MAX) {
		xt_diag_error(dg, iv->loc, "tseries() interval must be a positive integer literal (nanoseconds)");
		return NULL;
	}
	if (cnt->kind != XT_N_INT || cnt->ival < 1 || cnt->ival > TS_MAX_COUNT) {
		xt_diag_error(dg, cnt->loc, "tseries() count must be an integer literal from 1 to %d", TS_MAX_COUNT);
		return NULL;
	}
	int how = TS_LAST;
	if (mode) {
		how = -1;
		for (int i = TS_AVG; mode->kind == XT_N_STR && i <= TS_SUM; i++)
			if (strcmp(mode->sval, ts_modes[i]) == 0)
				how = i;
		if (how < 0) {
			xt_diag_error(dg, mode->loc, "tseries() aggregates an interval's values with \"avg\", \"min\", \"max\" or \"sum\"");
			return NULL;
		}
	}
	/* tseries is unstable in bpftrace 0.26: config unstable_tseries says
	 * whether it warns (the default, once), is refused, or is quiet */
	if (xt_sema_unstable_refused(s, n, XT_UNSTABLE_TSERIES))
		return NULL;
	xt_sema_unstable_warn(s, n, XT_UNSTABLE_TSERIES);
	int ring = 1, log2 = 0;
	while (ring < (int)cnt->ival)
		ring *= 2, log2++;
	/* The agg record carries the ring's size: one record per size, kept for
	 * the process (types compare their records). */
	static struct xt_agg by_ring[11];
	struct xt_agg *agg = &by_ring[log2];
	if (!agg->name) {
		*agg = *xt_bi_tseries.agg;
		agg->value_size = ring * TS_SLOT;
	}
	struct xt_type *r = (struct xt_type *)xt_type_agg(xt_sema_arena(s), agg);
	r->lmin = (int64_t)iv->ival;
	r->lmax = (int64_t)cnt->ival;
	r->lstep = how;
	return r;
}

static bool ts_same(const struct xt_type *a, const struct xt_type *b)
{
	return same_params(a, b);
}

static void emit_tseries(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, struct xt_node *n)
{
	LLVMBuilderRef B = cg->b;
	const struct xt_type *t = m->val;
	int ring = m->value_size / TS_SLOT, how = (int)t->lstep;
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef now = xt_cg_helper(cg, XT_H_KTIME, false, NULL, 0);
	LLVMValueRef epoch = LLVMBuildUDiv(B, now, xt_cg_i64(cg, t->lmin), "epoch");
	LLVMValueRef slot = LLVMBuildAnd(B, epoch, xt_cg_i64(cg, ring - 1), "slot");
	LLVMValueRef p = value_slot(cg, m, key);
	LLVMValueRef e = xt_cg_gep(cg, p, LLVMBuildMul(B, slot, xt_cg_i64(cg, TS_SLOT), ""));
	LLVMValueRef tag = LLVMBuildAdd(B, epoch, xt_cg_i64(cg, 1), "");
	LLVMValueRef fresh = LLVMBuildICmp(B, LLVMIntNE, ld(cg, e, 0), tag, "fresh");
	LLVMValueRef oldv = ld(cg, e, 8), olda = ld(cg, e, 16), one = xt_cg_i64(cg, 1);
	bool sign = n->list->type->kind == XT_T_INT && n->list->type->sign;
	LLVMValueRef nv = v, na = one;
	switch (how) {
	case TS_LAST:
		na = now;
		break;
	case TS_SUM:
		nv = LLVMBuildSelect(B, fresh, v, LLVMBuildAdd(B, oldv, v, ""), "");
		break;
	case TS_AVG:
		nv = LLVMBuildSelect(B, fresh, v, LLVMBuildAdd(B, oldv, v, ""), "");
		na = LLVMBuildSelect(B, fresh, one, LLVMBuildAdd(B, olda, one, ""), "");
		break;
	default: {
		LLVMIntPredicate better = how == TS_MIN ? (sign ? LLVMIntSLT : LLVMIntULT) : (sign ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef take = LLVMBuildOr(B, fresh, LLVMBuildICmp(B, better, v, oldv, ""), "");
		nv = LLVMBuildSelect(B, take, v, oldv, "");
	}
	}
	st(cg, tag, e, 0);
	st(cg, nv, e, 8);
	st(cg, na, e, 16);
}

/* The merged series lives in e->buckets as triples {interval number, has a
 * value, value}, oldest first, from the oldest interval with a value to the
 * newest of all; e->count is the newest interval (entries sort by it). */
static void ts_merge_cpus(struct xt_arena *ar, struct xt_map_entry *e, const struct xt_map_data *m,
			  const uint8_t *vals, int ncpus, size_t stride)
{
	int ring = (int)(stride / TS_SLOT), how = (int)m->lstep;
	int64_t count = m->lmax;
	uint64_t newest = 0;
	for (int c = 0; c < ncpus; c++)
		for (int i = 0; i < ring; i++) {
			uint64_t tag;
			memcpy(&tag, vals + (size_t)c * stride + (size_t)i * TS_SLOT, 8);
			if (tag > newest)
				newest = tag;
		}
	e->nbuckets = 0;
	if (!newest)
		return;
	/* intervals newest - count + 1 .. newest, by their tag (interval number + 1) */
	uint64_t first = newest > (uint64_t)count ? newest - (uint64_t)count + 1 : 1;
	size_t n = (size_t)(newest - first + 1);
	int64_t *acc = xt_arena_alloc(ar, sizeof(*acc) * n * 2);
	uint64_t *has = xt_arena_alloc(ar, sizeof(*has) * n);
	memset(acc, 0, sizeof(*acc) * n * 2);
	memset(has, 0, sizeof(*has) * n);
	for (int c = 0; c < ncpus; c++)
		for (int i = 0; i < ring; i++) {
			const uint8_t *sl = vals + (size_t)c * stride + (size_t)i * TS_SLOT;
			uint64_t tag;
			int64_t v, a;
			memcpy(&tag, sl, 8);
			memcpy(&v, sl + 8, 8);
			memcpy(&a, sl + 16, 8);
			if (tag < first || tag > newest)
				continue;
			size_t k = (size_t)(tag - first);
			int64_t *x = &acc[2 * k];
			bool had = has[k];
			switch (how) {
			case TS_LAST: /* the latest write wins; aux is its time */
				if (!had || a > x[1]) { x[0] = v; x[1] = a; }
				break;
			case TS_SUM: x[0] += v; break;
			case TS_AVG: x[0] += v; x[1] += a; break;
			case TS_MIN: if (!had || v < x[0]) x[0] = v; break;
			default: if (!had || v > x[0]) x[0] = v; break;
			}
			has[k] = 1;
		}
	size_t start = 0;
	while (start < n && !has[start])
		start++;
	uint64_t *out = xt_arena_alloc(ar, sizeof(*out) * 3 * (n - start));
	for (size_t k = start; k < n; k++) {
		int64_t v = how == TS_AVG ? (acc[2 * k + 1] ? acc[2 * k] / acc[2 * k + 1] : 0) : acc[2 * k];
		out[3 * (k - start)] = first + k - 1;
		out[3 * (k - start) + 1] = has[k];
		out[3 * (k - start) + 2] = (uint64_t)v;
	}
	e->buckets = out;
	e->nbuckets = (int)(n - start);
	e->count = newest;
}

static int64_t ts_last_update(const struct xt_map_entry *e)
{
	return (int64_t)e->count;
}

/* Wall-clock nanoseconds of CLOCK_MONOTONIC time `mono` (bpf_ktime_get_ns),
 * the clocks' offset read once per printed map. */
static int64_t ts_offset;

static int64_t ts_wall(int64_t mono)
{
	return mono + ts_offset;
}

static void ts_clocks(void)
{
	struct timespec m, r;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	ts_offset = ((int64_t)r.tv_sec * 1000000000 + r.tv_nsec) - ((int64_t)m.tv_sec * 1000000000 + m.tv_nsec);
}

/* hh:mm:ss, then .ms, .us or .ns when the interval is below a second (local time) */
static void ts_time(char *buf, size_t size, int64_t wall, int64_t interval)
{
	time_t secs = (time_t)(wall / 1000000000);
	int64_t ns = wall % 1000000000;
	struct tm tm;
	localtime_r(&secs, &tm);
	size_t n = strftime(buf, size, "%H:%M:%S", &tm);
	if (interval % 1000000000 == 0)
		return;
	if (interval % 1000000 == 0)
		snprintf(buf + n, size - n, ".%03lld", (long long)(ns / 1000000));
	else if (interval % 1000 == 0)
		snprintf(buf + n, size - n, ".%06lld", (long long)(ns / 1000));
	else
		snprintf(buf + n, size - n, ".%09lld", (long long)ns);
}

enum { TS_WIDTH = 53 };

static int ts_col(int64_t v, int64_t lo, int64_t hi)
{
	return (int)(((double)v - (double)lo) * (TS_WIDTH - 1) / ((double)hi - (double)lo) + 0.5);
}

/* The two axis labels: lo at the chart's left edge, hi ending at its right one. */
static void ts_labels(FILE *out, int w, int64_t lo, int64_t hi)
{
	char a[32], b[32];
	int la = snprintf(a, sizeof(a), "%" PRId64, lo), lb = snprintf(b, sizeof(b), "%" PRId64, hi);
	int gap = TS_WIDTH - la - lb;
	fprintf(out, "%*s%s%*s%s\n", w, "", a, gap > 1 ? gap : 1, "", b);
}

static void ts_print(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div)
{
	int64_t interval = m->lmin;
	const uint64_t *s = e->buckets;
	ts_clocks();
	if (fmt == XT_FMT_JSON) { /* UTC, empty intervals left out, no spaces */
		fputc('[', out);
		bool first = true;
		for (int i = 0; i < e->nbuckets; i++) {
			if (!s[3 * i + 1])
				continue;
			int64_t wall = ts_wall((int64_t)s[3 * i] * interval);
			time_t secs = (time_t)(wall / 1000000000);
			struct tm tm;
			char when[64];
			gmtime_r(&secs, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			fprintf(out, "%s{\"interval_start\":\"%s.%09lld\",\"value\":%" PRId64 "}", first ? "" : ",", when,
				(long long)(wall % 1000000000), (int64_t)s[3 * i + 2] / (int64_t)div);
			first = false;
		}
		fputc(']', out);
		return;
	}
	if (e->nbuckets == 0) { /* after "@t:\n", as every chart (runtime/print_map.c) */
		fputs("<no data>\n", out);
		return;
	}
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int i = 0; i < e->nbuckets; i++)
		if (s[3 * i + 1]) {
			int64_t v = (int64_t)s[3 * i + 2] / (int64_t)div;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	if (lo == hi) { /* one value: an axis one wider each way */
		lo--;
		hi++;
	}
	char t[64];
	ts_time(t, sizeof(t), ts_wall((int64_t)s[0] * interval), interval);
	int w = (int)strlen(t) + 1;
	const char *head = interval % 1000000000 == 0 ? "hh:mm:ss" : interval % 1000000 == 0 ? "hh:mm:ss.ms"
			 : interval % 1000 == 0 ? "hh:mm:ss.us" : "hh:mm:ss.ns";
	char line[TS_WIDTH + 1];
	ts_labels(out, w, lo, hi);
	memset(line, '_', TS_WIDTH);
	line[0] = line[TS_WIDTH - 1] = '|';
	line[TS_WIDTH] = 0;
	fprintf(out, "%-*s%s\n", w, head, line);
	int zero = lo < 0 && hi > 0 ? ts_col(0, lo, hi) : -1;
	for (int i = 0; i < e->nbuckets; i++) {
		memset(line, ' ', TS_WIDTH);
		line[0] = line[TS_WIDTH - 1] = '|';
		if (zero >= 0)
			line[zero] = '.';
		int64_t v = (int64_t)s[3 * i + 2] / (int64_t)div;
		if (s[3 * i + 1])
			line[ts_col(v, lo, hi)] = '*';
		ts_time(t, sizeof(t), ts_wall((int64_t)s[3 * i] * interval), interval);
		if (s[3 * i + 1])
			fprintf(out, "%-*s%s %" PRId64 "\n", w, t, line, v);
		else
			fprintf(out, "%-*s%s -\n", w, t, line);
	}
	memset(line, '_', TS_WIDTH);
	line[0] = line[TS_WIDTH - 1] = 'v';
	fprintf(out, "%*s%s\n", w, "", line);
	ts_labels(out, w, lo, hi);
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
/* avg and stats: their text_end follows XTRACE_STATS_LAYOUT (stats_layout) */
static struct xt_agg avg_agg = { .name = "avg", .value_size = 16, .readable = true, .emit_read = read_avg,
	.value = avg_value, .sort_value = average, .print = avg_print, .json_type = "stats" };
const struct xt_builtin xt_bi_avg = { .name = "avg", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_AGG, .agg = &avg_agg, .check = agg_type, .emit = no_value, .emit_agg = emit_avg,
	.help = "avg(x): the average of x" };
AGG(xt_bi_min, "min", 1, 1, agg_type, emit_min, "min(x): the smallest x",
    .value_size = 16, .readable = true, .emit_read = read_min, .merge = merge_min);
AGG(xt_bi_max, "max", 1, 1, agg_type, emit_max, "max(x): the largest x",
    .value_size = 16, .readable = true, .emit_read = read_max, .merge = merge_max);
static struct xt_agg stats_agg = { .name = "stats", .value_size = 16, .value = avg_value, .sort_value = average,
	.print = stats_print, .json_type = "stats", .all = true, .prom_type = "summary" };
const struct xt_builtin xt_bi_stats = { .name = "stats", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_AGG, .agg = &stats_agg, .check = agg_type, .emit = no_value, .emit_agg = emit_avg,
	.help = "stats(x): count, average and total of x" };
AGG(xt_bi_hist, "hist", 1, 2, hist_type, emit_hist,
    "hist(x[, k]): log2 histogram of x, 2^k buckets per power of two (k 0..5)",
    .value_size = 16, .buckets = true, .same = same_params, .type_name = hist_name, .nbuckets = hist_nbuckets,
    .bucket_label = hist_label, .bucket_json = hist_json, .sort_value = hist_total, .print = hist_print,
    .json_type = "hist", .prom_type = "histogram");
AGG(xt_bi_lhist, "lhist", 4, 4, lhist_type, emit_lhist, "lhist(x, min, max, step): linear histogram of x",
    .value_size = 16, .buckets = true, .same = same_params, .nbuckets = lhist_nbuckets,
    .bucket_label = lhist_label, .bucket_json = lhist_json, .sort_value = hist_total, .print = lhist_print,
    .json_type = "hist", .prom_type = "histogram");
static const struct xt_agg tseries_agg = { .name = "tseries", .value_size = TS_SLOT, .chart = true, .same = ts_same,
	.merge_cpus = ts_merge_cpus, .sort_value = ts_last_update, .print = ts_print, .json_type = "tseries" };
const struct xt_builtin xt_bi_tseries = { .name = "tseries", .kind = XT_BI_FUNC, .min_args = 3, .max_args = 4,
	.flags = XT_BIF_AGG, .agg = &tseries_agg, .check = tseries_type, .emit = no_value, .emit_agg = emit_tseries,
	.help = "tseries(x, interval_ns, count[, \"avg\"|\"min\"|\"max\"|\"sum\"]): x over the last count intervals (the last value of each)" };
