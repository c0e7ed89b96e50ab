/* The lexer: program text to tokens for the Bison parser (parse.y). Its
 * state lives in struct xt_pctx, so it is reentrant and knows where it is:
 * at top level it reads attach points, inside a predicate or a probe body it
 * reads expression tokens.
 *
 * Top level ("attach mode": outside any (, [, { and outside a predicate or a
 * `< >` body, never in a REPL statement list):
 *   - an attach point is a run of [A-Za-z0-9_:.*+\-$@?\[\]~%#] and bytes >= 0x80,
 *     plus '/' under one rule: a '/' belongs to the attach point only inside
 *     a ':'-separated field that is a file path: one that began with '/' or
 *     '.' (`uprobe:/bin/bash:readline`, `uprobe:./a.out:f`), or a field after
 *     the first that, read up to the next ':' over attach characters and '/',
 *     is followed by that ':' and either has no '?' or names an existing
 *     file (`uprobe:build/targets/ucalls:f`: a predicate can put a ':' there
 *     only in a `?:`, as in `t:a:b/x?1:0/`); anywhere else a '/' ends the
 *     attach point and opens the predicate. So `BEGIN/1/{` and
 *     `kprobe:f /pid == 1/ {` both have predicates, `t:a:b/pid == 1/` too (no
 *     ':' follows `b/pid`), and a path field must be followed by white space
 *     before its predicate;
 *   - `,` separates attach points, `/` opens a predicate, `{` opens a block,
 *     `<` opens a `< stmts >` body, `config` followed by `=` opens the
 *     config block.
 * Inside a predicate (outside parentheses), a '/' followed by optional white
 * space and `{`, `<` or the end of input closes it; any other '/' divides.
 * Inside a `< >` body (outside brackets), a '>' closes it when it follows
 * ';', '}' or the opening '<', or when nothing but white space follows it;
 * any other '>' compares. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.tab.h"

static bool is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Moves px->cur to `to`, keeping line and column; loc (when given) gets the
 * position of the last character passed as its end. */
static void advance(struct xt_pctx *px, const char *to, struct xt_loc *loc)
{
	int ll = px->line, lc = px->col;
	for (const char *p = px->cur; p < to; p++) {
		unsigned char c = (unsigned char)*p;
		if (is_cont(c))
			continue;
		ll = px->line;
		lc = px->col;
		if (c == '\n') {
			px->line++;
			px->col = 1;
		} else {
			px->col++;
		}
	}
	px->cur = to;
	if (loc) {
		loc->last_line = ll;
		loc->last_column = lc;
	}
}

static void begin(struct xt_pctx *px, struct xt_loc *loc)
{
	loc->first_line = loc->last_line = px->line;
	loc->first_column = loc->last_column = px->col;
}

static int lex_error(struct xt_pctx *px, struct xt_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int lex_error(struct xt_pctx *px, struct xt_loc loc, const char *fmt, ...)
{
	if (!px->error_reported) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		xt_diag_error(px->dg, loc, "%s", msg);
	}
	px->error_reported = true;
	return XTYYerror;
}

const char *xt_lex_skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			const char *q = p + 2;
			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 >= end)
				return end;
			p = q + 2;
		} else {
			break;
		}
	}
	return p;
}

/* Skips white space and comments; false after reporting an unterminated comment. */
static bool skip_space(struct xt_pctx *px)
{
	const char *p = px->cur, *end = px->end;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			const char *q = p + 2;
			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 >= end) {
				struct xt_loc loc = { 0 };
				advance(px, p, NULL);
				begin(px, &loc);
				advance(px, p + 2, &loc);
				px->dg->incomplete = true;
				lex_error(px, loc, "unterminated comment");
				return false;
			}
			p = q + 2;
		} else {
			break;
		}
	}
	advance(px, p, NULL);
	return true;
}

static char *text(struct xt_pctx *px, const char *s, const char *e)
{
	return xt_arena_strndup(px->ar, s, (size_t)(e - s));
}

