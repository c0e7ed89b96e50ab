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
	bool uns, wide;         /* its type in constant expressions (struct cval) */
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
	struct ctype *fixed;    /* ENUM: its underlying type (`enum E : T`), which makes it complete */
	bool packed;
	int pack;               /* STRUCT, UNION: #pragma pack's largest member alignment, 0: none */
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
	return (struct xt_loc){ line, col, line, col + (t->ncols > 0 ? t->ncols - 1 : 0), 0 };
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
static const char *const typeofs[] = {
	"typeof", "__typeof__", "__typeof", "typeof_unqual", "__typeof_unqual__", NULL,
};
static const char *const attr_words[] = {
	"__attribute__", "__attribute", "asm", "__asm__", "__asm", "__declspec", NULL,
};

static bool reserved(const struct ctok *t)
{
	return t->kind != T_ID || one_of(t, qualifiers) || one_of(t, storage) || one_of(t, basics) ||
	       one_of(t, attr_words) || one_of(t, typeofs) || tok_is(t, "struct") || tok_is(t, "union") || tok_is(t, "enum") ||
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
		return t->complete || t->fixed || bind_ext(u, t);
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
	case CK_EXT: {
		const struct btf_type *bt = btf__type_by_id(u->btf, (__u32)t->ext);
		const char *n = bt ? btf__name_by_offset(u->btf, bt->name_off) : NULL;
		if (bt && n && *n)
			return btf_is_struct(bt) || btf_is_union(bt) || btf_is_any_enum(bt)
				? xt_arena_printf(u->ar, "%s %s", btf_is_union(bt) ? "union" : btf_is_struct(bt) ? "struct" : "enum", n) : n;
		return bt && btf_is_ptr(bt) ? "a pointer" : "a kernel type";
	}
	default: return xt_arena_printf(u->ar, "anonymous %s", kind_word(t->kind));
	}
}

/* --- constant values ---------------------------------------------------------- */

/* A constant's value and its C type after the integer promotions: int,
 * unsigned int, long or unsigned long (long long is long on x86-64), so
 * that `~0U` is 4294967295 and `-1 < 0U` is false, as in C. */
struct cval {
	int64_t v;              /* 32-bit types: sign- or zero-extended to 64 bits */
	bool uns, wide;
};

static struct cval cv(int64_t v, bool uns, bool wide)
{
	if (!wide)
		v = uns ? (int64_t)(uint32_t)v : (int64_t)(int32_t)v;
	return (struct cval){ v, uns, wide };
}

static struct cval cv_int(int64_t v)
{
	return cv(v, false, false);
}

/* The narrowest of int, unsigned int, long, unsigned long that holds v
 * (with `uns`: v read as an unsigned 64-bit value). */
static struct cval cv_fit(int64_t v, bool uns)
{
	if (uns && v < 0)
		return cv(v, true, true);
	if (v >= INT32_MIN && v <= INT32_MAX)
		return cv(v, false, false);
	if (v > 0 && v <= (int64_t)UINT32_MAX)
		return cv(v, true, false);
	return cv(v, false, true);
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

static bool find_enumerator(struct xt_cdecl *u, const char *name, struct cval *v)
{
	for (int i = u->nenums - 1; i >= 0; i--)
		if (strcmp(u->enums[i].name, name) == 0) {
			*v = cv(u->enums[i].value, u->enums[i].uns, u->enums[i].wide);
			return true;
		}
	int64_t x;
	if (!xt_ktypes()->enumerator || !xt_ktypes()->enumerator(name, &x))
		return false;
	*v = cv_fit(x, false);
	return true;
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
	return k->kind == T_ID && (one_of(k, qualifiers) || one_of(k, basics) || one_of(k, typeofs) || tok_is(k, "struct") ||
				   tok_is(k, "union") || tok_is(k, "enum") || typedef_named(u, k));
}

/* --- constant expressions ------------------------------------------------------ */

static struct cval cexpr(struct xt_cdecl *u);
static struct ctype *type_name(struct xt_cdecl *u);
static struct ctype *operand_type(struct xt_cdecl *u, bool full);

/* integer-constant: digits [u|U] [l|L|ll|LL], typed as C types it (6.4.4.1). */
static struct cval number(struct xt_cdecl *u)
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
	bool dec = buf[0] != '0', su = strpbrk(end, "uU") != NULL, sl = strpbrk(end, "lL") != NULL;
	u->pos++;
	if (su && sl)
		return cv((int64_t)v, true, true);
	if (su)
		return cv((int64_t)v, true, v > UINT32_MAX);
	if (sl)
		return cv((int64_t)v, v > INT64_MAX, true);
	if (v <= INT32_MAX)
		return cv_int((int64_t)v);
	if (!dec && v <= UINT32_MAX)
		return cv((int64_t)v, true, false);
	return cv((int64_t)v, v > INT64_MAX, true);
}

