/* The formatter (lang/fmt.c): program text to exact formatted text, which
 * formats to itself again; a syntax error is the parser's diagnostic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lang/fmt.h"

/* xt_fmt of prog: its rc; the text (or the diagnostics) in *out, malloc'd. */
static int fmt(const char *prog, char **out)
{
	struct xt_source src = { .name = "<stdin>", .text = prog, .len = strlen(prog) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_arena *ar = xt_arena_new();
	char *text = NULL;
	size_t len = 0;
	int rc = xt_fmt(ar, &src, NULL, &text, &len, &dg);
	*out = strdup(rc == 0 ? text : dg.buf ? dg.buf : "");
	xt_diags_fini(&dg);
	xt_arena_free(ar);
	return rc;
}

/* The body of `BEGIN { stmt }` formatted: stmt's own line, without its tab. */
static void check_stmt(const char *stmt, const char *want)
{
	char prog[512], *out, *again;
	snprintf(prog, sizeof(prog), "BEGIN { %s }", stmt);
	int rc = fmt(prog, &out);
	if (rc != 0)
		print_error("<%s>:\n%s", prog, out);
	assert_int_equal(rc, 0);
	char expect[512];
	snprintf(expect, sizeof(expect), "BEGIN\n{\n\t%s\n}\n", want);
	assert_string_equal(out, expect);
	assert_int_equal(fmt(out, &again), 0);
	assert_string_equal(again, out); /* idempotent */
	free(out);
	free(again);
}

static void test_fmt_spacing(void **state)
{
	(void)state;
	check_stmt("$x=-1;", "$x = -1;");
	check_stmt("$x=$a- -$b;", "$x = $a - -$b;");
	check_stmt("$x=!$a&&~$b||*$p;", "$x = !$a && ~$b || *$p;");
	check_stmt("$x=$p->a.b[1]+$t.0;", "$x = $p->a.b[1] + $t.0;");
	check_stmt("$x=sizeof(struct foo *)+offsetof(struct foo,a.b);",
		   "$x = sizeof(struct foo *) + offsetof(struct foo, a.b);");
	check_stmt("$x=(int8 **)$p;", "$x = (int8 **)$p;");
	check_stmt("$x=(uint32)-1*2;", "$x = (uint32)-1 * 2;");
	check_stmt("let $p:int8* =0;", "let $p: int8 * = 0;");
	check_stmt("$i++;++$i;", "$i++;\n\t++$i;");
	check_stmt("@[comm,pid]=count();", "@[comm, pid] = count();");
	check_stmt("$x=$a?$b:$c;$y=$a?:$b;", "$x = $a ? $b : $c;\n\t$y = $a ?: $b;");
	check_stmt("$r=(a=1,b=(2,3));", "$r = (a = 1, b = (2, 3));");
	check_stmt("@x<<=2;@y=1e6;@z=500ms;", "@x <<= 2;\n\t@y = 1e6;\n\t@z = 500ms;");
	check_stmt("for($i:0..10){print($i);}", "for ($i : 0..10) {\n\t\tprint($i);\n\t}");
	check_stmt("unroll(3){@a++;}", "unroll(3) {\n\t\t@a++;\n\t}");
	check_stmt("while(!has_key(@m,1)){break;}", "while (!has_key(@m, 1)) {\n\t\tbreak;\n\t}");
	check_stmt("$v={let $a=1;$a+1};", "$v = {\n\t\tlet $a = 1;\n\t\t$a + 1\n\t};");
	check_stmt("$v=if($a){1}else{2};", "$v = if ($a) {\n\t\t1\n\t} else {\n\t\t2\n\t};");
	check_stmt("printf(\"%s\\n\",  \"a  b\");", "printf(\"%s\\n\", \"a  b\");");
}

static void check_prog(const char *prog, const char *want)
{
	char *out, *again;
	int rc = fmt(prog, &out);
	if (rc != 0)
		print_error("<%s>:\n%s", prog, out);
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
	assert_int_equal(fmt(out, &again), 0);
	assert_string_equal(again, out);
	free(out);
	free(again);
}

static void test_fmt_layout(void **state)
{
	(void)state;
	check_prog("t:a:b,t:a:c/pid>1/{@=count()}END{}",
		   "t:a:b,\nt:a:c\n/pid > 1/\n{\n\t@ = count()\n}\n\nEND\n{\n}\n");
	check_prog("BEGIN<@a=1;>", "BEGIN\n<\n\t@a = 1;\n>\n");
	/* blank lines stay, one at most; none at a block's edges */
	check_prog("BEGIN {\n\n  @a = 1;\n\n\n  @b = 2;\n\n}\n\n\n\nEND { }",
		   "BEGIN\n{\n\t@a = 1;\n\n\t@b = 2;\n}\n\nEND\n{\n}\n");
	/* comments: trailing, own line, inline, at the end */
	check_prog("/* c1 */ BEGIN { // c2\n@a = 1; /* c3 */ @b = 2; // c4\n// c5\n} // c6",
		   "/* c1 */ BEGIN\n{ // c2\n\t@a = 1; /* c3 */\n\t@b = 2; // c4\n\t// c5\n} // c6\n");
	/* a line break inside a statement stays, a tab deeper */
	check_prog("BEGIN { printf(\"%d %d\\n\",\n   1,\n 2); }",
		   "BEGIN\n{\n\tprintf(\"%d %d\\n\",\n\t\t1,\n\t\t2);\n}\n");
	/* preprocessor lines at column 0, as written */
	check_prog("#define A 1\nBEGIN {\n    #ifdef A\n  @a = A;\n   #endif\n}",
		   "#define A 1\nBEGIN\n{\n#ifdef A\n\t@a = A;\n#endif\n}\n");
	/* C definitions as written */
	check_prog("struct s {\n  int a;\n};\nBEGIN { }", "struct s {\n  int a;\n};\n\nBEGIN\n{\n}\n");
}

static void test_fmt_syntax_error(void **state)
{
	(void)state;
	char *out;
	assert_int_equal(fmt("BEGIN { @x = ; }", &out), -1);
	assert_string_equal(out, "<stdin>:1:14: error: syntax error: unexpected ';'\n"
				 "BEGIN { @x = ; }\n"
				 "             ~\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_spacing),
		cmocka_unit_test(test_fmt_layout),
		cmocka_unit_test(test_fmt_syntax_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