/* "unexpected character 'X'" with X the whole UTF-8 sequence when valid,
 * or an escape for control characters and stray bytes. */
static int bad_char(struct xt_pctx *px, struct xt_loc *loc)
{
	const unsigned char *p = (const unsigned char *)px->cur;
	const unsigned char *end = (const unsigned char *)px->end;
	size_t n = 1;
	if (*p >= 0xc2 && *p <= 0xf4) {
		size_t want = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		size_t i = 1;
		while (i < want && p + i < end && is_cont(p[i]))
			i++;
		if (i == want)
			n = want;
	}
	char shown[16];
	if (n > 1)
		snprintf(shown, sizeof(shown), "%.*s", (int)n, (const char *)p);
	else if (*p < 0x20 || *p >= 0x7f)
		snprintf(shown, sizeof(shown), "\\x%02x", *p);
	else
		snprintf(shown, sizeof(shown), "%c", *p);
	begin(px, loc);
	if (n == 1 && is_cont(*p)) {
		/* a stray continuation byte has no column of its own */
		px->cur++;
	} else {
		advance(px, px->cur + n, loc);
	}
	return lex_error(px, *loc, "unexpected character '%s'", shown);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* An integer literal, as bpftrace 0.26 reads them: decimal, 0x hex or
 * leading-0 octal, '_' between digits; a scientific `MeN` (M a single digit
 * 1-9, N from 1 on: 1e6); then an optional suffix: C's u, ul, ull, l, ll
 * (either case, ignored but for their range) or a duration, ns us ms s m h d,
 * which makes the literal a count of nanoseconds (500ms). */
static int lex_number(struct xt_pctx *px, XTYYSTYPE *lval, struct xt_loc *loc, const char *e)
{
	/* ctype: the literal's type, as C gives it (sema: 1u is a uint32) */
	static const struct { const char *name; uint64_t max, mult; const char *ctype; } suffixes[] = {
		{ "", UINT64_MAX, 1, NULL }, { "u", UINT32_MAX, 1, "uint32" }, { "ul", UINT64_MAX, 1, "uint64" },
		{ "ull", UINT64_MAX, 1, "uint64" }, { "lu", UINT64_MAX, 1, "uint64" }, { "llu", UINT64_MAX, 1, "uint64" },
		{ "l", INT64_MAX, 1, "int64" }, { "ll", INT64_MAX, 1, "int64" },
		{ "ns", UINT64_MAX, 1, NULL }, { "us", UINT64_MAX, 1000, NULL }, { "ms", UINT64_MAX, 1000000, NULL },
		{ "s", UINT64_MAX, 1000000000ull, NULL }, { "m", UINT64_MAX, 60000000000ull, NULL },
		{ "h", UINT64_MAX, 3600000000000ull, NULL }, { "d", UINT64_MAX, 86400000000000ull, NULL },
	};
	const char *s = px->cur;
	begin(px, loc);
	advance(px, e, loc);
	int len = (int)(e - s);
	bool hex = e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	bool octal = !hex && e - s >= 2 && s[0] == '0' && (isdigit((unsigned char)s[1]) || s[1] == '_');
	int base = hex ? 16 : octal ? 8 : 10;
	uint64_t v = 0;
	bool big = false;
	int digits = 0;
	const char *p = hex ? s + 2 : s;
	for (; p < e; p++) {
		if (*p == '_') {
			if (digits == 0 || p + 1 == e || digit_value(p[1]) >= base)
				return lex_error(px, *loc, "invalid integer literal '%.*s': '_' goes between digits", len, s);
			continue;
		}
		int d = digit_value(*p);
		if (d >= base && octal && d < 10)
			return lex_error(px, *loc, "invalid integer literal '%.*s': a leading 0 makes it octal, "
					 "which has no digit %c", len, s, *p);
		if (d >= base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			big = true;
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (digits == 0)
		return lex_error(px, *loc, "invalid integer literal '%.*s'", len, s);
	if (!hex && (*p == 'e' || *p == 'E') && p + 1 < e && p[1] >= '1' && p[1] <= '9') {
		if (octal || v < 1 || v > 9)
			return lex_error(px, *loc, "invalid integer literal '%.*s': coefficient part of "
					 "scientific literal must be 1-9", len, s);
		uint64_t x = 0;
		for (p++; p < e && (isdigit((unsigned char)*p) || *p == '_'); p++)
			if (*p != '_')
				x = x < 100 ? x * 10 + (uint64_t)(*p - '0') : x;
		for (; x > 0 && !big; x--) {
			big = v > UINT64_MAX / 10;
			v *= 10;
		}
	}
	char suf[8];
	size_t sl = (size_t)(e - p);
	size_t k = sizeof(suffixes) / sizeof(suffixes[0]);
	if (sl < sizeof(suf)) {
		bool cint = true;
		for (size_t i = 0; i < sl; i++) {
			suf[i] = p[i];
			cint &= strchr("uUlL", p[i]) != NULL;
		}
		suf[sl] = 0;
		for (size_t i = 0; cint && i < sl; i++) /* C's suffixes in either case, durations lower case */
			suf[i] = (char)tolower((unsigned char)suf[i]);
		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++)
			if (strcmp(suffixes[k].name, suf) == 0)
				break;
	}
	if (k == sizeof(suffixes) / sizeof(suffixes[0]))
		return lex_error(px, *loc, "invalid integer literal '%.*s'", len, s);
	if (big || v > suffixes[k].max / suffixes[k].mult)
		return lex_error(px, *loc, "integer literal too large");
	lval->num = v * suffixes[k].mult;
	px->int_ctype = suffixes[k].ctype;
	return INT;
}

/* "..." with \n \t \r \\ \" \' \0 \NNN (octal) \xHH escapes. */
static int lex_string(struct xt_pctx *px, XTYYSTYPE *lval, struct xt_loc *loc)
{
	const char *open = px->cur, *end = px->end, *q;
	for (q = open + 1; q < end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < end)
			q++;
	if (q >= end) {
		begin(px, loc);
		px->dg->incomplete = true;
		return lex_error(px, *loc, "unterminated string");
	}
	char *buf = xt_arena_alloc(px->ar, (size_t)(q - open));
	size_t n = 0;
	for (const char *p = open + 1; p < q; p++) {
		if (*p != '\\') {
			buf[n++] = *p;
			continue;
		}
		const char *esc = p++;
		unsigned v;
		switch (*p) {
		case 'n': buf[n++] = '\n'; break;
		case 't': buf[n++] = '\t'; break;
		case 'r': buf[n++] = '\r'; break;
		case '\\': buf[n++] = '\\'; break;
		case '"': buf[n++] = '"'; break;
		case '\'': buf[n++] = '\''; break;
		case 'x':
			v = 0;
			if (p + 1 < q && digit_value(p[1]) < 16) {
				v = (unsigned)digit_value(*++p);
				if (p + 1 < q && digit_value(p[1]) < 16)
					v = v * 16 + (unsigned)digit_value(*++p);
				buf[n++] = (char)v;
				break;
			}
			goto bad;
		default:
			if (*p >= '0' && *p <= '7') {
				v = (unsigned)(*p - '0');
				for (int i = 0; i < 2 && p + 1 < q && p[1] >= '0' && p[1] <= '7'; i++)
					v = v * 8 + (unsigned)(*++p - '0');
				if (v > 255) {
					advance(px, esc, NULL);
					begin(px, loc);
					advance(px, p + 1, loc);
					return lex_error(px, *loc, "octal escape sequence out of range '%.*s'", (int)(p + 1 - esc), esc);
				}
				buf[n++] = (char)v;
				break;
			}
		bad:
			advance(px, esc, NULL);
			begin(px, loc);
			{
				const char *e = p + 1;
				while (e < q && is_cont((unsigned char)*e))
					e++;
				advance(px, e, loc);
				return lex_error(px, *loc, "invalid escape character '%.*s'", (int)(e - esc), esc);
			}
		}
	}
	buf[n] = '\0';
	begin(px, loc);
	advance(px, q + 1, loc);
	lval->lit.s = buf;
	lval->lit.n = n;
	return STRING;
}

static int keyword(const char *s, size_t n)
{
	static const struct { const char *word; int tok; } kw[] = {
		{ "if", IF }, { "else", ELSE }, { "while", WHILE }, { "for", FOR },
		{ "unroll", UNROLL }, { "break", BREAK }, { "continue", CONTINUE },
		{ "return", RETURN }, { "let", LET }, { "sizeof", SIZEOF },
		{ "offsetof", OFFSETOF }, { "typeof", TYPEOF }, { "struct", STRUCT }, { "union", UNION },
		{ "enum", ENUM }, { "true", TRUE }, { "false", FALSE },
		{ "bool", INT_TYPE }, { "int8", INT_TYPE }, { "int16", INT_TYPE },
		{ "int32", INT_TYPE }, { "int64", INT_TYPE }, { "uint8", INT_TYPE },
		{ "uint16", INT_TYPE }, { "uint32", INT_TYPE }, { "uint64", INT_TYPE },
	};
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i].word) == n && memcmp(kw[i].word, s, n) == 0)
			return kw[i].tok;
	return IDENT;
}