static struct cval char_const(struct xt_cdecl *u)
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
	return cv_int((int8_t)v);
}

/* v converted to type t, then promoted (a cast's value). */
static struct cval convert(int64_t v, struct ctype *t)
{
	t = real(t);
	if (t->kind == CK_INT && t->enc == BTF_INT_BOOL)
		return cv_int(v != 0);
	long long sz = t->kind == CK_INT || t->kind == CK_ENUM || t->kind == CK_EXT ? t->size : 8;
	bool sign = t->kind == CK_INT || t->kind == CK_ENUM ? t->sign : t->kind != CK_PTR;
	if (sz >= 8 || sz <= 0)
		return cv(v, !sign, true);
	uint64_t m = (1ULL << (sz * 8)) - 1, x = (uint64_t)v & m;
	if (sign && (x >> (sz * 8 - 1)))
		x |= ~m;
	return sz == 4 ? cv((int64_t)x, !sign, false) : cv_int((int64_t)x);
}

static struct cval unary_(struct xt_cdecl *u);

static struct cval unary(struct xt_cdecl *u)
{
	if (++u->depth > 200)
		FAIL(u, "expression nested too deeply");
	struct cval v = unary_(u);
	u->depth--;
	return v;
}

static struct cval unary_(struct xt_cdecl *u)
{
	struct ctok *k = cur(u);
	struct cval v;
	if (accept(u, "-")) {
		v = unary(u);
		return cv((int64_t)(0 - (uint64_t)v.v), v.uns, v.wide);
	}
	if (accept(u, "+"))
		return unary(u);
	if (accept(u, "~")) {
		v = unary(u);
		return cv(~v.v, v.uns, v.wide);
	}
	if (accept(u, "!"))
		return cv_int(!unary(u).v);
	if (tok_is(k, "sizeof") || tok_is(k, "_Alignof") || tok_is(k, "__alignof__") || tok_is(k, "alignof")) {
		bool size = tok_is(k, "sizeof");
		int at = u->pos++;
		struct ctype *t;
		if (is(u, "(") && type_start(u, &u->t[u->pos + 1])) {
			u->pos++;
			t = type_name(u);
			expect(u, ")");
		} else { /* sizeof expr: the type of a constant, or of a member through a null pointer */
			t = operand_type(u, false);
		}
		if (!complete(u, t))
			fail_at(u, at, u->pos - 1, "%s of incomplete type '%s'", size ? "sizeof" : "_Alignof", type_text(u, t));
		return cv(size ? size_of(t) : align_of(t), true, true); /* size_t */
	}
	if (is(u, "(") && type_start(u, &u->t[u->pos + 1])) { /* a cast */
		u->pos++;
		struct ctype *t = type_name(u);
		expect(u, ")");
		return convert(unary(u).v, t);
	}
	if (accept(u, "(")) {
		v = cexpr(u);
		expect(u, ")");
		return v;
	}
	if (k->kind == T_NUM)
		return number(u);
	if (k->kind == T_CHR)
		return char_const(u);
	if (k->kind == T_ID) {
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

/* The usual arithmetic conversions of two promoted operands: the wider type,
 * unsigned when the wider is (or both are) unsigned. */
static void arith(struct cval *l, struct cval *r)
{
	bool wide = l->wide || r->wide;
	bool uns = l->wide == r->wide ? l->uns || r->uns : (l->wide ? l->uns : r->uns);
	*l = cv(l->v, uns, wide);
	*r = cv(r->v, uns, wide);
}

static struct cval binary(struct xt_cdecl *u, int min)
{
	struct cval l = unary(u);
	for (;;) {
		int p = prec(cur(u));
		if (p == 0 || p < min)
			return l;
		int op = u->pos++;
		struct cval r = binary(u, p + 1);
		const struct ctok *k = &u->t[op];
		char c = k->s[0], c2 = k->len > 1 ? k->s[1] : 0;
		if ((c == '|' || c == '&') && c2) {
			l = cv_int(c == '|' ? (l.v || r.v) : (l.v && r.v));
			continue;
		}
		if ((c == '<' || c == '>') && c2 == c) { /* shifts: the type of the left operand */
			unsigned n = (unsigned)(r.v & 63);
			if (c == '<')
				l = cv((int64_t)((uint64_t)l.v << n), l.uns, l.wide);
			else
				l = cv(l.uns ? (int64_t)((uint64_t)l.v >> n) : l.v >> n, l.uns, l.wide);
			continue;
		}
		arith(&l, &r);
		uint64_t a = (uint64_t)l.v, b = (uint64_t)r.v;
		if ((c == '/' || c == '%') && b == 0)
			fail_at(u, op, op, "division by zero in a constant expression");
		bool lt = l.uns ? a < b : l.v < r.v;
		switch (c) {
		case '|': l.v = (int64_t)(a | b); break;
		case '&': l.v = (int64_t)(a & b); break;
		case '^': l.v = (int64_t)(a ^ b); break;
		case '+': l.v = (int64_t)(a + b); break;
		case '-': l.v = (int64_t)(a - b); break;
		case '*': l.v = (int64_t)(a * b); break;
		case '/':
			l.v = l.uns ? (int64_t)(a / b) : (l.v == INT64_MIN && r.v == -1) ? l.v : l.v / r.v;
			break;
		case '%':
			l.v = l.uns ? (int64_t)(a % b) : (l.v == INT64_MIN && r.v == -1) ? 0 : l.v % r.v;
			break;
		case '=': l = cv_int(a == b); continue;
		case '!': l = cv_int(a != b); continue;
		case '<': l = cv_int(c2 == '=' ? lt || a == b : lt); continue;
		case '>': l = cv_int(c2 == '=' ? !lt : !lt && a != b); continue;
		}
		l = cv(l.v, l.uns, l.wide);
	}
}

static struct cval cexpr(struct xt_cdecl *u)
{
	struct cval v = binary(u, 1);
	if (accept(u, "?")) {
		struct cval a = cexpr(u);
		expect(u, ":");
		struct cval b = cexpr(u);
		arith(&a, &b);
		return v.v ? a : b;
	}
	return v;
}

/* A constant expression whose value is used as a count, a width or an
 * alignment: negative when it is (a huge unsigned value is too large). */
static int64_t count(struct xt_cdecl *u, int at)
{
	struct cval v = cexpr(u);
	if (v.uns && v.v < 0)
		fail_at(u, at, u->pos - 1, "constant too large (%llu)", (unsigned long long)v.v);
	return v.v;
}

/* A BTF type seen as the model's: pointers and arrays unwrapped one level
 * (their element stays a BTF type), records and the rest as they are. */
static struct ctype *ext_view(struct xt_cdecl *u, struct ctype *t)
{
	t = real(t);
	if (t->kind != CK_EXT)
		return t;
	int id = btf__resolve_type(u->btf, (__u32)t->ext);
	const struct btf_type *bt = id > 0 ? btf__type_by_id(u->btf, (__u32)id) : NULL;
	if (bt && btf_is_ptr(bt))
		return ptr_to(u, bt->type ? mkext(u, (int)bt->type) : mk(u, CK_VOID));
	if (bt && btf_is_array(bt)) {
		struct ctype *a = mk(u, CK_ARRAY);
		a->to = mkext(u, (int)btf_array(bt)->type);
		a->n = btf_array(bt)->nelems;
		return a;
	}
	return t;
}

/* Member `name` of BTF record `id`, anonymous members searched through: its type id, or 0. */
static int btf_member_type(const struct btf *btf, int id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)btf__resolve_type(btf, (__u32)id));
	if (!t || !btf_is_composite(t))
		return 0;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		if (n && *n && strcmp(n, name) == 0)
			return (int)m->type;
		int in = (!n || !*n) ? btf_member_type(btf, (int)m->type, name) : 0;
		if (in)
			return in;
	}
	return 0;
}

