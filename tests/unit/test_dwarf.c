/* Unit tests for stdlib/dwarf.c and the debug-file search of stdlib/elf_syms.c,
 * on the builds of tests/targets/dwarfprog.c (tests/CMakeLists.txt): where
 * each parameter travels (System V x86-64), the C spellings, the BTF the types
 * become, casts' lookups, and separate debug files. No kernel needed; skipped
 * (77) when the targets are not built. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stdlib/btf_types.h"
#include "stdlib/dwarf.h"
#include "stdlib/elf_syms.h"
#include "stdlib/registry.h"

static char dir[4096];

static const struct xt_elf *target(const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	const struct xt_elf *e = xt_elf_get(path);
	if (!e)
		fail_msg("cannot read %s", path);
	return e;
}

static const struct xt_dwarf_func *func(const char *bin, const char *name)
{
	const struct xt_elf *e = target(bin);
	const struct xt_elf_sym *sym = xt_elf_sym_by_name(e, name);
	if (!sym)
		fail_msg("no symbol %s in %s", name, bin);
	const char *why = NULL;
	const struct xt_dwarf_func *f = xt_dwarf_func(e, sym->addr, name, true, &why);
	if (!f)
		fail_msg("%s", why);
	return f;
}

static void check_param(const struct xt_dwarf_param *p, const char *name, const char *ctype, int reg)
{
	assert_string_equal(p->name, name);
	assert_string_equal(p->ctype, ctype);
	assert_int_equal(p->reg, reg);
	if (reg < 0)
		assert_non_null(p->why);
}

static void test_dwarf_integer_registers_in_order(void **state)
{
	const struct xt_dwarf_func *f = func("dwarfprog", "dp_ints");
	assert_int_equal(f->nparams, 6);
	check_param(&f->params[0], "n", "int", 0);
	check_param(&f->params[1], "c", "unsigned char", 1);
	check_param(&f->params[2], "s", "short int", 2);
	check_param(&f->params[3], "l", "long int", 3);
	check_param(&f->params[4], "u", "long long unsigned int", 4);
	check_param(&f->params[5], "neg", "signed char", 5);
	assert_string_equal(f->ret.ctype, "int");
	assert_int_equal(f->ret.reg, 0);
}

static void test_dwarf_sse_and_stack_do_not_count(void **state)
{
	const struct xt_dwarf_func *f = func("dwarfprog", "dp_mixed");
	check_param(&f->params[0], "x", "double", -1);
	assert_non_null(strstr(f->params[0].why, "SSE register"));
	check_param(&f->params[1], "after", "int", 0); /* rdi: the double went to xmm0 */
	assert_int_equal(f->ret.reg, -1);

	f = func("dwarfprog", "dp_byval");
	check_param(&f->params[0], "in", "struct dp_inner", -1); /* 16 bytes of integers: rdi and rsi */
	check_param(&f->params[1], "after", "int", 2);

	f = func("dwarfprog", "dp_seven");
	for (int i = 0; i < 6; i++)
		assert_int_equal(f->params[i].reg, i);
	check_param(&f->params[6], "g", "int", -1);
	assert_non_null(strstr(f->params[6].why, "on the stack"));
}

static void test_dwarf_spellings(void **state)
{
	check_param(&func("dwarfprog", "dp_total")->params[0], "list", "const struct dp_foo*", 0);
	check_param(&func("dwarfprog", "dp_call")->params[0], "cb", "int (*)(int)", 0);
	check_param(&func("dwarfprog", "dp_color")->params[0], "c", "enum dp_colour", 0);
	check_param(&func("dwarfprog", "dp_typed")->params[0], "f", "dp_foo_t*", 0);
	check_param(&func("dwarfprog", "dp_opaque")->params[0], "p", "void*", 0);
	assert_string_equal(func("dwarfprog", "dp_find")->ret.ctype, "struct dp_foo*");
}

static const struct xt_field *field(const struct xt_type *rec, const char *name)
{
	const char *near;
	const struct xt_field *f = xt_ktypes()->field(rec, name, &near);
	if (!f)
		fail_msg("no field %s in %s", name, rec->cname);
	return f;
}

