/* The C declaration reader (stdlib/cdecl.c): layouts checked against what
 * GCC gives on x86-64 (sizes, offsets, bit offsets of bitfields), nested
 * and anonymous members, arrays, typedef chains, enums, what a header may
 * hold that is skipped, and the diagnostics of a program's definitions.
 * Types go to the process's user BTF, as in xtrace; each test uses names
 * of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "stdlib/btf_args.h"
#include "stdlib/btf_types.h"
#include "stdlib/cdecl.h"
#include "stdlib/registry.h"
#include "lang/cpp.h"
#include "util/arena.h"

/* Reads `text` as one unit (a header's text when `header`); returns 0 or -1
 * and the rendered diagnostics in *diags (malloc'd) when diags is not NULL. */
static int read_c(const char *text, bool header, char **diags)
{
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_cdecl *u = xt_cdecl_new(xt_btf_user(), &dg);
	assert_non_null(u);
	int rc = xt_cdecl_read(u, text, strlen(text), (struct xt_loc){ 1, 1, 1, 1, 0 }, header);
	if (rc == 0)
		rc = xt_cdecl_finish(u);
	xt_cdecl_free(u);
	if (diags)
		*diags = strdup(dg.buf ? dg.buf : "");
	xt_diags_fini(&dg);
	return rc;
}

/* Preprocesses `text` as a program (#pragma pack is the preprocessor's),
 * then reads its output as one unit; 0 or -1. */
static int read_cpp(const char *text)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	int rc = xt_cpp(ar, &src, NULL, &dg);
	if (rc == 0) {
		struct xt_cdecl *u = xt_cdecl_new(xt_btf_user(), &dg);
		rc = xt_cdecl_read(u, src.text, src.len, (struct xt_loc){ 1, 1, 1, 1, 0 }, false);
		if (rc == 0)
			rc = xt_cdecl_finish(u);
		xt_cdecl_free(u);
	}
	if (rc != 0)
		print_message("%s", dg.buf ? dg.buf : "");
	xt_diags_fini(&dg);
	xt_arena_free(ar);
	return rc;
}

static void ok(const char *text)
{
	char *d;
	int rc = read_c(text, false, &d);
	if (rc != 0)
		fail_msg("%s", d);
	free(d);
}

static const struct btf_type *type_of(int kind, const char *name, int *id)
{
	*id = xt_btf_find(name, kind);
	assert_true(*id > 0);
	return btf__type_by_id(xt_btf_user(), (__u32)*id);
}

static long long size_of(int kind, const char *name)
{
	int id;
	type_of(kind, name, &id);
	return btf__resolve_size(xt_btf_user(), (__u32)id);
}

/* The bit offset of member `field` of struct/union `name`; its width in *bits. */
static long bit_of(const char *name, const char *field, int *bits)
{
	int id;
	const struct btf_type *t = type_of(BTF_KIND_STRUCT, name, &id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (strcmp(btf__name_by_offset(xt_btf_user(), m->name_off), field) == 0) {
			if (bits)
				*bits = (int)btf_member_bitfield_size(t, (__u32)i);
			return (long)btf_member_bit_offset(t, (__u32)i);
		}
	fail_msg("struct %s has no member %s", name, field);
	return -1;
}

static void test_cdecl_layout_padding(void **state)
{
	ok("struct cd_pad { char a; int b; char c; long d; void *p; short s; };");
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pad"), 40);
	assert_int_equal(bit_of("cd_pad", "b", NULL), 32);
	assert_int_equal(bit_of("cd_pad", "c", NULL), 64);
	assert_int_equal(bit_of("cd_pad", "d", NULL), 128);
	assert_int_equal(bit_of("cd_pad", "p", NULL), 192);
	assert_int_equal(bit_of("cd_pad", "s", NULL), 256);
}

/* GCC: struct B1 is 24 bytes, a@0 b@3 c@32 e@72 f@128 g@160 (bits). */
static void test_cdecl_bitfields(void **state)
{
	ok("struct cd_b1 { unsigned a:3, b:5; unsigned c:30; char d; long e:40; unsigned long f:30; short g:4; };\n"
	   "struct cd_b2 { char a; int :0; char b; };\n"
	   "struct cd_b3 { char a; int b:4; };\n"
	   "struct cd_b6 { char a; char :4; char b:4; char c:3; };\n"
	   "union cd_u1 { char a; int b:20; long long c:33; };\n");
	int bits;
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b1"), 24);
	assert_int_equal(bit_of("cd_b1", "a", &bits), 0);
	assert_int_equal(bits, 3);
	assert_int_equal(bit_of("cd_b1", "b", &bits), 3);
	assert_int_equal(bits, 5);
	assert_int_equal(bit_of("cd_b1", "c", NULL), 32);
	assert_int_equal(bit_of("cd_b1", "d", &bits), 64);
	assert_int_equal(bits, 0);
	assert_int_equal(bit_of("cd_b1", "e", NULL), 72);
	assert_int_equal(bit_of("cd_b1", "f", NULL), 128);
	assert_int_equal(bit_of("cd_b1", "g", NULL), 160);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b2"), 5);
	assert_int_equal(bit_of("cd_b2", "b", NULL), 32);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b3"), 4);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b6"), 3);
	assert_int_equal(bit_of("cd_b6", "b", NULL), 12);
	assert_int_equal(bit_of("cd_b6", "c", NULL), 16);
	assert_int_equal(size_of(BTF_KIND_UNION, "cd_u1"), 8);
}

