/* Robustness: a deterministic mutation fuzzer over the compile pipeline (no
 * kernel needed). Whatever the program, xt_unit_compile returns 0 or -1 with
 * an "error:" diagnostic: never a crash, hang, sanitizer report, LLVM fatal
 * error or "internal error". Programs run in forked children with an alarm,
 * so a failure names its program (shrunk by deleting tokens) instead of
 * killing the test. XT_ROBUST_SEED and XT_ROBUST_COUNT change the run. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "repl/driver.h"

enum { DEFAULT_COUNT = 1200, BATCH = 100, CASE_TIMEOUT = 20, MAX_SHRINK_RUNS = 400 };
static const uint64_t DEFAULT_SEED = 0x5eed0f0b7ace;

/* Programs found by this fuzzer that once crashed or broke an invariant. */
static const char *const regressions[] = {
	/* an fentry probe's args copied into a variable: LLVM rejected the memcpy */
	"fentry:vfs_open { $y = args }",
	"fexit:vfs_open { let $y = args; $z = $y; }",
	"tracepoint:sched:sched_switch { $y = args; printf(\"%d\\n\", $y.prev_pid); }",
	/* a ?: of value-less branches: code generation copied a NULL value */
	"BEGIN { 1 ? printf(\"yes\\n\") : printf(\"no\\n\"); 1 ? exit() : exit(); @a = 1; 1 ? clear(@a) : print(1); }",
	"BEGIN { $x = 1 ? printf(\"a\") : printf(\"b\"); @m = 0 ? exit() : exit(); @k[1 ? exit() : exit()] = 1; }",
	/* exit() ends the probe, also in a map loop's callback */
	"BEGIN { @m[1] = 1; for ($a : @m) { for ($b : @m) { exit(); } @x = 1; } exit(); @y = 1; }",
	/* lhist bounds whose arithmetic overflowed (UBSan) */
	"BEGIN { @l = lhist(1, -9223372036854775807, 9223372036854775807, 1); }",
	"BEGIN { @l = lhist(1, -9223372036854775808, 9223372036854775807, 9223372036854775807); }",
	"BEGIN { @l = lhist(1, 0, 9223372036854775807, 1); @m = lhist(1, 0, 18446744073709551615, -9223372036854775808); }",
	"BEGIN { @l = lhist(1, 5, 9223372036854775807, 4611686018427387901); @h = hist(1, -9223372036854775808); }",
	NULL
};

/* Every builtin and every probe type at least once; XT_UCALLS and XT_USDT
 * stand for the test targets' paths. */
