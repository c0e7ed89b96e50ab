/* Histogram bodies (hist and lhist) in bpftrace 0.17's text and JSON layouts:
 * labels, padding, bar scaling and trimming of empty edge buckets. */
#include "runtime/print.h"

#include <inttypes.h>
#include <string.h>

#define BAR_WIDTH 52

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

static void hist_header(char *buf, size_t sz, const struct xt_map_data *m, int i, int last)
{
	char lo[24], hi[24];

	if (m->agg == XT_AGG_HIST && m->hist_k > 0) {
		if (i == 0) {
			snprintf(buf, sz, "(..., 0)");
		} else if (i - 1 < (1 << m->hist_k)) {
			snprintf(buf, sz, "[%d]", i - 1);
		} else {
			sub_label(lo, sizeof(lo), i, m->hist_k);
			sub_label(hi, sizeof(hi), i + 1, m->hist_k);
			snprintf(buf, sz, "[%s, %s)", lo, hi);
		}
		return;
	}
	if (m->agg == XT_AGG_HIST) {
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
		return;
	}
	if (i == 0) {
		lin_label(lo, sizeof(lo), m->lmin);
		snprintf(buf, sz, "(..., %s)", lo);
	} else if (i == last) {
		lin_label(lo, sizeof(lo), m->lmax);
		snprintf(buf, sz, "[%s, ...)", lo);
	} else {
		lin_label(lo, sizeof(lo), m->lmin + (i - 1) * m->lstep);
		lin_label(hi, sizeof(hi), m->lmin + i * m->lstep);
		snprintf(buf, sz, "[%s, %s)", lo, hi);
	}
}

static void json_bucket(FILE *out, const struct xt_map_data *m, int i, int last)
{
	if (m->agg == XT_AGG_HIST && m->hist_k > 0 && i > 0) {
		uint64_t lo, hi;

		sub_range(i, m->hist_k, &lo, &hi);
		fprintf(out, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", lo, hi);
		return;
	}
	if (m->agg == XT_AGG_HIST) {
		if (i == 0)
			fputs("\"max\": -1, ", out);
		else if (i == 1)
			fputs("\"min\": 0, \"max\": 0, ", out);
		else if (i == 2)
			fputs("\"min\": 1, \"max\": 1, ", out);
		else
			fprintf(out, "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ",
				(uint64_t)1 << (i - 2),
				i - 1 >= 64 ? UINT64_MAX : ((uint64_t)1 << (i - 1)) - 1);
		return;
	}
	if (i == 0)
		fprintf(out, "\"max\": %" PRId64 ", ", m->lmin - 1);
	else if (i == last)
		fprintf(out, "\"min\": %" PRId64 ", ", m->lmax);
	else
		fprintf(out, "\"min\": %" PRId64 ", \"max\": %" PRId64 ", ",
			m->lmin + (i - 1) * m->lstep, m->lmin + i * m->lstep - 1);
}

void xt_print_hist(FILE *out, enum xt_format fmt, const struct xt_map_data *m,
		   const struct xt_map_entry *e, uint64_t div)
{
	int first = -1, lastnz = -1, last;
	uint64_t max = 0;

	if (div == 0 || m->agg == XT_AGG_LHIST)
		div = 1;
	/* index of the ">= max" bucket, which gets its own label */
	last = m->agg == XT_AGG_LHIST && m->lstep > 0
		       ? (int)((m->lmax - m->lmin) / m->lstep) + 1 : -1;
	for (int i = 0; i < e->nbuckets; i++) {
		uint64_t v = e->buckets[i];

		if (v > 0) {
			if (first < 0)
				first = i;
			lastnz = i;
		}
		if (v > max)
			max = v;
	}
	if (fmt == XT_FMT_JSON)
		fputc('[', out);
	for (int i = first; first >= 0 && i <= lastnz; i++) {
		uint64_t v = e->buckets[i];

		if (fmt == XT_FMT_JSON) {
			if (i > first)
				fputs(", ", out);
			fputc('{', out);
			json_bucket(out, m, i, last);
			fprintf(out, "\"count\": %" PRIu64 "}", v / div);
		} else {
			char header[64], bar[BAR_WIDTH + 1];
			/* bpftrace computes the bar in float: v / (float)max * 52 */
			int w = (int)((float)v / (float)max * BAR_WIDTH);

			memset(bar, '@', w);
			bar[w] = '\0';
			hist_header(header, sizeof(header), m, i, last);
			fprintf(out, "%-16s%8" PRIu64 " |%-*s|\n", header, v / div,
				BAR_WIDTH, bar);
		}
	}
	if (fmt == XT_FMT_JSON)
		fputc(']', out);
}
