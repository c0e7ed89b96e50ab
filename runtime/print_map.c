/* Map dumps in bpftrace 0.26's text and JSON layouts (0.17's where asked:
 * xt_print_layout): entry order, top/div, key rendering, the separators
 * between entries and the trailing blank lines.
 * docs/output-format.md records what bpftrace was observed to print. */
#include "runtime/print.h"
#include "lang/types.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void xt_print_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* An integer in decimal: printf's machinery costs more than the digits
 * (a map of a million keys prints two million of them). */
static void put_int(FILE *out, uint64_t u, bool neg)
{
	char buf[24], *p = buf + sizeof(buf);
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (neg)
		*--p = '-';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), out);
}

void xt_print_val(FILE *out, enum xt_format fmt, const struct xt_val *v)
{
	switch (v->kind) {
	case XT_VAL_INT:
		put_int(out, v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i, v->i < 0);
		break;
	case XT_VAL_UINT:
		put_int(out, v->u, false);
		break;
	case XT_VAL_PTR:
		if (fmt == XT_FMT_JSON)
			put_int(out, v->u, false);
		else
			fprintf(out, "0x%" PRIx64, v->u);
		break;
	case XT_VAL_BOOL:
		fputs(v->u ? "true" : "false", out);
		break;
	case XT_VAL_ENUM: /* JSON values are numbers (bpftrace 0.26); keys are text, so names */
		if (fmt == XT_FMT_JSON)
			put_int(out, v->u, false);
		else
			fputs(v->en.name, out);
		break;
	case XT_VAL_STR:
	case XT_VAL_SYM:
	case XT_VAL_BUF:
		if (!v->s) /* a struct member xtrace cannot read (a float) */
			fputs(fmt == XT_FMT_JSON ? "null" : "?", out);
		else if (fmt == XT_FMT_JSON)
			xt_print_json_str(out, v->s);
		else
			fputs(v->s, out);
		break;
	case XT_VAL_TUPLE:
		/* text "(1, a)", JSON [1,"a"] */
		fputc(fmt == XT_FMT_JSON ? '[' : '(', out);
		for (int i = 0; i < v->tuple.n; i++) {
			if (i > 0)
				fputs(fmt == XT_FMT_JSON ? "," : ", ", out);
			xt_print_val(out, fmt, &v->tuple.elems[i]);
		}
		fputc(fmt == XT_FMT_JSON ? ']' : ')', out);
		break;
	case XT_VAL_RECORD: /* text: as BTF renders it; JSON: { "a": 1, "b": [2,3] } as bpftrace 0.17 */
		if (fmt != XT_FMT_JSON && !v->s) { /* a record (bpftrace 0.25): { .a = 1, .b = x } */
			fputs(v->rec.n ? "{ " : "{", out);
			for (int i = 0; i < v->rec.n; i++) {
				fprintf(out, "%s.%s = ", i ? ", " : "", v->rec.names[i]);
				xt_print_val(out, fmt, &v->rec.elems[i]);
			}
			fputs(v->rec.n ? " }" : "}", out);
			break;
		}
		if (fmt != XT_FMT_JSON) {
			fputs(v->s, out);
			break;
		}
		fputs(v->rec.n ? "{ " : "{", out);
		for (int i = 0; i < v->rec.n; i++) {
			if (i > 0)
				fputs(", ", out);
			xt_print_json_str(out, v->rec.names[i]);
			fputs(": ", out);
			xt_print_val(out, fmt, &v->rec.elems[i]);
		}
		fputs(v->rec.n ? " }" : "}", out);
		break;
	case XT_VAL_ARRAY: /* [1,2,3] in text and JSON */
		fputc('[', out);
		for (int i = 0; i < v->tuple.n; i++) {
			if (i > 0)
				fputc(',', out);
			xt_print_val(out, fmt, &v->tuple.elems[i]);
		}
		fputc(']', out);
		break;
	}
}

struct xt_print_layout xt_print_layout;

__attribute__((constructor)) void xt_print_layout_read(void)
{
	const char *t = getenv("XTRACE_TEXT_LAYOUT"), *j = getenv("XTRACE_JSON_LAYOUT");
	xt_print_layout.text_017 = t && strcmp(t, "0.17") == 0;
	xt_print_layout.json_017 = j && strcmp(j, "0.17") == 0;
}

void xt_print_dump_begin(FILE *out, enum xt_format fmt)
{
	if (fmt != XT_FMT_JSON || xt_print_layout.json_017)
		fputs("\n\n", out);
}

static bool int_kind(enum xt_val_kind k)
{
	return k == XT_VAL_INT || k == XT_VAL_UINT || k == XT_VAL_BOOL || k == XT_VAL_ENUM || k == XT_VAL_PTR;
}