static const char *const handwritten[] = {
	"BEGIN { @a = pid; @b = tid; @c = uid; @d = gid; @e = comm; @f = nsecs; @g = cpu; @h = probe; @i = cpid; exit(); }",
	"BEGIN { @p = ppid; @t = curtask; @cg = cgroup; @j = jiffies; @r = rand; @n = ncpus; @el = elapsed; @u = username; }",
	"tracepoint:sched:sched_switch { @[args.prev_comm, args.next_pid] = count(); @s = sum(args.prev_pid); @a = avg(args.prev_pid); }",
	"t:syscalls:sys_enter_openat { @mn = min(args.flags); @mx = max(args.flags); @st = stats(args.flags); printf(\"%s\\n\", str(args.filename)); }",
	"tracepoint:syscalls:sys_enter_* { @[probe] = count(); }",
	"BEGIN { @h = hist(5); @h2 = hist(100, 2); @l = lhist(3, 0, 10, 1); print(@h); print(@l, 2, 3); print((1, \"x\")); clear(@h); zero(@l); }",
	"BEGIN { @m[1] = 2; delete(@m[1]); delete(@m, 1); @k = has_key(@m, 1); @n = len(@m); for ($kv : @m) { printf(\"%d %d\\n\", $kv.0, $kv.1); } }",
	"BEGIN { cat(\"/etc/%s\", \"hostname\"); system(\"echo %d\", 1); time(); time(\"%H:%M\"); signal(\"SIGUSR1\"); signal(10); exit(); }",
	"BEGIN { printf(\"%d %d %d %d\\n\", strlen(\"ab\"), strncmp(\"a\", \"b\", 1), strcontains(\"abc\", \"b\"), bswap((uint32)1)); printf(\"%s %s\\n\", strerror(2), strftime(\"%H\", nsecs)); }",
	"BEGIN { printf(\"%r %s %s\\n\", buf(\"abc\", 2), ntop(2, 0x0100007f), ntop(pton(\"fe80::1\"))); @b[buf(\"xy\", 1)] = 1; }",
	"fentry:vfs_open { printf(\"%s\\n\", path(args.path)); } kprobe:tcp_v4_rcv { printf(\"%s\\n\", macaddr(((struct sk_buff *)arg0)->data)); }",
	"tracepoint:syscalls:sys_enter_execve { join(args.argv); join(args.argv, \",\"); }",
	"BEGIN { @s[ksym(kaddr(\"vfs_read\"))] = 1; @c = cgroupid(\"/sys/fs/cgroup\"); } profile:hz:99 { printf(\"%d\\n\", reg(\"ip\")); }",
	"kprobe:vfs_read { @[func, kstack, ustack] = count(); @a = arg0 + arg1 + arg2 + arg3 + arg4 + arg5; @ip = reg(\"ip\"); }",
	"kretprobe:vfs_read { @r = hist(retval); @k[kstack(perf, 3), ustack(raw), kstack(5), ustack()] = count(); }",
	"k:vfs_read { @s[ksym(reg(\"ip\")), usym(reg(\"sp\"))] = count(); } kr:vfs_write { @w = retval; }",
	"fentry:vfs_read { @c[args.count] = count(); @f = args.file->f_flags; } fexit:vfs_read { @r = retval; @n = args.count; }",
	"f:vfs_write /args.count > 10/ { @ = count(); } fr:vfs_write { @h = hist(retval); }",
	"kfunc:vfs_read { @ = args.count; } kretfunc:vfs_read { @r = retval; }",
	"uprobe:XT_UCALLS:xt_add { @ = sum(arg0); @u = usym(reg(\"ip\")); @a = uaddr(\"xt_add\"); } uretprobe:XT_UCALLS:xt_add { @r = hist(retval); }",
	"u:libc:malloc { @[ustack] = count(); } ur:libc:malloc { @p = retval; }",
	"uprobe:/bin/sh:* { @ = count(); }",
	"usdt:XT_USDT:xt:tick { @ = count(); @s = sum(arg1 + arg6 + arg7 + arg8 + arg9); @m = max(arg0); } usdt:XT_USDT:plain { @h = hist(arg0); }",
	"usdt:XT_USDT:xt:* { @[probe] = count(); }",
	"rawtracepoint:sched_switch { @[args.prev->pid] = count(); } rt:sched_process_exec { @c = str(args.p->comm); }",
	"profile:hz:99 /cpu == 0/ { @[ustack] = count(); } p:ms:10 { @k[kstack] = count(); }",
	"software:cpu-clock:100000 { @ = count(); } s:page-faults:1 { @f[comm] = count(); }",
	"hardware:cpu-cycles:1000000 { @ = count(); } h:instructions:1000000 { @i = count(); }",
	"interval:s:1 { print(@x); exit(); } interval:ms:10 { @x = count(); } i:hz:2 { @y = 1; }",
	"watchpoint:0x10000000:8:w { @ = count(); } watchpoint:0x10000008:4:rw { @r = count(); }",
	"BEGIN { @a = 1; } END { printf(\"%d\\n\", @a); }",
	"config = { print_maps_on_exit = 0; max_strlen = 8 } BEGIN { printf(\"%s %s %d\\n\", str($1), str($2), $#); exit(); }",
	"macro add(x, y) { x + y } macro inc($v) { $v += 1; } macro bump(@m, k) { @m[k]++; } BEGIN { $a = add(1, 2); inc($a); bump(@c, $a); }",
	"BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 5) { continue; } if ($i > 8) { break; } } unroll(3) { $i -= 1; } for ($j : 0..5) { @s += $j; } }",
	"BEGIN { $t = (1, \"two\", (3, 4)); @t[$t.0, $t.1] = $t.2.1; let $x = 5; $y = $x > 2 ? \"big\" : \"small\"; @v = $y; }",
	"BEGIN { printf(\"%d %d %d\\n\", sizeof(struct task_struct), offsetof(struct list_head, prev), sizeof(int32)); @p = (uint8)300; @q = (int64)-1; }",
	"BEGIN { $p = (struct task_struct *)curtask; @c = $p->comm; @pp = $p->real_parent->pid; @u = *(uint8 *)curtask; @a = ((uint8 *)curtask)[1]; }",
	"BEGIN { @x = 1 + 2 * 3 - 4 / 2 % 3; @y = (1 << 3) >> 1 | 4 & 5 ^ 6; @z = !1 || ~2 && -3; @w = 1 < 2 == 3 >= 4 != 5 <= 6; }",
	"BEGIN { $a = 1; $a += 2; $a -= 1; $a *= 3; $a /= 2; $a %= 5; $a &= 7; $a |= 8; $a ^= 1; $a <<= 2; $a >>= 1; $a++; $a--; ++$a; --$a; @ = $a; }",
	"BEGIN { @s = \"abc\"; @m[\"k\", 1] = 1; if (@s == \"abc\") { printf(\"eq\\n\"); } else if (1) { exit(); } else { @m[\"x\", 2]++; } }",
	"BEGIN { @e = 0x7fffffffffffffff + 1; @f = -9223372036854775808; @g = 18446744073709551615; @d = 1 / 0; }",
};

/* Tokens mutations insert: the language's operators, keywords, builtins,
 * casts, probe names and literals. */