/* GCC: packed B4 is 9 bytes, c@40 d@52; B5's aligned(16) member puts it at 16, size 32. */
static void test_cdecl_attributes(void **state)
{
	ok("struct __attribute__((packed)) cd_b4 { char a; int b; short c:12; int d:20; };\n"
	   "struct cd_b5 { char a; long b __attribute__((aligned(16))); };\n"
	   "struct cd_b7 { char a; int b; } __attribute__((__packed__));\n"
	   "enum __attribute__((packed)) cd_e3 { CD_E3A = 200 };\n");
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b4"), 9);
	assert_int_equal(bit_of("cd_b4", "b", NULL), 8);
	assert_int_equal(bit_of("cd_b4", "c", NULL), 40);
	assert_int_equal(bit_of("cd_b4", "d", NULL), 52);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b5"), 32);
	assert_int_equal(bit_of("cd_b5", "b", NULL), 128);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_b7"), 5);
	assert_int_equal(size_of(BTF_KIND_ENUM, "cd_e3"), 1);
}

/* Anonymous members are their struct's own fields (as xtrace looks them up). */
static void test_cdecl_nested_anonymous(void **state)
{
	ok("struct cd_outer {\n"
	   "  int a;\n"
	   "  union { int b; char c[12]; };\n"
	   "  struct cd_inner { short d; long e; } in;\n"
	   "  struct { char f; } g;\n"
	   "};");
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_outer"), 40);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_inner"), 16); /* defined at file scope, as in C */
	const struct xt_type *rec = xt_ktypes()->find("struct cd_outer", &(const char *){ 0 }, &(const char *){ 0 });
	assert_non_null(rec);
	const char *near;
	const struct xt_field *b = xt_ktypes()->field(rec, "b", &near), *c = xt_ktypes()->field(rec, "c", &near);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(b->offset, 4);
	assert_int_equal(c->offset, 4);
	assert_int_equal(c->type->kind, XT_T_STR); /* char[12]: a string, as kernel types */
	const struct xt_field *in = xt_ktypes()->field(rec, "in", &near);
	assert_non_null(in);
	assert_int_equal(in->offset, 16);
	const struct xt_field *e = xt_ktypes()->field(in->type, "e", &near);
	assert_non_null(e);
	assert_int_equal(e->offset, 8);
}

