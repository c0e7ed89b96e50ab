/* Parser tests: program text to exact AST dumps, and syntax errors to exact
 * rendered diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lang/parser.h"

struct result {
	char *text;        /* the dump, or the rendered diagnostics (malloc'd) */
	bool ok;
	bool incomplete;
	int errors;
};

static struct result run(const char *prog, enum xt_parse_mode mode)
{
	struct xt_source src = { .name = "<stdin>", .text = prog, .len = strlen(prog) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_arena *ar = xt_arena_new();
	struct xt_node *n = xt_parse(ar, &src, mode, &dg);
	struct result r = { NULL, n != NULL, dg.incomplete, dg.errors };
	size_t len;
	FILE *f = open_memstream(&r.text, &len);
	assert_non_null(f);
	if (n)
		xt_ast_dump(f, n);
	else
		fputs(dg.buf ? dg.buf : "", f);
	fclose(f);
	xt_diags_fini(&dg);
	xt_arena_free(ar);
	return r;
}

static void check_ast(const char *prog, enum xt_parse_mode mode, const char *want)
{
	struct result r = run(prog, mode);
	if (!r.ok)
		print_error("parse of <%s> failed:\n%s", prog, r.text);
	assert_true(r.ok);
	assert_string_equal(r.text, want);
	free(r.text);
}

static void check_error(const char *prog, enum xt_parse_mode mode, const char *want, bool incomplete)
{
	struct result r = run(prog, mode);
	if (r.ok)
		print_error("parse of <%s> unexpectedly succeeded:\n%s", prog, r.text);
	assert_false(r.ok);
	assert_int_equal(r.errors, 1);
	assert_string_equal(r.text, want);
	assert_int_equal(r.incomplete, incomplete);
	free(r.text);
}

/* Parses both texts and asserts they give the same dump. */
static void check_same(const char *a, const char *b, enum xt_parse_mode mode)
{
	struct result ra = run(a, mode), rb = run(b, mode);
	if (!ra.ok || !rb.ok)
		print_error("<%s>:\n%s\n<%s>:\n%s", a, ra.text, b, rb.text);
	assert_true(ra.ok);
	assert_true(rb.ok);
	assert_string_equal(ra.text, rb.text);
	free(ra.text);
	free(rb.text);
}

#define P XT_PARSE_PROGRAM
#define E XT_PARSE_ENTRY

static void test_parse_probe_block(void **state)
{
	check_ast("tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"tracepoint:syscalls:sys_enter_openat\")\n"
		"    (block\n"
		"      (assign =\n"
		"        (map \"\"\n"
		"          (ident comm))\n"
		"        (call count)))))\n");
}

static void test_parse_angle_block_same_ast(void **state)
{
	check_same("tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }",
		   "tracepoint:syscalls:sys_enter_openat < @[comm]=count(); >", P);
	check_same("BEGIN { @x = 1; if (@x > 0) { @y = @x > 1; } @z = 2 }",
		   "BEGIN < @x = 1; if (@x > 0) { @y = @x > 1; } @z = 2; >", P);
	check_same("BEGIN { } END { @a = 1 > 2; }",
		   "BEGIN < > END <@a = 1 > 2;>", P);
	check_same("kprobe:f /pid > 1/ { ; ; @x++ }",
		   "kprobe:f /pid > 1/ < ; ; @x++; >", P);
}

static void test_parse_predicate(void **state)
{
	check_ast("tracepoint:syscalls:sys_enter_openat /pid == 1/ { printf(\"%d\\n\", pid); }", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"tracepoint:syscalls:sys_enter_openat\")\n"
		"    (binop ==\n"
		"      (ident pid)\n"
		"      (int 1))\n"
		"    (block\n"
		"      (expr\n"
		"        (call printf\n"
		"          (str \"%d\\n\")\n"
		"          (ident pid))))))\n");
	check_ast("BEGIN/1/{}", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"BEGIN\")\n"
		"    (int 1)\n"
		"    (block)))\n");
	/* no space needed when the last field is not a path */
	check_same("t:syscalls:sys_enter_openat/pid==1/{}",
		   "t:syscalls:sys_enter_openat /pid == 1/ {}", P);
	/* a '/' not followed by '{' or '<' divides */
	check_same("BEGIN /$x / 2 > 1/ { }", "BEGIN /($x / 2) > 1/ { }", P);
	check_same("uprobe:/bin/bash:readline /arg0/ < @x = 1; >",
		   "uprobe:/bin/bash:readline /arg0/\n{\n@x = 1\n}", P);
}

static void test_parse_attach_points(void **state)
{
	check_ast("uprobe:/bin/bash:readline,uprobe:./a.out:func+0x10,u:libc:malloc,"
		  "usdt:/path:prov:name,kprobe:vfs_*,t:syscalls:sys_enter_*,interval:ms:300,"
		  "profile:hz:99,watchpoint:0x1234:8:rw,uprobe:$1:foo { }", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"uprobe:/bin/bash:readline\")\n"
		"    (attach \"uprobe:./a.out:func+0x10\")\n"
		"    (attach \"u:libc:malloc\")\n"
		"    (attach \"usdt:/path:prov:name\")\n"
		"    (attach \"kprobe:vfs_*\")\n"
		"    (attach \"t:syscalls:sys_enter_*\")\n"
		"    (attach \"interval:ms:300\")\n"
		"    (attach \"profile:hz:99\")\n"
		"    (attach \"watchpoint:0x1234:8:rw\")\n"
		"    (attach \"uprobe:$1:foo\")\n"
		"    (block)))\n");
	check_ast("BEGIN{} kprobe:a ,\n kprobe:b{}", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"BEGIN\")\n"
		"    (block))\n"
		"  (probe\n"
		"    (attach \"kprobe:a\")\n"
		"    (attach \"kprobe:b\")\n"
		"    (block)))\n");
}

/* A relative path without "./" is a path when it names an existing file
 * and a ':' follows it; otherwise its '/' opens the predicate. */
static void test_parse_attach_relative_path(void **state)
{
	char dir[] = "/tmp/xt-parse-XXXXXX", cwd[4096];
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("bin", 0700), 0);
	FILE *f = fopen("bin/prog", "w");
	assert_non_null(f);
	fclose(f);
	check_ast("uprobe:bin/prog:main /pid == 1/ { }", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"uprobe:bin/prog:main\")\n"
		"    (binop ==\n"
		"      (ident pid)\n"
		"      (int 1))\n"
		"    (block)))\n");
	/* a ':' after it and no '?': a path, whether or not the file is there */
	check_ast("uprobe:bin/nope:main{}", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"uprobe:bin/nope:main\")\n"
		"    (block)))\n");
	/* with a '?' and no such file, or no ':' after it: a predicate */
	check_same("u:bin/nope?1:0/{}", "u:bin /nope ? 1 : 0/ {}", P);
	check_same("t:bin/prog/1/{}", "t:bin /prog / 1/ {}", P);
	check_same("k:f/pid == 1/{}", "k:f /pid == 1/ {}", P);
	remove("bin/prog");
	rmdir("bin");
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
}

