/* Diagnostics: renders errors and notes with their source line and a `~`
 * underline into the caller's struct xt_diags buffer. Columns count code
 * points (a tab is one column), so the underline lines up under UTF-8 text. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool colour;

void xt_diag_set_colour(bool on) { colour = on; }
bool xt_diag_colour(void) { return colour; }

/* ANSI escapes of a diagnostic's kind and of its marks (bold, as compilers do). */
static const char *kind_colour(const char *kind)
{
	return strcmp(kind, "error") == 0 ? "\033[1;31m" : strcmp(kind, "warning") == 0 ? "\033[1;35m" : "\033[1;36m";
}
#define MARK_COLOUR "\033[1;32m"
#define NO_COLOUR   "\033[0m"

void xt_diags_init(struct xt_diags *dg, const struct xt_source *src)
{
	memset(dg, 0, sizeof(*dg));
	dg->src = src;
}

void xt_diags_fini(struct xt_diags *dg)
{
	free(dg->buf);
	dg->buf = NULL;
	dg->len = dg->cap = 0;
	free(dg->exps);
	dg->exps = NULL;
	dg->nexps = dg->capexps = 0;
}

int xt_diag_expansion(struct xt_diags *dg, struct xt_loc site, const char *macro)
{
	if (dg->nexps == dg->capexps) {
		int cap = dg->capexps ? dg->capexps * 2 : 16;
		struct xt_diag_exp *n = realloc(dg->exps, sizeof(*n) * (size_t)cap);
		if (!n)
			return 0;
		dg->exps = n;
		dg->capexps = cap;
	}
	dg->exps[dg->nexps++] = (struct xt_diag_exp){ site, macro };
	return dg->nexps;
}

void xt_diags_clear(struct xt_diags *dg)
{
	dg->len = 0;
	if (dg->buf)
		dg->buf[0] = '\0';
	dg->errors = 0;
	dg->incomplete = false;
}

static void reserve(struct xt_diags *dg, size_t extra)
{
	if (dg->len + extra + 1 <= dg->cap)
		return;
	size_t cap = dg->cap ? dg->cap : 256;
	while (cap < dg->len + extra + 1)
		cap *= 2;
	char *buf = realloc(dg->buf, cap);
	if (!buf) {
		fprintf(stderr, "xtrace: out of memory\n");
		abort();
	}
	dg->buf = buf;
	dg->cap = cap;
}

static void put(struct xt_diags *dg, const char *s, size_t n)
{
	reserve(dg, n);
	memcpy(dg->buf + dg->len, s, n);
	dg->len += n;
	dg->buf[dg->len] = '\0';
}

static void putc_(struct xt_diags *dg, char c)
{
	put(dg, &c, 1);
}

static void vputf(struct xt_diags *dg, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n <= 0)
		return;
	reserve(dg, (size_t)n);
	vsnprintf(dg->buf + dg->len, (size_t)n + 1, fmt, ap);
	dg->len += (size_t)n;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A message: as vputf, but a macro's own variable shows the name written in
 * the macro, not the one its expansion gave it to keep it apart
 * ($t.MACRO.N, lang/pass_macros.c): `$t`. */
static void vputmsg(struct xt_diags *dg, const char *fmt, va_list ap)
{
	size_t start = dg->len;
	vputf(dg, fmt, ap);
	char *b = dg->buf, *w = b + start;
	for (char *r = b + start; r < b + dg->len;) {
		*w++ = *r++;
		if (r[-1] != '$')
			continue;
		while (r < b + dg->len && ident_char(*r))
			*w++ = *r++;
		char *q = r;
		if (q < b + dg->len && *q == '.' && q + 1 < b + dg->len && ident_char(q[1]) && !(q[1] >= '0' && q[1] <= '9')) {
			for (q++; q < b + dg->len && ident_char(*q); q++)
				;
			char *d = q + 1;
			if (q < b + dg->len && *q == '.' && d < b + dg->len && *d >= '0' && *d <= '9') {
				while (d < b + dg->len && *d >= '0' && *d <= '9')
					d++;
				if (d == b + dg->len || !ident_char(*d))
					r = d; /* the suffix dropped */
			}
		}
	}
	dg->len = (size_t)(w - b);
	b[dg->len] = '\0';
}