static void test_cdecl_arrays_pointers(void **state)
{
	ok("struct cd_v { char a; void (*fn)(int, char *); int m[2][3]; struct cd_v **pp; char tail[]; };");
	/* GCC: fn@8 m@16, size 48 with pp; tail at the end, adding nothing */
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_v"), 48);
	assert_int_equal(bit_of("cd_v", "fn", NULL), 64);
	assert_int_equal(bit_of("cd_v", "m", NULL), 128);
	assert_int_equal(bit_of("cd_v", "pp", NULL), 320);
	assert_int_equal(bit_of("cd_v", "tail", NULL), 384);
	const struct xt_type *rec = xt_ktypes()->find("struct cd_v", &(const char *){ 0 }, &(const char *){ 0 });
	const char *near;
	const struct xt_field *m = xt_ktypes()->field(rec, "m", &near);
	assert_int_equal(m->type->kind, XT_T_ARRAY);
	assert_int_equal(m->type->n, 2);
	assert_int_equal(m->type->pointee->kind, XT_T_ARRAY);
	assert_int_equal(m->type->pointee->n, 3);
	assert_int_equal(m->type->size, 24);
	const struct xt_field *pp = xt_ktypes()->field(rec, "pp", &near);
	assert_int_equal(pp->type->kind, XT_T_PTR);
	assert_int_equal(pp->type->pointee->kind, XT_T_PTR);
	assert_ptr_equal(pp->type->pointee->pointee, rec); /* struct cd_v ** */
	const struct xt_field *fn = xt_ktypes()->field(rec, "fn", &near);
	assert_int_equal(fn->type->kind, XT_T_PTR);
	assert_null(fn->type->pointee); /* a function pointer is opaque */
}

static void test_cdecl_typedef_chain(void **state)
{
	ok("typedef unsigned long long cd_u64;\n"
	   "typedef cd_u64 cd_count_t;\n"
	   "typedef struct cd_node { cd_count_t n; struct cd_node *next; struct cd_later *later; } cd_node_t, *cd_nodep;\n"
	   "typedef cd_nodep cd_pair[2];\n"
	   "struct cd_later { __u32 x; u8 y; int64_t z; };\n");
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_count_t"), 8);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_node_t"), 24);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_nodep"), 8);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_pair"), 16);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_later"), 16);
	const struct xt_type *t = xt_ktypes()->find("cd_node_t", &(const char *){ 0 }, &(const char *){ 0 });
	assert_non_null(t);
	assert_string_equal(t->cname, "struct cd_node");
	/* `struct cd_later *` before its definition is the one defined later */
	const char *near;
	const struct xt_field *later = xt_ktypes()->field(t, "later", &near);
	const struct xt_field *z = xt_ktypes()->field(later->type->pointee, "z", &near);
	assert_non_null(z);
	assert_int_equal(z->offset, 8);
}

static void test_cdecl_enums(void **state)
{
	ok("enum cd_e1 { CD_A = -1, CD_B = 5, CD_C, CD_D = CD_C << 2 | 1, CD_E = sizeof(long) * 2 + 'a' };\n"
	   "enum cd_e2 { CD_BIG = 0x100000000LL };\n"
	   "enum { CD_ANON = (int)3 + (1 ? 4 : 5) };");
	int64_t v;
	assert_true(xt_ktypes()->enumerator("CD_C", &v));
	assert_int_equal(v, 6);
	assert_true(xt_ktypes()->enumerator("CD_D", &v));
	assert_int_equal(v, 25);
	assert_true(xt_ktypes()->enumerator("CD_E", &v));
	assert_int_equal(v, 16 + 97);
	assert_true(xt_ktypes()->enumerator("CD_A", &v));
	assert_int_equal(v, -1);
	assert_true(xt_ktypes()->enumerator("CD_BIG", &v));
	assert_int_equal(v, 0x100000000LL);
	assert_true(xt_ktypes()->enumerator("CD_ANON", &v));
	assert_int_equal(v, 7);
	assert_int_equal(size_of(BTF_KIND_ENUM, "cd_e1"), 4);
	assert_int_equal(size_of(BTF_KIND_ENUM64, "cd_e2"), 8);
	const struct xt_type *t = xt_ktypes()->find("enum cd_e1", &(const char *){ 0 }, &(const char *){ 0 });
	assert_non_null(t);
	assert_true(t->sign);
}