/* Whether a name is followed by `*...` and `)`, `=` or `;`: a pointer type
 * whose name is a C typedef (`(foo_t *)arg0`, `let $p: foo_t * = ...`),
 * since no expression has that form. */
static bool typedef_cast(const char *p, const char *end)
{
	p = xt_lex_skip_space(p, end);
	if (p >= end || *p != '*')
		return false;
	while (p < end && *p == '*')
		p = xt_lex_skip_space(p + 1, end);
	return p < end && (*p == ')' || *p == ';' || (*p == '=' && (p + 1 >= end || p[1] != '=')));
}

/* After '(': whether the name at p..end is a typedef name in a cast without
 * '*' (`(u64)$x`, `(pid_t)arg0`): ')' follows it, then something that can
 * start an expression but never continue one -- a variable, map, number,
 * name, string, '(' or '!'/'~'. `(pid) - 1` stays an expression (C needs to
 * know the typedef names to tell; write `(T)(-1)`). */
static bool typedef_cast_bare(const char *p, const char *end)
{
	p = xt_lex_skip_space(p, end);
	if (p >= end || *p != ')')
		return false;
	p = xt_lex_skip_space(p + 1, end);
	return p < end && (*p == '$' || *p == '@' || *p == '(' || *p == '"' || *p == '_' || *p == '~' ||
			   (*p == '!' && (p + 1 >= end || p[1] != '=')) || (*p >= '0' && *p <= '9') ||
			   (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'));
}

/* One expression-level token at px->cur (white space already skipped). */
static int lex_code(struct xt_pctx *px, XTYYSTYPE *lval, struct xt_loc *loc)
{
	const char *end = px->end;
	const char *start = px->cur;
	char c = *start;

	if (c == '"')
		return lex_string(px, lval, loc);
	if (c == '/' && px->in_pred && px->nest == 0) {
		const char *q = xt_lex_skip_space(start + 1, end);
		if (q == end || *q == '{' || *q == '<') {
			begin(px, loc);
			advance(px, start + 1, loc);
			return PRED_END;
		}
	}
	if (c == '>' && px->in_angle && px->nest == px->angle_nest &&
	    (px->prev_tok == ';' || px->prev_tok == '}' || px->prev_tok == ANGLE_OPEN ||
	     xt_lex_skip_space(start + 1, end) == end)) {
		begin(px, loc);
		advance(px, start + 1, loc);
		return ANGLE_CLOSE;
	}

	const unsigned char *YYCURSOR = (const unsigned char *)start;
	const unsigned char *YYMARKER = YYCURSOR;
	int tok;
	(void)YYMARKER;
	/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;

	id = [A-Za-z_][A-Za-z0-9_]*;

	"=="  { tok = EQ; goto done; }
	"!="  { tok = NE; goto done; }
	"<="  { tok = LE; goto done; }
	">="  { tok = GE; goto done; }
	"<<"  { tok = SHL; goto done; }
	">>"  { tok = SHR; goto done; }
	"&&"  { tok = LAND; goto done; }
	"||"  { tok = LOR; goto done; }
	"++"  { tok = INC; goto done; }
	"--"  { tok = DEC; goto done; }
	"->"  { tok = ARROW; goto done; }
	".."  { tok = DOTDOT; goto done; }
	"+="  { lval->op = XT_OP_ADD; tok = OPASSIGN; goto done; }
	"-="  { lval->op = XT_OP_SUB; tok = OPASSIGN; goto done; }
	"*="  { lval->op = XT_OP_MUL; tok = OPASSIGN; goto done; }
	"/="  { lval->op = XT_OP_DIV; tok = OPASSIGN; goto done; }
	"%="  { lval->op = XT_OP_MOD; tok = OPASSIGN; goto done; }
	"&="  { lval->op = XT_OP_BAND; tok = OPASSIGN; goto done; }
	"|="  { lval->op = XT_OP_BOR; tok = OPASSIGN; goto done; }
	"^="  { lval->op = XT_OP_BXOR; tok = OPASSIGN; goto done; }
	"<<=" { lval->op = XT_OP_SHL; tok = OPASSIGN; goto done; }
	">>=" { lval->op = XT_OP_SHR; tok = OPASSIGN; goto done; }
	[-+*/%&|^~!<>=()[\]{},;:?.] { tok = c; goto done; }

	[0-9][0-9A-Za-z_]* { return lex_number(px, lval, loc, (const char *)YYCURSOR); }

	"@" id? {
		begin(px, loc);
		lval->str = text(px, start + 1, (const char *)YYCURSOR);
		advance(px, (const char *)YYCURSOR, loc);
		return MAP;
	}
	"$" id {
		begin(px, loc);
		lval->str = text(px, start + 1, (const char *)YYCURSOR);
		advance(px, (const char *)YYCURSOR, loc);
		return VAR;
	}
	"$#" { tok = POSCOUNT; goto done; }
	"$" [0-9]+ {
		begin(px, loc);
		advance(px, (const char *)YYCURSOR, loc);
		uint64_t v = 0;
		for (const char *p = start + 1; p < (const char *)YYCURSOR; p++) {
			if (v > (UINT64_MAX - 9) / 10)
				return lex_error(px, *loc, "positional parameter number too large");
			v = v * 10 + (uint64_t)(*p - '0');
		}
		lval->num = v;
		return POSPARAM;
	}
	id {
		begin(px, loc);
		tok = keyword(start, (size_t)((const char *)YYCURSOR - start));
		if (tok == IDENT && px->prev_tok != STRUCT && px->prev_tok != UNION && px->prev_tok != ENUM &&
		    (typedef_cast((const char *)YYCURSOR, px->end) ||
		     (px->prev_tok == '(' && typedef_cast_bare((const char *)YYCURSOR, px->end))))
			tok = TYPEDEF_NAME;
		lval->str = text(px, start, (const char *)YYCURSOR);
		advance(px, (const char *)YYCURSOR, loc);
		return tok;
	}
	* { return bad_char(px, loc); }
	*/
done:
	begin(px, loc);
	advance(px, (const char *)YYCURSOR, loc);
	return tok;
}

static bool is_attach_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || (c && strchr("_:.*+-$@?[]~%#", c));
}

/* Whether the attach-point field at f is a relative file path: read up to
 * the next ':' over attach characters and '/', that ':' follows, and it has
 * no '?' (which would make `/x?1:0/` a predicate) or names an existing file
 * (`uprobe:build/targets/ucalls:f`). */
static bool relative_path(const char *f, const char *end)
{
	const char *q = f;
	bool ternary = false;
	while (q < end && *q != ':' && (*q == '/' || is_attach_char((unsigned char)*q)))
		ternary |= *q++ == '?';
	if (q >= end || *q != ':' || q - f >= 4096)
		return false;
	if (!ternary)
		return true;
	char path[4096];
	memcpy(path, f, (size_t)(q - f));
	path[q - f] = 0;
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* A C definition written in the program: `struct|union|enum|typedef ...`
 * to its ';' (braces, parentheses, strings and comments skipped over), or
 * to a closing '}' when no ';' follows on its line (bpftrace 0.17 takes
 * `struct S { ... }` alone). NULL when p does not start one. */
static const char *c_definition(const char *p, const char *end)
{
	static const char *const words[] = { "struct", "union", "enum", "typedef" };
	size_t n = 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && !n; i++) {
		size_t l = strlen(words[i]);
		if ((size_t)(end - p) > l && memcmp(p, words[i], l) == 0 && isspace((unsigned char)p[l]))
			n = l;
	}
	if (!n)
		return NULL;
	int depth = 0;
	for (const char *q = p + n; q < end; q++) {
		const char *after;
		switch (*q) {
		case '/':
			after = xt_lex_skip_space(q, end);
			if (after != q)
				q = after - 1;
			break;
		case '"': case '\'':
			for (char quote = *q++; q < end && *q != quote && *q != '\n'; q++)
				if (*q == '\\')
					q++;
			break;
		case '{': case '(': case '[':
			depth++;
			break;
		case ')': case ']':
			depth--;
			break;
		case '}':
			if (--depth > 0)
				break;
			after = xt_lex_skip_space(q + 1, end);
			if (after < end && *after == ';')
				return after + 1;
			if (memchr(q, '\n', (size_t)(after - q)))
				return q + 1;
			break;
		case ';':
			if (depth <= 0)
				return q + 1;
			break;
		}
	}
	return end;
}

/* One token at top level (white space already skipped). */
static int lex_top(struct xt_pctx *px, XTYYSTYPE *lval, struct xt_loc *loc)
{
	const char *p = px->cur, *end = px->end;
	unsigned char c = (unsigned char)*p;
	int tok = 0;
	/* C definitions: what the preprocessor took from headers, and
	 * struct/union/enum/typedef in the program, kept as text for now */
	const char *cdef = NULL;
	if (xt_source_in_header(px->src, px->line)) {
		int line = px->line;
		for (cdef = p; cdef < end; cdef++)
			if (*cdef == '\n' && !xt_source_in_header(px->src, ++line))
				break;
	} else {
		cdef = c_definition(p, end);
	}
	if (cdef) {
		begin(px, loc);
		lval->str = text(px, p, cdef);
		advance(px, cdef, loc);
		return CDEFS;
	}
	switch (c) {
	case ',': case '{': case '=': tok = c; break;
	case '<': tok = ANGLE_OPEN; break;
	case '/': tok = '/'; px->in_pred = true; break;
	}
	if (tok) {
		begin(px, loc);
		advance(px, p + 1, loc);
		return tok;
	}
	if (!is_attach_char(c))
		return lex_code(px, lval, loc);

	/* `macro NAME(` opens a macro definition, lexed as code up to its body's '}' */
	if (end - p >= 6 && memcmp(p, "macro", 5) == 0 && (p[5] == ' ' || p[5] == '\t' || p[5] == '\n')) {
		const char *q = xt_lex_skip_space(p + 5, end);
		while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
			q++;
		if (*xt_lex_skip_space(q, end) == '(') {
			begin(px, loc);
			advance(px, p + 5, loc);
			return MACRO;
		}
	}
	/* `let @m = kind(N);` declares a map (bpftrace 0.24), lexed as code up to its ';' */
	if (end - p >= 4 && memcmp(p, "let", 3) == 0 && (p[3] == ' ' || p[3] == '\t' || p[3] == '\n') &&
	    *xt_lex_skip_space(p + 3, end) == '@') {
		begin(px, loc);
		advance(px, p + 3, loc);
		return MAPDECL;
	}
	/* `import "path";` (bpftrace 0.26), lexed as code up to its ';' */
	if (end - p >= 7 && memcmp(p, "import", 6) == 0 && !is_attach_char((unsigned char)p[6]) &&
	    *xt_lex_skip_space(p + 6, end) == '"') {
		begin(px, loc);
		advance(px, p + 6, loc);
		return IMPORT;
	}
	if (end - p >= 6 && memcmp(p, "config", 6) == 0 && !is_attach_char((unsigned char)p[6]) &&
	    *xt_lex_skip_space(p + 6, end) == '=') {
		begin(px, loc);
		advance(px, p + 6, loc);
		return CONFIG;
	}

	bool field_start = true, path = false, quoted = false;
	const char *q = p, *field = p;
	for (; q < end; q++) {
		unsigned char ch = (unsigned char)*q;
		if (field_start) {
			path = ch == '/' || ch == '.';
			field_start = false;
			field = q;
		}
		if (ch == '"' && field_start == false && q == field) {
			/* a quoted field (bpftrace: uprobe:"/my app/bin":"fn"): to its closing quote */
			const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
			if (!close || memchr(q, '\n', (size_t)(close - q)))
				break;
			q = close;
			quoted = true;
		} else if (ch == ':') {
			field_start = true;
		} else if (ch == '/') {
			if (!path && !(field > p && relative_path(field, end)))
				break;
			path = true;
		} else if (!is_attach_char(ch)) {
			break;
		}
	}
	begin(px, loc);
	lval->str = text(px, p, q);
	if (quoted) { /* the name without its quotes */
		char *w = lval->str;
		for (const char *r = lval->str; *r; r++)
			if (*r != '"')
				*w++ = *r;
		*w = 0;
	}
	advance(px, q, loc);
	return ATTACH;
}

static int lex_token(struct xt_pctx *px, XTYYSTYPE *lval, struct xt_loc *loc)
{
	if (!skip_space(px))
		return XTYYerror;
	if (px->cur >= px->end) {
		if (px->prev_loc.last_line) {
			loc->first_line = loc->last_line = px->prev_loc.last_line;
			loc->first_column = loc->last_column = px->prev_loc.last_column + 1;
		} else {
			begin(px, loc);
		}
		return XTYYEOF;
	}
	bool code = px->stmts || px->nest > 0 || px->in_pred || px->in_angle || px->in_macro || px->in_decl;
	return code ? lex_code(px, lval, loc) : lex_top(px, lval, loc);
}

int xtyylex(XTYYSTYPE *lval, struct xt_loc *lloc, struct xt_pctx *px)
{
	if (px->start_token) {
		int tok = px->start_token;
		px->start_token = 0;
		px->prev_tok = tok;
		lloc->first_line = lloc->last_line = 1;
		lloc->first_column = lloc->last_column = 1;
		return tok;
	}
	int tok = lex_token(px, lval, lloc);
	switch (tok) {
	case '(': case '[': case '{':
		px->nest++;
		break;
	case ')': case ']': case '}':
		if (px->nest > 0)
			px->nest--;
		if (tok == '}' && px->nest == 0)
			px->in_macro = false;
		break;
	case MACRO:
		px->in_macro = true;
		break;
	case MAPDECL:
	case IMPORT:
		px->in_decl = true;
		break;
	case ';':
		if (px->nest == 0)
			px->in_decl = false;
		break;
	case ANGLE_OPEN:
		px->in_angle = true;
		px->angle_nest = px->nest;
		break;
	case ANGLE_CLOSE:
		px->in_angle = false;
		break;
	case PRED_END:
		px->in_pred = false;
		break;
	default:
		break;
	}
	if (tok != XTYYEOF) {
		px->prev_tok = tok;
		px->prev_loc = *lloc;
	}
	return tok;
}
