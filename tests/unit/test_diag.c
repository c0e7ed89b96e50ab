/* Diagnostics tests: full rendered text (header, source line, underline) and
 * the "did you mean" matcher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lang/diag.h"

static struct xt_loc span(int l1, int c1, int l2, int c2)
{
	struct xt_loc loc = { l1, c1, l2, c2, 0 };
	return loc;
}

static void test_diag_multi_column_span(void **state)
{
	const char *text = "tracepoint:syscalls:sys_enter_openat { @[comm] = coutn(); }";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(1, 50, 1, 54), "unknown function '%s'; did you mean '%s'?", "coutn", "count");
	assert_string_equal(dg.buf,
		"<stdin>:1:50-54: error: unknown function 'coutn'; did you mean 'count'?\n"
		"tracepoint:syscalls:sys_enter_openat { @[comm] = coutn(); }\n"
		"                                                 ~~~~~\n");
	assert_int_equal(dg.errors, 1);
	assert_false(dg.incomplete);
	xt_diags_fini(&dg);
}

static void test_diag_single_column(void **state)
{
	const char *text = "BEGIN { @x = ; }";
	struct xt_source src = { .name = "prog.xt", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(1, 14, 1, 14), "syntax error: unexpected ';'");
	assert_string_equal(dg.buf,
		"prog.xt:1:14: error: syntax error: unexpected ';'\n"
		"BEGIN { @x = ; }\n"
		"             ~\n");
	xt_diags_fini(&dg);
}

static void test_diag_multi_line_span(void **state)
{
	const char *text = "BEGIN {\n  if (x) {\n    @y = 1;\n  }\n}\n";
	struct xt_source src = { .name = "a.xt", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(2, 3, 4, 3), "this if never runs");
	assert_string_equal(dg.buf,
		"a.xt:2:3-4:3: error: this if never runs\n"
		"  if (x) {\n"
		"  ~~~~~~~~\n");
	xt_diags_fini(&dg);
}

static void test_diag_later_line_and_crlf(void **state)
{
	const char *text = "BEGIN {\r\n  @x = foo;\r\n}\r\n";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(2, 8, 2, 10), "unknown identifier 'foo'");
	assert_string_equal(dg.buf,
		"<stdin>:2:8-10: error: unknown identifier 'foo'\n"
		"  @x = foo;\n"
		"       ~~~\n");
	xt_diags_fini(&dg);
}

static void test_diag_tabs_kept_in_underline(void **state)
{
	const char *text = "BEGIN {\n\t\t@x = coutn();\n}";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(2, 8, 2, 12), "unknown function 'coutn'");
	assert_string_equal(dg.buf,
		"<stdin>:2:8-12: error: unknown function 'coutn'\n"
		"\t\t@x = coutn();\n"
		"\t\t     ~~~~~\n");
	xt_diags_fini(&dg);
}

/* Columns count code points, so the underline lines up under UTF-8 text. */
static void test_diag_utf8_columns(void **state)
{
	const char *text = "printf(\"h\xc3\xa9\xc3\xa9\", nope)";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(1, 15, 1, 18), "unknown identifier 'nope'");
	assert_string_equal(dg.buf,
		"<stdin>:1:15-18: error: unknown identifier 'nope'\n"
		"printf(\"h\xc3\xa9\xc3\xa9\", nope)\n"
		"              ~~~~\n");
	xt_diags_fini(&dg);
}

/* The end of input sits one column past the last character. */
static void test_diag_span_past_end_of_line(void **state)
{
	const char *text = "BEGIN {";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(1, 8, 1, 8), "syntax error: unexpected end of input");
	assert_string_equal(dg.buf,
		"<stdin>:1:8: error: syntax error: unexpected end of input\n"
		"BEGIN {\n"
		"       ~\n");
	xt_diags_fini(&dg);
}

static void test_diag_line_outside_source(void **state)
{
	const char *text = "BEGIN { }";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(7, 1, 7, 2), "somewhere else");
	assert_string_equal(dg.buf, "<stdin>:7:1-2: error: somewhere else\n");
	xt_diags_fini(&dg);
}