/* What headers hold besides definitions is read over; the definitions after it still count. */
static void test_cdecl_header_skips(void **state)
{
	const char *h =
		"extern int cd_errno;\n"
		"int open(const char *__file, int __oflag, ...) __attribute__ ((__nonnull__ (1)));\n"
		"static __inline__ int cd_inline(int x) { struct { int y; } s = { x }; return s.y; }\n"
		"__asm__(\".symver foo, bar\");\n"
		"typedef __typeof__(sizeof(int)) cd_weird_t;\n"
		"extern __typeof__(open) open64;\n"
		"struct cd_after1 { int a; cd_unknown_t b; };\n"
		"_Static_assert(sizeof(int) == 4, \"int\");\n"
		"typedef void (*cd_handler_t)(int);\n"
		"typedef int cd_fn_t(int);\n"
		"struct cd_after2 { cd_handler_t h; int v; } __attribute__((aligned(32)));\n"
		"typedef __builtin_va_list cd_va;\n";
	char *d;
	assert_int_equal(read_c(h, true, &d), 0);
	assert_string_equal(d, "");
	free(d);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_after2"), 32);
	assert_true(xt_btf_find("cd_after1", BTF_KIND_STRUCT) < 0);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_weird_t"), 8); /* typeof(sizeof(int)): size_t */
	assert_true(xt_btf_find("cd_fn_t", BTF_KIND_TYPEDEF) < 0);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_va"), 24);
}

/* The same struct in two headers: the first stays (headers guard against
 * it; when they do not, nothing is gained by an error). */
static void test_cdecl_header_duplicates(void **state)
{
	char *d;
	assert_int_equal(read_c("struct cd_hd { int a; };\n"
				"struct cd_hd { struct cd_hd_in { int z; } in; long b; };\n"
				"enum cd_he { CD_HE1 };\n"
				"enum cd_he { CD_HE2 = 9 };\n"
				"struct cd_after3 { struct cd_hd x; enum cd_he e; };\n", true, &d), 0);
	assert_string_equal(d, "");
	free(d);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_hd"), 4);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_after3"), 8);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_hd_in"), 4);
}

/* A member of a kernel type refers to vmlinux's own (runqlen.bt's struct cfs_rq). */
static void test_cdecl_kernel_member(void **state)
{
	if (!xt_btf_get(NULL))
		skip();
	ok("struct cd_cfs_rq { struct load_weight load; unsigned long runnable_weight; unsigned int nr_running; };");
	int base = btf__find_by_name_kind(xt_btf_get(NULL), "load_weight", BTF_KIND_STRUCT);
	assert_true(base > 0);
	int id;
	const struct btf_type *t = type_of(BTF_KIND_STRUCT, "cd_cfs_rq", &id);
	assert_int_equal(btf_members(t)[0].type, base);
	assert_int_equal(bit_of("cd_cfs_rq", "nr_running", NULL), 24 * 8);
}

#define EXPECT_DIAG(text, want) do { \
		char *d; \
		assert_int_equal(read_c(text, false, &d), -1); \
		assert_string_equal(d, want); \
		free(d); \
	} while (0)

static void test_cdecl_diag_unknown_type(void **state)
{
	EXPECT_DIAG("struct cd_bad1 { int a; cd_nope_t b; };",
		"<stdin>:1:25-33: error: unknown type name 'cd_nope_t'\n"
		"struct cd_bad1 { int a; cd_nope_t b; };\n"
		"                        ~~~~~~~~~\n");
	assert_true(xt_btf_find("cd_bad1", BTF_KIND_STRUCT) < 0); /* nothing of a failed unit */
}

static void test_cdecl_diag_duplicate(void **state)
{
	EXPECT_DIAG("struct cd_dup { int a; };\nstruct cd_dup { long b; };",
		"<stdin>:2:1-13: error: redefinition of 'struct cd_dup'\n"
		"struct cd_dup { long b; };\n"
		"~~~~~~~~~~~~~\n"
		"<stdin>:1:1-13: note: 'struct cd_dup' was first defined here\n"
		"struct cd_dup { int a; };\n"
		"~~~~~~~~~~~~~\n");
	EXPECT_DIAG("enum cd_ea { CD_SAME };\nenum cd_eb { CD_OTHER, CD_SAME };",
		"<stdin>:2:24-30: error: redefinition of 'CD_SAME'\n"
		"enum cd_eb { CD_OTHER, CD_SAME };\n"
		"                       ~~~~~~~\n"
		"<stdin>:1:14-20: note: 'CD_SAME' was first defined here\n"
		"enum cd_ea { CD_SAME };\n"
		"             ~~~~~~~\n");
	/* across units (REPL entries, programs): the later one replaces it */
	ok("struct cd_re { int a; };");
	ok("struct cd_re { long a; long b; };");
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_re"), 16);
	/* a typedef repeated with the same type is C11 */
	ok("typedef int cd_td; typedef int cd_td;");
}

