/* --fmt: a program laid out again in one style. The parser's own lexer
 * reads the text as written (preprocessor lines blanked out, so macros stay
 * unexpanded); the formatter writes its tokens back with new white space
 * between them, and the comments and preprocessor lines found between
 * tokens where they were. Only white space changes, and never so that two
 * tokens would read as one, so the program parses as before: xt_fmt checks
 * that on the result. The style is that of bpftrace's own tools: attach
 * points, predicate and '{' each on a line of their own, a tab a level,
 * `if (c) {` and `} else {` on one line, a blank line between probes. Where
 * the text breaks a line inside a statement, the break stays (one tab
 * deeper); blank lines stay (at most one) between statements and probes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "parse.tab.h"

enum { IT_LINE = -1, IT_BLOCK = -2, IT_DIRECTIVE = -3 }; /* a // comment, a block comment, a # line */

struct item {
	int kind;         /* a token (parse.tab.h) or IT_* */
	const char *s;    /* its text as written */
	size_t n;
	int nl;           /* line breaks between the item before and this one, as written */
	bool pred_open;   /* a '/' that opens a predicate */
};

struct items {
	struct item *v;
	int n, cap;
};

static void push(struct items *it, struct item x)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 256;
		it->v = realloc(it->v, (size_t)it->cap * sizeof(*it->v));
		if (!it->v)
			abort();
	}
	it->v[it->n++] = x;
}

/* --- reading ------------------------------------------------------------------- */

/* Where the directive at t[i] ('#' first on its line) ends: at its line's
 * end, past backslash-newlines and past comments begun on it. */
static size_t directive_end(const char *t, size_t n, size_t i)
{
	while (i < n && t[i] != '\n') {
		if (t[i] == '\\' && i + 1 < n && t[i + 1] == '\n') {
			i += 2;
		} else if (t[i] == '\\' && i + 2 < n && t[i + 1] == '\r' && t[i + 2] == '\n') {
			i += 3;
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i = i + 1 < n ? i + 2 : n;
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
			while (i < n && t[i] != '\n')
				i++;
		} else if (t[i] == '"' || t[i] == '\'') {
			char q = t[i++];
			for (; i < n && t[i] != q && t[i] != '\n'; i++)
				if (t[i] == '\\' && i + 1 < n && t[i + 1] != '\n')
					i++;
			if (i < n && t[i] == q)
				i++;
		} else {
			i++;
		}
	}
	return i;
}

/* Where the directive at t[i] ends, or when it is `#if 0`, its #endif's
 * line: text the preprocessor never reads, which is kept as it is. */