/* Member `name` of record t (anonymous members searched through), or NULL. */
static struct ctype *member_type(struct xt_cdecl *u, struct ctype *t, const char *name)
{
	t = real(t);
	int ext = t->kind == CK_EXT ? t->ext : (t->kind == CK_STRUCT || t->kind == CK_UNION) && !t->nm &&
		complete(u, t) ? t->ext : 0;
	if (ext > 0) {
		int id = btf_member_type(u->btf, ext, name);
		return id > 0 ? mkext(u, id) : NULL;
	}
	if (t->kind != CK_STRUCT && t->kind != CK_UNION)
		return NULL;
	for (int i = 0; i < t->nm; i++) {
		if (t->m[i].name && strcmp(t->m[i].name, name) == 0)
			return t->m[i].type;
		struct ctype *in = t->m[i].name ? NULL : member_type(u, t->m[i].type, name);
		if (in)
			return in;
	}
	return NULL;
}

/* Whether the parenthesized operand at the cursor reaches a member: '->'
 * or '.' inside it, or '->', '.', '[' after it. Then its type is not a
 * constant's. */
static bool member_path(struct xt_cdecl *u)
{
	int depth = 0, i = u->pos;
	bool member = false;
	for (; u->t[i].kind != T_EOF; i++) {
		const struct ctok *k = &u->t[i];
		if (tok_is(k, "(") || tok_is(k, "["))
			depth++;
		else if (tok_is(k, ")") || tok_is(k, "]"))
			depth--;
		else if (tok_is(k, "->") || tok_is(k, "."))
			member = true;
		else if (tok_is(k, ";") || tok_is(k, "{") || tok_is(k, "}"))
			return false;
		if (depth == 0)
			break;
	}
	const struct ctok *after = &u->t[i + (u->t[i].kind != T_EOF)];
	return member || tok_is(after, "->") || tok_is(after, ".") || tok_is(after, "[");
}