static void test_cdecl_diag_bitfield(void **state)
{
	EXPECT_DIAG("struct cd_bad2 { char c:9; };",
		"<stdin>:1:25: error: width of bitfield 'c' (9 bits) exceeds its type (8 bits)\n"
		"struct cd_bad2 { char c:9; };\n"
		"                        ~\n");
	EXPECT_DIAG("struct cd_bad3 {\n\tstruct cd_nowhere x;\n};",
		"<stdin>:2:20: error: field 'x' has incomplete type 'struct cd_nowhere'\n"
		"\tstruct cd_nowhere x;\n"
		"\t                  ~\n");
	EXPECT_DIAG("enum cd_e4 { CD_X = CD_UNDEFINED + 1 };",
		"<stdin>:1:21-32: error: 'CD_UNDEFINED' is not a constant here (an enumerator or a macro of the included headers)\n"
		"enum cd_e4 { CD_X = CD_UNDEFINED + 1 };\n"
		"                    ~~~~~~~~~~~~\n");
}

/* Deep nesting is a diagnostic, not a stack overflow; in a header, skipped. */
static void test_cdecl_deep_nesting(void **state)
{
	size_t n = 100000;
	char *text = malloc(3 * n + 64);
	char *p = text + sprintf(text, "enum cd_deep { CD_DEEP = ");
	memset(p, '(', n);
	p += n;
	*p++ = '1';
	memset(p, ')', n);
	p += n;
	strcpy(p, " };");
	char *d;
	assert_int_equal(read_c(text, false, &d), -1);
	assert_non_null(strstr(d, "error: expression nested too deeply"));
	free(d);
	assert_int_equal(read_c(text, true, &d), 0);
	assert_string_equal(d, "");
	free(d);
	free(text);
}

/* bpftrace takes a definition without its ';' at the end. */
static void test_cdecl_no_semicolon(void **state)
{
	ok("struct cd_nosemi { int a; }");
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_nosemi"), 4);
}

static int64_t enumerator(const char *name)
{
	int64_t v;
	if (!xt_ktypes()->enumerator(name, &v))
		fail_msg("no enumerator %s", name);
	return v;
}

/* Constant expressions are typed as in C: GCC gives these values. */
static void test_cdecl_unsigned_constants(void **state)
{
	ok("enum cd_uc { CD_UC_ALL = ~0U, CD_UC_LT = -1 < 0U, CD_UC_DIV = -2 / 2U, CD_UC_SHR = ~0U >> 31,\n"
	   "  CD_UC_L = -1L < 0U, CD_UC_SZ = sizeof(int) - 5 > 0, CD_UC_WRAP = 0xffffffff + 1, CD_UC_HEX = 0x80000000 >> 31,\n"
	   "  CD_UC_MOD = -7 % 3U, CD_UC_CAST = (unsigned char)-1, CD_UC_NEG = -1U, CD_UC_CMP = (0U - 1) > 0 };\n"
	   "struct cd_ucs { char a[(~0U >> 28) + 1]; char b[-1 < 0U ? 1 : 2]; };\n");
	assert_int_equal(enumerator("CD_UC_ALL"), 4294967295LL);
	assert_int_equal(enumerator("CD_UC_LT"), 0);
	assert_int_equal(enumerator("CD_UC_DIV"), 2147483647);
	assert_int_equal(enumerator("CD_UC_SHR"), 1);
	assert_int_equal(enumerator("CD_UC_L"), 1);
	assert_int_equal(enumerator("CD_UC_SZ"), 1);
	assert_int_equal(enumerator("CD_UC_WRAP"), 0);
	assert_int_equal(enumerator("CD_UC_HEX"), 1);
	assert_int_equal(enumerator("CD_UC_MOD"), 4294967289LL % 3);
	assert_int_equal(enumerator("CD_UC_CAST"), 255);
	assert_int_equal(enumerator("CD_UC_NEG"), 4294967295LL);
	assert_int_equal(enumerator("CD_UC_CMP"), 1);
	assert_int_equal(size_of(BTF_KIND_ENUM, "cd_uc"), 4); /* 0 .. 2^32 - 1: unsigned int */
	const struct xt_type *t = xt_ktypes()->find("enum cd_uc", &(const char *){ 0 }, &(const char *){ 0 });
	assert_non_null(t);
	assert_false(t->sign);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_ucs"), 18);
	assert_int_equal(bit_of("cd_ucs", "b", NULL), 16 * 8);
}