static void putf(struct xt_diags *dg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void putf(struct xt_diags *dg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vputf(dg, fmt, ap);
	va_end(ap);
}

static const char *src_name(const struct xt_diags *dg)
{
	return dg->src && dg->src->name ? dg->src->name : NULL;
}

static bool loc_is_zero(struct xt_loc loc)
{
	return loc.first_line == 0 && loc.first_column == 0 &&
	       loc.last_line == 0 && loc.last_column == 0;
}

/* Finds line `line` (1-based) of the source; returns false when there is no
 * such line. The line excludes its '\n' and a trailing '\r'. */
static bool find_line(const struct xt_source *src, int line, const char **start, size_t *len)
{
	if (!src || !src->text || line < 1)
		return false;
	const char *p = src->text, *end = src->text + src->len;
	for (int l = 1; l < line; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl ? nl : end;
	if (e > p && e[-1] == '\r')
		e--;
	*start = p;
	*len = (size_t)(e - p);
	return true;
}

static bool is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* `~` under columns [col, endcol] of the line; the prefix keeps the line's
 * tabs so the marks stay aligned whatever the terminal's tab width. */
static void underline(struct xt_diags *dg, const char *line, size_t len, int col, int endcol)
{
	int c = 1;
	size_t i = 0;
	while (c < col && i < len) {
		putc_(dg, line[i] == '\t' ? '\t' : ' ');
		i++;
		while (i < len && is_cont((unsigned char)line[i]))
			i++;
		c++;
	}
	for (; c < col; c++)
		putc_(dg, ' ');
	if (endcol < col)
		endcol = col;
	if (colour)
		put(dg, MARK_COLOUR, strlen(MARK_COLOUR));
	for (; c <= endcol; c++)
		putc_(dg, '~');
	if (colour)
		put(dg, NO_COLOUR, strlen(NO_COLOUR));
	putc_(dg, '\n');
}

void xt_source_map(const struct xt_source *src, int line, int col, bool end,
		   const struct xt_source_file **file, int *fline, int *fcol)
{
	*file = NULL;
	*fline = line;
	*fcol = col;
	if (!src || !src->lines || line < 1 || line > src->nlines)
		return;
	const struct xt_source_line *l = &src->lines[line - 1];
	*file = l->file;
	*fline = l->line;
	/* columns after an expansion move by what it changed */
	int shift = 0;
	for (int i = 0; i < l->nspans; i++) {
		const struct xt_source_span *sp = &l->spans[i];
		if (col < sp->out_first)
			break;
		if (col <= sp->out_last) {
			*fcol = end ? sp->src_last : sp->src_first;
			return;
		}
		shift = sp->src_last - sp->out_last;
	}
	*fcol = col + shift;
}

bool xt_source_in_header(const struct xt_source *src, int line)
{
	return src && src->lines && line >= 1 && line <= src->nlines &&
	       src->lines[line - 1].file->header;
}

/* "error: ", its word coloured on a colour terminal. */
static void put_kind(struct xt_diags *dg, const char *kind)
{
	if (colour)
		putf(dg, "%s%s:%s ", kind_colour(kind), kind, NO_COLOUR);
	else
		putf(dg, "%s: ", kind);
}

static void render(struct xt_diags *dg, const char *kind, struct xt_loc loc,
		   const char *fmt, va_list ap)
{
	const char *name = src_name(dg);
	if (loc_is_zero(loc)) {
		if (name && strcmp(kind, "note") != 0)
			putf(dg, "%s: ", name);
		put_kind(dg, kind);
		vputmsg(dg, fmt, ap);
		putc_(dg, '\n');
		return;
	}
	/* through the preprocessor's line map, to the file and line written */
	const struct xt_source_file *file, *lfile;
	struct xt_source text = { 0 };
	const struct xt_source *src = dg->src;
	xt_source_map(dg->src, loc.first_line, loc.first_column, false, &file, &loc.first_line, &loc.first_column);
	xt_source_map(dg->src, loc.last_line, loc.last_column, true, &lfile, &loc.last_line, &loc.last_column);
	if (file) {
		name = file->name;
		text.text = file->text;
		text.len = file->len;
		src = &text;
		if (lfile != file) { /* a span that leaves its file: its first line only */
			loc.last_line = loc.first_line;
			loc.last_column = loc.first_column;
		}
	}
	putf(dg, "%s:%d:%d", name ? name : "<input>", loc.first_line, loc.first_column);
	if (loc.last_line > loc.first_line)
		putf(dg, "-%d:%d", loc.last_line, loc.last_column);
	else if (loc.last_line == loc.first_line && loc.last_column > loc.first_column)
		putf(dg, "-%d", loc.last_column);
	putf(dg, ": ");
	put_kind(dg, kind);
	vputmsg(dg, fmt, ap);
	putc_(dg, '\n');

	const char *line;
	size_t len;
	if (!find_line(src, loc.first_line, &line, &len))
		return;
	/* a NUL byte would cut the rendered text short */
	for (size_t i = 0; i < len; i++)
		putc_(dg, line[i] ? line[i] : ' ');
	putc_(dg, '\n');
	int endcol = loc.last_column;
	if (loc.last_line != loc.first_line) {
		/* underline to the end of the first line */
		endcol = 0;
		for (size_t i = 0; i < len; i++)
			if (!is_cont((unsigned char)line[i]))
				endcol++;
	}
	underline(dg, line, len, loc.first_column, endcol);
}

/* After a diagnostic at a place a macro's expansion copied: a note at each
 * call it came through, innermost first (bpftrace 0.26's "expanded from"). */
static void expansion_notes(struct xt_diags *dg, struct xt_loc loc)
{
	for (int e = loc.exp; e > 0 && e <= dg->nexps;) {
		const struct xt_diag_exp *x = &dg->exps[e - 1];
		xt_diag_note(dg, x->site, "expanded from macro '%s', called here", x->macro);
		if (x->site.exp >= e) /* numbered before the expansion it is in: never */
			break;
		e = x->site.exp;
	}
}

void xt_diag_error(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
{
	dg->dropping = false;
	va_list ap;
	va_start(ap, fmt);
	render(dg, "error", loc, fmt, ap);
	va_end(ap);
	dg->errors++;
	expansion_notes(dg, loc);
}

void xt_diag_warning(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
{
	if ((dg->dropping = dg->no_warnings))
		return;
	va_list ap;
	va_start(ap, fmt);
	render(dg, "warning", loc, fmt, ap);
	va_end(ap);
	expansion_notes(dg, loc);
}

void xt_diag_note(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
{
	if (dg->dropping)
		return;
	va_list ap;
	va_start(ap, fmt);
	render(dg, "note", loc, fmt, ap);
	va_end(ap);
}

void xt_diag_plain(struct xt_diags *dg, const char *fmt, ...)
{
	dg->dropping = false;
	va_list ap;
	va_start(ap, fmt);
	struct xt_loc zero = { 0 };
	render(dg, "error", zero, fmt, ap);
	va_end(ap);
	dg->errors++;
}

/* Levenshtein distance when it is at most `limit`, else limit + 1 (or
 * more). Only the band of cells within `limit` of the diagonal is computed:
 * a cell outside it is more than `limit` away on every path, so it counts
 * as limit + 1 (Ukkonen). It gives up as soon as a row's band exceeds
 * `limit`. "Did you mean" compares a word with every kernel struct name and
 * every tracepoint, with a limit of at most 2: a band of 5 cells a row. */
static size_t distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	const size_t far = limit + 1;
	/* on the stack for names of common length */
	size_t small[128];
	size_t *row = lb < 128 ? small : malloc((lb + 1) * sizeof(*row));
	if (!row)
		return far;
	for (size_t j = 0; j <= lb && j <= limit + 1; j++)
		row[j] = j; /* row 0 within the band; cells after it are never read */
	for (size_t i = 1; i <= la; i++) {
		size_t lo = i > limit ? i - limit : 1;
		size_t hi = i + limit < lb ? i + limit : lb;
		/* the cell left of the band: (i, 0) = i, or out of the band */
		size_t left = lo == 1 ? i : far;
		/* (i - 1, lo - 1): row i - 1's cell 0, or within its band */
		size_t diag = lo == 1 ? i - 1 : row[lo - 1];
		size_t best = left;
		if (lo == 1)
			row[0] = i;
		for (size_t j = lo; j <= hi; j++) {
			/* (i - 1, j): within row i - 1's band up to (i - 1) + limit */
			size_t up = j <= i - 1 + limit ? row[j] : far;
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (left + 1 < v)
				v = left + 1;
			row[j] = v;
			diag = up;
			left = v;
			if (v < best)
				best = v;
		}
		if (best > limit) {
			if (row != small)
				free(row);
			return far;
		}
	}
	size_t d = row[lb];
	if (row != small)
		free(row);
	return d;
}

const char *xt_diag_closest(const char *word, const char *const *cands, size_t n)
{
	if (!word)
		return NULL;
	size_t wl = strlen(word);
	size_t limit = wl > 0 ? wl - 1 : 0;
	if (limit > 2)
		limit = 2;
	if (wl == 0)
		return NULL;
	const char *best = NULL;
	size_t best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		/* only a closer one can win: the limit shrinks (the first of
		 * equally close names stays the answer) */
		size_t d = distance(word, cands[i], best_d - 1);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
			if (d == 0)
				break;
		}
	}
	return best;
}