static struct ctype *const_type(struct xt_cdecl *u, struct cval v)
{
	return mkint(u, v.wide ? (v.uns ? "unsigned long" : "long") : (v.uns ? "unsigned int" : "int"),
		     v.wide ? 8 : 4, !v.uns, 0);
}

/* The type of an operand whose value is not needed (typeof, sizeof): a
 * constant expression's (`full`: a whole one, else a unary one), or what a
 * pointer reaches, as the kernel's macros write `typeof(((struct S *)0)->a.b[0])`:
 *   operand: '*' operand | '&' operand | '(' type-name ')' operand
 *          | '(' operand ')' ('->' NAME | '.' NAME | '[' const ']')... | constant */
static struct ctype *operand_type_(struct xt_cdecl *u, bool full)
{
	struct ctype *t;
	int at = u->pos;
	if (accept(u, "*")) {
		t = ext_view(u, operand_type(u, false));
		if (t->kind != CK_PTR && t->kind != CK_ARRAY)
			fail_at(u, at, u->pos - 1, "'*' of '%s', which is not a pointer", type_text(u, t));
		return t->to;
	}
	if (accept(u, "&"))
		return ptr_to(u, operand_type(u, false));
	if (is(u, "(") && type_start(u, &u->t[u->pos + 1])) { /* a cast: its type, unless arithmetic follows */
		u->pos++;
		t = type_name(u);
		expect(u, ")");
		enum ck k = ext_view(u, t)->kind;
		if (k == CK_PTR || k == CK_STRUCT || k == CK_UNION || k == CK_EXT || k == CK_ARRAY) {
			operand_type(u, false);
			return t;
		}
		u->pos = at;
		return const_type(u, full ? cexpr(u) : unary(u));
	}
	if (!is(u, "(") || !member_path(u))
		return const_type(u, full ? cexpr(u) : unary(u));
	u->pos++;
	t = operand_type(u, true);
	expect(u, ")");
	for (;;) {
		bool arrow = is(u, "->");
		if (arrow || is(u, ".")) {
			int op = u->pos++;
			struct ctype *r = ext_view(u, t);
			if (arrow && r->kind != CK_PTR)
				fail_at(u, op, op, "'->' on '%s', which is not a pointer", type_text(u, t));
			if (arrow)
				r = r->to;
			if (cur(u)->kind != T_ID)
				FAIL(u, "expected a member name before '%s'", tok_text(u, cur(u)));
			const char *name = tok_text(u, cur(u));
			struct ctype *m = member_type(u, r, name);
			if (!m)
				FAIL(u, "'%s' has no member '%s'", type_text(u, r), name);
			u->pos++;
			t = m;
		} else if (accept(u, "[")) {
			cexpr(u);
			expect(u, "]");
			struct ctype *r = ext_view(u, t);
			if (r->kind != CK_PTR && r->kind != CK_ARRAY)
				fail_at(u, at, u->pos - 1, "'[]' on '%s', which is not an array or a pointer", type_text(u, t));
			t = r->to;
		} else {
			return t;
		}
	}
}

