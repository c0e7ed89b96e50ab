/* The preprocessor's macros: the table, #define, expansion as C specifies it
 * (arguments expanded before substitution unless next to # or ##, the
 * result rescanned, each token carrying the set of macros that must not
 * expand it again: Prosser's algorithm), and #if's constant expressions. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpp_int.h"

/* --- the table ----------------------------------------------------------------- */

static unsigned hash(const char *s, int len)
{
	unsigned h = 2166136261u;
	for (int i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % CPP_HASH;
}

struct macro *xt_cpp_find(struct cpp *c, const char *s, int len)
{
	for (struct macro *m = c->macros[hash(s, len)]; m; m = m->next)
		if (m->len == len && memcmp(m->name, s, (size_t)len) == 0)
			return m;
	return NULL;
}

void xt_cpp_undef(struct cpp *c, const char *s, int len)
{
	for (struct macro **pm = &c->macros[hash(s, len)]; *pm; pm = &(*pm)->next)
		if ((*pm)->len == len && memcmp((*pm)->name, s, (size_t)len) == 0) {
			*pm = (*pm)->next;
			return;
		}
}

struct tok *xt_cpp_copy(struct cpp *c, const struct tok *t)
{
	struct tok *n = xt_arena_alloc(c->ar, sizeof(*n));
	*n = *t;
	n->next = NULL;
	n->src = false;
	n->bol = false;
	return n;
}

struct tok *xt_cpp_eof(struct cpp *c, const struct tok *at)
{
	struct tok *n = xt_arena_alloc(c->ar, sizeof(*n));
	n->kind = TK_EOF;
	n->s = "";
	n->line = at->line;
	n->col = at->col;
	return n;
}

int xt_cpp_define_toks(struct cpp *c, struct tok *t)
{
	if (t->kind != TK_IDENT) {
		xt_cpp_error(c, t, "macro names must be identifiers");
		return -1;
	}
	if (xt_cpp_is(t, "defined")) {
		xt_cpp_error(c, t, "'defined' cannot be used as a macro name");
		return -1;
	}
	struct macro *m = xt_arena_alloc(c->ar, sizeof(*m));
	m->name = xt_arena_strndup(c->ar, t->s, (size_t)t->len);
	m->len = t->len;
	struct tok *p = t->next;
	if (xt_cpp_is(p, "(") && !p->space) {
		m->fn = true;
		const char *params[256];
		p = p->next;
		while (!xt_cpp_is(p, ")")) {
			if (m->nparams > 0) {
				if (!xt_cpp_is(p, ",")) {
					xt_cpp_error(c, p, "expected ',' or ')' in the macro's parameter list");
					return -1;
				}
				p = p->next;
			}
			if (xt_cpp_is(p, "...")) {
				m->variadic = true;
				params[m->nparams++] = "__VA_ARGS__";
				p = p->next;
				if (!xt_cpp_is(p, ")")) {
					xt_cpp_error(c, p, "expected ')' after '...'");
					return -1;
				}
				break;
			}
			if (p->kind != TK_IDENT || m->nparams == 255) {
				xt_cpp_error(c, p, "expected a parameter name");
				return -1;
			}
			params[m->nparams++] = xt_arena_strndup(c->ar, p->s, (size_t)p->len);
			p = p->next;
			if (xt_cpp_is(p, "...")) { /* GNU: a named variadic parameter */
				m->variadic = true;
				p = p->next;
			}
		}
		p = p->next;
		m->params = xt_arena_alloc(c->ar, (size_t)(m->nparams + 1) * sizeof(*m->params));
		memcpy(m->params, params, (size_t)m->nparams * sizeof(*params));
	}
	struct tok head = { 0 }, *tail = &head;
	for (; p->kind != TK_EOF; p = p->next) {
		tail->next = xt_cpp_copy(c, p);
		tail = tail->next;
	}
	if (head.next)
		head.next->space = false;
	tail->next = xt_cpp_eof(c, p);
	m->body = head.next;
	xt_cpp_undef(c, m->name, m->len);
	unsigned h = hash(m->name, m->len);
	m->next = c->macros[h];
	c->macros[h] = m;
	return 0;
}

void xt_cpp_define(struct cpp *c, const char *text)
{
	struct tok *t = xt_cpp_tokenize(c, xt_arena_strdup(c->ar, text), strlen(text), true);
	xt_cpp_define_toks(c, t);
}

/* --- macros kept from one run to the next (lang/cpp.h) ------------------------------ */

struct xt_cpp_macros {
	struct xt_arena *ar;
	struct macro *list;
	int n;
};

struct xt_cpp_macros *xt_cpp_macros_new(void)
{
	struct xt_cpp_macros *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->ar = xt_arena_new();
	return m;
}

void xt_cpp_macros_free(struct xt_cpp_macros *m)
{
	if (!m)
		return;
	xt_arena_free(m->ar);
	free(m);
}

int xt_cpp_macros_count(const struct xt_cpp_macros *m)
{
	return m ? m->n : 0;
}

void xt_cpp_macros_start(struct cpp *c, const struct xt_cpp_macros *in)
{
	for (int h = 0; h < CPP_HASH; h++)
		for (struct macro *m = c->macros[h]; m; m = m->next)
			m->predef = true;
	for (const struct macro *k = in ? in->list : NULL; k; k = k->next) {
		/* a table entry of its own (the table links through next); the body is shared, read only */
		struct macro *m = xt_arena_alloc(c->ar, sizeof(*m));
		*m = *k;
		xt_cpp_undef(c, m->name, m->len);
		unsigned h = hash(m->name, m->len);
		m->next = c->macros[h];
		c->macros[h] = m;
	}
}

void xt_cpp_macros_keep(struct cpp *c, struct xt_cpp_macros *out)
{
	struct xt_arena *ar = out->ar;
	for (int h = 0; h < CPP_HASH; h++)
		for (const struct macro *m = c->macros[h]; m; m = m->next) {
			if (m->predef)
				continue;
			struct macro *k = xt_arena_alloc(ar, sizeof(*k));
			*k = *m;
			k->name = xt_arena_strndup(ar, m->name, (size_t)m->len);
			k->params = xt_arena_alloc(ar, (size_t)(m->nparams + 1) * sizeof(*k->params));
			for (int i = 0; i < m->nparams; i++)
				k->params[i] = xt_arena_strdup(ar, m->params[i]);
			struct tok head = { 0 }, *tail = &head;
			for (const struct tok *t = m->body; t; t = t->next) {
				struct tok *n = xt_arena_alloc(ar, sizeof(*n));
				*n = *t;
				n->s = xt_arena_strndup(ar, t->s, (size_t)t->len);
				n->ls = NULL;
				n->hs = NULL;
				n->src = false;
				n->next = NULL;
				tail->next = n;
				tail = n;
				if (t->kind == TK_EOF)
					break;
			}
			k->body = head.next;
			k->next = out->list;
			out->list = k;
			out->n++;
		}
}

/* --- hide sets ------------------------------------------------------------------- */

static bool hs_has(const struct hideset *hs, const char *s, int len)
{
	for (; hs; hs = hs->next)
		if (hs->len == len && memcmp(hs->name, s, (size_t)len) == 0)
			return true;
	return false;
}

static const struct hideset *hs_add(struct cpp *c, const struct hideset *hs, const char *s, int len)
{
	if (hs_has(hs, s, len))
		return hs;
	struct hideset *n = xt_arena_alloc(c->ar, sizeof(*n));
	n->name = s;
	n->len = len;
	n->next = hs;
	return n;
}

static const struct hideset *hs_union(struct cpp *c, const struct hideset *a, const struct hideset *b)
{
	for (; b; b = b->next)
		a = hs_add(c, a, b->name, b->len);
	return a;
}

static const struct hideset *hs_inter(struct cpp *c, const struct hideset *a, const struct hideset *b)
{
	const struct hideset *r = NULL;
	for (; a; a = a->next)
		if (hs_has(b, a->name, a->len))
			r = hs_add(c, r, a->name, a->len);
	return r;
}

/* --- expansion ------------------------------------------------------------------ */

struct arg {
	struct tok *raw;        /* ends with TK_EOF */
	struct tok *expanded;   /* made when first needed */
};

/* Copies list (to its TK_EOF, not included) with `hs` added, each copy placed
 * where the invocation `at` is; returns its head, *tail its last (or NULL). */
static struct tok *copy_list(struct cpp *c, const struct tok *list, const struct hideset *hs,
			     const struct tok *at, struct tok **tail)
{
	struct tok head = { 0 }, *t = &head;
	for (; list->kind != TK_EOF; list = list->next) {
		t->next = xt_cpp_copy(c, list);
		t = t->next;
		t->hs = hs_union(c, t->hs, hs);
		t->line = at->line;
		t->col = at->col;
	}
	*tail = t == &head ? NULL : t;
	return head.next;
}

static int param_index(const struct macro *m, const struct tok *t)
{
	if (t->kind != TK_IDENT)
		return -1;
	for (int i = 0; i < m->nparams; i++)
		if ((int)strlen(m->params[i]) == t->len && memcmp(m->params[i], t->s, (size_t)t->len) == 0)
			return i;
	return -1;
}

/* #x: the argument's spelling as a string literal. */
static struct tok *stringize(struct cpp *c, const struct tok *raw, const struct tok *at)
{
	size_t n = 3;
	for (const struct tok *t = raw; t->kind != TK_EOF; t = t->next)
		n += (size_t)t->len * 2 + 1;
	char *s = xt_arena_alloc(c->ar, n), *p = s;
	*p++ = '"';
	for (const struct tok *t = raw; t->kind != TK_EOF; t = t->next) {
		if (t != raw && t->space)
			*p++ = ' ';
		for (int i = 0; i < t->len; i++) {
			if ((t->kind == TK_STR || t->kind == TK_CHAR) && (t->s[i] == '"' || t->s[i] == '\\'))
				*p++ = '\\';
			*p++ = t->s[i];
		}
	}
	*p++ = '"';
	struct tok *r = xt_cpp_copy(c, at);
	r->kind = TK_STR;
	r->s = s;
	r->len = (int)(p - s);
	r->hs = NULL;
	return r;
}

/* a ## b: one token made of both spellings. */
static struct tok *paste(struct cpp *c, const struct tok *a, const struct tok *b)
{
	char *s = xt_arena_printf(c->ar, "%.*s%.*s", a->len, a->s, b->len, b->s);
	struct tok *t = xt_cpp_tokenize(c, s, strlen(s), true);
	if (t->kind == TK_EOF || t->next->kind != TK_EOF) {
		xt_cpp_error(c, a, "pasting \"%.*s\" and \"%.*s\" does not give a valid preprocessing token",
			     a->len, a->s, b->len, b->s);
		return xt_cpp_copy(c, a);
	}
	struct tok *r = xt_cpp_copy(c, a);
	r->kind = t->kind;
	r->s = t->s;
	r->len = t->len;
	return r;
}

static bool empty(const struct tok *list)
{
	return list->kind == TK_EOF;
}

/* The replacement list with the arguments put in. */
static struct tok *subst(struct cpp *c, const struct macro *m, struct arg *args, const struct tok *at)
{
	struct tok head = { 0 }, *cur = &head, *tail;
	for (const struct tok *t = m->body; t->kind != TK_EOF; t = t->next) {
		int i;
		/* # param */
		if (xt_cpp_is(t, "#") && (i = param_index(m, t->next)) >= 0) {
			cur->next = stringize(c, args[i].raw, at);
			cur->next->space = t->space;
			cur = cur->next;
			t = t->next;
			continue;
		}
		/* GNU: , ## __VA_ARGS__ drops the comma when there are no variable arguments */
		if (xt_cpp_is(t, ",") && xt_cpp_is(t->next, "##") && m->variadic &&
		    param_index(m, t->next->next) == m->nparams - 1) {
			struct arg *va = &args[m->nparams - 1];
			if (!empty(va->raw)) {
				cur->next = xt_cpp_copy(c, t);
				cur = cur->next;
				struct tok *l = copy_list(c, va->raw, NULL, at, &tail);
				if (l) {
					cur->next = l;
					cur = tail;
				}
			}
			t = t->next->next;
			continue;
		}
		/* x ## y */
		if (xt_cpp_is(t, "##") && cur != &head) {
			const struct tok *rhs = t->next;
			if (rhs->kind == TK_EOF)
				break;
			if ((i = param_index(m, rhs)) >= 0) {
				if (!empty(args[i].raw)) {
					struct tok *p = paste(c, cur, args[i].raw);
					*cur = *p;
					struct tok *l = copy_list(c, args[i].raw->next, NULL, at, &tail);
					if (l) {
						cur->next = l;
						cur = tail;
					}
				}
			} else {
				struct tok *p = paste(c, cur, rhs);
				*cur = *p;
			}
			cur->next = NULL;
			t = rhs;
			continue;
		}
		i = param_index(m, t);
		if (i >= 0) {
			bool before_paste = xt_cpp_is(t->next, "##");
			struct tok *l;
			if (before_paste) {
				if (empty(args[i].raw)) {
					/* an empty left operand: the right one alone */
					t = t->next; /* at '##'; the loop's step moves to its right operand */
					int j = param_index(m, t->next);
					if (j >= 0) {
						t = t->next;
						l = copy_list(c, args[j].raw, NULL, at, &tail);
						if (l) {
							cur->next = l;
							cur = tail;
						}
					}
					continue;
				}
				l = copy_list(c, args[i].raw, NULL, at, &tail);
			} else {
				if (!args[i].expanded)
					args[i].expanded = xt_cpp_expand_all(c, args[i].raw);
				l = copy_list(c, args[i].expanded, NULL, at, &tail);
			}
			if (l) {
				l->space = t->space;
				cur->next = l;
				cur = tail;
			}
			continue;
		}
		cur->next = xt_cpp_copy(c, t);
		cur = cur->next;
	}
	cur->next = NULL;
	return head.next;
}

/* The arguments of an invocation whose '(' is t; *rparen gets its ')'. NULL
 * after an error. */
static struct arg *read_args(struct cpp *c, const struct macro *m, const struct tok *name,
			     struct tok *t, struct tok **rparen)
{
	int want = m->nparams;
	struct arg *args = xt_arena_alloc(c->ar, (size_t)(want + 1) * sizeof(*args));
	int n = 0, depth = 0;
	struct tok head = { 0 }, *tail = &head;
	t = t->next;
	for (;; t = t->next) {
		if (t->kind == TK_EOF) {
			xt_cpp_error(c, name, "unterminated argument list invoking macro '%s'", m->name);
			return NULL;
		}
		bool end = depth == 0 && xt_cpp_is(t, ")");
		bool comma = depth == 0 && xt_cpp_is(t, ",") && !(m->variadic && n == want - 1);
		if (end || comma) {
			tail->next = xt_cpp_eof(c, t);
			if (n <= want) /* args has want + 1 places: F() of a macro without parameters is read too */
				args[n].raw = head.next;
			n++;
			head.next = NULL;
			tail = &head;
			if (end)
				break;
			continue;
		}
		if (xt_cpp_is(t, "(") || xt_cpp_is(t, "["))
			depth++;
		else if ((xt_cpp_is(t, ")") || xt_cpp_is(t, "]")) && depth > 0)
			depth--;
		tail->next = xt_cpp_copy(c, t);
		tail->next->hs = t->hs;
		tail = tail->next;
	}
	*rparen = t;
	/* F() gives one empty argument: right for one parameter, none for zero */
	if (n == 1 && want == 0 && empty(args[0].raw))
		n = 0;
	if (n == want - 1 && m->variadic) { /* no variable arguments at all */
		args[n].raw = xt_cpp_eof(c, t);
		n++;
	}
	if (n != want) {
		xt_cpp_error(c, name, "macro '%s' passed %d argument%s, but takes %d", m->name, n,
			     n == 1 ? "" : "s", want);
		return NULL;
	}
	return args;
}

static struct tok *dynamic(struct cpp *c, const struct macro *m, const struct tok *at)
{
	struct tok *t = xt_cpp_copy(c, at);
	if (m->name[2] == 'F') {
		t->kind = TK_STR;
		t->s = xt_arena_printf(c->ar, "\"%s\"", c->file ? c->file->name : "");
	} else {
		t->kind = TK_NUM;
		t->s = xt_arena_printf(c->ar, "%d", at->line);
	}
	t->len = (int)strlen(t->s);
	return t;
}

bool xt_cpp_expand(struct cpp *c, struct tok **rest, struct tok **last)
{
	struct tok *t = *rest;
	if (t->kind != TK_IDENT || hs_has(t->hs, t->s, t->len))
		return false;
	struct macro *m = xt_cpp_find(c, t->s, t->len);
	if (!m)
		return false;
	struct tok *body, *tail = NULL, *after;
	if (m->dynamic) {
		body = tail = dynamic(c, m, t);
		after = t->next;
		*last = t;
	} else if (!m->fn) {
		const struct hideset *hs = hs_add(c, t->hs, m->name, m->len);
		body = copy_list(c, m->body, hs, t, &tail);
		after = t->next;
		*last = t;
	} else {
		if (!xt_cpp_is(t->next, "("))
			return false;
		struct tok *rparen;
		struct arg *args = read_args(c, m, t, t->next, &rparen);
		if (!args)
			return false;
		const struct hideset *hs = hs_add(c, hs_inter(c, t->hs, rparen->hs), m->name, m->len);
		struct tok *l = subst(c, m, args, t);
		struct tok head = { 0 }, *cur = &head;
		for (; l; l = l->next) { /* the hide set on every token of the result */
			cur->next = l;
			cur = l;
			l->hs = hs_union(c, l->hs, hs);
			l->line = t->line;
			l->col = t->col;
		}
		body = head.next;
		tail = cur == &head ? NULL : cur;
		after = rparen->next;
		*last = rparen;
	}
	if (body) {
		body->space = t->space;
		tail->next = after;
		*rest = body;
	} else {
		*rest = after;
	}
	return true;
}

struct tok *xt_cpp_expand_all(struct cpp *c, struct tok *list)
{
	struct tok head = { 0 }, *tail = &head, *last;
	struct tok *t = list;
	while (t->kind != TK_EOF) {
		if (xt_cpp_expand(c, &t, &last))
			continue;
		if (c->failed)
			break;
		tail->next = xt_cpp_copy(c, t);
		tail->next->hs = t->hs;
		tail = tail->next;
		t = t->next;
	}
	tail->next = xt_cpp_eof(c, t);
	return head.next;
}

/* --- #if ------------------------------------------------------------------------ */

struct val {
	uint64_t v;
	bool u;    /* unsigned */
};

struct ev {
	struct cpp *c;
	struct tok *t;
	const struct tok *dir;
	bool err;
};

static void ev_error(struct ev *e, const struct tok *at, const char *what)
{
	if (!e->err) {
		if (at->kind == TK_EOF)
			xt_cpp_error(e->c, e->dir, "#%.*s: %s at the end of the line", e->dir->len, e->dir->s, what);
		else
			xt_cpp_error(e->c, at, "#%.*s: %s", e->dir->len, e->dir->s, what);
	}
	e->err = true;
}

static bool accept(struct ev *e, const char *p)
{
	if (!xt_cpp_is(e->t, p))
		return false;
	e->t = e->t->next;
	return true;
}

static struct val cond_expr(struct ev *e);

static struct val number(struct ev *e, const struct tok *t)
{
	char buf[64];
	if (t->len >= (int)sizeof(buf)) {
		ev_error(e, t, "invalid integer constant");
		return (struct val){ 0 };
	}
	memcpy(buf, t->s, (size_t)t->len);
	buf[t->len] = 0;
	char *end;
	struct val v = { 0 };
	if ((buf[0] == '0') && (buf[1] == 'b' || buf[1] == 'B'))
		v.v = strtoull(buf + 2, &end, 2);
	else
		v.v = strtoull(buf, &end, 0);
	for (; *end; end++) {
		if (*end == 'u' || *end == 'U')
			v.u = true;
		else if (*end != 'l' && *end != 'L') {
			ev_error(e, t, "invalid integer constant");
			break;
		}
	}
	if (v.v > INT64_MAX)
		v.u = true;
	return v;
}

static struct val character(struct ev *e, const struct tok *t)
{
	const char *p = t->s + 1;
	int64_t v;
	if (*p != '\\') {
		v = (signed char)*p;
	} else {
		p++;
		switch (*p) {
		case 'n': v = '\n'; break;
		case 't': v = '\t'; break;
		case 'r': v = '\r'; break;
		case 'a': v = '\a'; break;
		case 'b': v = '\b'; break;
		case 'f': v = '\f'; break;
		case 'v': v = '\v'; break;
		case 'x': v = (signed char)strtol(p + 1, NULL, 16); break;
		default:
			v = *p >= '0' && *p <= '7' ? (signed char)strtol(p, NULL, 8) : *p;
		}
	}
	(void)e;
	return (struct val){ (uint64_t)v, false };
}

static struct val primary(struct ev *e)
{
	struct tok *t = e->t;
	if (accept(e, "(")) {
		struct val v = cond_expr(e);
		if (!accept(e, ")"))
			ev_error(e, e->t, "expected ')'");
		return v;
	}
	if (accept(e, "-")) {
		struct val v = primary(e);
		v.v = -v.v;
		return v;
	}
	if (accept(e, "+"))
		return primary(e);
	if (accept(e, "~")) {
		struct val v = primary(e);
		v.v = ~v.v;
		return v;
	}
	if (accept(e, "!")) {
		struct val v = primary(e);
		return (struct val){ v.v == 0, false };
	}
	e->t = t->next;
	if (t->kind == TK_NUM)
		return number(e, t);
	if (t->kind == TK_CHAR)
		return character(e, t);
	if (t->kind == TK_IDENT) /* a name that is no macro is 0 */
		return (struct val){ 0 };
	e->t = t;
	ev_error(e, t, t->kind == TK_EOF ? "expected a value" : "invalid token in the expression");
	return (struct val){ 0 };
}

enum { P_MUL = 10, P_ADD = 9, P_SHIFT = 8, P_REL = 7, P_EQ = 6, P_BAND = 5, P_BXOR = 4,
       P_BOR = 3, P_LAND = 2, P_LOR = 1 };

static int binop_prec(const struct tok *t)
{
	static const struct { const char *op; int prec; } ops[] = {
		{ "*", P_MUL }, { "/", P_MUL }, { "%", P_MUL }, { "+", P_ADD }, { "-", P_ADD },
		{ "<<", P_SHIFT }, { ">>", P_SHIFT }, { "<", P_REL }, { ">", P_REL }, { "<=", P_REL },
		{ ">=", P_REL }, { "==", P_EQ }, { "!=", P_EQ }, { "&", P_BAND }, { "^", P_BXOR },
		{ "|", P_BOR }, { "&&", P_LAND }, { "||", P_LOR },
	};
	if (t->kind != TK_PUNCT)
		return 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (xt_cpp_is(t, ops[i].op))
			return ops[i].prec;
	return 0;
}

static struct val apply(struct ev *e, const struct tok *op, struct val a, struct val b)
{
	bool u = a.u || b.u;
	int64_t sa = (int64_t)a.v, sb = (int64_t)b.v;
	struct val r = { 0, u };
	char o0 = op->s[0], o1 = op->len > 1 ? op->s[1] : 0;
	switch (o0) {
	case '*': r.v = a.v * b.v; break;
	case '/': case '%':
		if (b.v == 0) {
			ev_error(e, op, "division by zero");
			return r;
		}
		if (u)
			r.v = o0 == '/' ? a.v / b.v : a.v % b.v;
		else if (sb == -1)
			r.v = o0 == '/' ? -a.v : 0;
		else
			r.v = (uint64_t)(o0 == '/' ? sa / sb : sa % sb);
		break;
	case '+': r.v = a.v + b.v; break;
	case '-': r.v = a.v - b.v; break;
	case '<':
		if (o1 == '<') {
			r.v = b.v >= 64 ? 0 : a.v << b.v;
			r.u = a.u;
		} else {
			r.v = u ? (o1 ? a.v <= b.v : a.v < b.v) : (o1 ? sa <= sb : sa < sb);
			r.u = false;
		}
		break;
	case '>':
		if (o1 == '>') {
			r.v = b.v >= 64 ? 0 : a.u ? a.v >> b.v : (uint64_t)(sa >> b.v);
			r.u = a.u;
		} else {
			r.v = u ? (o1 ? a.v >= b.v : a.v > b.v) : (o1 ? sa >= sb : sa > sb);
			r.u = false;
		}
		break;
	case '=': r = (struct val){ a.v == b.v, false }; break;
	case '!': r = (struct val){ a.v != b.v, false }; break;
	case '&': r.v = o1 ? (a.v && b.v) : (a.v & b.v); r.u = o1 ? false : u; break;
	case '|': r.v = o1 ? (a.v || b.v) : (a.v | b.v); r.u = o1 ? false : u; break;
	case '^': r.v = a.v ^ b.v; break;
	}
	return r;
}

/* Precedence climbing over the binary operators (all left-associative). */
static struct val binary(struct ev *e, int min)
{
	struct val a = primary(e);
	for (;;) {
		int prec = binop_prec(e->t);
		if (!prec || prec < min || e->err)
			return a;
		const struct tok *op = e->t;
		e->t = e->t->next;
		struct val b = binary(e, prec + 1);
		a = apply(e, op, a, b);
	}
}

static struct val cond_expr(struct ev *e)
{
	struct val v = binary(e, 1);
	if (!accept(e, "?"))
		return v;
	struct val a = cond_expr(e);
	if (!accept(e, ":")) {
		ev_error(e, e->t, "expected ':' in '?:'");
		return v;
	}
	struct val b = cond_expr(e);
	struct val r = v.v ? a : b;
	r.u = a.u || b.u;
	return r;
}

/* defined X, defined(X), __has_include(<x>) / ("x"): before expansion. */
static struct tok *pre_eval(struct cpp *c, struct tok *line, bool *bad)
{
	struct tok head = { 0 }, *tail = &head;
	for (struct tok *t = line; t->kind != TK_EOF; t = t->next) {
		struct tok *n;
		if (xt_cpp_is(t, "defined")) {
			struct tok *name = t->next;
			bool paren = xt_cpp_is(name, "(");
			if (paren)
				name = name->next;
			if (name->kind != TK_IDENT || (paren && !xt_cpp_is(name->next, ")"))) {
				xt_cpp_error(c, name->kind == TK_EOF ? t : name, "'defined' takes a macro name");
				*bad = true;
				return line;
			}
			n = xt_cpp_copy(c, t);
			n->kind = TK_NUM;
			n->s = xt_cpp_find(c, name->s, name->len) ||
			       (name->len > 13 && !memcmp(name->s, "__has_include", 13)) ? "1" : "0";
			n->len = 1;
			t = paren ? name->next : name;
		} else if (xt_cpp_is(t, "__has_include") || xt_cpp_is(t, "__has_include_next")) {
			struct tok *p = t->next;
			bool next = t->len > 13;
			if (!xt_cpp_is(p, "(")) {
				xt_cpp_error(c, t, "expected '(' after __has_include");
				*bad = true;
				return line;
			}
			p = p->next;
			char *name = NULL;
			bool quoted = p->kind == TK_STR;
			if (quoted) {
				name = xt_arena_strndup(c->ar, p->s + 1, (size_t)p->len - 2);
			} else if (xt_cpp_is(p, "<") && p->src) {
				const char *e = strchr(p->s, '>');
				if (e)
					name = xt_arena_strndup(c->ar, p->s + 1, (size_t)(e - p->s - 1));
				while (p->kind != TK_EOF && !xt_cpp_is(p, ">"))
					p = p->next;
			}
			if (!name || !xt_cpp_is(p->next, ")")) {
				xt_cpp_error(c, t, "__has_include expects (\"FILE\") or (<FILE>)");
				*bad = true;
				return line;
			}
			n = xt_cpp_copy(c, t);
			n->kind = TK_NUM;
			n->s = xt_cpp_has_include(c, name, quoted, next) ? "1" : "0";
			n->len = 1;
			t = p->next;
		} else {
			n = xt_cpp_copy(c, t);
			n->hs = t->hs;
		}
		tail->next = n;
		tail = n;
	}
	struct tok *eof = line;
	while (eof->kind != TK_EOF)
		eof = eof->next;
	tail->next = eof;
	return head.next;
}

int xt_cpp_eval(struct cpp *c, struct tok *line, const struct tok *directive, bool *value)
{
	bool bad = false;
	struct tok *t = pre_eval(c, line, &bad);
	if (bad)
		return -1;
	t = xt_cpp_expand_all(c, t);
	if (c->failed)
		return -1;
	struct ev e = { .c = c, .t = t, .dir = directive };
	if (t->kind == TK_EOF) {
		ev_error(&e, t, "expected an expression");
		return -1;
	}
	struct val v = cond_expr(&e);
	if (!e.err && e.t->kind != TK_EOF)
		ev_error(&e, e.t, "unexpected token in the expression");
	if (e.err)
		return -1;
	*value = v.v != 0;
	return 0;
}