static const char *const vocab[] = {
	"+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">", "<=", ">=", "==", "!=", "&&", "||",
	"<<", ">>", "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--",
	"?", ":", ";", ",", ".", "->", "(", ")", "[", "]", "{", "}", "..", "$", "$#", "@", "$1", "$2",
	"$0", "$99", "$x", "@m", "@", "@x[1]", "$kv", "$kv.0", ".0", ".1", "#", "\\", "'a'", "`",
	"if", "else", "while", "for", "unroll", "break", "continue", "return", "let", "sizeof",
	"offsetof", "struct", "union", "enum", "bool", "int8", "int16", "int32", "int64", "uint8",
	"uint16", "uint32", "uint64", "macro", "config", "BEGIN", "END",
	"pid", "tid", "uid", "gid", "comm", "nsecs", "cpu", "probe", "cpid", "args", "count",
	"sum", "avg", "min", "max", "stats", "hist", "lhist", "printf", "exit", "str", "ppid",
	"curtask", "cgroup", "jiffies", "rand", "ncpus", "elapsed", "username", "print", "clear",
	"zero", "delete", "has_key", "len", "cat", "system", "time", "signal", "strlen", "strncmp",
	"strcontains", "bswap", "strerror", "strftime", "buf", "path", "ntop", "pton", "macaddr",
	"join", "kaddr", "uaddr", "cgroupid", "reg", "arg0", "arg1", "arg9", "arg10", "retval",
	"func", "kstack", "ustack", "ksym", "usym", "perf", "raw", "bpftrace",
	"(uint8)", "(int64)", "(uint32 *)", "(struct task_struct *)", "(struct sk_buff *)",
	"(int8[4])", "(struct nosuch *)", "(uint8 *)", "(bool)", "(void *)", "(char *)",
	"struct task_struct", "struct list_head", "->pid", "->comm", "->real_parent", ".prev_comm",
	"args.count", "args.filename", "curtask->pid", "*curtask",
	"0", "1", "-1", "2", "8", "255", "4096", "0x10", "0x7fffffffffffffff", "0xffffffffffffffff",
	"18446744073709551616", "99999999999999999999999999999", "-9223372036854775808", "1.5",
	"0b101", "1e9", "1_000", "\"\"", "\"%d %s %r %x %c %-5llu %p %%\"", "\"%\"", "\"%s\"",
	"\"\\x\"", "\"\\0\"", "\"\\n\"", "\"ip\"", "\"vfs_read\"", "\"abc\"",
	"kprobe:vfs_read", "kretprobe:vfs_read", "fentry:vfs_read", "tracepoint:sched:sched_switch",
	"interval:s:1", "uprobe:/bin/sh:main", "usdt:/bin/sh:x:y", "profile:hz:99",
	"watchpoint:0x0:8:w", "rawtracepoint:sched_switch", "software:cpu-clock:1", "kprobe:*",
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: deterministic and the same on every platform */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t rnd_below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static char *xstrdup(const char *s)
{
	char *r = strdup(s);
	assert_non_null(r);
	return r;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *r = NULL;
	assert_true(vasprintf(&r, fmt, ap) >= 0);
	va_end(ap);
	return r;
}

/* --- growable lists ------------------------------------------------------ */

struct strs { char **v; size_t n, cap; };

static void strs_push(struct strs *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n++] = s;
}

static void strs_free(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static char *strs_join(const struct strs *l)
{
	size_t len = 1;
	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i]);
	char *r = malloc(len), *p = r;
	assert_non_null(r);
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i]);
		memcpy(p, l->v[i], k);
		p += k;
	}
	*p = 0;
	return r;
}

/* --- seeds --------------------------------------------------------------- */

static struct strs seeds;

/* `text` with every XT_UCALLS and XT_USDT replaced by the targets' paths. */
static char *with_targets(const char *text)
{
	const char *bd = getenv("XT_BUILD_DIR");
	char *ucalls = xprintf("%s/targets/ucalls", bd ? bd : "."), *usdt = xprintf("%s/targets/usdt_ticks", bd ? bd : ".");
	struct strs parts = { 0 };
	const char *p = text;
	for (;;) {
		const char *a = strstr(p, "XT_UCALLS"), *b = strstr(p, "XT_USDT");
		const char *q = a && (!b || a < b) ? a : b;
		if (!q)
			break;
		strs_push(&parts, strndup(p, (size_t)(q - p)));
		strs_push(&parts, xstrdup(q == a ? ucalls : usdt));
		p = q + (q == a ? strlen("XT_UCALLS") : strlen("XT_USDT"));
	}
	strs_push(&parts, xstrdup(p));
	char *r = strs_join(&parts);
	strs_free(&parts);
	free(ucalls);
	free(usdt);
	return r;
}

/* The "--- program" section of a tests/e2e/cases file. */
static char *case_program(const char *text)
{
	const char *p = strstr(text, "--- program\n");
	if (!p)
		return NULL;
	p += strlen("--- program\n");
	const char *end = strstr(p, "\n--- ");
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

static void load_dir(const char *dir, const char *suffix, bool is_case)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct strs names = { 0 };
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name), k = strlen(suffix);
		if (n > k && strcmp(e->d_name + n - k, suffix) == 0)
			strs_push(&names, xprintf("%s/%s", dir, e->d_name));
	}
	closedir(d);
	/* readdir's order is the file system's: sort, so a seed means the same run everywhere */
	for (size_t i = 1; i < names.n; i++)
		for (size_t j = i; j > 0 && strcmp(names.v[j - 1], names.v[j]) > 0; j--) {
			char *t = names.v[j];
			names.v[j] = names.v[j - 1];
			names.v[j - 1] = t;
		}
	for (size_t i = 0; i < names.n; i++) {
		char *text = xt_read_file(names.v[i]);
		if (!text)
			continue;
		char *prog = is_case ? case_program(text) : xstrdup(text);
		if (prog)
			strs_push(&seeds, prog);
		free(text);
	}
	strs_free(&names);
}

static void load_seeds(void)
{
	const char *sd = getenv("XT_SOURCE_DIR");
	char *cases = xprintf("%s/tests/e2e/cases", sd ? sd : "."), *ex = xprintf("%s/examples", sd ? sd : ".");
	load_dir(cases, ".case", true);
	load_dir(ex, ".xt", false);
	free(cases);
	free(ex);
	for (size_t i = 0; i < sizeof(handwritten) / sizeof(handwritten[0]); i++)
		strs_push(&seeds, with_targets(handwritten[i]));
}

/* --- tokens and mutations ------------------------------------------------ */

