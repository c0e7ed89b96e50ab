/* The C declaration reader: a tokenizer and a recursive-descent parser for
 * the declarations C headers and bpftrace programs write (struct, union,
 * enum, typedef; the rest of a header is skipped over), a layout after the
 * x86-64 System V rules (alignment, padding, bitfield packing, packed and
 * aligned attributes), and the BTF that describes the result. Types are
 * first read into a model of their own, so that a declaration that fails
 * half-way leaves nothing behind, and emitted at the end of the unit with
 * ids numbered in advance (a struct's pointer to itself refers forward). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "stdlib/btf_types.h"
#include "stdlib/cdecl.h"
#include "stdlib/registry.h"

/* --- the model -------------------------------------------------------------- */

enum ck { CK_VOID, CK_INT, CK_FLOAT, CK_PTR, CK_ARRAY, CK_STRUCT, CK_UNION, CK_ENUM, CK_FUNC, CK_TYPEDEF, CK_EXT };

struct ctype;

struct cmem {
	const char *name;       /* NULL: an anonymous struct/union, or an unnamed bitfield */
	struct ctype *type;
	int bits;               /* a bitfield's width, or -1 */
	long long bit;          /* offset in bits, from the layout */
	int align;              /* aligned(N) */
	bool packed;
};

struct cenum {
	const char *name;
	int64_t value;
	struct xt_loc loc;      /* the unit's enumerators: where, and whether in a header */
	bool header;
};

struct ctype {
	enum ck kind;
	const char *name;       /* a tag, a typedef's or an int's name; NULL: anonymous */
	long long size;         /* ints, floats, pointers, laid-out records, enums, EXT */
	int align;
	bool sign;              /* ints, enums */
	int enc;                /* ints: BTF_INT_CHAR, BTF_INT_BOOL */
	struct ctype *to;       /* PTR, ARRAY, TYPEDEF, FUNC (its result) */
	long long n;            /* ARRAY: elements, -1 for a flexible array member */
	struct cmem *m;         /* STRUCT, UNION */
	int nm, capm;
	struct cenum *e;        /* ENUM */
	int ne, cape;
	bool complete;          /* tags: defined (here) or bound to an existing BTF type */
	bool packed;
	int align_attr;
	int ext;                /* EXT, and tags bound to an existing BTF type: its id */
	struct xt_loc loc;      /* definitions: where */
	bool header;            /* ... and whether in a header */
	int id;                 /* the BTF id, once numbered */
	bool numbered;
};

/* --- tokens ----------------------------------------------------------------- */

enum { T_EOF, T_ID, T_NUM, T_CHR, T_STR, T_P };

struct ctok {
	int kind;
	const char *s;
	int len;
	int line, col, ncols;   /* in the text read: 1-based */
};

struct xt_cdecl {
	struct btf *btf;
	struct xt_diags *dg;
	struct xt_arena *ar;
	struct ctype **tags;    /* struct, union and enum tags, in the order met */
	int ntags, captags;
	struct ctype **tds;     /* typedef names */
	int ntds, captds;
	struct cenum *enums;    /* enumerators */
	int nenums, capenums;
	struct ctype **defs;    /* what is emitted and named: definitions in the order read */
	int ndefs, capdefs;
	struct ctype *index;    /* arrays' index type */
	bool failed;
	/* the text being read */
	struct ctok *t;
	int nt, capt, pos;
	struct xt_loc at;
	bool header;
	int depth;              /* recursion, bounded: a program may nest anything */
	struct ctype *outer;    /* the tagged struct, union or enum being read: what a header's error skips */
	jmp_buf fail;
	/* numbering */
	struct ctype **emit;
	int nemit, capemit, next_id;
};

#define GROW(arr, n, cap) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 16; \
		void *g_ = realloc((arr), sizeof(*(arr)) * (size_t)(cap)); \
		if (!g_) abort(); \
		(arr) = g_; \
	} } while (0)

/* As GROW, in the unit's arena: for arrays that types own. */
#define AGROW(ar, arr, n, cap) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 8; \
		void *g_ = xt_arena_alloc((ar), sizeof(*(arr)) * (size_t)(cap)); \
		if (n) \
			memcpy(g_, (arr), sizeof(*(arr)) * (size_t)(n)); \
		(arr) = g_; \
	} } while (0)

/* Tags whose definition in a header was skipped, in the last unit read:
 * why, for the diagnostic of a program that names one. */
static struct { int kind; char *name, *why; } *skips;
static int nskips, capskips;

static const char *const puncts[] = {
	"...", "<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "++", "--",
};

static void tokenize(struct xt_cdecl *u, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int line = 1, col = 1;
	u->nt = 0;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n') {
			line++;
			col = 1;
			p++;
			continue;
		}
		if (isspace(c)) {
			p++;
			col++;
			continue;
		}
		if (c == '\\' && p + 1 < end && p[1] == '\n') {
			p += 2;
			line++;
			col = 1;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			p += 2;
			col += 2;
			while (p < end && !(p[0] == '*' && p + 1 < end && p[1] == '/')) {
				if (*p == '\n') {
					line++;
					col = 1;
				} else if (((unsigned char)*p & 0xc0) != 0x80) {
					col++;
				}
				p++;
			}
			p = p < end ? p + 2 : end;
			col += 2;
			continue;
		}
		struct ctok t = { .s = p, .line = line, .col = col };
		const char *q = p + 1;
		if (isalpha(c) || c == '_' || c == '$') {
			while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '$'))
				q++;
			t.kind = T_ID;
		} else if (isdigit(c) || (c == '.' && q < end && isdigit((unsigned char)*q))) {
			while (q < end && (isalnum((unsigned char)*q) || *q == '.' || *q == '_' ||
					   ((*q == '+' || *q == '-') && strchr("eEpP", q[-1]))))
				q++;
			t.kind = T_NUM;
		} else if (c == '\'' || c == '"') {
			while (q < end && *q != (char)c && *q != '\n')
				q += *q == '\\' && q + 1 < end ? 2 : 1;
			if (q < end && *q == (char)c)
				q++;
			t.kind = c == '"' ? T_STR : T_CHR;
		} else {
			t.kind = T_P;
			for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
				size_t n = strlen(puncts[i]);
				if ((size_t)(end - p) >= n && memcmp(p, puncts[i], n) == 0) {
					q = p + n;
					break;
				}
			}
			while (c >= 0x80 && q < end && ((unsigned char)*q & 0xc0) == 0x80)
				q++;
		}
		if (q > end)
			q = end;
		t.len = (int)(q - p);
		for (const char *r = p; r < q; r++)
			if (((unsigned char)*r & 0xc0) != 0x80)
				t.ncols++;
		col += t.ncols;
		p = q;
		GROW(u->t, u->nt, u->capt);
		u->t[u->nt++] = t;
	}
	GROW(u->t, u->nt, u->capt);
	u->t[u->nt] = (struct ctok){ .kind = T_EOF, .s = end, .line = line, .col = col, .ncols = 1 };
	u->pos = 0;
}

/* Token i's place in dg->src. */
static struct xt_loc tloc(const struct xt_cdecl *u, int i)
{
	const struct ctok *t = &u->t[i];
	int line = u->at.first_line + t->line - 1;
	int col = t->line == 1 ? u->at.first_column + t->col - 1 : t->col;
	return (struct xt_loc){ line, col, line, col + (t->ncols > 0 ? t->ncols - 1 : 0) };
}

static struct xt_loc span(const struct xt_cdecl *u, int a, int b)
{
	struct xt_loc l = tloc(u, a), r = tloc(u, b);
	l.last_line = r.last_line;
	l.last_column = r.last_column;
	return l;
}