static struct ctype *operand_type(struct xt_cdecl *u, bool full)
{
	if (++u->depth > 200)
		FAIL(u, "expression nested too deeply");
	struct ctype *t = operand_type_(u, full);
	u->depth--;
	return t;
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
						v = count(u, u->pos);
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
			struct cval v = cexpr(u);
			n = v.v;
			if (n < 0 && !v.uns)
				fail_at(u, e, u->pos - 1, "array size is negative");
			if (n < 0 || n > (long long)UINT32_MAX)
				fail_at(u, e, u->pos - 1, "array size %llu is too large", (unsigned long long)n);
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

/* The #pragma pack in effect at token i (struct xt_source's packs). */
static int pack_at(struct xt_cdecl *u, int i)
{
	const struct xt_source *src = u->dg ? u->dg->src : NULL;
	int line = tloc(u, i).first_line, lo = 0, hi = src ? src->npacks : 0;
	while (lo < hi) { /* the last change at or before the line (they come in line order) */
		int mid = lo + (hi - lo) / 2;
		if (src->packs[mid].line <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? src->packs[lo - 1].pack : 0;
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
		if (t->pack && a > t->pack) /* #pragma pack caps aligned(N) members too (GCC) */
			a = t->pack;
		if (t->pack && mal > t->pack)
			mal = t->pack;
		if (m->bits >= 0) {
			long long unit = msz * 8, w = m->bits;
			if (uni) {
				m->bit = 0;
				size = (w + 7) / 8 > size ? (w + 7) / 8 : size;
			} else if (w == 0) { /* the next bitfield starts at a unit of this type */
				bit = (bit + mal * 8 - 1) / (mal * 8) * (mal * 8);
				m->bit = bit;
			} else {
				if (!(t->packed || m->packed || t->pack) && unit > 0 && bit % unit + w > unit)
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
				int64_t w = cexpr(u).v;
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
	t->pack = pack_at(u, u->pos - 1);
	t->align_attr = a.align;
	layout(u, t);
	t->complete = true;
	if (keep_old)
		return old;
	if (name)
		add_def(u, t);
	return t;
}

/* Whether t is an integer type (enums included); its size and signedness. */
static bool int_type(struct xt_cdecl *u, struct ctype *t, long long *size, bool *sign)
{
	t = real(t);
	if (t->kind == CK_INT || (t->kind == CK_ENUM && complete(u, t) && !t->ext)) {
		*size = t->size;
		*sign = t->sign;
		return true;
	}
	int id = t->kind == CK_EXT || (t->kind == CK_ENUM && t->ext) ? t->ext : 0;
	const struct btf_type *bt = id > 0 ? btf__type_by_id(u->btf, (__u32)btf__resolve_type(u->btf, (__u32)id)) : NULL;
	if (bt && btf_is_int(bt)) {
		*size = bt->size;
		*sign = btf_int_encoding(bt) & BTF_INT_SIGNED;
		return true;
	}
	if (bt && btf_is_any_enum(bt)) {
		*size = bt->size;
		*sign = btf_kflag(bt);
		return true;
	}
	return false;
}

/* enum NAME : T (C23, and Clang's extension before it): the enum's size,
 * alignment and signedness are T's; a declaration without '{' is complete. */
static void fix_enum(struct xt_cdecl *u, struct ctype *t, struct ctype *fixed, int at)
{
	long long size;
	bool sign;
	if (!int_type(u, fixed, &size, &sign))
		fail_at(u, at, u->pos - 1, "the underlying type of an enum must be an integer type, not '%s'", type_text(u, fixed));
	if (size > 8)
		fail_at(u, at, u->pos - 1, "the underlying type of an enum cannot be '%s'", type_text(u, fixed));
	if (t->fixed && (t->size != size || t->sign != sign))
		fail_at(u, at, u->pos - 1, "enum '%s' was declared with the underlying type '%s'", t->name,
			type_text(u, t->fixed));
	if (t->complete && !t->fixed && !t->ext)
		fail_at(u, at, u->pos - 1, "enum '%s' was defined without an underlying type", t->name);
	t->fixed = fixed;
	t->size = size;
	t->align = (int)size;
	t->sign = sign;
}

/* enum-specifier: 'enum' [attrs] [NAME] [':' type-name] ['{' NAME ['=' const] , ... '}'] [attrs] */
static struct ctype *enumspec(struct xt_cdecl *u)
{
	int kw = u->pos - 1, ntok, fat = 0;
	struct attrs a = { 0 };
	const char *name = tag_head(u, &a, &ntok);
	struct ctype *fixed = NULL;
	if (is(u, ":") && type_start(u, &u->t[u->pos + 1])) { /* not an unnamed bitfield's width */
		fat = ++u->pos;
		fixed = type_name(u);
	}
	if (!is(u, "{")) {
		if (!name)
			FAIL(u, "expected a name or '{' after 'enum'");
		struct ctype *t = find_tag(u, name);
		if (t && t->kind != CK_ENUM)
			fail_at(u, kw, ntok, "'%s' is a %s, not an enum", name, kind_word(t->kind));
		if (!t || (fixed && t->ext))
			t = new_tag(u, CK_ENUM, name);
		if (fixed) {
			fix_enum(u, t, fixed, fat);
			if (!t->loc.first_line) {
				t->loc = span(u, kw, ntok);
				t->header = u->header;
				add_def(u, t); /* a complete type, without enumerators */
			}
		}
		return t;
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
	if (fixed)
		fix_enum(u, t, fixed, fat);
	else if (t->fixed)
		fail_at(u, kw, ntok, "enum '%s' was declared with the underlying type '%s'", name, type_text(u, t->fixed));
	bool declared = t->loc.first_line != 0 && t->fixed; /* `enum E : T;` came first: already a definition */
	t->loc = span(u, kw, ntok);
	t->header = u->header;
	u->pos++;
	struct ctype *outer = u->outer;
	if (name && !outer)
		u->outer = t;
	int64_t next = 0, lo = 0, hi = 0;
	bool huge = false, next_huge = false; /* values of 2^63 and more (unsigned long) */
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
		if (accept(u, "=")) {
			int at = u->pos;
			struct cval v = cexpr(u);
			next = v.v;
			next_huge = v.uns && v.v < 0;
			if (t->fixed && (convert(next, t->fixed).v != next || (next < 0 && next_huge != !t->sign)))
				fail_at(u, at, u->pos - 1, next_huge ? "enumerator value %llu of '%s' does not fit in '%s'"
					: "enumerator value %lld of '%s' does not fit in '%s'", (long long)next, ename,
					type_text(u, t->fixed));
		}
		struct cval tv = t->fixed ? convert(next, t->fixed) : cv_fit(next, next_huge);
		AGROW(u->ar, t->e, t->ne, t->cape);
		t->e[t->ne++] = (struct cenum){ .name = ename, .value = next };
		if (!keep_old) {
			GROW(u->enums, u->nenums, u->capenums);
			u->enums[u->nenums++] = (struct cenum){ ename, next, tloc(u, etok), u->header, tv.uns, tv.wide };
		}
		if (next_huge)
			huge = true;
		else {
			lo = next < lo ? next : lo;
			hi = next > hi ? next : hi;
		}
		next++;
		if (next == 0 && next_huge)
			next_huge = false;
		else if (next == INT64_MIN)
			next_huge = true;
		if (!accept(u, ","))
			break;
	}
	expect(u, "}");
	u->outer = outer;
	attrs(u, &a);
	if (t->fixed) {
		/* size, alignment and signedness are the underlying type's */
	} else if (huge) {
		t->sign = false;
		t->size = 8;
	} else {
		t->sign = lo < 0;
		if (a.packed)
			t->size = lo >= -128 && hi <= (lo < 0 ? 127 : 255) ? 1 : lo >= -32768 && hi <= (lo < 0 ? 32767 : 65535) ? 2 :
				lo >= INT32_MIN && hi <= (lo < 0 ? INT32_MAX : (int64_t)UINT32_MAX) ? 4 : 8;
		else
			t->size = lo >= INT32_MIN && hi <= (lo < 0 ? INT32_MAX : (int64_t)UINT32_MAX) ? 4 : 8;
	}
	t->align = (int)t->size;
	t->complete = true;
	if (keep_old)
		return old;
	if (!declared)
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
		if (one_of(k, qualifiers) && !(tok_is(k, "_Atomic") && tok_is(&u->t[u->pos + 1], "("))) {
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
			int64_t v = type_start(u, cur(u)) ? align_of(type_name(u)) : count(u, u->pos);
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
		} else if (one_of(k, typeofs)) {
			if (other || nbasic)
				FAIL(u, "two types in one declaration");
			u->pos++;
			expect(u, "(");
			other = type_start(u, cur(u)) ? type_name(u) : operand_type(u, true);
			expect(u, ")");
		} else if (tok_is(k, "_Atomic") && tok_is(&u->t[u->pos + 1], "(")) { /* _Atomic(T): T */
			if (other || nbasic)
				FAIL(u, "two types in one declaration");
			u->pos += 2;
			other = type_name(u);
			expect(u, ")");
		} else if (tok_is(k, "__auto_type")) {
			FAIL(u, "__auto_type is not supported in C definitions");
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
		if (!t->complete && !t->fixed && t->name)
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
		if (!t->complete && !t->fixed)
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