/* Key order of bpftrace's sort_by_key: integers as uint64 (so -1 sorts
 * last), strings by strcmp, argument by argument. */
static int cmp_val(const struct xt_val *a, const struct xt_val *b)
{
	bool ai = int_kind(a->kind), bi = int_kind(b->kind);

	if (ai && bi)
		return a->u < b->u ? -1 : a->u > b->u;
	if (ai != bi)
		return ai ? -1 : 1;
	bool at = a->kind == XT_VAL_TUPLE || a->kind == XT_VAL_ARRAY, bt = b->kind == XT_VAL_TUPLE || b->kind == XT_VAL_ARRAY;
	if (at && bt) { /* element by element */
		for (int i = 0; i < a->tuple.n && i < b->tuple.n; i++) {
			int c = cmp_val(&a->tuple.elems[i], &b->tuple.elems[i]);
			if (c)
				return c;
		}
		return (a->tuple.n > b->tuple.n) - (a->tuple.n < b->tuple.n);
	}
	if (at || bt)
		return at ? 1 : -1;
	return strcmp(a->s, b->s);
}

static int cmp_keys(const struct xt_map_entry *a, const struct xt_map_entry *b)
{
	for (int i = 0; i < a->nkeys && i < b->nkeys; i++) {
		int c = cmp_val(&a->keys[i], &b->keys[i]);
		if (c)
			return c;
	}
	return (a->nkeys > b->nkeys) - (a->nkeys < b->nkeys);
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* Values compared as uint64: unsigned ints, bools, enums. */
static bool unsigned_kind(enum xt_val_kind k)
{
	return k == XT_VAL_UINT || k == XT_VAL_BOOL || k == XT_VAL_ENUM || k == XT_VAL_PTR;
}

/* bpftrace sorts by value ascending: the count/sum/min/max or plain integer,
 * or what the aggregation sorts by (the average for avg/stats, the sum of
 * all buckets for hist/lhist); maps of strings and other values by key. Its
 * sort is not stable and its ties come out in hash or key-byte order, so
 * ties are broken by key here. */
static int cmp_entries(const void *pa, const void *pb, void *pagg)
{
	const struct xt_map_entry *a = pa, *b = pb;
	const struct xt_agg *agg = pagg;
	int c = 0;

	if (agg && agg->sort_value)
		c = CMP(agg->sort_value(a), agg->sort_value(b));
	else if (a->value.kind == XT_VAL_INT && b->value.kind == XT_VAL_INT)
		c = CMP(a->value.i, b->value.i);
	else if (unsigned_kind(a->value.kind) && unsigned_kind(b->value.kind))
		c = CMP(a->value.u, b->value.u);
	return c ? c : cmp_keys(a, b);
}

/* An entry's place in cmp_entries' order as two numbers compared first:
 * its value (mapped so that unsigned order is the value's order) where
 * every entry's value is of one kind, and its first key where every first
 * key is an integer; 0 where not, and on ties cmp_entries decides. */
struct sort_rec {
	uint64_t v, k;
	const struct xt_map_entry *e;
};

static int cmp_recs(const void *pa, const void *pb, void *pagg)
{
	const struct sort_rec *a = pa, *b = pb;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	return cmp_entries(a->e, b->e, pagg);
}

/* Sorts m's entries as cmp_entries orders them, comparing two numbers per
 * entry instead (a million entries: a second less); false without memory. */
static bool sort_fast(struct xt_map_data *m)
{
	struct sort_rec *r = malloc(sizeof(*r) * m->n);
	struct xt_map_entry *sorted = malloc(sizeof(*sorted) * m->n);
	if (!r || !sorted) {
		free(r);
		free(sorted);
		return false;
	}
	const struct xt_agg *agg = m->agg;
	bool all_int = true, all_uint = true, int_key = true;
	for (size_t i = 0; i < m->n; i++) {
		const struct xt_map_entry *e = &m->entries[i];
		all_int = all_int && e->value.kind == XT_VAL_INT;
		all_uint = all_uint && unsigned_kind(e->value.kind);
		int_key = int_key && e->nkeys > 0 && int_kind(e->keys[0].kind);
	}
	const uint64_t sign = 1ull << 63;
	for (size_t i = 0; i < m->n; i++) {
		const struct xt_map_entry *e = &m->entries[i];
		r[i].e = e;
		r[i].v = agg && agg->sort_value ? (uint64_t)agg->sort_value(e) ^ sign
			 : all_int ? (uint64_t)e->value.i ^ sign : all_uint ? e->value.u : 0;
		r[i].k = int_key ? e->keys[0].u : 0;
	}
	qsort_r(r, m->n, sizeof(*r), cmp_recs, (void *)agg);
	for (size_t i = 0; i < m->n; i++)
		sorted[i] = *r[i].e;
	memcpy(m->entries, sorted, sizeof(*sorted) * m->n);
	free(r);
	free(sorted);
	return true;
}

static void print_key_text(FILE *out, const struct xt_map_entry *e)
{
	if (e->nkeys == 0)
		return;
	fputc('[', out);
	for (int i = 0; i < e->nkeys; i++) {
		if (i > 0)
			fputs(", ", out);
		xt_print_val(out, XT_FMT_TEXT, &e->keys[i]);
	}
	fputc(']', out);
}

/* JSON keys are the text renderings joined by "," in one string: "abc,2" */
static void print_key_json(FILE *out, const struct xt_map_entry *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		abort();
	for (int i = 0; i < e->nkeys; i++) {
		if (i > 0)
			fputc(',', mem);
		xt_print_val(mem, XT_FMT_TEXT, &e->keys[i]);
	}
	fclose(mem);
	xt_print_json_str(out, buf);
	fputs(": ", out);
	free(buf);
}

static void print_value(FILE *out, enum xt_format fmt, const struct xt_map_data *m,
			const struct xt_map_entry *e, uint64_t div)
{
	struct xt_val v = e->value;

	if (m->agg && m->agg->print) {
		m->agg->print(out, fmt, m, e, div);
		return;
	}
	if (v.kind == XT_VAL_INT)
		v.i /= (int64_t)div;
	else if (v.kind == XT_VAL_UINT)
		v.u /= div;
	xt_print_val(out, fmt, &v);
}

/* A stack's text already ends in '\n', so bpftrace puts no separator after
 * it. (bpftrace also omits it after ksym/usym/inet values, running entries
 * together on one line; we keep the newline there.) */
static const char *text_delim(const struct xt_map_entry *e)
{
	const char *s = e->value.s;

	if (e->value.kind == XT_VAL_SYM && *s && s[strlen(s) - 1] == '\n')
		return "";
	return "\n";
}

void xt_print_map(FILE *out, enum xt_format fmt, struct xt_map_data *m,
		  size_t top, uint64_t div)
{
	bool hist = m->agg && m->agg->buckets, chart = hist || (m->agg && m->agg->chart);
	const char *end = m->agg && m->agg->text_end ? m->agg->text_end : "\n";
	bool keyed = m->n > 0 && m->entries[0].nkeys > 0;
	size_t skip = 0;

	if (div == 0)
		div = 1;
	if (m->n > 1 && !sort_fast(m))
		qsort_r(m->entries, m->n, sizeof(*m->entries), cmp_entries, (void *)m->agg);
	/* top keeps the largest; bpftrace ignores it for stats() maps */
	if (top && m->n > top && !(m->agg && m->agg->all))
		skip = m->n - top;

	if (fmt == XT_FMT_JSON) {
		char *name;

		if (m->n == 0)
			return;
		if (asprintf(&name, "@%s", m->name) < 0)
			abort();
		fprintf(out, "{\"type\": \"%s\", \"data\": {", m->agg && m->agg->json_type ? m->agg->json_type : "map");
		xt_print_json_str(out, name);
		free(name);
		fputs(keyed ? ": {" : ": ", out);
		for (size_t i = skip; i < m->n; i++) {
			if (i > skip)
				fputs(", ", out);
			if (keyed)
				print_key_json(out, &m->entries[i]);
			print_value(out, fmt, m, &m->entries[i], div);
		}
		fputs(keyed ? "}}}\n" : "}}\n", out);
		return;
	}

	/* Entries are joined by a separator and the map ends with "\n" ("\n\n"
	 * for avg/stats with XTRACE_STATS_LAYOUT=0.17). An empty map prints
	 * nothing (0.26); 0.17 printed what ends a map, a blank line. */
	if (m->n == 0 && !xt_print_layout.text_017)
		return;
	for (size_t i = skip; i < m->n; i++) {
		const struct xt_map_entry *e = &m->entries[i];

		if (i > skip)
			fputs(hist ? "\n" : text_delim(&m->entries[i - 1]), out);
		fputc('@', out);
		fputs(m->name, out);
		print_key_text(out, e);
		/* a chart opens with "@h:" alone on its line (0.17: "@h: ") */
		fputs(!chart ? ": " : xt_print_layout.text_017 ? ": \n" : ":\n", out);
		print_value(out, fmt, m, e, div);
	}
	fputs(end, out);
}