/* Splits text into tokens, each keeping the blanks and comments before it,
 * so that joining them gives the text back. */
static void tokenize(const char *s, struct strs *out)
{
	static const char *const ops[] = { "<<=", ">>=", "...", "!=", "%=", "&&", "&=", "*=", "++", "+=",
		"--", "-=", "->", "..", "/=", "<<", "<=", "==", ">=", ">>", "^=", "|=", "||", "$#" };
	const char *p = s;
	while (*p) {
		const char *start = p;
		for (;;) {
			if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			else if (p[0] == '/' && p[1] == '/')
				while (*p && *p != '\n')
					p++;
			else if (p[0] == '/' && p[1] == '*') {
				const char *e = strstr(p + 2, "*/");
				p = e ? e + 2 : p + strlen(p);
			} else
				break;
		}
		if (!*p) {
			if (p > start)
				strs_push(out, strndup(start, (size_t)(p - start)));
			break;
		}
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else if (*p == '_' || *p == '$' || *p == '@' || (*p >= '0' && *p <= '9') ||
			   ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
			for (p++; *p == '_' || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'); p++)
				;
		} else {
			size_t k = 1;
			for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
				if (strncmp(p, ops[i], strlen(ops[i])) == 0) {
					k = strlen(ops[i]);
					break;
				}
			p += k;
		}
		strs_push(out, strndup(start, (size_t)(p - start)));
	}
}

/* A deeply nested fragment: parentheses, unary operators, blocks, ternaries, casts. */
static char *nesting(void)
{
	size_t depth = 1 + rnd_below(rnd_below(4) == 0 ? 3000 : 200);
	static const char *const shapes[][3] = {
		{ "(", "1", ")" }, { "-", "1", "" }, { "!", "1", "" }, { "~", "$x", "" },
		{ "if (1) { ", "@a = 1;", " }" }, { "{ ", "@a = 1;", " }" }, { "(uint8)", "2", "" },
		{ "1 ? ", "2", " : 3" }, { "while (0) { ", "break;", " }" }, { "@m[", "1", "]" },
		{ "*", "curtask", "" }, { "(1, ", "2", ")" }, { "str(", "\"a\"", ")" }, { "1 + ", "1", "" },
		{ "unroll(2) { ", "$i++;", " }" }, { "$x = ", "1", "" },
	};
	size_t s = rnd_below(sizeof(shapes) / sizeof(shapes[0]));
	size_t l0 = strlen(shapes[s][0]), l1 = strlen(shapes[s][1]), l2 = strlen(shapes[s][2]);
	char *r = malloc(depth * (l0 + l2) + l1 + 2), *p = r;
	assert_non_null(r);
	*p++ = ' ';
	for (size_t i = 0; i < depth; i++, p += l0)
		memcpy(p, shapes[s][0], l0);
	memcpy(p, shapes[s][1], l1);
	p += l1;
	for (size_t i = 0; i < depth; i++, p += l2)
		memcpy(p, shapes[s][2], l2);
	*p = 0;
	return r;
}

/* A token from the vocabulary, or a literal made up on the spot. */
static char *vocab_token(void)
{
	switch (rnd_below(12)) {
	case 0: { /* a long string, sometimes with format directives */
		size_t n = 1 + rnd_below(rnd_below(2) ? 5000 : 300);
		char *r = malloc(n + 4);
		assert_non_null(r);
		r[0] = ' ';
		r[1] = '"';
		for (size_t i = 0; i < n; i++)
			r[2 + i] = "abc%d xyz%s"[rnd_below(11)];
		r[n + 2] = '"';
		r[n + 3] = 0;
		return r;
	}
	case 1: /* a huge or odd integer */
		return xprintf(" %llu%s", (unsigned long long)rnd() >> rnd_below(64), rnd_below(3) ? "" : "0000000000");
	case 2:
		return nesting();
	default:
		return xprintf(" %s", vocab[rnd_below(sizeof(vocab) / sizeof(vocab[0]))]);
	}
}

/* A token's class: identifier, number, string, $variable, @map or punctuation. */
static char tok_class(const char *t)
{
	t += strspn(t, " \t\r\n");
	if (*t == '_' || ((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z'))
		return 'a';
	if (*t >= '0' && *t <= '9')
		return '0';
	return *t == '"' || *t == '$' || *t == '@' ? *t : '+';
}

/* Another token of the same class as t, from the seeds or the vocabulary:
 * the mutation most likely to keep the program parsing. */
static char *same_class(const char *t)
{
	char c = tok_class(t);
	static const char *const binops[] = { "+", "-", "*", "/", "%", "&", "|", "^", "<", ">", "<=", ">=",
		"==", "!=", "&&", "||", "<<", ">>" };
	static const char *const assigns[] = { "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=" };
	const char *op = t + strspn(t, " \t\r\n");
	for (size_t i = 0; c == '+' && i < sizeof(binops) / sizeof(binops[0]); i++)
		if (strcmp(op, binops[i]) == 0)
			return xprintf(" %s", binops[rnd_below(sizeof(binops) / sizeof(binops[0]))]);
	for (size_t i = 0; c == '+' && i < sizeof(assigns) / sizeof(assigns[0]); i++)
		if (strcmp(op, assigns[i]) == 0)
			return xprintf(" %s", assigns[rnd_below(sizeof(assigns) / sizeof(assigns[0]))]);
	for (int tries = 0; tries < 40; tries++) {
		if (tries % 2) {
			const char *v = vocab[rnd_below(sizeof(vocab) / sizeof(vocab[0]))];
			if (tok_class(v) == c)
				return xprintf(" %s", v);
			continue;
		}
		struct strs o = { 0 };
		tokenize(seeds.v[rnd_below(seeds.n)], &o);
		char *r = NULL;
		for (int k = 0; k < 10 && o.n && !r; k++) {
			const char *v = o.v[rnd_below(o.n)];
			if (tok_class(v) == c)
				r = xprintf(" %s", v + strspn(v, " \t\r\n"));
		}
		strs_free(&o);
		if (r)
			return r;
	}
	return xstrdup(t);
}

static void mutate_once(struct strs *t)
{
	size_t n = t->n;
	switch (rnd_below(15)) {
	case 9: /* replace a token by one of its class */
	case 10:
	case 11:
	case 12:
	case 13:
	case 14:
		if (n) {
			size_t i = rnd_below(n);
			char *r = same_class(t->v[i]);
			free(t->v[i]);
			t->v[i] = r;
		}
		break;
	case 0: /* delete a token */
	case 1:
		if (n) {
			size_t i = rnd_below(n);
			free(t->v[i]);
			memmove(&t->v[i], &t->v[i + 1], (n - i - 1) * sizeof(*t->v));
			t->n--;
		}
		break;
	case 2: { /* duplicate a token */
		if (!n)
			break;
		size_t i = rnd_below(n);
		strs_push(t, NULL);
		memmove(&t->v[i + 1], &t->v[i], (n - i) * sizeof(*t->v));
		t->v[i] = xstrdup(t->v[i + 1]);
		break;
	}
	case 3: { /* swap two tokens */
		if (n < 2)
			break;
		size_t i = rnd_below(n), j = rnd_below(n);
		char *x = t->v[i];
		t->v[i] = t->v[j];
		t->v[j] = x;
		break;
	}
	case 4: /* replace a token */
		if (n) {
			size_t i = rnd_below(n);
			free(t->v[i]);
			t->v[i] = vocab_token();
			break;
		}
		/* fall through */
	case 5:
	case 6: { /* insert a token */
		size_t i = rnd_below(n + 1);
		strs_push(t, NULL);
		memmove(&t->v[i + 1], &t->v[i], (n - i) * sizeof(*t->v));
		t->v[i] = vocab_token();
		break;
	}
	case 7: { /* insert a fragment of another program */
		struct strs o = { 0 };
		tokenize(seeds.v[rnd_below(seeds.n)], &o);
		if (o.n) {
			size_t a = rnd_below(o.n), k = 1 + rnd_below(o.n - a < 20 ? o.n - a : 20), i = rnd_below(n + 1);
			for (size_t j = 0; j < k; j++) {
				strs_push(t, NULL);
				memmove(&t->v[i + j + 1], &t->v[i + j], (t->n - 1 - i - j) * sizeof(*t->v));
				t->v[i + j] = xstrdup(o.v[a + j]);
			}
		}
		strs_free(&o);
		break;
	}
	default: { /* this program's head, another's tail */
		struct strs o = { 0 };
		tokenize(seeds.v[rnd_below(seeds.n)], &o);
		size_t cut = rnd_below(n + 1), from = rnd_below(o.n + 1);
		for (size_t j = cut; j < n; j++)
			free(t->v[j]);
		t->n = cut;
		for (size_t j = from; j < o.n; j++)
			strs_push(t, xstrdup(o.v[j]));
		strs_free(&o);
		break;
	}
	}
}

static char *mutant(void)
{
	struct strs t = { 0 };
	tokenize(seeds.v[rnd_below(seeds.n)], &t);
	for (size_t k = rnd_below(2) ? 1 : 1 + rnd_below(rnd_below(4) ? 3 : 8); k > 0; k--)
		mutate_once(&t);
	char *r = strs_join(&t);
	strs_free(&t);
	return r;
}

/* --- generated programs ------------------------------------------------- */

/* Random but mostly well-formed programs: every builtin with arguments of
 * every kind, so that the type checks and code emission see what mutating
 * real programs rarely reaches. */
static const char *const gen_funcs[] = {
	"count", "sum", "avg", "min", "max", "stats", "hist", "lhist", "printf", "exit", "str", "print",
	"clear", "zero", "delete", "has_key", "len", "cat", "system", "time", "signal", "strlen", "strncmp",
	"strcontains", "bswap", "strerror", "strftime", "buf", "path", "ntop", "pton", "macaddr", "join",
	"kaddr", "uaddr", "cgroupid", "reg", "kstack", "ustack", "ksym", "usym",
};
static const char *const gen_atoms[] = {
	"pid", "tid", "uid", "gid", "comm", "nsecs", "cpu", "probe", "cpid", "ppid", "curtask", "cgroup",
	"jiffies", "rand", "ncpus", "elapsed", "username", "func", "retval", "kstack", "ustack", "arg0",
	"arg1", "arg5", "args", "args.count", "args.prev_comm", "args.filename", "args.argv", "args.file",
	"$1", "$2", "$#", "$x", "$t", "$kv", "@m", "@m[1]", "@s[\"a\", 2]", "@", "0", "1", "-1", "7",
	"0xffffffffffffffff", "9223372036854775807", "\"abc\"", "\"%d %s\"", "\"\"", "\"ip\"", "\"vfs_read\"",
	"\"1.2.3.4\"", "\"/sys/fs/cgroup\"", "\"SIGUSR1\"", "(1, \"x\")", "((1, 2), \"y\")", "perf", "raw",
	"curtask->comm", "curtask->pid", "curtask->real_parent", "curtask->mm", "*curtask",
	"((struct task_struct *)0)->pid", "(uint8 *)curtask", "sizeof(struct task_struct)",
	"offsetof(struct list_head, prev)", "$t.0", "$t.1", "$kv.1",
};
static const char *const gen_probes[] = {
	"BEGIN", "END", "kprobe:vfs_read", "kretprobe:vfs_read", "fentry:vfs_read", "fexit:vfs_read",
	"fentry:vfs_open", "tracepoint:sched:sched_switch", "tracepoint:syscalls:sys_enter_openat",
	"tracepoint:syscalls:sys_enter_execve", "rawtracepoint:sched_switch", "profile:hz:99",
	"interval:ms:100", "software:cpu-clock:1000", "uprobe:XT_UCALLS:xt_add",
	"uretprobe:XT_UCALLS:xt_add", "usdt:XT_USDT:xt:tick", "tracepoint:syscalls:sys_enter_*",
	"kprobe:vfs_*", "uprobe:libc:malloc",
};
static const char *const gen_binops[] = { "+", "-", "*", "/", "%", "&", "|", "^", "<", ">", "<=", ">=",
	"==", "!=", "&&", "||", "<<", ">>" };
static const char *const gen_casts[] = { "(uint8)", "(int64)", "(uint32 *)", "(struct task_struct *)",
	"(uint8[4])", "(bool)", "(int16)" };

#define PICK(a) (a)[rnd_below(sizeof(a) / sizeof((a)[0]))]

static void gen_expr(struct strs *o, int depth);

static void gen_args(struct strs *o, int depth, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			strs_push(o, xstrdup(", "));
		gen_expr(o, depth);
	}
}

static void gen_expr(struct strs *o, int depth)
{
	switch (depth <= 0 ? 0 : rnd_below(10)) {
	case 0:
	case 1:
	case 2:
		strs_push(o, xstrdup(PICK(gen_atoms)));
		break;
	case 3:
	case 4:
		strs_push(o, xprintf("%s(", PICK(gen_funcs)));
		gen_args(o, depth - 1, (int)rnd_below(4));
		strs_push(o, xstrdup(")"));
		break;
	case 5:
		strs_push(o, xstrdup("("));
		gen_expr(o, depth - 1);
		strs_push(o, xprintf(" %s ", PICK(gen_binops)));
		gen_expr(o, depth - 1);
		strs_push(o, xstrdup(")"));
		break;
	case 6:
		strs_push(o, xprintf("%s", rnd_below(2) ? PICK(gen_casts) : (const char *[]){ "-", "!", "~", "*" }[rnd_below(4)]));
		gen_expr(o, depth - 1);
		break;
	case 7:
		strs_push(o, xstrdup("("));
		gen_expr(o, depth - 1);
		strs_push(o, xstrdup(" ? "));
		gen_expr(o, depth - 1);
		strs_push(o, xstrdup(" : "));
		gen_expr(o, depth - 1);
		strs_push(o, xstrdup(")"));
		break;
	case 8:
		strs_push(o, xstrdup("("));
		gen_args(o, depth - 1, 2 + (int)rnd_below(2));
		strs_push(o, xprintf(")%s", rnd_below(2) ? ".1" : ""));
		break;
	default:
		strs_push(o, xstrdup(rnd_below(2) ? "@m[" : "@n["));
		gen_args(o, depth - 1, 1 + (int)rnd_below(2));
		strs_push(o, xprintf("]%s", (const char *[]){ "", "->pid", ".0", "[1]" }[rnd_below(4)]));
		break;
	}
}

static void gen_stmt(struct strs *o, int depth)
{
	switch (rnd_below(depth > 0 ? 9 : 6)) {
	case 0:
		strs_push(o, xstrdup(PICK(((const char *[]){ "@m[", "@n[", "@s[", "@[" }))));
		gen_args(o, 1, 1 + (int)rnd_below(2));
		strs_push(o, xstrdup("] = "));
		gen_expr(o, 2);
		break;
	case 1:
		strs_push(o, xstrdup(PICK(((const char *[]){ "$x = ", "$t = ", "let $y = ", "$x += ", "@ = ", "@a = " }))));
		gen_expr(o, 3);
		break;
	case 2:
		strs_push(o, xprintf("printf(\"%s\\n\", ", PICK(((const char *[]){ "%d", "%s", "%d %s", "%x %c", "%r", "%-8s %5d", "%p %u" }))));
		gen_args(o, 2, 1 + (int)rnd_below(2));
		strs_push(o, xstrdup(")"));
		break;
	case 3:
	case 4:
		strs_push(o, xprintf("%s(", PICK(gen_funcs)));
		gen_args(o, 2, (int)rnd_below(4));
		strs_push(o, xstrdup(")"));
		break;
	case 5:
		strs_push(o, xstrdup(PICK(((const char *[]){ "$x++", "@m[1]--", "delete(@m[1])", "print(@m)", "clear(@n)", "@c = count()", "@h = hist($x)", "break", "continue", "return" }))));
		break;
	case 6:
		strs_push(o, xstrdup("if ("));
		gen_expr(o, 2);
		strs_push(o, xstrdup(") { "));
		gen_stmt(o, depth - 1);
		strs_push(o, xstrdup("; } else { "));
		gen_stmt(o, depth - 1);
		strs_push(o, xstrdup("; }"));
		break;
	case 7:
		strs_push(o, xstrdup(PICK(((const char *[]){ "for ($kv : @m) { ", "for ($i : 0..4) { ", "unroll(3) { ", "while ($x < 5) { $x++; " }))));
		gen_stmt(o, depth - 1);
		strs_push(o, xstrdup("; }"));
		break;
	default:
		strs_push(o, xstrdup("{ "));
		gen_stmt(o, depth - 1);
		strs_push(o, xstrdup("; }"));
		break;
	}
}

static char *generated(void)
{
	struct strs o = { 0 };
	if (rnd_below(6) == 0)
		strs_push(&o, xstrdup("macro m1(a, b) { a + b } macro m2($v, @w) { @w[$v] = $v; } "));
	for (size_t p = 1 + rnd_below(2); p > 0; p--) {
		strs_push(&o, xprintf("%s ", PICK(gen_probes)));
		if (rnd_below(4) == 0) {
			strs_push(&o, xstrdup("/"));
			gen_expr(&o, 2);
			strs_push(&o, xstrdup("/ "));
		}
		strs_push(&o, xstrdup("{ "));
		for (size_t k = 1 + rnd_below(4); k > 0; k--) {
			gen_stmt(&o, 2);
			strs_push(&o, xstrdup("; "));
		}
		strs_push(&o, xstrdup("} "));
	}
	char *text = strs_join(&o);
	strs_free(&o);
	char *r = with_targets(text);
	free(text);
	return r;
}

/* --- running programs in children ---------------------------------------- */

enum verdict { V_OK, V_BROKEN, V_CRASH };

/* What children tell the parent: the program they are on, and what broke. */
struct shared {
	volatile size_t cur;
	volatile int broken;
	volatile size_t compiled;  /* programs that compiled, for the summary */
	char why[512];
};

static struct shared *shm;
/* Mutants vary the mode and options by their index; seeds and regressions run
 * as programs with parameters and --unsafe. */
static bool vary;

/* Compiles one program; with the invariants broken, says why in shm->why. */
static enum verdict check_one(const char *text, size_t idx)
{
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	static const char *const params[] = { "41", "hello" };
	/* mostly programs, some REPL entries; some with --unsafe and parameters */
	bool entry = vary && idx % 7 == 3;
	struct xt_sema_opts so = { .cpid = 4242 };
	if (!vary || idx % 3 == 1) {
		so.unsafe = true;
		so.params = params;
		so.nparams = 2;
	}
	struct xt_unit u;
	int rc = entry ? xt_unit_compile_entry(&u, "<robust>", text, &so, &dg)
		       : xt_unit_compile(&u, "<robust>", text, &so, 0, &dg);
	const char *buf = dg.buf ? dg.buf : "";
	const char *why = NULL;
	if (rc != 0 && rc != -1)
		why = "returned neither 0 nor -1";
	else if (rc == -1 && !strstr(buf, "error:") && !(entry && dg.incomplete))
		why = "failed without an \"error:\" diagnostic";
	else if (strstr(buf, "internal error"))
		why = "reported an internal error";
	if (rc == 0)
		shm->compiled++;
	else if (getenv("XT_ROBUST_VERBOSE"))
		fprintf(stderr, "--- %zu\n%s\n%s", idx, text, buf);
	if (why)
		snprintf(shm->why, sizeof(shm->why), "%s (rc %d):\n%.400s", why, rc, buf);
	xt_unit_free(&u);
	xt_diags_fini(&dg);
	return why ? V_BROKEN : V_OK;
}

/* Runs progs[from..n) in one child. Returns the index of the program that
 * failed (with its verdict and reason in shm), or n when none did. */
static size_t run_batch(char *const *progs, size_t from, size_t n, enum verdict *v)
{
	shm->cur = from;
	shm->broken = 0;
	shm->why[0] = 0;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka's handlers would turn a crash into a failed test inside the child */
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		for (size_t i = from; i < n; i++) {
			shm->cur = i;
			alarm(CASE_TIMEOUT);
			if (check_one(progs[i], i) != V_OK) {
				shm->broken = 1;
				_exit(0);
			}
		}
		alarm(0);
		exit(0); /* exit, not _exit: LeakSanitizer runs at exit */
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		;
	if (shm->broken) {
		*v = V_BROKEN;
		return shm->cur;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return n;
	*v = V_CRASH;
	if (WIFSIGNALED(st))
		snprintf(shm->why, sizeof(shm->why), "%s", WTERMSIG(st) == SIGALRM ? "hung (no answer within the timeout)"
			 : strsignal(WTERMSIG(st)));
	else
		snprintf(shm->why, sizeof(shm->why), "exited with status %d (a sanitizer report, an LLVM fatal error or exit())",
			 WEXITSTATUS(st));
	return shm->cur;
}

static enum verdict run_one(const char *text)
{
	char *progs[] = { (char *)text };
	enum verdict v = V_OK;
	run_batch(progs, 0, 1, &v);
	return v;
}

/* The program with every token deleted that it can lose and still fail the same way. */
static char *shrink(const char *text, enum verdict want)
{
	struct strs t = { 0 };
	tokenize(text, &t);
	int runs = 0;
	for (bool progress = true; progress && runs < MAX_SHRINK_RUNS;) {
		progress = false;
		for (size_t i = t.n; i-- > 0 && runs < MAX_SHRINK_RUNS;) {
			char *gone = t.v[i];
			memmove(&t.v[i], &t.v[i + 1], (t.n - i - 1) * sizeof(*t.v));
			t.n--;
			char *cand = strs_join(&t);
			runs++;
			if (run_one(cand) == want) {
				free(gone);
				progress = true;
			} else {
				strs_push(&t, NULL);
				memmove(&t.v[i + 1], &t.v[i], (t.n - 1 - i) * sizeof(*t.v));
				t.v[i] = gone;
			}
			free(cand);
		}
	}
	char *r = strs_join(&t);
	strs_free(&t);
	return r;
}

/* Runs every program; prints each failure with a shrunk reproducer. Returns
 * the number of failures. */
static int run_all(char *const *progs, size_t n, const char *what)
{
	int failures = 0;
	for (size_t from = 0; from < n;) {
		size_t to = from + BATCH < n ? from + BATCH : n;
		enum verdict v = V_OK;
		size_t bad = run_batch(progs, from, to, &v);
		if (bad == to) {
			from = to;
			continue;
		}
		failures++;
		char why[sizeof(shm->why)];
		memcpy(why, shm->why, sizeof(why));
		if (v == V_CRASH && run_one(progs[bad]) != V_CRASH) {
			/* not this program alone: a leak or damage from earlier ones in the batch */
			fprintf(stderr, "[%s] batch %zu..%zu %s (program %zu alone passes)\n", what, from, to, why, bad);
		} else {
			char *small = failures <= 5 ? shrink(progs[bad], v) : xstrdup(progs[bad]);
			fprintf(stderr, "[%s] program %zu %s\n--- program\n%s\n--- shrunk\n%s\n---\n", what, bad, why,
				progs[bad], small);
			free(small);
		}
		from = bad + 1;
	}
	return failures;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

/* --- tests --------------------------------------------------------------- */

static void test_robust_regressions_compile_or_fail_cleanly(void **state)
{
	size_t n = sizeof(regressions) / sizeof(regressions[0]) - 1;
	assert_int_equal(run_all((char *const *)regressions, n, "regression"), 0);
}

static void test_robust_seeds_compile_or_fail_cleanly(void **state)
{
	shm->compiled = 0;
	assert_int_equal(run_all(seeds.v, seeds.n, "seed"), 0);
	fprintf(stderr, "[seed] %zu of %zu seeds compiled\n", (size_t)shm->compiled, seeds.n);
}

static void test_robust_deep_nesting_fails_cleanly(void **state)
{
	struct strs progs = { 0 };
	rng_state = 42;
	for (int i = 0; i < 40; i++) {
		char *frag = nesting();
		strs_push(&progs, xprintf(i % 2 ? "BEGIN { @x = %s; }" : "BEGIN { %s; }", frag));
		free(frag);
	}
	for (int depth = 1000; depth <= 100000; depth *= 10) {
		struct strs p = { 0 };
		strs_push(&p, xstrdup("BEGIN { @x = "));
		for (int i = 0; i < depth; i++)
			strs_push(&p, xstrdup("("));
		strs_push(&p, xstrdup("1"));
		for (int i = 0; i < depth; i++)
			strs_push(&p, xstrdup(")"));
		strs_push(&p, xstrdup("; }"));
		strs_push(&progs, strs_join(&p));
		strs_free(&p);
	}
	assert_int_equal(run_all(progs.v, progs.n, "nesting"), 0);
	strs_free(&progs);
}

static void test_robust_mutants_compile_or_fail_cleanly(void **state)
{
	uint64_t seed = env_u64("XT_ROBUST_SEED", DEFAULT_SEED);
	size_t count = (size_t)env_u64("XT_ROBUST_COUNT", DEFAULT_COUNT);
	int failures = 0;
	rng_state = seed;
	shm->compiled = 0;
	vary = true;
	/* in chunks, so a long run does not hold every program in memory */
	for (size_t done = 0; done < count;) {
		struct strs progs = { 0 };
		for (size_t i = 0; i < 10 * BATCH && done + i < count; i++)
			strs_push(&progs, rnd_below(3) ? mutant() : generated());
		failures += run_all(progs.v, progs.n, "mutant");
		done += progs.n;
		strs_free(&progs);
	}
	fprintf(stderr, "[mutant] %zu programs from seed %#llx over %zu seeds: %zu compiled, %d failures\n", count,
		(unsigned long long)seed, seeds.n, (size_t)shm->compiled, failures);
	vary = false;
	assert_int_equal(failures, 0);
}

int main(void)
{
	/* kprobe and fentry probes compile where the kernel lacks them */
	setenv("XTRACE_ASSUME_KPROBES", "1", 1);
	setenv("XTRACE_ASSUME_FENTRY", "1", 1);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 1;
	load_seeds();
	/* Warm the caches (kernel BTF, tracepoint formats) once, so children inherit them. */
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_sema_opts so = { 0 };
	struct xt_unit u;
	xt_unit_compile(&u, "<warm>", "tracepoint:sched:sched_switch { @[args.prev_pid] = curtask->pid; }", &so, 0, &dg);
	xt_unit_free(&u);
	xt_diags_fini(&dg);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robust_regressions_compile_or_fail_cleanly),
		cmocka_unit_test(test_robust_seeds_compile_or_fail_cleanly),
		cmocka_unit_test(test_robust_deep_nesting_fails_cleanly),
		cmocka_unit_test(test_robust_mutants_compile_or_fail_cleanly),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	strs_free(&seeds);
	munmap(shm, sizeof(*shm));
	return rc;
}