static void test_dwarf_types_become_btf(void **state)
{
	const struct xt_dwarf_func *f = func("dwarfprog", "dp_find");
	const struct xt_type *p = xt_btf_type(f->params[0].btf_id);
	assert_non_null(p);
	assert_int_equal(p->kind, XT_T_PTR);
	const struct xt_type *foo = p->pointee;
	assert_int_equal(foo->kind, XT_T_RECORD);
	assert_string_equal(foo->cname, "struct dp_foo");
	assert_int_equal(foo->size, 64);
	const struct xt_field *name = field(foo, "name");
	assert_int_equal(name->offset, 4);
	assert_int_equal(name->type->kind, XT_T_STR);
	assert_int_equal(name->type->size, 16);
	const struct xt_field *inner = field(foo, "inner");
	assert_int_equal(inner->offset, 24);
	assert_int_equal(field(inner->type, "big")->offset, 8);
	assert_true(field(inner->type, "tag")->type->sign);
	const struct xt_field *next = field(foo, "next");
	assert_int_equal(next->type->kind, XT_T_PTR);
	assert_ptr_equal(next->type->pointee, foo); /* the cycle closes on one type */
	assert_int_equal(field(foo, "s16")->type->size, 2);
	/* the return type is the same struct, converted once */
	assert_ptr_equal(xt_btf_type(f->ret.btf_id)->pointee, foo);
	/* size_t through its typedef */
	const struct xt_type *len = xt_btf_type(func("dwarfprog", "dp_typed")->params[1].btf_id);
	assert_int_equal(len->kind, XT_T_INT);
	assert_int_equal(len->size, 8);
	assert_false(len->sign);
}

static void test_dwarf_casts_find_unreached_types(void **state)
{
	xt_dwarf_note(target("dwarfprog"));
	const char *near, *why;
	const struct xt_type *h = xt_ktypes()->find("struct dp_hidden", &near, &why);
	assert_non_null(h);
	assert_int_equal(h->size, 16);
	const struct xt_field *bits = field(h, "more");
	assert_int_equal(bits->offset, 12);
	assert_int_equal(bits->bitoff, 3);
	assert_int_equal(bits->bits, 5);
	assert_int_equal(xt_dwarf_type_id("struct ", "no_such_struct_anywhere"), 0);
}

static void test_dwarf_separate_debug_files(void **state)
{
	char path[4096], looked[8192];
	const struct xt_elf *split = target("dwarfprog_split");
	assert_false(split->debug_info);
	assert_string_equal(split->debuglink, "dwarfprog_split.debug");
	assert_int_equal(xt_elf_debug_file(split, path, sizeof(path), looked, sizeof(looked)), 0);
	assert_non_null(strstr(path, "/dwarfprog_split.debug"));
	/* its symbols come from there, and so do its functions' parameters */
	assert_non_null(xt_elf_sym_by_name(split, "dp_find_last"));
	check_param(&func("dwarfprog_split", "dp_byval")->params[1], "after", "int", 2);

	const struct xt_elf *none = target("dwarfprog_nodebug");
	assert_int_equal(xt_elf_debug_file(none, path, sizeof(path), looked, sizeof(looked)), -ENOENT);
	assert_non_null(strstr(looked, "no .gnu_debuglink"));
	assert_non_null(strstr(looked, "/usr/lib/debug/.build-id/"));
	const char *why = NULL;
	const struct xt_elf_sym *sym = xt_elf_sym_by_name(none, "dp_find"); /* in .dynsym */
	assert_non_null(sym);
	assert_null(xt_dwarf_func(none, sym->addr, "dp_find", true, &why));
	char want[16384];
	snprintf(want, sizeof(want), "%s has no debug information for args: no DWARF in the file, %s (arg0..arg5 still work)",
		 none->path, looked);
	assert_string_equal(why, want);
}

int main(void)
{
	const char *build = getenv("XT_BUILD_DIR");
	snprintf(dir, sizeof(dir), "%s/targets", build ? build : "build");
	char probe[4200];
	snprintf(probe, sizeof(probe), "%s/dwarfprog_split", dir);
	if (access(probe, R_OK) != 0) {
		printf("SKIP: %s is not built\n", probe);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_integer_registers_in_order),
		cmocka_unit_test(test_dwarf_sse_and_stack_do_not_count),
		cmocka_unit_test(test_dwarf_spellings),
		cmocka_unit_test(test_dwarf_types_become_btf),
		cmocka_unit_test(test_dwarf_casts_find_unreached_types),
		cmocka_unit_test(test_dwarf_separate_debug_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