static void test_parse_attach_locations(void **state)
{
	const char *prog = "BEGIN { }\nuprobe:/bin/bash:readline, k:f { $x + 1 }";
	struct xt_source src = { .name = "<stdin>", .text = prog, .len = strlen(prog) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_arena *ar = xt_arena_new();
	struct xt_node *p = xt_parse(ar, &src, XT_PARSE_PROGRAM, &dg);
	assert_non_null(p);
	struct xt_node *probe = p->list->next;
	struct xt_node *at = probe->list;
	assert_int_equal(at->loc.first_line, 2);
	assert_int_equal(at->loc.first_column, 1);
	assert_int_equal(at->loc.last_line, 2);
	assert_int_equal(at->loc.last_column, 25);
	assert_int_equal(at->next->loc.first_column, 28);
	assert_int_equal(at->next->loc.last_column, 30);
	/* the block spans its braces, the binop its operands */
	assert_int_equal(probe->b->loc.first_column, 32);
	assert_int_equal(probe->b->loc.last_column, 41);
	struct xt_node *e = probe->b->list->a;
	assert_int_equal(e->kind, XT_N_BINOP);
	assert_int_equal(e->loc.first_column, 34);
	assert_int_equal(e->loc.last_column, 39);
	assert_int_equal(xt_node_count(probe->list), 2);
	xt_diags_fini(&dg);
	xt_arena_free(ar);
}

/* Every binary operator, with its op text. */
static void test_parse_binary_operators(void **state)
{
	static const struct { const char *src; int op; } ops[] = {
		{ "+", XT_OP_ADD }, { "-", XT_OP_SUB }, { "*", XT_OP_MUL }, { "/", XT_OP_DIV },
		{ "%", XT_OP_MOD }, { "&", XT_OP_BAND }, { "|", XT_OP_BOR }, { "^", XT_OP_BXOR },
		{ "<<", XT_OP_SHL }, { ">>", XT_OP_SHR }, { "&&", XT_OP_LAND }, { "||", XT_OP_LOR },
		{ "==", XT_OP_EQ }, { "!=", XT_OP_NE }, { "<", XT_OP_LT }, { "<=", XT_OP_LE },
		{ ">", XT_OP_GT }, { ">=", XT_OP_GE },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char prog[64], want[256];
		snprintf(prog, sizeof(prog), "$a %s $b", ops[i].src);
		snprintf(want, sizeof(want),
			 "(program\n"
			 "  (block\n"
			 "    (expr\n"
			 "      (binop %s\n"
			 "        (var a)\n"
			 "        (var b)))))\n", ops[i].src);
		check_ast(prog, E, want);
		assert_string_equal(xt_op_text(ops[i].op), ops[i].src);
	}
}

/* Precedence and associativity, C's: each pair must parse alike. */
static void test_parse_precedence(void **state)
{
	static const char *const pairs[][2] = {
		{ "1 + 2 * 3", "1 + (2 * 3)" },
		{ "1 * 2 + 3", "(1 * 2) + 3" },
		{ "1 - 2 - 3", "(1 - 2) - 3" },
		{ "8 / 4 / 2", "(8 / 4) / 2" },
		{ "7 % 3 * 2", "(7 % 3) * 2" },
		{ "1 << 2 + 3", "1 << (2 + 3)" },
		{ "1 < 2 << 3", "1 < (2 << 3)" },
		{ "1 == 2 < 3", "1 == (2 < 3)" },
		{ "1 != 2 >= 3", "1 != (2 >= 3)" },
		{ "1 & 2 == 3", "1 & (2 == 3)" },
		{ "1 ^ 2 & 3", "1 ^ (2 & 3)" },
		{ "1 | 2 ^ 3", "1 | (2 ^ 3)" },
		{ "1 && 2 | 3", "1 && (2 | 3)" },
		{ "1 || 2 && 3", "1 || (2 && 3)" },
		{ "1 ? 2 : 3 || 4", "1 ? 2 : (3 || 4)" },
		{ "1 ? 2 : 3 ? 4 : 5", "1 ? 2 : (3 ? 4 : 5)" },
		{ "1 || 2 ? 3 : 4", "(1 || 2) ? 3 : 4" },
		{ "-1 + 2", "(-1) + 2" },
		{ "-$x[1]", "-($x[1])" },
		{ "!$a && $b", "(!$a) && $b" },
		{ "~$a | 1", "(~$a) | 1" },
		{ "*$p + 1", "(*$p) + 1" },
		{ "*$p->x", "*($p->x)" },
		{ "&$x.y", "&($x.y)" },
		{ "(uint8)$x + 1", "((uint8)$x) + 1" },
		{ "(uint8)$x->y", "(uint8)($x->y)" },
		{ "$a + $b++", "$a + ($b++)" },
		{ "-@x[1, 2].f", "-((@x[1, 2]).f)" },
		{ "$t.0.1", "($t.0).1" },
		{ "1 + 2 > 3 - 4 && 5", "((1 + 2) > (3 - 4)) && 5" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		check_same(pairs[i][0], pairs[i][1], E);
}

static void test_parse_unary_and_incdec(void **state)
{
	check_ast("++@x; --$y; @x++; $y--; -$a; ~$a; !$a; *$a; &$a; - -$a; !*$p", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (incdec pre++\n"
		"        (map \"x\")))\n"
		"    (expr\n"
		"      (incdec pre--\n"
		"        (var y)))\n"
		"    (expr\n"
		"      (incdec post++\n"
		"        (map \"x\")))\n"
		"    (expr\n"
		"      (incdec post--\n"
		"        (var y)))\n"
		"    (expr\n"
		"      (unop -\n"
		"        (var a)))\n"
		"    (expr\n"
		"      (unop ~\n"
		"        (var a)))\n"
		"    (expr\n"
		"      (unop !\n"
		"        (var a)))\n"
		"    (expr\n"
		"      (unop *\n"
		"        (var a)))\n"
		"    (expr\n"
		"      (unop &\n"
		"        (var a)))\n"
		"    (expr\n"
		"      (unop -\n"
		"        (unop -\n"
		"          (var a))))\n"
		"    (expr\n"
		"      (unop !\n"
		"        (unop *\n"
		"          (var p))))))\n");
}

static void test_parse_if_else_chain(void **state)
{
	check_ast("if ($a) { @x = 1 } else if ($b) { @x = 2; } else if ($c) { } else { @x = 3 }", E,
		"(program\n"
		"  (block\n"
		"    (if\n"
		"      (var a)\n"
		"      (block\n"
		"        (assign =\n"
		"          (map \"x\")\n"
		"          (int 1)))\n"
		"      (if\n"
		"        (var b)\n"
		"        (block\n"
		"          (assign =\n"
		"            (map \"x\")\n"
		"            (int 2)))\n"
		"        (if\n"
		"          (var c)\n"
		"          (block)\n"
		"          (block\n"
		"            (assign =\n"
		"              (map \"x\")\n"
		"              (int 3))))))))\n");
	/* compound statements need no ';' before the next statement */
	check_same("if (1) { } @x = 1", "if (1) { }; @x = 1;", E);
}

static void test_parse_compound_assignment(void **state)
{
	static const struct { const char *src; int op; } ops[] = {
		{ "+", XT_OP_ADD }, { "-", XT_OP_SUB }, { "*", XT_OP_MUL }, { "/", XT_OP_DIV },
		{ "%", XT_OP_MOD }, { "&", XT_OP_BAND }, { "|", XT_OP_BOR }, { "^", XT_OP_BXOR },
		{ "<<", XT_OP_SHL }, { ">>", XT_OP_SHR },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char prog[64], want[256];
		snprintf(prog, sizeof(prog), "@x[1] %s= 2; $y %s= @x[1]", ops[i].src, ops[i].src);
		snprintf(want, sizeof(want),
			 "(program\n"
			 "  (block\n"
			 "    (assign %s=\n"
			 "      (map \"x\"\n"
			 "        (int 1))\n"
			 "      (int 2))\n"
			 "    (assign %s=\n"
			 "      (var y)\n"
			 "      (map \"x\"\n"
			 "        (int 1)))))\n", ops[i].src, ops[i].src);
		check_ast(prog, E, want);

		/* the node carries the operator itself */
		struct xt_source src = { .name = "<stdin>", .text = prog, .len = strlen(prog) };
		struct xt_diags dg;
		xt_diags_init(&dg, &src);
		struct xt_arena *ar = xt_arena_new();
		struct xt_node *p = xt_parse(ar, &src, XT_PARSE_ENTRY, &dg);
		assert_non_null(p);
		assert_int_equal(p->b->list->kind, XT_N_ASSIGN);
		assert_int_equal(p->b->list->op, ops[i].op);
		xt_diags_fini(&dg);
		xt_arena_free(ar);
	}
}

static void test_parse_plain_assignment_op(void **state)
{
	const char *prog = "$x = 1";
	struct xt_source src = { .name = "<stdin>", .text = prog, .len = strlen(prog) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_arena *ar = xt_arena_new();
	struct xt_node *p = xt_parse(ar, &src, XT_PARSE_ENTRY, &dg);
	assert_non_null(p);
	assert_int_equal(p->b->list->op, XT_OP_ASSIGN);
	assert_int_equal(p->b->list->a->kind, XT_N_VAR);
	assert_string_equal(p->b->list->a->name, "x");
	xt_diags_fini(&dg);
	xt_arena_free(ar);
}

static void test_parse_tuples(void **state)
{
	check_ast("$t = (1, \"a\", @x); $u = ((1)); $v = (1, (2, 3))", E,
		"(program\n"
		"  (block\n"
		"    (assign =\n"
		"      (var t)\n"
		"      (tuple\n"
		"        (int 1)\n"
		"        (str \"a\")\n"
		"        (map \"x\")))\n"
		"    (assign =\n"
		"      (var u)\n"
		"      (int 1))\n"
		"    (assign =\n"
		"      (var v)\n"
		"      (tuple\n"
		"        (int 1)\n"
		"        (tuple\n"
		"          (int 2)\n"
		"          (int 3))))))\n");
}

static void test_parse_casts(void **state)
{
	check_ast("(uint8)$x; (int64)-1; (struct task_struct *)curtask; (struct foo)$x; "
		  "(union u **)0; (enum e)1; (bool)1 + 2", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (cast \"uint8\"\n"
		"        (var x)))\n"
		"    (expr\n"
		"      (cast \"int64\"\n"
		"        (unop -\n"
		"          (int 1))))\n"
		"    (expr\n"
		"      (cast \"struct task_struct *\"\n"
		"        (ident curtask)))\n"
		"    (expr\n"
		"      (cast \"struct foo\"\n"
		"        (var x)))\n"
		"    (expr\n"
		"      (cast \"union u **\"\n"
		"        (int 0)))\n"
		"    (expr\n"
		"      (cast \"enum e\"\n"
		"        (int 1)))\n"
		"    (expr\n"
		"      (binop +\n"
		"        (cast \"bool\"\n"
		"          (int 1))\n"
		"        (int 2)))))\n");
	/* every builtin integer type, spaced freely */
	check_same("(int8)1; (int16)1; (int32)1; (int64)1; (uint8)1; (uint16)1; (uint32)1; (uint64)1",
		   "( int8 )1;(int16) 1;(int32)1;(int64)1;(uint8)1;(uint16)1;(uint32)1;(uint64)1", E);
	check_same("(struct foo*)$p", "( struct  foo  * ) $p", E);
}

static void test_parse_field_arrow_index(void **state)
{
	check_ast("$p->comm; $t.0; $s.field.1; args.filename; $a[1][2]; @m[1][2]; curtask->parent->pid", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (arrow comm\n"
		"        (var p)))\n"
		"    (expr\n"
		"      (field 0\n"
		"        (var t)))\n"
		"    (expr\n"
		"      (field 1\n"
		"        (field field\n"
		"          (var s))))\n"
		"    (expr\n"
		"      (field filename\n"
		"        (ident args)))\n"
		"    (expr\n"
		"      (index\n"
		"        (index\n"
		"          (var a)\n"
		"          (int 1))\n"
		"        (int 2)))\n"
		"    (expr\n"
		"      (index\n"
		"        (map \"m\"\n"
		"          (int 1))\n"
		"        (int 2)))\n"
		"    (expr\n"
		"      (arrow pid\n"
		"        (arrow parent\n"
		"          (ident curtask))))))\n");
}

static void test_parse_maps(void **state)
{
	check_ast("@x; @; @[1]; @m[comm, pid]; @m[(1, 2)]", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (map \"x\"))\n"
		"    (expr\n"
		"      (map \"\"))\n"
		"    (expr\n"
		"      (map \"\"\n"
		"        (int 1)))\n"
		"    (expr\n"
		"      (map \"m\"\n"
		"        (ident comm)\n"
		"        (ident pid)))\n"
		"    (expr\n"
		"      (map \"m\"\n"
		"        (tuple\n"
		"          (int 1)\n"
		"          (int 2))))))\n");
}

static void test_parse_loops(void **state)
{
	check_ast("for ($i : 0..$n + 1) { continue } for ($kv : @m) { break; } "
		  "while ($i < 10) { $i++; } unroll(3) { @x--; }", E,
		"(program\n"
		"  (block\n"
		"    (for\n"
		"      (var i)\n"
		"      (range\n"
		"        (int 0)\n"
		"        (binop +\n"
		"          (var n)\n"
		"          (int 1)))\n"
		"      (block\n"
		"        (continue)))\n"
		"    (for\n"
		"      (var kv)\n"
		"      (map \"m\")\n"
		"      (block\n"
		"        (break)))\n"
		"    (while\n"
		"      (binop <\n"
		"        (var i)\n"
		"        (int 10))\n"
		"      (block\n"
		"        (expr\n"
		"          (incdec post++\n"
		"            (var i)))))\n"
		"    (unroll\n"
		"      (int 3)\n"
		"      (block\n"
		"        (expr\n"
		"          (incdec post--\n"
		"            (map \"x\")))))))\n");
}

static void test_parse_let_return(void **state)
{
	check_ast("let $x; let $y = 1; let $z: uint32 = 2; let $p: struct foo *; return; return 1", E,
		"(program\n"
		"  (block\n"
		"    (let\n"
		"      (var x))\n"
		"    (let\n"
		"      (var y)\n"
		"      (int 1))\n"
		"    (let \"uint32\"\n"
		"      (var z)\n"
		"      (int 2))\n"
		"    (let \"struct foo *\"\n"
		"      (var p))\n"
		"    (return)\n"
		"    (return\n"
		"      (int 1))))\n");
}

/* bpftrace 0.22's let types: string[N], buffer[N], type names, typeof */
static void test_parse_let_types(void **state)
{
	check_ast("let $a: string; let $b: string[8]; let $c: buffer[4]; let $d: uint64_t *; let $e: typeof($a) = 1; "
		  "let $f: typeof(uint8)", E,
		"(program\n"
		"  (block\n"
		"    (let \"string\"\n"
		"      (var a))\n"
		"    (let \"string[8]\"\n"
		"      (var b))\n"
		"    (let \"buffer[4]\"\n"
		"      (var c))\n"
		"    (let \"uint64_t *\"\n"
		"      (var d))\n"
		"    (let \"typeof\"\n"
		"      (var e)\n"
		"      (int 1)\n"
		"      (var a))\n"
		"    (let \"uint8\"\n"
		"      (var f))))\n");
	check_error("let $a: sizeof($b)", E, "<stdin>:1:9-14: error: syntax error: unexpected 'sizeof'\n"
		    "let $a: sizeof($b)\n"
		    "        ~~~~~~\n", false);
	check_error("let $a: foo($b)", E, "<stdin>:1:9-11: error: syntax error: 'foo(...)' is no type; did you mean typeof(...)?\n"
		    "let $a: foo($b)\n"
		    "        ~~~\n", false);
}

/* (typeof(x))y: the cast's c is typeof's operand; typeof of a type is that
 * type's cast; &$v and &@m[k] are address-of unops (bpftrace 0.24, 0.26) */
static void test_parse_typeof_cast_addr(void **state)
{
	check_ast("(typeof($a) **)0; let $q: typeof($a) * = 0; (typeof(uint8 *) *)0", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (cast \"typeof\" **\n"
		"        (int 0)\n"
		"        (var a)))\n"
		"    (let \"typeof\" *\n"
		"      (var q)\n"
		"      (int 0)\n"
		"      (var a))\n"
		"    (expr\n"
		"      (cast \"uint8 **\"\n"
		"        (int 0)))))\n");
	check_ast("(typeof($a))300; (typeof(uint8 *))$p; &$v; &@m[1]", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (cast \"typeof\"\n"
		"        (int 300)\n"
		"        (var a)))\n"
		"    (expr\n"
		"      (cast \"uint8 *\"\n"
		"        (var p)))\n"
		"    (expr\n"
		"      (unop &\n"
		"        (var v)))\n"
		"    (expr\n"
		"      (unop &\n"
		"        (map \"m\"\n"
		"          (int 1))))))\n");
	check_error("print(typeof($x))", E, "<stdin>:1:7-12: error: syntax error: typeof(...) is a type, not a value: "
		    "cast to it, (typeof(x))y, or declare with it, let $y: typeof(x)\n"
		    "print(typeof($x))\n"
		    "      ~~~~~~\n", false);
}

/* bpftrace 0.25's records and tuples of one */
static void test_parse_records(void **state)
{
	check_ast("$r = (a = 1, b = \"x\"); $t = (2,); $u = (3)", E,
		"(program\n"
		"  (block\n"
		"    (assign =\n"
		"      (var r)\n"
		"      (tuple a= b=\n"
		"        (int 1)\n"
		"        (str \"x\")))\n"
		"    (assign =\n"
		"      (var t)\n"
		"      (tuple\n"
		"        (int 2)))\n"
		"    (assign =\n"
		"      (var u)\n"
		"      (int 3))))\n");
	check_error("$r = (a = 1, a = 2)", E, "<stdin>:1:14: error: duplicate field 'a' in a record\n"
		    "$r = (a = 1, a = 2)\n"
		    "             ~\n", false);
}

/* bpftrace 0.24's map declarations, before and after probes */
static void test_parse_map_decls(void **state)
{
	check_ast("let @a = lruhash(128); BEGIN { @a[1] = 1; } let @b = percpuhash(8);", P,
		"(program\n"
		"  (map-decl @a lruhash\n"
		"    (int 128))\n"
		"  (map-decl @b percpuhash\n"
		"    (int 8))\n"
		"  (probe\n"
		"    (attach \"BEGIN\")\n"
		"    (block\n"
		"      (assign =\n"
		"        (map \"a\"\n"
		"          (int 1))\n"
		"        (int 1)))))\n");
	check_error("let @a = hash(1) BEGIN { }", P, "<stdin>:1:18-22: error: expected ';' after statement\n"
		    "let @a = hash(1) BEGIN { }\n"
		    "                 ~~~~~\n", false);
}

static void test_parse_literals(void **state)
{
	check_ast("0; 42; 0x1F; 0XfF; 1_000_000; 0xffff_ffff_ffff_ffff; 18446744073709551615", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (int 0))\n"
		"    (expr\n"
		"      (int 42))\n"
		"    (expr\n"
		"      (int 31))\n"
		"    (expr\n"
		"      (int 255))\n"
		"    (expr\n"
		"      (int 1000000))\n"
		"    (expr\n"
		"      (int 18446744073709551615))\n"
		"    (expr\n"
		"      (int 18446744073709551615))))\n");
	check_ast("010; 0_7; 1e6; 5E3; 1e1_0; 10u; 10UL; 7ll; 2s; 500ms; 3us; 4ns; 1m; 1h; 1d", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (int 8))\n"
		"    (expr\n"
		"      (int 7))\n"
		"    (expr\n"
		"      (int 1000000))\n"
		"    (expr\n"
		"      (int 5000))\n"
		"    (expr\n"
		"      (int 10000000000))\n"
		"    (expr\n"
		"      (int 10))\n"
		"    (expr\n"
		"      (int 10))\n"
		"    (expr\n"
		"      (int 7))\n"
		"    (expr\n"
		"      (int 2000000000))\n"
		"    (expr\n"
		"      (int 500000000))\n"
		"    (expr\n"
		"      (int 3000))\n"
		"    (expr\n"
		"      (int 4))\n"
		"    (expr\n"
		"      (int 60000000000))\n"
		"    (expr\n"
		"      (int 3600000000000))\n"
		"    (expr\n"
		"      (int 86400000000000))))\n");
	check_ast("\"a\\n\\t\\\\\\\"\\r\\x41\\x7\\101\\0z\\'\"; \"\"", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (str \"a\\n\\t\\\\\\\"\\rA\\x07A\\0z'\"))\n"
		"    (expr\n"
		"      (str \"\"))))\n");
}

/* bpftrace 0.24-0.26 syntax: bare unary conditions, _ = e, a ?: b, true/false */
static void test_parse_newer_syntax(void **state)
{
	check_ast("if $ok { } while !f($x) { } unroll 2 { } _ = 1 ?: 2; $t = true; $f = false", E,
		"(program\n"
		"  (block\n"
		"    (if\n"
		"      (var ok)\n"
		"      (block))\n"
		"    (while\n"
		"      (unop !\n"
		"        (call f\n"
		"          (var x)))\n"
		"      (block))\n"
		"    (unroll\n"
		"      (int 2)\n"
		"      (block))\n"
		"    (expr\n"
		"      (binop ?:\n"
		"        (int 1)\n"
		"        (int 2)))\n"
		"    (assign =\n"
		"      (var t)\n"
		"      (bool true))\n"
		"    (assign =\n"
		"      (var f)\n"
		"      (bool false))))\n");
	check_error("BEGIN { if $a > 1 { } }", P,
		"<stdin>:1:15: error: syntax error: a condition without parentheses is one unary expression "
		"(if $ok, if !f(x)); write the whole condition in ( )\n"
		"BEGIN { if $a > 1 { } }\n"
		"              ~\n", false);
	check_error("BEGIN { x = 1; }", P,
		"<stdin>:1:9: error: cannot assign to 'x': assign to a $variable, a @map, or _ to drop the value\n"
		"BEGIN { x = 1; }\n"
		"        ~\n", false);
}

static void test_parse_string_length_counts_nul(void **state)
{
	const char *prog = "\"a\\0b\"";
	struct xt_source src = { .name = "<stdin>", .text = prog, .len = strlen(prog) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_arena *ar = xt_arena_new();
	struct xt_node *p = xt_parse(ar, &src, XT_PARSE_ENTRY, &dg);
	assert_non_null(p);
	const struct xt_node *s = p->b->list->a;
	assert_int_equal(s->kind, XT_N_STR);
	assert_int_equal(s->slen, 3);
	assert_memory_equal(s->sval, "a\0b", 4);
	xt_diags_fini(&dg);
	xt_arena_free(ar);
}

static void test_parse_sizeof_offsetof_posparams(void **state)
{
	check_ast("sizeof(int64); sizeof(struct foo *); sizeof($x); offsetof(struct foo, bar); "
		  "$1; $12; $#; str($1)", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (sizeof \"int64\"))\n"
		"    (expr\n"
		"      (sizeof \"struct foo *\"))\n"
		"    (expr\n"
		"      (sizeof\n"
		"        (var x)))\n"
		"    (expr\n"
		"      (offsetof \"struct foo\" bar))\n"
		"    (expr\n"
		"      (posparam 1))\n"
		"    (expr\n"
		"      (posparam 12))\n"
		"    (expr\n"
		"      (posparam #))\n"
		"    (expr\n"
		"      (call str\n"
		"        (posparam 1)))))\n");
}

static void test_parse_config_block(void **state)
{
	check_ast("config = { max_strlen = 64; stack_mode = perf } BEGIN { }", P,
		"(program\n"
		"  (config\n"
		"    (config-set max_strlen\n"
		"      (int 64))\n"
		"    (config-set stack_mode\n"
		"      (ident perf)))\n"
		"  (probe\n"
		"    (attach \"BEGIN\")\n"
		"    (block)))\n");
	check_same("config={a=1;}\nBEGIN{}", "config = { a = 1 } BEGIN { }", P);
}

static void test_parse_comments_and_shebang(void **state)
{
	check_ast("#!/usr/bin/env xtrace\n// line comment\nBEGIN /* block\n comment */ { @x = 1; // trailing\n}\n", P,
		"(program\n"
		"  (probe\n"
		"    (attach \"BEGIN\")\n"
		"    (block\n"
		"      (assign =\n"
		"        (map \"x\")\n"
		"        (int 1)))))\n");
	/* the shebang line still counts as line 1 */
	check_error("#!/bin/xtrace\nBEGIN { @x = ; }", P,
		"<stdin>:2:14: error: syntax error: unexpected ';'\n"
		"BEGIN { @x = ; }\n"
		"             ~\n", false);
}

static void test_parse_entry_statements(void **state)
{
	check_ast("@x", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (map \"x\"))))\n");
	check_ast("print(@x, 10); clear(@x);", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (call print\n"
		"        (map \"x\")\n"
		"        (int 10)))\n"
		"    (expr\n"
		"      (call clear\n"
		"        (map \"x\")))))\n");
	check_ast("comm", E,
		"(program\n"
		"  (block\n"
		"    (expr\n"
		"      (ident comm))))\n");
	check_ast("", E,
		"(program\n"
		"  (block))\n");
}

static void test_parse_entry_programs(void **state)
{
	check_same("BEGIN { exit() }", "BEGIN { exit() }", E);
	check_ast("  kprobe:f { }", E,
		"(program\n"
		"  (probe\n"
		"    (attach \"kprobe:f\")\n"
		"    (block)))\n");
	check_ast("END/1/{}", E,
		"(program\n"
		"  (probe\n"
		"    (attach \"END\")\n"
		"    (int 1)\n"
		"    (block)))\n");
	check_ast("config = { a = 1 } BEGIN { }", E,
		"(program\n"
		"  (config\n"
		"    (config-set a\n"
		"      (int 1)))\n"
		"  (probe\n"
		"    (attach \"BEGIN\")\n"
		"    (block)))\n");
	/* the same text as a whole program and as an entry */
	struct result a = run("i:s:1 { @x = count(); }", P), b = run("i:s:1 { @x = count(); }", E);
	assert_true(a.ok && b.ok);
	assert_string_equal(a.text, b.text);
	free(a.text);
	free(b.text);
}

static void test_parse_incomplete(void **state)
{
	check_error("BEGIN {", P,
		"<stdin>:1:8: error: syntax error: unexpected end of input\n"
		"BEGIN {\n"
		"       ~\n", true);
	check_error("printf(\"abc", E,
		"<stdin>:1:8: error: unterminated string\n"
		"printf(\"abc\n"
		"       ~\n", true);
	check_error("(1 +", E,
		"<stdin>:1:5: error: syntax error: unexpected end of input\n"
		"(1 +\n"
		"    ~\n", true);
	check_error("@x[1,", E,
		"<stdin>:1:6: error: syntax error: unexpected end of input\n"
		"@x[1,\n"
		"     ~\n", true);
	check_error("BEGIN < @x = 1;", P,
		"<stdin>:1:16: error: syntax error: unexpected end of input\n"
		"BEGIN < @x = 1;\n"
		"               ~\n", true);
	check_error("kprobe:f /pid == 1/", E,
		"<stdin>:1:20: error: syntax error: unexpected end of input, expected '<' or '{'\n"
		"kprobe:f /pid == 1/\n"
		"                   ~\n", true);
	check_error("BEGIN { /* more", P,
		"<stdin>:1:9-10: error: unterminated comment\n"
		"BEGIN { /* more\n"
		"        ~~\n", true);
	/* complete but wrong: no continuation */
	check_error("@x =", E,
		"<stdin>:1:5: error: syntax error: unexpected end of input\n"
		"@x =\n"
		"    ~\n", false);
	check_error("BEGIN }", P,
		"<stdin>:1:7: error: syntax error: unexpected '}'\n"
		"BEGIN }\n"
		"      ~\n", false);
}

static void test_parse_error_missing_semicolon(void **state)
{
	check_error("BEGIN { @x = 1 @y = 2 }", P,
		"<stdin>:1:16-17: error: expected ';' after statement\n"
		"BEGIN { @x = 1 @y = 2 }\n"
		"               ~~\n", false);
	check_error("BEGIN < @x = count() >", P,
		"<stdin>:1:22: error: expected ';' after statement\n"
		"BEGIN < @x = count() >\n"
		"                     ~\n", false);
	check_error("BEGIN < @x = 1; @y = 2 @z = 3; >", P,
		"<stdin>:1:24-25: error: expected ';' after statement\n"
		"BEGIN < @x = 1; @y = 2 @z = 3; >\n"
		"                       ~~\n", false);
}

static void test_parse_error_unexpected_token(void **state)
{
	check_error("BEGIN { @x = 1; } }", P,
		"<stdin>:1:19: error: syntax error: unexpected '}', expected end of input, attach point or 'macro'\n"
		"BEGIN { @x = 1; } }\n"
		"                  ~\n", false);
	check_error("BEGIN { if (1) }", P,
		"<stdin>:1:16: error: syntax error: unexpected '}', expected '{'\n"
		"BEGIN { if (1) }\n"
		"               ~\n", false);
	check_error("BEGIN {\n  @x = 1;\n  @y = (2 + ;\n}", P,
		"<stdin>:3:13: error: syntax error: unexpected ';'\n"
		"  @y = (2 + ;\n"
		"            ~\n", false);
	check_error("kprobe:a kprobe:b {}", P,
		"<stdin>:1:10-17: error: syntax error: unexpected attach point 'kprobe:b'\n"
		"kprobe:a kprobe:b {}\n"
		"         ~~~~~~~~\n", false);
	check_error("BEGIN { let $x: struct; }", P,
		"<stdin>:1:23: error: syntax error: unexpected ';', expected identifier\n"
		"BEGIN { let $x: struct; }\n"
		"                      ~\n", false);
	check_error("BEGIN { foo bar }", P,
		"<stdin>:1:13-15: error: expected ';' after statement\n"
		"BEGIN { foo bar }\n"
		"            ~~~\n", false);
	check_error("  // nothing\n", P,
		"<stdin>: error: empty program: expected a probe, e.g. 'BEGIN { ... }'\n", false);
}

static void test_parse_error_lexical(void **state)
{
	check_error("BEGIN { \xc2\xa7 }", P,
		"<stdin>:1:9: error: unexpected character '\xc2\xa7'\n"
		"BEGIN { \xc2\xa7 }\n"
		"        ~\n", false);
	check_error("BEGIN { ` }", P,
		"<stdin>:1:9: error: unexpected character '`'\n"
		"BEGIN { ` }\n"
		"        ~\n", false);
	check_error("BEGIN { \x01 }", P,
		"<stdin>:1:9: error: unexpected character '\\x01'\n"
		"BEGIN { \x01 }\n"
		"        ~\n", false);
	check_error("BEGIN { @x = 18446744073709551616; }", P,
		"<stdin>:1:14-33: error: integer literal too large\n"
		"BEGIN { @x = 18446744073709551616; }\n"
		"             ~~~~~~~~~~~~~~~~~~~~\n", false);
	check_error("BEGIN { @x = 12ab; }", P,
		"<stdin>:1:14-17: error: invalid integer literal '12ab'\n"
		"BEGIN { @x = 12ab; }\n"
		"             ~~~~\n", false);
	check_error("BEGIN { @x = 09; }", P,
		"<stdin>:1:14-15: error: invalid integer literal '09': a leading 0 makes it octal, which has no digit 9\n"
		"BEGIN { @x = 09; }\n"
		"             ~~\n", false);
	check_error("BEGIN { @x = 12e4; }", P,
		"<stdin>:1:14-17: error: invalid integer literal '12e4': coefficient part of scientific literal must be 1-9\n"
		"BEGIN { @x = 12e4; }\n"
		"             ~~~~\n", false);
	check_error("BEGIN { @x = 5e-9; }", P,
		"<stdin>:1:14-15: error: invalid integer literal '5e'\n"
		"BEGIN { @x = 5e-9; }\n"
		"             ~~\n", false);
	check_error("BEGIN { @x = 1e20; }", P,
		"<stdin>:1:14-17: error: integer literal too large\n"
		"BEGIN { @x = 1e20; }\n"
		"             ~~~~\n", false);
	check_error("BEGIN { @x = 1_000_; }", P,
		"<stdin>:1:14-19: error: invalid integer literal '1_000_': '_' goes between digits\n"
		"BEGIN { @x = 1_000_; }\n"
		"             ~~~~~~\n", false);
	check_error("BEGIN { @x = 5000000000u; }", P,
		"<stdin>:1:14-24: error: integer literal too large\n"
		"BEGIN { @x = 5000000000u; }\n"
		"             ~~~~~~~~~~~\n", false);
	check_error("BEGIN { @x = 3sec; }", P,
		"<stdin>:1:14-17: error: invalid integer literal '3sec'\n"
		"BEGIN { @x = 3sec; }\n"
		"             ~~~~\n", false);
	check_error("BEGIN { printf(\"\\777\"); }", P,
		"<stdin>:1:17-20: error: octal escape sequence out of range '\\777'\n"
		"BEGIN { printf(\"\\777\"); }\n"
		"                ~~~~\n", false);
	check_error("BEGIN { printf(\"\\x\"); }", P,
		"<stdin>:1:17-18: error: invalid escape character '\\x'\n"
		"BEGIN { printf(\"\\x\"); }\n"
		"                ~~\n", false);
	check_error("BEGIN { printf(\"\\q\"); }", P,
		"<stdin>:1:17-18: error: invalid escape character '\\q'\n"
		"BEGIN { printf(\"\\q\"); }\n"
		"                ~~\n", false);
	check_error("BEGIN { printf(\"abc); }", P,
		"<stdin>:1:16: error: unterminated string\n"
		"BEGIN { printf(\"abc); }\n"
		"               ~\n", true);
}

static void test_parse_deep_nesting(void **state)
{
	size_t n = 10000;
	char *prog = malloc(2 * n + 32);
	assert_non_null(prog);
	strcpy(prog, "BEGIN { @x = ");
	size_t len = strlen(prog);
	memset(prog + len, '(', n);
	strcpy(prog + len + n, "1");
	memset(prog + len + n + 1, ')', n);
	strcpy(prog + len + 2 * n + 1, "; }");
	struct result r = run(prog, P);
	assert_false(r.ok);
	assert_int_equal(r.errors, 1);
	assert_non_null(strstr(r.text, "error: program too deeply nested"));
	free(r.text);
	free(prog);

	/* moderately deep nesting still parses */
	char buf[4096] = "BEGIN { @x = ";
	for (int i = 0; i < 1000; i++)
		strcat(buf, "(");
	strcat(buf, "1");
	for (int i = 0; i < 1000; i++)
		strcat(buf, ")");
	strcat(buf, "; }");
	r = run(buf, P);
	assert_true(r.ok);
	free(r.text);
}

/* Random bytes and mangled programs: never a crash, always either an AST
 * or exactly one diagnostic ending in a newline. */
static void test_parse_garbage_never_crashes(void **state)
{
	static const char *const seeds[] = {
		"tracepoint:syscalls:sys_enter_openat /pid == 1/ { @[comm] = count(); }",
		"BEGIN < @x = 1; $y += (uint8)2; if ($y) { @z[1,2] = (1, \"a\\x41\"); } >",
		"config = { a = 1; } uprobe:/bin/bash:readline { for ($i : 0..10) { } }",
	};
	static const char noise[] = "{}()[]<>/;,:@$\"\\*-+.=#\n \xc3";
	unsigned seed = 12345;
	char buf[256];
	for (int it = 0; it < 3000; it++) {
		size_t n;
		seed = seed * 1103515245u + 12345u;
		if (it % 3 == 0) {
			n = (seed >> 16) % 64;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				buf[i] = (char)(seed >> 16);
			}
		} else {
			const char *s = seeds[(seed >> 16) % 3];
			n = strlen(s);
			memcpy(buf, s, n);
			for (int m = 0; m < 3; m++) {
				seed = seed * 1103515245u + 12345u;
				buf[(seed >> 8) % n] = noise[(seed >> 20) % (sizeof(noise) - 1)];
			}
		}
		buf[n] = '\0';
		for (int mode = 0; mode < 2; mode++) {
			struct result r = run(buf, mode ? XT_PARSE_ENTRY : XT_PARSE_PROGRAM);
			if (!r.ok) {
				assert_int_equal(r.errors, 1);
				size_t len = strlen(r.text);
				assert_true(len > 0 && r.text[len - 1] == '\n');
			}
			free(r.text);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_probe_block),
		cmocka_unit_test(test_parse_angle_block_same_ast),
		cmocka_unit_test(test_parse_predicate),
		cmocka_unit_test(test_parse_attach_points),
		cmocka_unit_test(test_parse_attach_relative_path),
		cmocka_unit_test(test_parse_attach_locations),
		cmocka_unit_test(test_parse_binary_operators),
		cmocka_unit_test(test_parse_precedence),
		cmocka_unit_test(test_parse_unary_and_incdec),
		cmocka_unit_test(test_parse_if_else_chain),
		cmocka_unit_test(test_parse_compound_assignment),
		cmocka_unit_test(test_parse_plain_assignment_op),
		cmocka_unit_test(test_parse_tuples),
		cmocka_unit_test(test_parse_casts),
		cmocka_unit_test(test_parse_field_arrow_index),
		cmocka_unit_test(test_parse_maps),
		cmocka_unit_test(test_parse_loops),
		cmocka_unit_test(test_parse_let_return),
		cmocka_unit_test(test_parse_let_types),
		cmocka_unit_test(test_parse_typeof_cast_addr),
		cmocka_unit_test(test_parse_records),
		cmocka_unit_test(test_parse_map_decls),
		cmocka_unit_test(test_parse_literals),
		cmocka_unit_test(test_parse_newer_syntax),
		cmocka_unit_test(test_parse_string_length_counts_nul),
		cmocka_unit_test(test_parse_sizeof_offsetof_posparams),
		cmocka_unit_test(test_parse_config_block),
		cmocka_unit_test(test_parse_comments_and_shebang),
		cmocka_unit_test(test_parse_entry_statements),
		cmocka_unit_test(test_parse_entry_programs),
		cmocka_unit_test(test_parse_incomplete),
		cmocka_unit_test(test_parse_error_missing_semicolon),
		cmocka_unit_test(test_parse_error_unexpected_token),
		cmocka_unit_test(test_parse_error_lexical),
		cmocka_unit_test(test_parse_deep_nesting),
		cmocka_unit_test(test_parse_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