/* enum E : T (C23): T's size, alignment and sign; a declaration is complete. */
static void test_cdecl_enum_fixed_type(void **state)
{
	ok("enum cd_f1 : unsigned char { CD_F1A = 1, CD_F1B = 255 };\n"
	   "enum cd_f2 : short { CD_F2A = -3 };\n"
	   "enum cd_f3 : u64 { CD_F3A = ~0UL };\n"
	   "enum cd_f4 : int;\n"
	   "struct cd_f5 { char c; enum cd_f1 e; enum cd_f2 s; enum cd_f4 i; enum cd_f1 : 3; char z; };\n"
	   "enum cd_f4 : int { CD_F4A = 7 };\n");
	assert_int_equal(size_of(BTF_KIND_ENUM, "cd_f1"), 1);
	assert_int_equal(size_of(BTF_KIND_ENUM, "cd_f2"), 2);
	assert_int_equal(size_of(BTF_KIND_ENUM64, "cd_f3"), 8);
	assert_int_equal(size_of(BTF_KIND_ENUM, "cd_f4"), 4);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_f5"), 12);
	assert_int_equal(bit_of("cd_f5", "e", NULL), 8);
	assert_int_equal(bit_of("cd_f5", "s", NULL), 16);
	assert_int_equal(bit_of("cd_f5", "i", NULL), 32);
	assert_int_equal(bit_of("cd_f5", "z", NULL), 72);
	assert_int_equal(enumerator("CD_F1B"), 255);
	assert_int_equal(enumerator("CD_F2A"), -3);
	assert_int_equal(enumerator("CD_F4A"), 7);
	const struct xt_type *t = xt_ktypes()->find("enum cd_f2", &(const char *){ 0 }, &(const char *){ 0 });
	assert_non_null(t);
	assert_true(t->sign);
	EXPECT_DIAG("enum cd_f6 : unsigned char { CD_F6 = 256 };",
		"<stdin>:1:38-40: error: enumerator value 256 of 'CD_F6' does not fit in 'unsigned char'\n"
		"enum cd_f6 : unsigned char { CD_F6 = 256 };\n"
		"                                     ~~~\n");
	EXPECT_DIAG("enum cd_f7 : float { CD_F7 };",
		"<stdin>:1:14-18: error: the underlying type of an enum must be an integer type, not 'float'\n"
		"enum cd_f7 : float { CD_F7 };\n"
		"             ~~~~~\n");
}

/* _Atomic(T) is T; typeof(type) and typeof(expression), the member through a
 * null pointer of the kernel's macros included; sizeof an expression. GCC
 * gives these layouts. */
static void test_cdecl_atomic_typeof(void **state)
{
	ok("struct cd_t1 { _Atomic(long) a; _Atomic int b; char c; _Atomic(struct cd_t1 *) next; };\n"
	   "typedef __typeof__(((struct cd_t1 *)0)->a) cd_t1a;\n"
	   "typedef typeof(1UL) cd_t2;\n"
	   "typedef typeof(struct cd_t1 *) cd_t3;\n"
	   "struct cd_t4 { typeof(((struct cd_t1 *)0)->c) x[3]; __typeof__(int) y; typeof(-1 < 0U) z; };\n"
	   "enum { CD_T5 = sizeof(((struct cd_t1 *)0)->b), CD_T6 = sizeof 1L, CD_T7 = sizeof(1 ? 2 : 3UL),\n"
	   "  CD_T8 = sizeof(*((struct cd_t1 *)0)->next), CD_T9 = sizeof(((struct cd_t4 *)0)->x[1]) };\n");
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_t1"), 24);
	assert_int_equal(bit_of("cd_t1", "next", NULL), 128);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_t1a"), 8);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_t2"), 8);
	assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_t3"), 8);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_t4"), 12);
	assert_int_equal(bit_of("cd_t4", "y", NULL), 32);
	assert_int_equal(bit_of("cd_t4", "z", NULL), 64);
	assert_int_equal(enumerator("CD_T5"), 4);
	assert_int_equal(enumerator("CD_T6"), 8);
	assert_int_equal(enumerator("CD_T7"), 8);
	assert_int_equal(enumerator("CD_T8"), 24);
	assert_int_equal(enumerator("CD_T9"), 1);
	if (xt_btf_get(NULL)) { /* a kernel struct's member */
		ok("typedef typeof(((struct task_struct *)0)->pid) cd_t10;");
		assert_int_equal(size_of(BTF_KIND_TYPEDEF, "cd_t10"), 4);
	}
	EXPECT_DIAG("typedef typeof(((struct cd_t1 *)0)->nope) cd_t11;",
		"<stdin>:1:37-40: error: 'struct cd_t1' has no member 'nope'\n"
		"typedef typeof(((struct cd_t1 *)0)->nope) cd_t11;\n"
		"                                    ~~~~\n");
}