/* A declaration it cannot read: in a header, it is skipped (the caller
 * catches the jump); in the program, one diagnostic at tokens a..b. */
static void fail_at(struct xt_cdecl *u, int a, int b, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
static void skipped(struct xt_cdecl *u, int at, const char *msg);

static void fail_at(struct xt_cdecl *u, int a, int b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (u->header) {
		skipped(u, a, msg);
	} else {
		xt_diag_error(u->dg, span(u, a, b), "%s", msg);
		u->failed = true;
		if (u->t[a].kind == T_EOF)
			u->dg->incomplete = true; /* the REPL reads on: `struct S {` continues */
	}
	longjmp(u->fail, 1);
}

#define FAIL(u, ...) fail_at((u), (u)->pos, (u)->pos, __VA_ARGS__)

static struct ctok *cur(struct xt_cdecl *u)
{
	return &u->t[u->pos];
}

static bool tok_is(const struct ctok *t, const char *s)
{
	return t->kind != T_EOF && (size_t)t->len == strlen(s) && memcmp(t->s, s, (size_t)t->len) == 0;
}

static bool is(struct xt_cdecl *u, const char *s)
{
	return tok_is(cur(u), s);
}

static bool accept(struct xt_cdecl *u, const char *s)
{
	if (!is(u, s))
		return false;
	u->pos++;
	return true;
}

static const char *tok_text(struct xt_cdecl *u, const struct ctok *t)
{
	return t->kind == T_EOF ? "end of input" : xt_arena_strndup(u->ar, t->s, (size_t)t->len);
}

static void expect(struct xt_cdecl *u, const char *s)
{
	if (!accept(u, s))
		FAIL(u, "expected '%s' before '%s'", s, tok_text(u, cur(u)));
}

static bool one_of(const struct ctok *t, const char *const *words)
{
	for (; *words; words++)
		if (tok_is(t, *words))
			return true;
	return false;
}

static const char *const qualifiers[] = {
	"const", "volatile", "restrict", "__const", "__const__", "__volatile", "__volatile__",
	"__restrict", "__restrict__", "_Atomic", "__extension__", "__signed__", "__user",
	"__kernel", "__iomem", "__rcu", "__percpu", "__force", "__bitwise", "__bitwise__", NULL,
};
static const char *const storage[] = {
	"extern", "static", "inline", "__inline", "__inline__", "register", "auto", "_Noreturn",
	"__thread", "_Thread_local", "__always_inline", NULL,
};
static const char *const basics[] = {
	"void", "char", "short", "int", "long", "signed", "unsigned", "_Bool", "float", "double",
	"__int128", "__signed", NULL,
};
static const char *const attr_words[] = {
	"__attribute__", "__attribute", "asm", "__asm__", "__asm", "__declspec", NULL,
};

static bool reserved(const struct ctok *t)
{
	return t->kind != T_ID || one_of(t, qualifiers) || one_of(t, storage) || one_of(t, basics) ||
	       one_of(t, attr_words) || tok_is(t, "struct") || tok_is(t, "union") || tok_is(t, "enum") ||
	       tok_is(t, "typedef") || tok_is(t, "sizeof");
}

/* --- types ------------------------------------------------------------------ */

static struct ctype *mk(struct xt_cdecl *u, enum ck kind)
{
	struct ctype *t = xt_arena_alloc(u->ar, sizeof(*t));
	t->kind = kind;
	return t;
}

static struct ctype *mkint(struct xt_cdecl *u, const char *name, int size, bool sign, int enc)
{
	struct ctype *t = mk(u, CK_INT);
	t->name = name;
	t->size = size;
	t->align = size > 16 ? 16 : size;
	t->sign = sign;
	t->enc = enc;
	return t;
}

static struct ctype *mkext(struct xt_cdecl *u, int id)
{
	struct ctype *t = mk(u, CK_EXT);
	t->ext = id;
	long long sz = btf__resolve_size(u->btf, (__u32)id);
	int al = btf__align_of(u->btf, (__u32)id);
	t->size = sz < 0 ? 0 : sz;
	t->align = al > 0 ? al : 1;
	t->complete = sz >= 0;
	return t;
}

static struct ctype *ptr_to(struct xt_cdecl *u, struct ctype *to)
{
	struct ctype *t = mk(u, CK_PTR);
	t->to = to->kind == CK_FUNC ? mk(u, CK_VOID) : to; /* function pointers are opaque */
	t->size = t->align = 8;
	return t;
}

/* Through typedefs. */
static struct ctype *real(struct ctype *t)
{
	while (t && t->kind == CK_TYPEDEF)
		t = t->to;
	return t;
}

static bool bind_ext(struct xt_cdecl *u, struct ctype *t);

/* Whether t has a size: tags not defined here are looked up in BTF. */
static bool complete(struct xt_cdecl *u, struct ctype *t)
{
	t = real(t);
	switch (t->kind) {
	case CK_VOID: case CK_FUNC:
		return false;
	case CK_ARRAY:
		return t->n >= 0 && complete(u, t->to);
	case CK_STRUCT: case CK_UNION: case CK_ENUM:
		return t->complete || bind_ext(u, t);
	case CK_EXT:
		return t->complete;
	default:
		return true;
	}
}

static long long size_of(struct ctype *t)
{
	t = real(t);
	if (t->kind == CK_ARRAY)
		return t->n > 0 ? t->n * size_of(t->to) : 0;
	return t->size;
}

static int align_of(struct ctype *t)
{
	int al = 1;
	for (; t->kind == CK_TYPEDEF; t = t->to)
		if (t->align_attr > al)
			al = t->align_attr;
	int own = t->kind == CK_ARRAY ? align_of(t->to) : t->align;
	return own > al ? own : al;
}

static const char *kind_word(enum ck k)
{
	return k == CK_UNION ? "union" : k == CK_ENUM ? "enum" : "struct";
}

static int btf_kind_of(enum ck k)
{
	return k == CK_UNION ? BTF_KIND_UNION : k == CK_ENUM ? BTF_KIND_ENUM : BTF_KIND_STRUCT;
}

/* A tag not defined in this unit, bound to the newest definition programs
 * see (an earlier program's, a binary's, the kernel's). */
static bool bind_ext(struct xt_cdecl *u, struct ctype *t)
{
	if (t->complete || !t->name)
		return t->complete;
	int id = xt_btf_find(t->name, btf_kind_of(t->kind));
	if (id <= 0)
		return false;
	long long sz = btf__resolve_size(u->btf, (__u32)id);
	if (sz < 0)
		return false;
	t->ext = id;
	t->size = sz;
	t->align = btf__align_of(u->btf, (__u32)id);
	if (t->align <= 0)
		t->align = 1;
	t->complete = true;
	return true;
}

static const char *type_text(struct xt_cdecl *u, struct ctype *t)
{
	if (t->name && (t->kind == CK_STRUCT || t->kind == CK_UNION || t->kind == CK_ENUM))
		return xt_arena_printf(u->ar, "%s %s", kind_word(t->kind), t->name);
	if (t->name)
		return t->name;
	switch (t->kind) {
	case CK_VOID: return "void";
	case CK_PTR: return xt_arena_printf(u->ar, "%s *", type_text(u, t->to));
	case CK_ARRAY: return xt_arena_printf(u->ar, "%s[]", type_text(u, t->to));
	case CK_FUNC: return "a function";
	default: return xt_arena_printf(u->ar, "anonymous %s", kind_word(t->kind));
	}
}

/* --- names in the unit ------------------------------------------------------- */

static struct ctype *find_tag(struct xt_cdecl *u, const char *name)
{
	for (int i = u->ntags - 1; i >= 0; i--)
		if (strcmp(u->tags[i]->name, name) == 0)
			return u->tags[i];
	return NULL;
}

static struct ctype *new_tag(struct xt_cdecl *u, enum ck kind, const char *name)
{
	struct ctype *t = mk(u, kind);
	t->name = name;
	if (name) {
		GROW(u->tags, u->ntags, u->captags);
		u->tags[u->ntags++] = t;
	}
	return t;
}

static void add_def(struct xt_cdecl *u, struct ctype *t)
{
	GROW(u->defs, u->ndefs, u->capdefs);
	u->defs[u->ndefs++] = t;
}

static bool find_enumerator(struct xt_cdecl *u, const char *name, int64_t *v)
{
	for (int i = u->nenums - 1; i >= 0; i--)
		if (strcmp(u->enums[i].name, name) == 0) {
			*v = u->enums[i].value;
			return true;
		}
	return xt_ktypes()->enumerator && xt_ktypes()->enumerator(name, v);
}

/* The fixed-width names C and kernel code use, when no header defined them. */
static struct ctype *fixed_name(struct xt_cdecl *u, const char *name)
{
	static const struct { const char *name; int size; bool sign; } fixed[] = {
		{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
		{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
		{ "__u8", 1, false }, { "__u16", 2, false }, { "__u32", 4, false }, { "__u64", 8, false },
		{ "__s8", 1, true }, { "__s16", 2, true }, { "__s32", 4, true }, { "__s64", 8, true },
		{ "uint8_t", 1, false }, { "uint16_t", 2, false }, { "uint32_t", 4, false }, { "uint64_t", 8, false },
		{ "int8_t", 1, true }, { "int16_t", 2, true }, { "int32_t", 4, true }, { "int64_t", 8, true },
		{ "size_t", 8, false }, { "ssize_t", 8, true }, { "uintptr_t", 8, false }, { "intptr_t", 8, true },
		{ "ptrdiff_t", 8, true }, { "pid_t", 4, true }, { "uid_t", 4, false }, { "gid_t", 4, false },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(fixed[i].name, name) == 0)
			return mkint(u, fixed[i].name, fixed[i].size, fixed[i].sign, 0);
	if (strcmp(name, "bool") == 0)
		return mkint(u, "_Bool", 1, false, BTF_INT_BOOL);
	return NULL;
}

/* The type a typedef name denotes: the unit's, an earlier program's, the
 * fixed-width names, then BTF's (the kernel's u32, pid_t, ...). NULL when
 * the name is no type. */
static struct ctype *typedef_named(struct xt_cdecl *u, const struct ctok *k)
{
	if (k->kind != T_ID || reserved(k))
		return NULL;
	char name[256];
	if (k->len >= (int)sizeof(name))
		return NULL;
	memcpy(name, k->s, (size_t)k->len);
	name[k->len] = 0;
	for (int i = u->ntds - 1; i >= 0; i--)
		if (strcmp(u->tds[i]->name, name) == 0)
			return u->tds[i];
	int id = xt_cdecl_named(name, BTF_KIND_TYPEDEF);
	if (id > 0)
		return mkext(u, id);
	struct ctype *t = fixed_name(u, name);
	if (t)
		return t;
	id = xt_btf_find(name, BTF_KIND_TYPEDEF);
	return id > 0 ? mkext(u, id) : NULL;
}

static bool type_start(struct xt_cdecl *u, const struct ctok *k)
{
	return k->kind == T_ID && (one_of(k, qualifiers) || one_of(k, basics) || tok_is(k, "struct") ||
				   tok_is(k, "union") || tok_is(k, "enum") || typedef_named(u, k));
}

/* --- constant expressions ------------------------------------------------------ */

static int64_t cexpr(struct xt_cdecl *u);
static struct ctype *type_name(struct xt_cdecl *u);

static int64_t number(struct xt_cdecl *u)
{
	struct ctok *k = cur(u);
	char buf[64];
	if (k->len >= (int)sizeof(buf))
		FAIL(u, "number too long");
	memcpy(buf, k->s, (size_t)k->len);
	buf[k->len] = 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B'))
		v = strtoull(buf + 2, &end, 2);
	if (end == buf || errno || end[strspn(end, "uUlL")])
		FAIL(u, "'%s' is not an integer constant", buf);
	u->pos++;
	return (int64_t)v;
}

static int64_t char_const(struct xt_cdecl *u)
{
	struct ctok *k = cur(u);
	const char *p = k->s + 1, *end = k->s + k->len - 1;
	int64_t v = 0;
	if (k->len < 3 || k->s[k->len - 1] != '\'')
		FAIL(u, "unterminated character constant");
	if (*p != '\\') {
		v = (unsigned char)*p;
	} else if (p + 1 < end) {
		char c = p[1];
		static const char from[] = "nrtvfab0\\'\"?", to[] = "\n\r\t\v\f\a\b\0\\'\"?";
		const char *f = strchr(from, c);
		if (c == 'x')
			v = (int64_t)strtoll(p + 2, NULL, 16);
		else if (c >= '0' && c <= '7')
			v = (int64_t)strtoll(p + 1, NULL, 8);
		else if (f && *f)
			v = (unsigned char)to[f - from];
		else
			v = (unsigned char)c;
	}
	u->pos++;
	return (int8_t)v;
}

static int64_t truncate(int64_t v, struct ctype *t)
{
	t = real(t);
	long long sz = t->kind == CK_INT || t->kind == CK_ENUM || t->kind == CK_EXT ? t->size : 8;
	if (sz >= 8 || sz <= 0)
		return v;
	uint64_t m = (1ULL << (sz * 8)) - 1, x = (uint64_t)v & m;
	if (t->sign && (x >> (sz * 8 - 1)))
		x |= ~m;
	return (int64_t)x;
}

static int64_t unary_(struct xt_cdecl *u);

static int64_t unary(struct xt_cdecl *u)
{
	if (++u->depth > 200)
		FAIL(u, "expression nested too deeply");
	int64_t v = unary_(u);
	u->depth--;
	return v;
}

static int64_t unary_(struct xt_cdecl *u)
{
	struct ctok *k = cur(u);
	if (accept(u, "-"))
		return -unary(u);
	if (accept(u, "+"))
		return unary(u);
	if (accept(u, "~"))
		return ~unary(u);
	if (accept(u, "!"))
		return !unary(u);
	if (tok_is(k, "sizeof") || tok_is(k, "_Alignof") || tok_is(k, "__alignof__")) {
		bool size = tok_is(k, "sizeof");
		int at = u->pos++;
		if (!is(u, "(") || !type_start(u, &u->t[u->pos + 1]))
			fail_at(u, at, at, "%s needs a type here", size ? "sizeof" : "_Alignof");
		u->pos++;
		struct ctype *t = type_name(u);
		expect(u, ")");
		if (!complete(u, t))
			fail_at(u, at, u->pos - 1, "%s of incomplete type '%s'", size ? "sizeof" : "_Alignof", type_text(u, t));
		return size ? size_of(t) : align_of(t);
	}
	if (is(u, "(") && type_start(u, &u->t[u->pos + 1])) { /* a cast */
		u->pos++;
		struct ctype *t = type_name(u);
		expect(u, ")");
		return truncate(unary(u), t);
	}
	if (accept(u, "(")) {
		int64_t v = cexpr(u);
		expect(u, ")");
		return v;
	}
	if (k->kind == T_NUM)
		return number(u);
	if (k->kind == T_CHR)
		return char_const(u);
	if (k->kind == T_ID) {
		int64_t v;
		const char *name = tok_text(u, k);
		if (!find_enumerator(u, name, &v))
			FAIL(u, "'%s' is not a constant here (an enumerator or a macro of the included headers)", name);
		u->pos++;
		return v;
	}
	FAIL(u, "expected a constant expression before '%s'", tok_text(u, k));
}

static int prec(const struct ctok *k)
{
	static const struct { const char *op; int prec; } ops[] = {
		{ "||", 1 }, { "&&", 2 }, { "|", 3 }, { "^", 4 }, { "&", 5 }, { "==", 6 }, { "!=", 6 },
		{ "<", 7 }, { ">", 7 }, { "<=", 7 }, { ">=", 7 }, { "<<", 8 }, { ">>", 8 },
		{ "+", 9 }, { "-", 9 }, { "*", 10 }, { "/", 10 }, { "%", 10 },
	};
	if (k->kind != T_P)
		return 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (tok_is(k, ops[i].op))
			return ops[i].prec;
	return 0;
}

static int64_t binary(struct xt_cdecl *u, int min)
{
	int64_t l = unary(u);
	for (;;) {
		int p = prec(cur(u));
		if (p == 0 || p < min)
			return l;
		int op = u->pos++;
		int64_t r = binary(u, p + 1);
		const struct ctok *k = &u->t[op];
		char c = k->s[0], c2 = k->len > 1 ? k->s[1] : 0;
		if ((c == '/' || c == '%') && r == 0)
			fail_at(u, op, op, "division by zero in a constant expression");
		switch (c) {
		case '|': l = c2 ? (l || r) : (l | r); break;
		case '&': l = c2 ? (l && r) : (l & r); break;
		case '^': l ^= r; break;
		case '=': l = l == r; break;
		case '!': l = l != r; break;
		case '<': l = c2 == '<' ? (int64_t)((uint64_t)l << (r & 63)) : c2 == '=' ? l <= r : l < r; break;
		case '>': l = c2 == '>' ? l >> (r & 63) : c2 == '=' ? l >= r : l > r; break;
		case '+': l = (int64_t)((uint64_t)l + (uint64_t)r); break;
		case '-': l = (int64_t)((uint64_t)l - (uint64_t)r); break;
		case '*': l = (int64_t)((uint64_t)l * (uint64_t)r); break;
		case '/': l = (l == INT64_MIN && r == -1) ? l : l / r; break;
		case '%': l = (l == INT64_MIN && r == -1) ? 0 : l % r; break;
		}
	}
}

static int64_t cexpr(struct xt_cdecl *u)
{
	int64_t v = binary(u, 1);
	if (accept(u, "?")) {
		int64_t a = cexpr(u);
		expect(u, ":");
		int64_t b = cexpr(u);
		return v ? a : b;
	}
	return v;
}

/* --- attributes ---------------------------------------------------------------- */

struct attrs {
	int align;
	bool packed;
};

static void skip_parens(struct xt_cdecl *u)
{
	int depth = 0;
	do {
		if (cur(u)->kind == T_EOF)
			FAIL(u, "expected ')' before end of input");
		if (is(u, "(") || is(u, "[") || is(u, "{"))
			depth++;
		else if (is(u, ")") || is(u, "]") || is(u, "}"))
			depth--;
		u->pos++;
	} while (depth > 0);
}

/* __attribute__((packed, aligned(N), ...)) and asm("name"): packed and
 * aligned matter to the layout; others are read over. */
static void attrs(struct xt_cdecl *u, struct attrs *a)
{
	for (;;) {
		if (accept(u, "__attribute__") || accept(u, "__attribute")) {
			expect(u, "(");
			expect(u, "(");
			while (!is(u, ")")) {
				struct ctok *k = cur(u);
				if (k->kind != T_ID && !tok_is(k, ","))
					FAIL(u, "expected an attribute name");
				u->pos++;
				if (tok_is(k, ","))
					continue;
				const char *w = tok_text(u, k);
				size_t wl = strlen(w);
				if (wl > 4 && w[0] == '_' && w[1] == '_' && w[wl - 1] == '_' && w[wl - 2] == '_')
					w = xt_arena_strndup(u->ar, w + 2, wl - 4);
				if (strcmp(w, "packed") == 0) {
					a->packed = true;
				} else if (strcmp(w, "aligned") == 0) {
					int64_t v = 16; /* the largest alignment of x86-64 */
					if (accept(u, "(")) {
						v = cexpr(u);
						expect(u, ")");
					}
					if (v <= 0 || (v & (v - 1)))
						FAIL(u, "requested alignment is not a positive power of 2");
					if (v > a->align)
						a->align = (int)v;
				} else if (is(u, "(")) {
					skip_parens(u);
				}
			}
			expect(u, ")");
			expect(u, ")");
		} else if (accept(u, "asm") || accept(u, "__asm__") || accept(u, "__asm")) {
			while (one_of(cur(u), qualifiers) || accept(u, "goto") || accept(u, "inline"))
				if (one_of(cur(u), qualifiers))
					u->pos++;
			if (!is(u, "("))
				FAIL(u, "expected '(' after asm");
			skip_parens(u);
		} else if (accept(u, "__declspec")) {
			skip_parens(u);
		} else {
			return;
		}
	}
}

/* --- declarations ---------------------------------------------------------------- */

struct specs {
	struct ctype *t;
	bool is_typedef;
	struct attrs a;
	int first;
};

static void specs(struct xt_cdecl *u, struct specs *sp, bool top);
static struct ctype *declarator(struct xt_cdecl *u, struct ctype *base, const char **name, int *ntok,
				struct attrs *a);

/* Nested declarator after '(' ("(*fp)", "(name)"), not a parameter list. */
static bool nested(struct xt_cdecl *u)
{
	struct ctok *k = &u->t[u->pos + 1];
	if (tok_is(k, "*") || tok_is(k, "(") || tok_is(k, "^"))
		return true;
	return k->kind == T_ID && !reserved(k) && !typedef_named(u, k);
}

static struct ctype *suffix(struct xt_cdecl *u, struct ctype *base)
{
	if (u->depth > 200)
		FAIL(u, "declaration nested too deeply");
	if (is(u, "[")) {
		int at = u->pos++;
		long long n = -1;
		while (accept(u, "static") || (one_of(cur(u), qualifiers) && u->pos++))
			;
		if (!is(u, "]")) {
			int e = u->pos;
			n = cexpr(u);
			if (n < 0)
				fail_at(u, e, u->pos - 1, "array size is negative");
		}
		expect(u, "]");
		u->depth++;
		struct ctype *el = suffix(u, base);
		u->depth--;
		if (!complete(u, el))
			fail_at(u, at, u->pos - 1, "array of incomplete type '%s'", type_text(u, el));
		struct ctype *t = mk(u, CK_ARRAY);
		t->to = el;
		t->n = n;
		return t;
	}
	if (is(u, "(")) {
		skip_parens(u);
		struct attrs a = { 0 };
		attrs(u, &a);
		struct ctype *t = mk(u, CK_FUNC);
		u->depth++;
		t->to = suffix(u, base);
		u->depth--;
		return t;
	}
	return base;
}

/* declarator: '*' [qualifiers]... (NAME | '(' declarator ')') ('[' [N] ']' | '(' params ')')...
 * The type a declarator gives `base`; its name (NULL when abstract). */
static struct ctype *declarator(struct xt_cdecl *u, struct ctype *base, const char **name, int *ntok,
				struct attrs *a)
{
	if (u->depth > 200)
		FAIL(u, "declaration nested too deeply");
	while (accept(u, "*")) {
		base = ptr_to(u, base);
		for (;;) {
			if (one_of(cur(u), qualifiers))
				u->pos++;
			else if (one_of(cur(u), attr_words))
				attrs(u, a);
			else
				break;
		}
	}
	if (is(u, "(") && nested(u)) {
		int start = ++u->pos;
		u->pos--;
		skip_parens(u);
		struct ctype *t = suffix(u, base);
		int end = u->pos;
		u->pos = start;
		u->depth++;
		struct ctype *r = declarator(u, t, name, ntok, a);
		u->depth--;
		expect(u, ")");
		u->pos = end;
		return r;
	}
	if (cur(u)->kind == T_ID && !reserved(cur(u))) {
		*name = tok_text(u, cur(u));
		*ntok = u->pos++;
	}
	attrs(u, a);
	return suffix(u, base);
}

/* type-name: specifiers and an abstract declarator (sizeof, casts). */
static struct ctype *type_name(struct xt_cdecl *u)
{
	struct specs sp = { 0 };
	specs(u, &sp, false);
	const char *name = NULL;
	int ntok;
	return declarator(u, sp.t, &name, &ntok, &sp.a);
}

static void duplicate(struct xt_cdecl *u, const struct ctype *old, const char *what, int a, int b)
{
	if (u->header && old->header)
		return;
	const char *text = xt_arena_strdup(u->ar, what);
	bool was_header = u->header;
	u->header = false; /* a program's definition is in it: the error is reported */
	if (!u->failed) {
		xt_diag_error(u->dg, span(u, a, b), "redefinition of '%s'", text);
		xt_diag_note(u->dg, old->loc, "'%s' was first defined here", text);
	}
	u->failed = true;
	u->header = was_header;
	longjmp(u->fail, 1);
}

static void layout(struct xt_cdecl *u, struct ctype *t)
{
	long long bit = 0, size = 0;
	int align = 1;
	bool uni = t->kind == CK_UNION;
	for (int i = 0; i < t->nm; i++) {
		struct cmem *m = &t->m[i];
		long long msz = size_of(m->type);
		int mal = align_of(m->type);
		int a = t->packed || m->packed ? 1 : mal;
		if (m->align > a)
			a = m->align;
		if (m->bits >= 0) {
			long long unit = msz * 8, w = m->bits;
			if (uni) {
				m->bit = 0;
				size = (w + 7) / 8 > size ? (w + 7) / 8 : size;
			} else if (w == 0) { /* the next bitfield starts at a unit of this type */
				bit = (bit + mal * 8 - 1) / (mal * 8) * (mal * 8);
				m->bit = bit;
			} else {
				if (!(t->packed || m->packed) && unit > 0 && bit % unit + w > unit)
					bit = (bit + unit - 1) / unit * unit;
				if (m->align)
					bit = (bit + m->align * 8 - 1) / (m->align * 8) * (m->align * 8);
				m->bit = bit;
				bit += w;
			}
			if (m->name && w > 0 && a > align) /* unnamed bitfields do not align the struct */
				align = a;
			continue;
		}
		if (uni) {
			m->bit = 0;
			if (msz > size)
				size = msz;
		} else {
			bit = (bit + a * 8 - 1) / (a * 8) * (a * 8);
			m->bit = bit;
			bit += msz * 8;
		}
		if (a > align)
			align = a;
	}
	if (t->align_attr > align)
		align = t->align_attr;
	if (!uni)
		size = (bit + 7) / 8;
	t->size = (size + align - 1) / align * align;
	t->align = align;
}

static void add_member(struct xt_cdecl *u, struct ctype *t, const struct cmem *m)
{
	AGROW(u->ar, t->m, t->nm, t->capm);
	t->m[t->nm++] = *m;
}

/* The members of a struct or union, to its '}'. */
static void members(struct xt_cdecl *u, struct ctype *t)
{
	while (!is(u, "}")) {
		if (cur(u)->kind == T_EOF)
			FAIL(u, "expected '}' before end of input");
		if (accept(u, ";"))
			continue;
		if (is(u, "_Static_assert") || is(u, "static_assert")) {
			u->pos++;
			skip_parens(u);
			expect(u, ";");
			continue;
		}
		struct specs sp = { 0 };
		specs(u, &sp, false);
		struct ctype *rt = real(sp.t);
		if (is(u, ";")) {
			if ((rt->kind == CK_STRUCT || rt->kind == CK_UNION) && !rt->name) {
				struct cmem m = { .type = sp.t, .bits = -1, .align = sp.a.align, .packed = sp.a.packed };
				add_member(u, t, &m);
			}
			u->pos++;
			continue;
		}
		do {
			struct cmem m = { .bits = -1 };
			struct attrs a = sp.a;
			int ntok = u->pos;
			m.type = is(u, ":") ? sp.t : declarator(u, sp.t, &m.name, &ntok, &a);
			if (accept(u, ":")) {
				int at = u->pos;
				int64_t w = cexpr(u);
				struct ctype *bt = real(m.type);
				const struct btf_type *et = bt->kind == CK_EXT
					? btf__type_by_id(u->btf, (__u32)btf__resolve_type(u->btf, (__u32)bt->ext)) : NULL;
				bool integer = bt->kind == CK_INT || bt->kind == CK_ENUM ||
					(et && (btf_is_int(et) || btf_is_any_enum(et)));
				if (!integer)
					fail_at(u, ntok, at - 1, "bitfield '%s' has a type that is not an integer (%s)",
						m.name ? m.name : "(unnamed)", type_text(u, m.type));
				if (bt->kind == CK_ENUM && !complete(u, bt))
					fail_at(u, ntok, at - 1, "bitfield '%s' has incomplete type", m.name ? m.name : "(unnamed)");
				if (w < 0 || w > size_of(bt) * 8)
					fail_at(u, at, u->pos - 1, "width of bitfield '%s' (%lld bits) %s", m.name ? m.name : "(unnamed)",
						(long long)w, w < 0 ? "is negative" : xt_arena_printf(u->ar, "exceeds its type (%lld bits)", size_of(bt) * 8));
				if (w == 0 && m.name)
					fail_at(u, ntok, u->pos - 1, "named bitfield '%s' has zero width", m.name);
				m.bits = (int)w;
			}
			attrs(u, &a);
			m.align = a.align;
			m.packed = a.packed;
			struct ctype *mt = real(m.type);
			bool flexible = mt->kind == CK_ARRAY && mt->n < 0;
			if (!flexible && !complete(u, m.type))
				fail_at(u, ntok, ntok, "field '%s' has incomplete type '%s'", m.name ? m.name : "(unnamed)",
					type_text(u, m.type));
			if (flexible && !complete(u, mt->to))
				fail_at(u, ntok, ntok, "field '%s' is an array of incomplete type", m.name);
			for (int i = 0; m.name && i < t->nm; i++)
				if (t->m[i].name && strcmp(t->m[i].name, m.name) == 0)
					fail_at(u, ntok, ntok, "duplicate member '%s'", m.name);
			add_member(u, t, &m);
		} while (accept(u, ","));
		expect(u, ";");
	}
	u->pos++;
}

/* After 'struct', 'union' or 'enum': [attrs] [NAME] [attrs]. The tag's name
 * (NULL: anonymous), with *ntok the token a diagnostic about it points to
 * (the name's, else the keyword's). */
static const char *tag_head(struct xt_cdecl *u, struct attrs *a, int *ntok)
{
	const char *name = NULL;
	*ntok = u->pos - 1;
	attrs(u, a);
	if (cur(u)->kind == T_ID && !reserved(cur(u))) {
		name = tok_text(u, cur(u));
		*ntok = u->pos++;
	}
	attrs(u, a);
	return name;
}

/* struct-or-union-specifier: ('struct' | 'union') [attrs] [NAME] ['{' members '}'] [attrs] */
static struct ctype *record(struct xt_cdecl *u, enum ck kind)
{
	int kw = u->pos - 1, ntok;
	struct attrs a = { 0 };
	const char *name = tag_head(u, &a, &ntok);
	if (!is(u, "{")) {
		if (!name)
			FAIL(u, "expected a name or '{' after '%s'", kind_word(kind));
		struct ctype *t = find_tag(u, name);
		if (t && t->kind != kind)
			fail_at(u, kw, ntok, "'%s' is a %s, not a %s", name, kind_word(t->kind), kind_word(kind));
		return t ? t : new_tag(u, kind, name);
	}
	struct ctype *t = name ? find_tag(u, name) : NULL;
	if (t && t->kind != kind)
		fail_at(u, kw, ntok, "'%s' is defined as a %s, not a %s", name, kind_word(t->kind), kind_word(kind));
	bool keep_old = false;
	if (t && t->complete && !t->ext) {
		duplicate(u, t, type_text(u, t), kw, ntok);
		keep_old = true; /* both in headers: the first stays */
	}
	struct ctype *old = t;
	if (keep_old) { /* read into a type of its own, never named */
		t = new_tag(u, kind, NULL);
		t->name = name;
	} else if (!t || t->ext) {
		t = new_tag(u, kind, name);
	}
	t->loc = span(u, kw, ntok);
	t->header = u->header;
	u->pos++;
	if (++u->depth > 200)
		FAIL(u, "struct nested too deeply");
	struct ctype *outer = u->outer;
	if (name && !outer)
		u->outer = t;
	members(u, t);
	u->outer = outer;
	u->depth--;
	attrs(u, &a);
	t->packed = a.packed;
	t->align_attr = a.align;
	layout(u, t);
	t->complete = true;
	if (keep_old)
		return old;
	if (name)
		add_def(u, t);
	return t;
}

/* enum-specifier: 'enum' [attrs] [NAME] ['{' NAME ['=' const] , ... '}'] [attrs] */
static struct ctype *enumspec(struct xt_cdecl *u)
{
	int kw = u->pos - 1, ntok;
	struct attrs a = { 0 };
	const char *name = tag_head(u, &a, &ntok);
	if (is(u, ":"))
		FAIL(u, "enums with a fixed underlying type are not supported");
	if (!is(u, "{")) {
		if (!name)
			FAIL(u, "expected a name or '{' after 'enum'");
		struct ctype *t = find_tag(u, name);
		if (t && t->kind != CK_ENUM)
			fail_at(u, kw, ntok, "'%s' is a %s, not an enum", name, kind_word(t->kind));
		return t ? t : new_tag(u, CK_ENUM, name);
	}
	struct ctype *t = name ? find_tag(u, name) : NULL;
	if (t && t->kind != CK_ENUM)
		fail_at(u, kw, ntok, "'%s' is defined as a %s, not an enum", name, kind_word(t->kind));
	bool keep_old = false;
	if (t && t->complete && !t->ext) {
		duplicate(u, t, type_text(u, t), kw, ntok);
		keep_old = true;
	}
	struct ctype *old = t;
	if (keep_old) {
		t = new_tag(u, CK_ENUM, NULL);
		t->name = name;
	} else if (!t || t->ext) {
		t = new_tag(u, CK_ENUM, name);
	}
	t->loc = span(u, kw, ntok);
	t->header = u->header;
	u->pos++;
	struct ctype *outer = u->outer;
	if (name && !outer)
		u->outer = t;
	int64_t next = 0, lo = 0, hi = 0;
	int nenums0 = u->nenums;
	while (!is(u, "}")) {
		struct ctok *k = cur(u);
		if (k->kind != T_ID || reserved(k))
			FAIL(u, "expected an enumerator name before '%s'", tok_text(u, k));
		const char *ename = tok_text(u, k);
		int etok = u->pos++;
		for (int i = 0; i < u->nenums && !keep_old; i++)
			if (strcmp(u->enums[i].name, ename) == 0 && !(u->header && u->enums[i].header)) {
				struct ctype where = { .loc = u->enums[i].loc, .header = u->enums[i].header };
				duplicate(u, &where, ename, etok, etok);
			}
		struct attrs ea = { 0 };
		attrs(u, &ea);
		if (accept(u, "="))
			next = cexpr(u);
		AGROW(u->ar, t->e, t->ne, t->cape);
		t->e[t->ne++] = (struct cenum){ .name = ename, .value = next };
		if (!keep_old) {
			GROW(u->enums, u->nenums, u->capenums);
			u->enums[u->nenums++] = (struct cenum){ ename, next, tloc(u, etok), u->header };
		}
		lo = next < lo ? next : lo;
		hi = next > hi ? next : hi;
		next++;
		if (!accept(u, ","))
			break;
	}
	expect(u, "}");
	u->outer = outer;
	attrs(u, &a);
	(void)nenums0;
	t->sign = lo < 0;
	if (a.packed)
		t->size = lo >= -128 && hi <= (lo < 0 ? 127 : 255) ? 1 : lo >= -32768 && hi <= (lo < 0 ? 32767 : 65535) ? 2 :
			lo >= INT32_MIN && hi <= (lo < 0 ? INT32_MAX : (int64_t)UINT32_MAX) ? 4 : 8;
	else
		t->size = lo >= INT32_MIN && hi <= (lo < 0 ? INT32_MAX : (int64_t)UINT32_MAX) ? 4 : 8;
	t->align = (int)t->size;
	t->complete = true;
	if (keep_old)
		return old;
	add_def(u, t); /* anonymous enums too: their enumerators are named */
	return t;
}

/* declaration-specifiers: storage classes, qualifiers, attributes and one type. */
static void specs(struct xt_cdecl *u, struct specs *sp, bool top)
{
	int nvoid = 0, nchar = 0, nshort = 0, nint = 0, nlong = 0, nsigned = 0, nunsigned = 0, nbool = 0,
	    nfloat = 0, ndouble = 0, n128 = 0, nbasic = 0;
	struct ctype *other = NULL;
	sp->first = u->pos;
	for (;;) {
		struct ctok *k = cur(u);
		if (k->kind != T_ID)
			break;
		if (one_of(k, qualifiers)) {
			u->pos++;
		} else if (tok_is(k, "typedef")) {
			if (!top)
				FAIL(u, "typedef is not allowed here");
			sp->is_typedef = true;
			u->pos++;
		} else if (one_of(k, storage)) {
			u->pos++;
		} else if (one_of(k, attr_words)) {
			attrs(u, &sp->a);
		} else if (tok_is(k, "_Alignas")) {
			u->pos++;
			expect(u, "(");
			int64_t v = type_start(u, cur(u)) ? align_of(type_name(u)) : cexpr(u);
			expect(u, ")");
			if (v > sp->a.align)
				sp->a.align = (int)v;
		} else if (tok_is(k, "struct") || tok_is(k, "union") || tok_is(k, "enum")) {
			if (other || nbasic)
				FAIL(u, "two types in one declaration");
			u->pos++;
			other = tok_is(k, "enum") ? enumspec(u) : record(u, tok_is(k, "union") ? CK_UNION : CK_STRUCT);
		} else if (one_of(k, basics)) {
			if (other)
				FAIL(u, "two types in one declaration");
			nbasic++;
			nvoid += tok_is(k, "void");
			nchar += tok_is(k, "char");
			nshort += tok_is(k, "short");
			nint += tok_is(k, "int");
			nlong += tok_is(k, "long");
			nsigned += tok_is(k, "signed") || tok_is(k, "__signed");
			nunsigned += tok_is(k, "unsigned");
			nbool += tok_is(k, "_Bool");
			nfloat += tok_is(k, "float");
			ndouble += tok_is(k, "double");
			n128 += tok_is(k, "__int128");
			u->pos++;
		} else if (tok_is(k, "__builtin_va_list")) {
			struct ctype *t = mk(u, CK_ARRAY); /* x86-64: one 24-byte record */
			t->to = mkint(u, "long", 8, true, 0);
			t->n = 3;
			other = t;
			u->pos++;
		} else if (tok_is(k, "typeof") || tok_is(k, "__typeof__") || tok_is(k, "__typeof") ||
			   tok_is(k, "__auto_type")) {
			FAIL(u, "typeof is not supported in C definitions");
		} else if (!other && !nbasic && (other = typedef_named(u, k))) {
			u->pos++;
		} else {
			break;
		}
	}
	if (other) {
		sp->t = other;
		return;
	}
	if (!nbasic) {
		struct ctok *k = cur(u);
		if (k->kind == T_ID && !reserved(k))
			FAIL(u, "unknown type name '%s'", tok_text(u, k));
		FAIL(u, "expected a type before '%s'", tok_text(u, k));
	}
	bool sign = !nunsigned;
	if (nsigned && nunsigned)
		FAIL(u, "both signed and unsigned");
	if (nvoid)
		sp->t = mk(u, CK_VOID);
	else if (nbool)
		sp->t = mkint(u, "_Bool", 1, false, BTF_INT_BOOL);
	else if (nfloat || ndouble) {
		struct ctype *t = mk(u, CK_FLOAT);
		t->size = nfloat ? 4 : nlong ? 16 : 8;
		t->align = (int)t->size;
		t->name = nfloat ? "float" : nlong ? "long double" : "double";
		sp->t = t;
	} else if (nchar)
		sp->t = nsigned ? mkint(u, "signed char", 1, true, 0) : nunsigned ? mkint(u, "unsigned char", 1, false, 0)
				: mkint(u, "char", 1, true, 0); /* "char": a string in arrays, as vmlinux's */
	else if (n128)
		sp->t = mkint(u, sign ? "__int128" : "unsigned __int128", 16, sign, 0);
	else if (nshort)
		sp->t = mkint(u, sign ? "short" : "unsigned short", 2, sign, 0);
	else if (nlong)
		sp->t = mkint(u, sign ? (nlong > 1 ? "long long" : "long") : (nlong > 1 ? "unsigned long long" : "unsigned long"),
			      8, sign, 0);
	else
		sp->t = mkint(u, sign ? "int" : "unsigned int", 4, sign, 0);
}

/* What a declaration's declarators and body span, read over: to its ';',
 * or to the '}' of a function's body. */
static void skip_decl(struct xt_cdecl *u)
{
	int depth = 0;
	bool body = false;
	while (cur(u)->kind != T_EOF) {
		struct ctok *k = cur(u);
		u->pos++;
		if (tok_is(k, "(") || tok_is(k, "[") || tok_is(k, "{")) {
			if (tok_is(k, "{") && depth == 0 && u->pos >= 2 && tok_is(&u->t[u->pos - 2], ")"))
				body = true;
			depth++;
		} else if (tok_is(k, ")") || tok_is(k, "]") || tok_is(k, "}")) {
			if (depth > 0)
				depth--;
			if (depth == 0 && body && tok_is(k, "}"))
				return;
		} else if (tok_is(k, ";") && depth == 0) {
			return;
		}
	}
}

static bool same_type(struct ctype *a, struct ctype *b)
{
	a = real(a);
	b = real(b);
	if (a == b)
		return true;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case CK_INT: case CK_FLOAT:
		return a->size == b->size && a->sign == b->sign && a->enc == b->enc;
	case CK_EXT:
		return a->ext == b->ext;
	case CK_PTR: case CK_ARRAY:
		return (a->kind != CK_ARRAY || a->n == b->n) && same_type(a->to, b->to);
	case CK_VOID:
		return true;
	default:
		return false;
	}
}

static void define_typedef(struct xt_cdecl *u, const char *name, struct ctype *t, int ntok, int align)
{
	if (real(t)->kind == CK_FUNC)
		return; /* a function type: nothing xtrace reads has one */
	for (int i = u->ntds - 1; i >= 0; i--) {
		struct ctype *old = u->tds[i];
		if (strcmp(old->name, name) != 0)
			continue;
		if (same_type(old->to, t))
			return; /* C11 allows repeating a typedef */
		duplicate(u, old, name, ntok, ntok);
		return;
	}
	struct ctype *td = mk(u, CK_TYPEDEF);
	td->name = name;
	td->to = t;
	td->align_attr = align;
	td->loc = tloc(u, ntok);
	td->header = u->header;
	GROW(u->tds, u->ntds, u->captds);
	u->tds[u->ntds++] = td;
	add_def(u, td);
}

/* external-declaration: ';' | specifiers [declarator, ...] (';' | body) */
static void declaration(struct xt_cdecl *u)
{
	if (is(u, "_Static_assert") || is(u, "static_assert") || is(u, "asm") || is(u, "__asm__") ||
	    is(u, "__asm")) {
		skip_decl(u);
		return;
	}
	struct specs sp = { 0 };
	specs(u, &sp, true);
	if (accept(u, ";") || (!u->header && cur(u)->kind == T_EOF))
		return; /* bpftrace takes `struct S { ... }` without its ';' */
	if (!sp.is_typedef) {
		skip_decl(u); /* variables, prototypes, functions: nothing to read */
		return;
	}
	do {
		const char *name = NULL;
		int ntok = u->pos;
		struct attrs a = sp.a;
		struct ctype *t = declarator(u, sp.t, &name, &ntok, &a);
		if (!name)
			FAIL(u, "expected a name for the typedef before '%s'", tok_text(u, cur(u)));
		attrs(u, &a);
		define_typedef(u, name, t, ntok, a.align);
	} while (accept(u, ","));
	if (!u->header && cur(u)->kind == T_EOF)
		return;
	expect(u, ";");
}

/* --- the unit ----------------------------------------------------------------- */

struct xt_cdecl *xt_cdecl_new(struct btf *btf, struct xt_diags *dg)
{
	if (!btf)
		return NULL;
	struct xt_cdecl *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->btf = btf;
	u->dg = dg;
	u->ar = xt_arena_new();
	for (int i = 0; i < nskips; i++) { /* what the last unit skipped */
		free(skips[i].name);
		free(skips[i].why);
	}
	nskips = 0;
	return u;
}

void xt_cdecl_free(struct xt_cdecl *u)
{
	if (!u)
		return;
	free(u->tags);
	free(u->tds);
	free(u->enums);
	free(u->defs);
	free(u->t);
	free(u->emit);
	xt_arena_free(u->ar);
	free(u);
}

int xt_cdecl_read(struct xt_cdecl *u, const char *text, size_t len, struct xt_loc at, bool header)
{
	if (u->failed)
		return -1;
	tokenize(u, text, len);
	u->at = at;
	u->header = header;
	while (cur(u)->kind != T_EOF) {
		volatile int start = u->pos; /* kept across the longjmp */
		if (setjmp(u->fail)) {
			if (u->failed)
				return -1;
			u->pos = start;
			skip_decl(u);
			if (u->pos == start)
				u->pos++;
			continue;
		}
		if (accept(u, ";"))
			continue;
		u->depth = 0;
		u->outer = NULL;
		declaration(u);
	}
	return 0;
}

/* --- BTF ---------------------------------------------------------------------- */

/* Ints and floats already in the BTF, shared by every unit. */
static struct { const struct btf *btf; char *name; long long size; bool sign; int enc; int id; } *ints;
static int nints, capints;

/* Programs' names, newest last. */
static struct { int kind; char *name; int id; } *names;
static int nnames, capnames;
static struct { char *name; int64_t value; } *enumerators;
static int nenumerators, capenumerators;

static void skipped(struct xt_cdecl *u, int at, const char *msg)
{
	struct ctype *t = u->outer;
	if (!t || !t->name || t->complete)
		return;
	const struct xt_source_file *file;
	struct xt_loc loc = tloc(u, at), def = t->loc;
	int line, col, dline, dcol;
	xt_source_map(u->dg->src, def.first_line, def.first_column, false, &file, &dline, &dcol);
	xt_source_map(u->dg->src, loc.first_line, loc.first_column, false, &file, &line, &col);
	char *why = NULL;
	if (asprintf(&why, "its definition in %s:%d:%d was skipped (%s:%d:%d: %s)", file ? file->name : "<input>",
		     dline, dcol, file ? file->name : "<input>", line, col, msg) < 0)
		return;
	GROW(skips, nskips, capskips);
	skips[nskips].kind = btf_kind_of(t->kind);
	skips[nskips].name = strdup(t->name);
	skips[nskips++].why = why;
}

const char *xt_cdecl_skipped(const char *name, int kind)
{
	for (int i = nskips - 1; i >= 0; i--)
		if (skips[i].kind == kind && strcmp(skips[i].name, name) == 0)
			return skips[i].why;
	return NULL;
}

static int known_int(const struct btf *btf, const struct ctype *t)
{
	for (int i = 0; i < nints; i++)
		if (ints[i].btf == btf && strcmp(ints[i].name, t->name) == 0 && ints[i].size == t->size &&
		    ints[i].sign == t->sign && ints[i].enc == t->enc)
			return ints[i].id;
	return 0;
}

/* t's BTF id: existing types keep theirs, the others get the next ids in
 * the order they are met (emitted in that order later). */
static int btf_id(struct xt_cdecl *u, struct ctype *t)
{
	switch (t->kind) {
	case CK_VOID: case CK_FUNC:
		return 0;
	case CK_EXT:
		return t->ext;
	case CK_INT: case CK_FLOAT: {
		int id = known_int(u->btf, t);
		if (id)
			return id;
		break;
	}
	case CK_STRUCT: case CK_UNION: case CK_ENUM:
		if (!t->complete && t->name)
			bind_ext(u, t);
		if (t->ext)
			return t->ext;
		break;
	default:
		break;
	}
	if (t->numbered)
		return t->id;
	t->numbered = true;
	t->id = u->next_id++;
	GROW(u->emit, u->nemit, u->capemit);
	u->emit[u->nemit++] = t;
	if (t->kind == CK_PTR || t->kind == CK_ARRAY || t->kind == CK_TYPEDEF)
		btf_id(u, t->to);
	if (t->kind == CK_ARRAY)
		btf_id(u, u->index);
	for (int i = 0; i < t->nm; i++)
		btf_id(u, t->m[i].type);
	return t->id;
}

static int emit_one(struct xt_cdecl *u, struct ctype *t)
{
	struct btf *btf = u->btf;
	int id;
	switch (t->kind) {
	case CK_INT:
		id = btf__add_int(btf, t->name, (size_t)t->size,
				  t->enc ? t->enc : t->sign ? BTF_INT_SIGNED : 0);
		if (id > 0) {
			GROW(ints, nints, capints);
			ints[nints++] = (typeof(*ints)){ btf, strdup(t->name), t->size, t->sign, t->enc, id };
		}
		return id;
	case CK_FLOAT:
		id = btf__add_float(btf, t->name, (size_t)t->size);
		if (id > 0) {
			GROW(ints, nints, capints);
			ints[nints++] = (typeof(*ints)){ btf, strdup(t->name), t->size, t->sign, t->enc, id };
		}
		return id;
	case CK_PTR:
		return btf__add_ptr(btf, btf_id(u, t->to));
	case CK_ARRAY:
		return btf__add_array(btf, btf_id(u, u->index), btf_id(u, t->to), t->n < 0 ? 0 : (__u32)t->n);
	case CK_TYPEDEF:
		return btf__add_typedef(btf, t->name, btf_id(u, t->to));
	case CK_STRUCT: case CK_UNION:
		if (!t->complete)
			return btf__add_fwd(btf, t->name, t->kind == CK_UNION ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		id = t->kind == CK_UNION ? btf__add_union(btf, t->name, (__u32)t->size)
					 : btf__add_struct(btf, t->name, (__u32)t->size);
		for (int i = 0; id > 0 && i < t->nm; i++) {
			const struct cmem *m = &t->m[i];
			if (m->bits == 0 || (!m->name && m->bits > 0))
				continue; /* padding */
			int rc = btf__add_field(btf, m->name, btf_id(u, m->type), (__u32)m->bit,
						m->bits > 0 ? (__u32)m->bits : 0);
			if (rc < 0)
				return rc;
		}
		return id;
	case CK_ENUM: {
		bool wide = t->size > 4;
		for (int i = 0; i < t->ne; i++)
			wide |= t->e[i].value < INT32_MIN || t->e[i].value > (int64_t)UINT32_MAX;
		if (!t->complete)
			return btf__add_enum(btf, t->name, 4);
		id = wide ? btf__add_enum64(btf, t->name, (__u32)t->size, t->sign)
			  : btf__add_enum(btf, t->name, (__u32)t->size);
		for (int i = 0; id > 0 && i < t->ne; i++) {
			int rc = wide ? btf__add_enum64_value(btf, t->e[i].name, (__u64)t->e[i].value)
				      : btf__add_enum_value(btf, t->e[i].name, t->e[i].value);
			if (rc < 0)
				return rc;
		}
		return id;
	}
	default:
		return -EINVAL;
	}
}

static void publish(int kind, const char *name, int id)
{
	GROW(names, nnames, capnames);
	names[nnames].kind = kind;
	names[nnames].name = strdup(name);
	names[nnames++].id = id;
}

int xt_cdecl_finish(struct xt_cdecl *u)
{
	if (u->failed)
		return -EINVAL;
	u->index = mkint(u, "__ARRAY_SIZE_TYPE__", 4, false, 0);
	u->next_id = (int)btf__type_cnt(u->btf);
	u->nemit = 0;
	for (int i = 0; i < u->ndefs; i++)
		btf_id(u, u->defs[i]);
	for (int i = 0; i < u->nemit; i++) {
		int id = emit_one(u, u->emit[i]);
		if (id < 0)
			return id;
		if (id != u->emit[i]->id) {
			fprintf(stderr, "xtrace: cdecl: BTF id %d emitted as %d\n", u->emit[i]->id, id);
			abort(); /* numbered ids are what every reference says */
		}
	}
	if (u->btf != xt_btf_user())
		return 0;
	for (int i = 0; i < u->ndefs; i++) {
		struct ctype *t = u->defs[i];
		if (t->name)
			publish(t->kind == CK_TYPEDEF ? BTF_KIND_TYPEDEF : btf_kind_of(t->kind), t->name, t->id);
		for (int j = 0; t->kind == CK_ENUM && j < t->ne; j++) {
			GROW(enumerators, nenumerators, capenumerators);
			enumerators[nenumerators].name = strdup(t->e[j].name);
			enumerators[nenumerators++].value = t->e[j].value;
		}
	}
	return 0;
}

int xt_cdecl_named(const char *name, int kind)
{
	if (kind == BTF_KIND_ENUM64)
		kind = BTF_KIND_ENUM;
	for (int i = nnames - 1; i >= 0; i--)
		if (names[i].kind == kind && strcmp(names[i].name, name) == 0)
			return names[i].id;
	return -1;
}

bool xt_cdecl_enumerator(const char *name, int64_t *value)
{
	for (int i = nenumerators - 1; i >= 0; i--)
		if (strcmp(enumerators[i].name, name) == 0) {
			*value = enumerators[i].value;
			return true;
		}
	return false;
}