static void test_diag_notes(void **state)
{
	const char *text = "BEGIN { @x = 1; }\nEND { @x = \"s\"; }";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(2, 12, 2, 14), "map '@x' holds integers, not strings");
	xt_diag_note(&dg, span(1, 9, 1, 14), "'@x' first assigned here");
	struct xt_loc zero = { 0 };
	xt_diag_note(&dg, zero, "maps keep one value type for the whole program");
	assert_string_equal(dg.buf,
		"<stdin>:2:12-14: error: map '@x' holds integers, not strings\n"
		"END { @x = \"s\"; }\n"
		"           ~~~\n"
		"<stdin>:1:9-14: note: '@x' first assigned here\n"
		"BEGIN { @x = 1; }\n"
		"        ~~~~~~\n"
		"note: maps keep one value type for the whole program\n");
	assert_int_equal(dg.errors, 1);
	xt_diags_fini(&dg);
}

/* A place copied into macro expansions: the error, then a note at each
 * call, innermost first; a warning too; a bad number adds nothing. */
static void test_diag_expansion_notes(void **state)
{
	const char *text = "macro m(x) { x + 1 }\nmacro n(y) { m(y) }\nBEGIN { n(2); }";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_loc outer = span(3, 9, 3, 12);
	int e1 = xt_diag_expansion(&dg, outer, "n");
	struct xt_loc inner = span(2, 14, 2, 17);
	inner.exp = e1;
	int e2 = xt_diag_expansion(&dg, inner, "m");
	assert_int_equal(e1, 1);
	assert_int_equal(e2, 2);
	struct xt_loc at = span(1, 14, 1, 18);
	at.exp = e2;
	xt_diag_error(&dg, at, "bad");
	assert_string_equal(dg.buf,
		"<stdin>:1:14-18: error: bad\n"
		"macro m(x) { x + 1 }\n"
		"             ~~~~~\n"
		"<stdin>:2:14-17: note: expanded from macro 'm', called here\n"
		"macro n(y) { m(y) }\n"
		"             ~~~~\n"
		"<stdin>:3:9-12: note: expanded from macro 'n', called here\n"
		"BEGIN { n(2); }\n"
		"        ~~~~\n");
	xt_diags_clear(&dg);
	at.exp = e1;
	xt_diag_warning(&dg, at, "odd");
	assert_non_null(strstr(dg.buf, "note: expanded from macro 'n', called here"));
	assert_null(strstr(dg.buf, "macro 'm'"));
	xt_diags_clear(&dg);
	at.exp = 7; /* never numbered */
	xt_diag_error(&dg, at, "bad");
	assert_null(strstr(dg.buf, "note:"));
	xt_diags_fini(&dg);
}

/* A macro's variable ($t.MACRO.N once expanded) shows as written: $t;
 * other dotted text stays */
static void test_diag_macro_variable_names(void **state)
{
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	xt_diag_plain(&dg, "variable $nope.m.1 and $x.twice.12, not $t.0, $r.a, $s.b.c, $v.m.2x");
	assert_string_equal(dg.buf, "error: variable $nope and $x, not $t.0, $r.a, $s.b.c, $v.m.2x\n");
	xt_diags_fini(&dg);
}

static void test_diag_plain(void **state)
{
	const char *text = "kprobe:f { }";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_plain(&dg, "kprobes are not supported by this kernel (%s)", "CONFIG_KPROBES is off");
	assert_string_equal(dg.buf,
		"<stdin>: error: kprobes are not supported by this kernel (CONFIG_KPROBES is off)\n");
	assert_int_equal(dg.errors, 1);
	xt_diags_fini(&dg);

	xt_diags_init(&dg, NULL);
	xt_diag_plain(&dg, "no source at all");
	assert_string_equal(dg.buf, "error: no source at all\n");
	xt_diags_fini(&dg);
}

