/* Folded stacks from a map keyed by stacks, as stackcollapse-bpftrace.pl
 * makes them from bpftrace's text dump of the same map. */
#include "runtime/flame.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool xt_flame_is_stack(const struct xt_val *v)
{
	return v->kind == XT_VAL_SYM && v->s && (v->s[0] == '\n' || v->s[0] == '\0');
}

static bool entry_has_stack(const struct xt_map_entry *e)
{
	for (int k = 0; k < e->nkeys; k++)
		if (xt_flame_is_stack(&e->keys[k]))
			return true;
	return false;
}

bool xt_flame_has_stacks(const struct xt_map_data *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (entry_has_stack(&m->entries[i]))
			return true;
	return false;
}

/* A growing string. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_frame(struct sbuf *b, const char *p, size_t n)
{
	if (b->len)
		sb_add(b, ";", 1);
	sb_add(b, p, n);
}

/* A key that is not a stack, as bpftrace prints it in a key: one frame. */
static void add_plain_key(struct sbuf *b, const struct xt_val *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		b->oom = true;
		return;
	}
	xt_print_val(f, XT_FMT_TEXT, v);
	fclose(f);
	sb_frame(b, text, len);
	free(text);
}

/* The frames of one stack text, leaf first in the text: root first here. */
static void add_stack(struct sbuf *b, const char *s)
{
	const char *end = s + strlen(s);
	while (end > s) {
		const char *nl = end;
		while (nl > s && nl[-1] != '\n')
			nl--;
		const char *p = nl, *q = end;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
			q--;
		if (q > p)
			sb_frame(b, p, (size_t)(q - p));
		end = nl > s ? nl - 1 : s;
	}
}

/* An entry's samples, or -1 when it has none to give. */
static int64_t samples(const struct xt_map_entry *e)
{
	if (e->buckets) {
		uint64_t sum = 0;
		for (int i = 0; i < e->nbuckets; i++)
			sum += e->buckets[i];
		return (int64_t)sum;
	}
	switch (e->value.kind) {
	case XT_VAL_INT:
		return e->value.i;
	case XT_VAL_UINT:
	case XT_VAL_BOOL:
	case XT_VAL_PTR:
	case XT_VAL_ENUM:
		return e->value.u > INT64_MAX ? -1 : (int64_t)e->value.u;
	default:
		return -1;
	}
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct xt_folded_line *)a)->stack, ((const struct xt_folded_line *)b)->stack);
}

void xt_flame_folded_free(struct xt_folded *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->lines[i].stack);
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

int xt_flame_fold(const struct xt_map_data *m, struct xt_folded *out)
{
	memset(out, 0, sizeof(*out));
	if (m->n == 0)
		return 0;
	out->lines = calloc(m->n, sizeof(*out->lines));
	if (!out->lines)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const struct xt_map_entry *e = &m->entries[i];
		int64_t c = samples(e);
		if (c < 0 || !entry_has_stack(e))
			continue;
		struct sbuf b = { 0 };
		for (int k = 0; k < e->nkeys; k++)
			if (!xt_flame_is_stack(&e->keys[k]))
				add_plain_key(&b, &e->keys[k]);
		for (int k = 0; k < e->nkeys; k++)
			if (xt_flame_is_stack(&e->keys[k]))
				add_stack(&b, e->keys[k].s);
		sb_add(&b, "", 0); /* an empty stack still folds, as "" */
		if (b.oom) {
			free(b.s);
			xt_flame_folded_free(out);
			return -ENOMEM;
		}
		out->lines[out->n].stack = b.s;
		out->lines[out->n++].count = (uint64_t)c;
	}
	if (out->n > 1)
		qsort(out->lines, out->n, sizeof(*out->lines), cmp_line);
	size_t w = 0; /* equal stacks summed */
	for (size_t r = 0; r < out->n; r++) {
		if (w > 0 && strcmp(out->lines[w - 1].stack, out->lines[r].stack) == 0) {
			out->lines[w - 1].count += out->lines[r].count;
			free(out->lines[r].stack);
		} else {
			out->lines[w++] = out->lines[r];
		}
	}
	out->n = w;
	for (size_t i = 0; i < out->n; i++)
		out->total += out->lines[i].count;
	return 0;
}

void xt_flame_write_folded(FILE *out, const struct xt_folded *f)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(out, "%s %" PRIu64 "\n", f->lines[i].stack, f->lines[i].count);
}