/* #pragma pack(N), push, pop, (): GCC gives these layouts (pack(CD_ONE):
 * macros expanded as clang, bpftrace's compiler, does; GCC on Linux would
 * ignore that pragma). */
static void test_cdecl_pragma_pack(void **state)
{
	assert_int_equal(read_cpp("#pragma pack(push, 2)\n"
				  "struct cd_pa { char a; int b; long c; char d; };\n"
				  "struct cd_pb { char a; int b __attribute__((aligned(8))); char c; };\n"
				  "struct cd_pc { char a:7; int b:30; char d; long e:3; };\n"
				  "struct cd_pd { char a; long b; } __attribute__((aligned(16)));\n"
				  "#pragma pack(pop)\n"
				  "#define CD_ONE 1\n"
				  "#pragma pack(CD_ONE)\n"
				  "struct cd_pe { char a; struct cd_pa x; short s; };\n"
				  "#pragma pack()\n"
				  "struct cd_pg { char a; int b; };\n"
				  "#pragma pack(4)\n"
				  "struct cd_ph { char a; long b; double c; char d; };\n"
				  "union cd_pu { char a; long b; };\n"), 0);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pa"), 16);
	assert_int_equal(bit_of("cd_pa", "b", NULL), 16);
	assert_int_equal(bit_of("cd_pa", "c", NULL), 48);
	assert_int_equal(bit_of("cd_pa", "d", NULL), 112);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pb"), 8);
	assert_int_equal(bit_of("cd_pb", "b", NULL), 16);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pc"), 8);
	assert_int_equal(bit_of("cd_pc", "b", NULL), 7);
	assert_int_equal(bit_of("cd_pc", "d", NULL), 40);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pd"), 16);
	assert_int_equal(bit_of("cd_pd", "b", NULL), 16);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pe"), 19);
	assert_int_equal(bit_of("cd_pe", "s", NULL), 17 * 8);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_pg"), 8);
	assert_int_equal(size_of(BTF_KIND_STRUCT, "cd_ph"), 24);
	assert_int_equal(bit_of("cd_ph", "c", NULL), 96);
	assert_int_equal(size_of(BTF_KIND_UNION, "cd_pu"), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdecl_layout_padding),
		cmocka_unit_test(test_cdecl_bitfields),
		cmocka_unit_test(test_cdecl_attributes),
		cmocka_unit_test(test_cdecl_nested_anonymous),
		cmocka_unit_test(test_cdecl_arrays_pointers),
		cmocka_unit_test(test_cdecl_typedef_chain),
		cmocka_unit_test(test_cdecl_enums),
		cmocka_unit_test(test_cdecl_header_skips),
		cmocka_unit_test(test_cdecl_header_duplicates),
		cmocka_unit_test(test_cdecl_kernel_member),
		cmocka_unit_test(test_cdecl_diag_unknown_type),
		cmocka_unit_test(test_cdecl_diag_duplicate),
		cmocka_unit_test(test_cdecl_diag_bitfield),
		cmocka_unit_test(test_cdecl_deep_nesting),
		cmocka_unit_test(test_cdecl_no_semicolon),
		cmocka_unit_test(test_cdecl_unsigned_constants),
		cmocka_unit_test(test_cdecl_enum_fixed_type),
		cmocka_unit_test(test_cdecl_atomic_typeof),
		cmocka_unit_test(test_cdecl_pragma_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