static void test_diag_accumulates_and_clears(void **state)
{
	const char *text = "a b";
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, span(1, 1, 1, 1), "first");
	xt_diag_error(&dg, span(1, 3, 1, 3), "second");
	dg.incomplete = true;
	assert_string_equal(dg.buf,
		"<stdin>:1:1: error: first\n"
		"a b\n"
		"~\n"
		"<stdin>:1:3: error: second\n"
		"a b\n"
		"  ~\n");
	assert_int_equal(dg.errors, 2);
	assert_int_equal(dg.len, strlen(dg.buf));
	xt_diags_clear(&dg);
	assert_int_equal(dg.errors, 0);
	assert_false(dg.incomplete);
	assert_int_equal(dg.len, 0);
	xt_diag_error(&dg, span(1, 3, 1, 3), "again");
	assert_string_equal(dg.buf,
		"<stdin>:1:3: error: again\n"
		"a b\n"
		"  ~\n");
	xt_diags_fini(&dg);
	assert_null(dg.buf);
}

static void test_diag_long_message(void **state)
{
	char word[3000];
	memset(word, 'w', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	xt_diag_plain(&dg, "%s", word);
	assert_int_equal(strlen(dg.buf), strlen("error: ") + strlen(word) + 1);
	xt_diags_fini(&dg);
}

static void test_diag_closest_match(void **state)
{
	static const char *const funcs[] = { "count", "sum", "hist", "lhist", "printf", "print" };
	size_t n = sizeof(funcs) / sizeof(funcs[0]);
	assert_string_equal(xt_diag_closest("coutn", funcs, n), "count");
	assert_string_equal(xt_diag_closest("hsit", funcs, n), "hist");
	assert_string_equal(xt_diag_closest("prinf", funcs, n), "printf");
	assert_string_equal(xt_diag_closest("sun", funcs, n), "sum");
	assert_string_equal(xt_diag_closest("count", funcs, n), "count");
	/* distance 3 is too far */
	assert_null(xt_diag_closest("cxyzt", funcs, n));
	assert_null(xt_diag_closest("zzz", funcs, n));
	assert_null(xt_diag_closest("", funcs, n));
	assert_null(xt_diag_closest("count", funcs, 0));
}

/* The distance must also be less than the word's length. */
static void test_diag_closest_short_words(void **state)
{
	static const char *const cands[] = { "pid", "tid", "ab" };
	assert_null(xt_diag_closest("a", cands, 3));     /* "ab" is 1 away, but 1 is not < 1 */
	assert_string_equal(xt_diag_closest("ax", cands, 3), "ab"); /* 1 < 2 */
	assert_null(xt_diag_closest("xy", cands, 3));    /* 2 is not < 2 */
}

static void test_diag_closest_ties_pick_first(void **state)
{
	static const char *const a[] = { "tid", "pid" };
	static const char *const b[] = { "pid", "tid" };
	assert_string_equal(xt_diag_closest("xid", a, 2), "tid");
	assert_string_equal(xt_diag_closest("xid", b, 2), "pid");
	/* a nearer candidate later still wins */
	static const char *const c[] = { "hist", "lhist" };
	assert_string_equal(xt_diag_closest("lhis", c, 2), "lhist");
	static const char *const d[] = { NULL, "sum" };
	assert_string_equal(xt_diag_closest("sm", d, 2), "sum");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_multi_column_span),
		cmocka_unit_test(test_diag_single_column),
		cmocka_unit_test(test_diag_multi_line_span),
		cmocka_unit_test(test_diag_later_line_and_crlf),
		cmocka_unit_test(test_diag_tabs_kept_in_underline),
		cmocka_unit_test(test_diag_utf8_columns),
		cmocka_unit_test(test_diag_span_past_end_of_line),
		cmocka_unit_test(test_diag_line_outside_source),
		cmocka_unit_test(test_diag_notes),
		cmocka_unit_test(test_diag_expansion_notes),
		cmocka_unit_test(test_diag_macro_variable_names),
		cmocka_unit_test(test_diag_plain),
		cmocka_unit_test(test_diag_accumulates_and_clears),
		cmocka_unit_test(test_diag_long_message),
		cmocka_unit_test(test_diag_closest_match),
		cmocka_unit_test(test_diag_closest_short_words),
		cmocka_unit_test(test_diag_closest_ties_pick_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