static size_t if0_end(const char *t, size_t n, size_t i)
{
	size_t e = directive_end(t, n, i), p = i + 1;
	while (p < e && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (!(e - p >= 4 && memcmp(t + p, "if", 2) == 0 && strchr(" \t", t[p + 2])))
		return e;
	for (p += 3; p < e && (t[p] == ' ' || t[p] == '\t'); p++)
		;
	if (p >= e || t[p] != '0' || (p + 1 < e && !strchr(" \t/", t[p + 1])))
		return e;
	int depth = 1;
	for (size_t l = e; l < n;) { /* l: a line's start (or the '\n' before it) */
		l += t[l] == '\n';
		size_t q = l;
		while (q < n && (t[q] == ' ' || t[q] == '\t'))
			q++;
		size_t le = q < n && t[q] == '#' ? directive_end(t, n, q) : q;
		while (le < n && t[le] != '\n')
			le++;
		if (q < n && t[q] == '#') {
			size_t w = q + 1;
			while (w < le && (t[w] == ' ' || t[w] == '\t'))
				w++;
			if (le - w >= 2 && memcmp(t + w, "if", 2) == 0)
				depth++;
			else if (le - w >= 5 && memcmp(t + w, "endif", 5) == 0 && --depth == 0)
				return le;
		}
		l = le;
	}
	return e;
}

/* A copy of t (n bytes) with its preprocessor lines (and a leading #! line)
 * blanked out, line breaks kept, for the lexer; their places in *ranges
 * (start, end pairs, in order; malloc'd). */
static char *blank_directives(struct xt_arena *ar, const char *t, size_t n, size_t **ranges, int *nranges)
{
	char *copy = xt_arena_strndup(ar, t, n);
	size_t *r = NULL;
	int nr = 0, cap = 0;
	bool bol = true;
	for (size_t i = 0; i < n;) {
		char c = t[i];
		if (c == '\n') {
			bol = true;
			i++;
			continue;
		}
		if (bol && c == '#') {
			size_t e = if0_end(t, n, i);
			if (nr == cap) {
				cap = cap ? cap * 2 : 16;
				r = realloc(r, (size_t)cap * 2 * sizeof(*r));
				if (!r)
					abort();
			}
			r[2 * nr] = i;
			r[2 * nr + 1] = e;
			nr++;
			for (size_t k = i; k < e; k++)
				if (copy[k] != '\n')
					copy[k] = ' ';
			i = e;
			continue;
		}
		if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
			bol = false;
		if (c == '/' && i + 1 < n && t[i + 1] == '/') {
			while (i < n && t[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i = i + 1 < n ? i + 2 : n;
		} else if (c == '"') {
			for (i++; i < n && t[i] != '"'; i++)
				if (t[i] == '\\' && i + 1 < n)
					i++;
			if (i < n)
				i++;
		} else {
			i++;
		}
	}
	*ranges = r;
	*nranges = nr;
	return copy;
}

/* The text's tokens, comments and preprocessor lines, in order. 0, or -1
 * after the lexer's diagnostic. */
static int collect(struct xt_arena *ar, const struct xt_source *src, struct xt_diags *dg, struct items *it)
{
	const char *t = src->text;
	size_t n = src->len, *rg;
	int nr, ri = 0;
	char *copy = blank_directives(ar, t, n, &rg, &nr);
	struct xt_source lsrc = { .name = src->name, .text = copy, .len = n };
	struct xt_pctx px;
	memset(&px, 0, sizeof(px));
	px.ar = ar;
	px.dg = dg;
	px.src = &lsrc;
	px.cur = copy;
	px.end = copy + n;
	px.line = 1;
	px.col = 1;
	px.start_token = START_PROGRAM;
	XTYYSTYPE lval;
	struct xt_loc loc;
	xtyylex(&lval, &loc, &px); /* the start token */
	int nl = 0, rc = 0;
	for (;;) {
		/* the gap before the next token, read in the text as written:
		 * white space, comments, preprocessor lines */
		size_t i = (size_t)(px.cur - copy), e = (size_t)(xt_lex_skip_space(px.cur, px.end) - copy);
		while (i < e) {
			if (ri < nr && rg[2 * ri] == i) {
				size_t de = rg[2 * ri + 1];
				size_t te = de;
				while (te > i && (t[te - 1] == ' ' || t[te - 1] == '\t' || t[te - 1] == '\r'))
					te--;
				push(it, (struct item){ .kind = IT_DIRECTIVE, .s = t + i, .n = te - i, .nl = nl });
				nl = 0;
				i = de;
				ri++;
			} else if (t[i] == '\n') {
				nl++;
				i++;
			} else if (t[i] == '/' && i + 1 < e && t[i + 1] == '/') {
				size_t s = i;
				while (i < e && t[i] != '\n')
					i++;
				size_t te = i;
				while (te > s && (t[te - 1] == ' ' || t[te - 1] == '\t' || t[te - 1] == '\r'))
					te--;
				push(it, (struct item){ .kind = IT_LINE, .s = t + s, .n = te - s, .nl = nl });
				nl = 0;
			} else if (t[i] == '/' && i + 1 < e && t[i + 1] == '*') {
				size_t s = i;
				for (i += 2; i + 1 < e && !(t[i] == '*' && t[i + 1] == '/'); i++)
					;
				i = i + 1 < e ? i + 2 : e;
				push(it, (struct item){ .kind = IT_BLOCK, .s = t + s, .n = i - s, .nl = nl });
				nl = 0;
			} else {
				i++;
			}
		}
		const char *start = copy + e;
		bool was_pred = px.in_pred;
		int k = xtyylex(&lval, &loc, &px);
		if (k == XTYYerror || k == XTYYUNDEF) {
			rc = -1;
			break;
		}
		if (k == XTYYEOF)
			break;
		push(it, (struct item){ .kind = k, .s = t + (start - copy), .n = (size_t)(px.cur - start), .nl = nl,
					.pred_open = k == '/' && !was_pred && px.in_pred });
		nl = 0;
	}
	free(rg);
	return rc;
}

/* --- writing ------------------------------------------------------------------- */

struct pr {
	char *buf;
	size_t len, cap;
	int indent;       /* open blocks */
	int want;         /* line breaks owed before the next text: 1, or 2 for a blank line */
	bool cont;        /* the owed break starts a continuation line (a tab more) */
	bool structural;  /* the owed break ends a statement or an item (not a line of one) */
	bool bol;         /* nothing written on the current line yet */
};

static void put(struct pr *p, const char *s, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		while (p->len + n + 1 > p->cap)
			p->cap = p->cap ? p->cap * 2 : 4096;
		p->buf = realloc(p->buf, p->cap);
		if (!p->buf)
			abort();
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = 0;
}

static void owe(struct pr *p, int breaks, bool cont, bool structural)
{
	if (breaks <= 0)
		return;
	p->cont = p->want ? p->cont && cont : cont;
	p->structural |= structural;
	if (breaks > p->want)
		p->want = breaks;
}

static bool word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c == '@' || c >= 0x80;
}

/* Whether a then b, written together, would read as one token (or open a comment). */
static bool glue(char a, char b)
{
	static const char *const pairs[] = { "--", "-=", "->", "++", "+=", "&&", "&=", "||", "|=", "<<", "<=",
					     ">>", ">=", "==", "!=", "*=", "/=", "//", "/*", "*/", "%=", "^=", ".." };
	if (word_char((unsigned char)a) && (word_char((unsigned char)b) || b == '"'))
		return true;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (pairs[i][0] == a && pairs[i][1] == b)
			return true;
	return false;
}

/* Writes s: after the line breaks owed and the new line's indentation (none
 * for col0), else after a space when `space` asks or the two would glue. */
static void text(struct pr *p, const char *s, size_t n, bool space, bool col0)
{
	if (p->want && p->len) {
		for (int i = 0; i < p->want; i++)
			put(p, "\n", 1);
		p->bol = true;
	}
	if (p->bol) {
		for (int i = col0 ? 0 : p->indent + (p->cont ? 1 : 0); i > 0; i--)
			put(p, "\t", 1);
	} else if (n && (space || glue(p->buf[p->len - 1], s[0]))) {
		put(p, " ", 1);
	}
	p->want = 0;
	p->cont = p->structural = false;
	put(p, s, n);
	p->bol = false;
}

static bool operand_token(int k)
{
	switch (k) {
	case IDENT: case INT: case STRING: case VAR: case MAP: case POSPARAM: case POSCOUNT:
	case TRUE: case FALSE: case ']':
		return true;
	default:
		return false;
	}
}

static bool type_start(int k)
{
	return k == INT_TYPE || k == STRUCT || k == UNION || k == ENUM || k == TYPEDEF_NAME || k == TYPEOF;
}

/* Tokens written right after what comes before them. */
static bool tight_before(int k)
{
	return k == ',' || k == ';' || k == ')' || k == ']' || k == '.' || k == ARROW || k == DOTDOT || k == PRED_END;
}

/* A top-level token that starts a new item: a probe, a macro, a map
 * declaration, an import, the config block, C definitions. */
static bool item_start(int k)
{
	return k == ATTACH || k == MACRO || k == MAPDECL || k == IMPORT || k == CONFIG || k == CDEFS;
}

enum { P_TYPE = 1, P_CALL = 2 }; /* a parenthesis holding a type; one after a name (a call, sizeof) */

struct fmt {
	struct pr p;
	struct items it;
	int nbraces;      /* open blocks */
	int *parens, nparens;
	bool in_pred, pred_opened, operand, unary, prefix, cast_close, type_star, let_type, item_end;
	int let_state;    /* 1 after `let`, 2 after `let $x` */
	int prev;         /* the last token written */
};

static int next_token(const struct fmt *f, int i)
{
	for (i++; i < f->it.n; i++)
		if (f->it.v[i].kind >= 0)
			return f->it.v[i].kind;
	return 0;
}

static bool at_top(const struct fmt *f)
{
	return f->nbraces == 0 && f->nparens == 0 && !f->in_pred;
}

static void comment(struct fmt *f, const struct item *x, const struct item *after)
{
	struct pr *p = &f->p;
	/* inside a statement (not between statements, not at top level, not
	 * after a block: `} // c` then `else {` on a line of its own) */
	bool mid = f->prev && f->prev != '}' && !p->structural && !at_top(f);
	if (x->kind != IT_DIRECTIVE && x->nl == 0 && !p->bol && p->len) {
		/* on the line of what comes before: stays there */
		put(p, " ", 1);
		put(p, x->s, x->n);
		if (x->kind == IT_LINE)
			owe(p, 1, mid, !mid);
		return;
	}
	bool blank = x->nl >= 2 && f->prev != '{' && f->prev != ANGLE_OPEN;
	owe(p, blank ? 2 : 1, mid, false);
	text(p, x->s, x->n, false, x->kind == IT_DIRECTIVE);
	f->item_end = false;
	if (x->kind != IT_BLOCK || !after || after->nl > 0)
		owe(p, 1, mid, !mid);
}

static void token(struct fmt *f, int i)
{
	struct pr *p = &f->p;
	const struct item *x = &f->it.v[i];
	int k = x->kind, prev = f->prev, next = next_token(f, i);
	bool top = at_top(f);
	bool type_ctx = f->let_type || (f->nparens && (f->parens[f->nparens - 1] & P_TYPE));
	int brk = 0;
	bool space = true, cont = false, block = false;

	if (k == ';' || k == '=')
		f->let_type = false;
	if (top && item_start(k) && prev != ',' && prev != '=') {
		brk = !prev ? (x->nl >= 2 ? 2 : 0) : f->item_end || x->nl >= 2 ? 2 : 1;
	} else if (top && k == ATTACH && prev == ',') {
		brk = 1;
	} else if (x->pred_open) {
		brk = 1;
	} else if ((k == '{' || k == ANGLE_OPEN) && top) {
		if (prev == '=')
			space = true;
		else
			brk = 1;
		block = true;
	} else if (k == '{') {
		block = true;
	} else if (k == '}' || k == ANGLE_CLOSE) {
		if (f->nbraces)
			f->nbraces--;
		if (p->indent)
			p->indent--;
		brk = 1;
	} else if (x->nl > 0 && !tight_before(k) && k != '{' && k != ELSE && !(k == ':' && prev == '?')) {
		brk = 1;
		cont = true;
	}
	/* a blank line kept between statements (not at a block's edges) */
	if (p->want && p->structural && x->nl >= 2 && prev != '{' && prev != ANGLE_OPEN && prev != ',' &&
	    k != '}' && k != ANGLE_CLOSE)
		brk = 2;
	if (brk)
		owe(p, brk, cont, !cont);

	if (tight_before(k))
		space = false;
	else if (prev == '(' || prev == '[' || prev == '.' || prev == ARROW || prev == DOTDOT || f->unary || f->prefix ||
		 f->cast_close || f->pred_opened)
		space = false;
	else if (f->type_star && k != '=')
		space = false;
	else if (k == '(' && (prev == IDENT || prev == SIZEOF || prev == OFFSETOF || prev == TYPEOF || prev == TYPEDEF_NAME || prev == UNROLL))
		space = false;
	else if (k == '[' && (f->operand || prev == INT_TYPE || prev == TYPEDEF_NAME || prev == IDENT || f->type_star))
		space = false;
	else if ((k == INC || k == DEC) && f->operand)
		space = false;
	else if (k == '!' && prev == IDENT) /* a macro's call, NAME!(args) */
		space = false;
	else if (k == ':' && (prev == '?' || f->let_state == 2))
		space = false;
	if (type_ctx && k == '*')
		space = prev != '*';

	text(p, x->s, x->n, space, false);

	/* what follows it */
	bool was_operand = f->operand;
	f->unary = f->prefix = f->cast_close = false;
	f->type_star = type_ctx && k == '*';
	f->operand = operand_token(k);
	if (k == INC || k == DEC) {
		f->operand = was_operand;
		f->prefix = !was_operand;
	} else if (!f->type_star && !was_operand && (k == '-' || k == '*' || k == '&')) {
		f->unary = true;
	} else if (k == '!' || k == '~') {
		f->unary = true;
	}
	if (k == '(' || k == '[') {
		int fl = 0;
		if (k == '(' && type_start(next))
			fl |= P_TYPE;
		if (prev == IDENT || prev == SIZEOF || prev == OFFSETOF || prev == TYPEOF)
			fl |= P_CALL;
		f->parens[f->nparens++] = fl;
	} else if (k == ')' || k == ']') {
		int fl = f->nparens ? f->parens[--f->nparens] : 0;
		f->cast_close = k == ')' && (fl & P_TYPE) && !(fl & P_CALL);
		f->operand = !f->cast_close;
	}
	f->pred_opened = x->pred_open;
	if (x->pred_open)
		f->in_pred = true;
	else if (k == PRED_END)
		f->in_pred = false;
	if (k == ':' && f->let_state == 2)
		f->let_type = true;
	f->let_state = k == LET ? 1 : k == VAR && f->let_state == 1 ? 2 : 0;

	if (block) {
		f->nbraces++;
		p->indent++;
		owe(p, 1, false, true);
	} else if (k == '}' || k == ANGLE_CLOSE) {
		f->operand = false;
		if (at_top(f)) {
			f->item_end = true;
			owe(p, 1, false, true);
		} else if (next != ELSE && next != ';' && next != ')' && next != ',') {
			owe(p, 1, false, true);
		}
	} else if (k == ';') {
		if (f->nparens == 0 && next != ';')
			owe(p, 1, false, true);
	} else if (k == ',' && top) {
		owe(p, 1, false, true);
	} else if (k == CDEFS) {
		f->item_end = true;
		owe(p, 1, false, true);
	} else if (k == PRED_END) {
		owe(p, 1, false, true);
	}
	if (top && item_start(k) && k != CDEFS)
		f->item_end = false;
	f->prev = k;
}

/* --- checking ------------------------------------------------------------------ */

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether two trees are the same program: every field the parser sets but
 * the places. */
static bool same_tree(const struct xt_node *a, const struct xt_node *b)
{
	for (; a || b; a = a->next, b = b->next) {
		if (!a || !b || a->kind != b->kind || a->op != b->op || a->ival != b->ival || !same_str(a->name, b->name) ||
		    !a->sval != !b->sval || a->slen != b->slen || (a->sval && memcmp(a->sval, b->sval, a->slen) != 0))
			return false;
		if (a->kind == XT_N_TUPLE && (!a->sym != !b->sym))
			return false;
		if (a->kind == XT_N_TUPLE && a->sym) {
			int n = xt_node_count(a->list);
			for (int i = 0; i < n; i++)
				if (!same_str(((const char *const *)a->sym)[i], ((const char *const *)b->sym)[i]))
					return false;
		}
		if (!same_tree(a->a, b->a) || !same_tree(a->b, b->b) || !same_tree(a->c, b->c) ||
		    !same_tree(a->list, b->list) || !same_tree(a->decls, b->decls))
			return false;
	}
	return true;
}

/* Preprocesses and parses text as a program; NULL after diagnostics in dg
 * (which renders against the new source from then on). */
static struct xt_node *parse(struct xt_arena *ar, const char *name, const char *text, size_t len,
			     const struct xt_cpp_opts *cpp, struct xt_diags *dg)
{
	struct xt_source *s = xt_arena_alloc(ar, sizeof(*s));
	s->name = name;
	s->text = text;
	s->len = len;
	dg->src = s;
	if (xt_cpp(ar, s, cpp, dg) < 0)
		return NULL;
	return xt_parse(ar, s, XT_PARSE_PROGRAM, dg);
}

int xt_fmt(struct xt_arena *ar, const struct xt_source *src, const struct xt_cpp_opts *cpp,
	   char **out, size_t *len, struct xt_diags *dg)
{
	const struct xt_source *shown = dg->src;
	struct xt_node *before = parse(ar, src->name, src->text, src->len, cpp, dg);
	if (!before)
		return -1;
	dg->src = src;
	struct fmt f = { .p = { .bol = true } };
	if (collect(ar, src, dg, &f.it) < 0) {
		xt_diag_note(dg, (struct xt_loc){ 0 }, "--fmt reads the program as written, with the preprocessor's "
			     "lines set aside: this text is code only once the preprocessor has run");
		free(f.it.v);
		return -1;
	}
	dg->src = shown;
	f.parens = malloc(sizeof(int) * (size_t)(f.it.n + 1));
	if (!f.parens)
		abort();
	for (int i = 0; i < f.it.n; i++) {
		const struct item *x = &f.it.v[i];
		if (x->kind < 0)
			comment(&f, x, i + 1 < f.it.n ? &f.it.v[i + 1] : NULL);
		else
			token(&f, i);
	}
	put(&f.p, "\n", 1);
	free(f.it.v);
	free(f.parens);
	*len = f.p.len;
	*out = xt_arena_strndup(ar, f.p.buf, f.p.len);
	free(f.p.buf);

	struct xt_diags check;
	xt_diags_init(&check, NULL);
	struct xt_node *after = parse(ar, src->name, *out, *len, cpp, &check);
	bool same = after && same_tree(before, after);
	xt_diags_fini(&check);
	if (!same) {
		xt_diag_plain(dg, "internal error: --fmt: the formatted program would not parse to the same program; "
			      "it was not written");
		return -2;
	}
	return 0;
}
