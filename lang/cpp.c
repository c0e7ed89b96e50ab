/* The preprocessor's files and directives: tokenizes each file, runs its
 * directives, copies the text between them (expanding macros, through
 * cpp_macro.c) and keeps the line map that ties every output line to the
 * file and line it came from. */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cpp_int.h"
#include "stdlib/registry.h"
#include "util/file.h"

#define MAX_DEPTH 200
#define MAX_HEADER (16u << 20)

/* --- tokens ------------------------------------------------------------------ */

static bool is_ident_start(unsigned char c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident(unsigned char c)
{
	return isalnum(c) || c == '_';
}

static bool is_attach(unsigned char c)
{
	return is_ident(c) || c >= 0x80 || (c && strchr(":.*+-$@?[]~%#", c));
}

/* An attach point in the program (`kprobe:f`, `uprobe:/bin/sh:main`) is one
 * word, expanded never: the identifier before its first ':' names a probe
 * type. Returns where the word ends, or NULL. */
static const char *attach_word(const char *p, const char *id_end, const char *end)
{
	if (id_end >= end || *id_end != ':' || id_end - p >= 32)
		return NULL;
	char name[32];
	memcpy(name, p, (size_t)(id_end - p));
	name[id_end - p] = 0;
	if (!xt_provider_find(name))
		return NULL;
	const char *q = id_end;
	bool path = false, field_start = false;
	for (; q < end; q++) {
		unsigned char ch = (unsigned char)*q;
		if (field_start) {
			path = ch == '/' || ch == '.';
			field_start = false;
		}
		if (ch == ':')
			field_start = true;
		else if (!(is_attach(ch) || (ch == '/' && path)))
			break;
	}
	return q;
}

static const char *const puncts[] = {
	"...", "<<=", ">>=", "##", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
	"->", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "..",
};

struct tok *xt_cpp_tokenize(struct cpp *c, const char *text, size_t len, bool header)
{
	const char *p = text, *end = text + len, *ls = text;
	struct tok head = { 0 }, *tail = &head;
	int line = 1;
	bool bol = true, space = false;
	int ncol = 1;
	const char *col_at = text;
	while (p < end) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\n') {
			p++;
			line++;
			col_at = ls = p;
			ncol = 1;
			bol = true;
			space = false;
			continue;
		}
		if (ch == '\\' && p + 1 < end && (p[1] == '\n' || (p[1] == '\r' && p + 2 < end && p[2] == '\n'))) {
			p += p[1] == '\n' ? 2 : 3;
			line++;
			col_at = p;
			ncol = 1;
			space = true;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
			p++;
			space = true;
			continue;
		}
		if (ch == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
			space = true;
			continue;
		}
		if (ch == '/' && p + 1 < end && p[1] == '*') {
			const char *q = p + 2;
			while (q + 1 < end && !(q[0] == '*' && q[1] == '/')) {
				if (*q == '\n') {
					line++;
					col_at = q + 1;
					ncol = 1;
				}
				q++;
			}
			p = q + 1 < end ? q + 2 : end; /* the lexer reports it unterminated */
			space = true;
			continue;
		}
		struct tok *t = xt_arena_alloc(c->ar, sizeof(*t));
		t->s = p;
		t->bol = bol;
		t->ls = bol ? ls : NULL;
		t->space = space;
		t->src = true;
		t->line = line;
		/* columns count code points */
		while (col_at < p) {
			if (((unsigned char)*col_at & 0xc0) != 0x80)
				ncol++;
			col_at++;
		}
		t->col = ncol;
		const char *q = p + 1;
		if (is_ident_start(ch)) {
			while (q < end && is_ident((unsigned char)*q))
				q++;
			const char *w = header ? NULL : attach_word(p, q, end);
			t->kind = w ? TK_WORD : TK_IDENT;
			if (w)
				q = w;
		} else if (isdigit(ch) || (ch == '.' && q < end && isdigit((unsigned char)*q))) {
			while (q < end && (is_ident((unsigned char)*q) || *q == '.' ||
					   ((*q == '+' || *q == '-') && strchr("eEpP", q[-1]))))
				q++;
			t->kind = TK_NUM;
		} else if ((ch == '$' || ch == '@') && !header) {
			if (q < end && *q == '#')
				q++;
			else
				while (q < end && is_ident((unsigned char)*q))
					q++;
			t->kind = TK_WORD;
		} else if (ch == '"' || ch == '\'') {
			while (q < end && *q != ch && *q != '\n')
				q += *q == '\\' && q + 1 < end && q[1] != '\n' ? 2 : 1;
			if (q < end && *q == ch) {
				q++;
				t->kind = ch == '"' ? TK_STR : TK_CHAR;
			} else if (ch == '"') { /* the lexer says where it is unterminated */
				t->kind = TK_WORD;
			} else { /* a lone apostrophe */
				q = p + 1;
				t->kind = TK_PUNCT;
			}
		} else {
			t->kind = TK_PUNCT;
			for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
				if ((unsigned char)puncts[i][0] != ch) /* most: no memcmp (a fuzzer hooks each one) */
					continue;
				size_t n = strlen(puncts[i]);
				if ((size_t)(end - p) >= n && memcmp(p, puncts[i], n) == 0) {
					q = p + n;
					break;
				}
			}
			while (ch >= 0x80 && q < end && ((unsigned char)*q & 0xc0) == 0x80)
				q++;
		}
		t->len = (int)(q - p);
		p = q;
		tail->next = t;
		tail = t;
		bol = space = false;
	}
	struct tok *eof = xt_arena_alloc(c->ar, sizeof(*eof));
	eof->kind = TK_EOF;
	eof->s = end;
	eof->bol = true;
	eof->ls = end;
	eof->src = true;
	eof->line = line;
	eof->col = 1;
	tail->next = eof;
	return head.next;
}

/* --- output and the line map ------------------------------------------------- */

static void push_line(struct cpp *c, const struct xt_source_file *f, int line)
{
	if (c->nlines == c->linecap) {
		c->linecap = c->linecap ? c->linecap * 2 : 256;
		c->lines = realloc(c->lines, (size_t)c->linecap * sizeof(*c->lines));
		if (!c->lines)
			abort();
	}
	c->lines[c->nlines++] = (struct xt_source_line){ .file = f, .line = line };
}

static void out(struct cpp *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		while (c->len + n + 1 > c->cap)
			c->cap = c->cap ? c->cap * 2 : 4096;
		c->out = realloc(c->out, c->cap);
		if (!c->out)
			abort();
	}
	for (size_t i = 0; i < n; i++) {
		c->out[c->len++] = s[i];
		if (s[i] == '\n') {
			c->col = 0;
			push_line(c, c->file, ++c->cur_line);
		} else if (((unsigned char)s[i] & 0xc0) != 0x80) {
			c->col++;
		}
	}
}

/* Only the line ends of s..e: text left out keeps its lines. */
static void out_newlines(struct cpp *c, const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s == '\n')
			out(c, "\n", 1);
}

/* Diagnostics are rendered at once, before the line map exists: in the
 * file being read, at the token's own line and column. */
static struct xt_loc tok_loc(const struct tok *t)
{
	return (struct xt_loc){ t->line, t->col, t->line, t->col + (t->len > 0 ? t->len - 1 : 0), 0 };
}

static void report(struct cpp *c, bool error, struct xt_loc loc, const char *msg)
{
	const struct xt_source *saved = c->dg->src;
	struct xt_source here = { .name = c->file->name, .text = c->file->text, .len = c->file->len };
	c->dg->src = &here;
	if (error)
		xt_diag_error(c->dg, loc, "%s", msg);
	else
		xt_diag_note(c->dg, loc, "%s", msg);
	c->dg->src = saved;
}

void xt_cpp_error(struct cpp *c, const struct tok *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->failed)
		report(c, true, tok_loc(t), msg);
	c->failed = true;
}

bool xt_cpp_is(const struct tok *t, const char *punct)
{
	return (t->kind == TK_PUNCT || t->kind == TK_IDENT) && (size_t)t->len == strlen(punct) &&
	       memcmp(t->s, punct, (size_t)t->len) == 0;
}

/* --- files ------------------------------------------------------------------- */

struct cfile {
	struct xt_source_file *sf;
	const char *dir;       /* its folder */
	int path_index;        /* the search-path entry it was found in (-1: none) */
	struct cond {
		bool active;       /* this branch is read */
		bool taken;        /* a branch of this #if was taken */
		bool outer_skip;   /* the enclosing text is skipped */
		bool has_else;
		const struct tok *at;
	} conds[64];
	int nconds;
};

static bool skipping(const struct cfile *f)
{
	return f->nconds > 0 && (!f->conds[f->nconds - 1].active || f->conds[f->nconds - 1].outer_skip);
}

static char *dir_of(struct xt_arena *ar, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ".";
	if (slash == path)
		return "/";
	return xt_arena_strndup(ar, path, (size_t)(slash - path));
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* The header's path, or NULL; *index gets the search-path entry (-1: the
 * including file's folder). */
static char *find_header(struct cpp *c, const struct cfile *from, const char *name, bool quoted,
			 bool next, int *index)
{
	if (name[0] == '/') {
		*index = -1;
		return is_file(name) ? xt_arena_strdup(c->ar, name) : NULL;
	}
	int start = 0;
	if (next && from && from->path_index >= 0) {
		start = from->path_index + 1;
	} else if (quoted && from) {
		char *p = xt_arena_printf(c->ar, "%s/%s", from->dir, name);
		if (is_file(p)) {
			*index = -1;
			return p;
		}
	}
	for (int i = start; i < c->npath; i++) {
		char *p = xt_arena_printf(c->ar, "%s/%s", c->path[i], name);
		if (is_file(p)) {
			*index = i;
			return p;
		}
	}
	return NULL;
}


bool xt_cpp_has_include(struct cpp *c, const char *name, bool quoted, bool next)
{
	int index;
	return find_header(c, c->cur, name, quoted, next, &index) != NULL;
}

static void run_file(struct cpp *c, struct cfile *f, struct tok *toks);

/* Reads and preprocesses header `path` where the output is now. */
static void include_file(struct cpp *c, struct cfile *from, const char *path, int index,
			 const struct tok *at)
{
	for (int i = 0; i < c->nonce; i++)
		if (strcmp(c->once[i], path) == 0)
			return;
	if (c->depth >= MAX_DEPTH) {
		xt_cpp_error(c, at, "#include nested too deeply (more than %d levels)", MAX_DEPTH);
		return;
	}
	size_t len;
	char *raw = xt_file_read(path, MAX_HEADER);
	if (!raw) {
		xt_cpp_error(c, at, "cannot read %s: %s", path, strerror(errno));
		return;
	}
	len = strlen(raw);
	struct xt_source_file *sf = xt_arena_alloc(c->ar, sizeof(*sf));
	sf->name = path;
	sf->text = xt_arena_strndup(c->ar, raw, len);
	sf->len = len;
	sf->header = !c->script;
	c->script = false;
	free(raw);
	struct cfile nf = { .sf = sf, .dir = dir_of(c->ar, path), .path_index = index };
	const struct xt_source_file *pfile = c->file;
	int pline = c->cur_line;
	c->file = sf;
	c->cur_line = 1;
	c->lines[c->nlines - 1] = (struct xt_source_line){ .file = sf, .line = 1 };
	c->depth++;
	struct cfile *pcur = c->cur;
	c->cur = &nf;
	run_file(c, &nf, xt_cpp_tokenize(c, sf->text, sf->len, true));
	c->cur = pcur;
	c->depth--;
	if (c->col > 0 || (c->len > 0 && c->out[c->len - 1] != '\n'))
		out(c, "\n", 1);
	c->file = pfile;
	c->cur_line = pline;
	c->lines[c->nlines - 1] = (struct xt_source_line){ .file = pfile, .line = pline };
	(void)from;
}

/* The tokens of a directive line: from after its name to the next line's
 * first token, which *next gets; the list ends with a TK_EOF of its own. */
static struct tok *line_toks(struct cpp *c, struct tok *t, struct tok **next)
{
	struct tok head = { 0 }, *tail = &head;
	for (; !t->bol; t = t->next) {
		tail->next = xt_cpp_copy(c, t);
		tail->next->src = true;
		tail = tail->next;
	}
	tail->next = xt_cpp_eof(c, t);
	*next = t;
	return head.next;
}

static char *toks_text(struct cpp *c, const struct tok *t)
{
	size_t n = 0;
	for (const struct tok *u = t; u->kind != TK_EOF; u = u->next)
		n += (size_t)u->len + 1;
	char *s = xt_arena_alloc(c->ar, n + 1), *p = s;
	for (const struct tok *u = t; u->kind != TK_EOF; u = u->next) {
		if (u != t && u->space)
			*p++ = ' ';
		memcpy(p, u->s, (size_t)u->len);
		p += u->len;
	}
	*p = 0;
	return s;
}

static void do_include(struct cpp *c, struct cfile *f, const struct tok *dir, struct tok *args, bool next)
{
	struct tok *t = args;
	char *name = NULL;
	bool quoted = false;
	for (int round = 0; round < 2 && !name; round++) {
		if (t->kind == TK_STR) {
			name = xt_arena_strndup(c->ar, t->s + 1, (size_t)t->len - 2);
			quoted = true;
		} else if (xt_cpp_is(t, "<")) {
			/* the raw text to '>' (src: on the line; expanded: the tokens' text) */
			char *all = toks_text(c, t->next);
			char *gt = strchr(all, '>');
			if (t->src && !gt) {
				xt_cpp_error(c, t, "expected '>' to close the header name");
				return;
			}
			if (t->src) {
				const char *s = t->s + 1, *e = strchr(s, '>');
				name = xt_arena_strndup(c->ar, s, (size_t)(e - s));
			} else if (gt) {
				name = xt_arena_strndup(c->ar, all, (size_t)(gt - all));
			}
		} else if (round == 0) {
			t = xt_cpp_expand_all(c, t);
		}
	}
	if (!name) {
		xt_cpp_error(c, args->kind == TK_EOF ? dir : args, "#include expects \"FILE\" or <FILE>");
		return;
	}
	int index;
	char *path = find_header(c, f, name, quoted, next, &index);
	if (!path) {
		if (!quoted && c->o->have_btf) {
			/* kernel BTF serves what a missing kernel header would declare */
			if (c->o->verbose) {
				struct xt_loc loc = tok_loc(args);
				loc.last_column = loc.first_column + (int)strlen(name) + 1;
				char msg[512];
				snprintf(msg, sizeof(msg), "<%s> not found: skipped (kernel BTF has the kernel's types)", name);
				report(c, false, loc, msg);
			}
			return;
		}
		xt_cpp_error(c, args, "'%s' file not found", name);
		return;
	}
	include_file(c, f, path, index, args);
}

static void do_if(struct cpp *c, struct cfile *f, const struct tok *dir, bool value)
{
	if (f->nconds == (int)(sizeof(f->conds) / sizeof(f->conds[0]))) {
		xt_cpp_error(c, dir, "#if nested too deeply");
		return;
	}
	bool outer = skipping(f);
	f->conds[f->nconds++] = (struct cond){ .active = value, .taken = value, .outer_skip = outer, .at = dir };
}

static bool word_is(const struct tok *t, const char *w)
{
	return t->kind == TK_IDENT && xt_cpp_is(t, w);
}

/* #pragma pack(N), pack(), pack(push[, N]), pack(pop[, N]) (t: after
 * `pack`, macros expanded as clang, bpftrace's compiler, does): the
 * members of structs defined after it align to at most N bytes. Malformed
 * ones are ignored, as by GCC and clang. */
static void pragma_pack(struct cpp *c, struct tok *t)
{
	t = xt_cpp_expand_all(c, t);
	if (!xt_cpp_is(t, "("))
		return;
	t = t->next;
	bool push = false, pop = false;
	if (word_is(t, "push") || word_is(t, "pop")) {
		push = t->s[1] == 'u';
		pop = !push;
		t = t->next;
		if (xt_cpp_is(t, ",") && t->next->kind == TK_IDENT) /* MSVC's label: not kept */
			t = t->next->next;
		if (xt_cpp_is(t, ","))
			t = t->next;
	}
	int n = -1;
	if (t->kind == TK_NUM) {
		char *end;
		n = (int)strtol(t->s, &end, 0);
		if (end != t->s + t->len || n <= 0 || n > 16 || (n & (n - 1)))
			return;
		t = t->next;
	}
	if (!xt_cpp_is(t, ")"))
		return;
	if (push) {
		if (c->npack_stack == (int)(sizeof(c->pack_stack) / sizeof(c->pack_stack[0])))
			return;
		c->pack_stack[c->npack_stack++] = c->pack;
	} else if (pop) {
		if (c->npack_stack > 0)
			c->pack = c->pack_stack[--c->npack_stack];
	}
	if (n > 0 || (!push && !pop))
		c->pack = n > 0 ? n : 0;
	c->packs = realloc(c->packs, (size_t)(c->npacks + 1) * sizeof(*c->packs));
	if (!c->packs)
		abort();
	c->packs[c->npacks++] = (struct xt_source_pack){ .line = c->nlines, .pack = c->pack };
}

/* Runs the directive at hash ('#'); returns the first token after it. */
static struct tok *directive(struct cpp *c, struct cfile *f, struct tok *hash)
{
	struct tok *name = hash->next, *next;
	if (name->bol) { /* a lone '#' */
		out_newlines(c, hash->s, name->ls);
		return name;
	}
	struct tok *args = line_toks(c, name->next, &next);
	bool skip = skipping(f);
	struct cond *top = f->nconds ? &f->conds[f->nconds - 1] : NULL;
	bool value;

	if (word_is(name, "if") || word_is(name, "ifdef") || word_is(name, "ifndef")) {
		if (skip) {
			do_if(c, f, hash, false);
		} else if (name->len == 2) {
			if (xt_cpp_eval(c, args, name, &value) == 0)
				do_if(c, f, hash, value);
		} else if (args->kind != TK_IDENT) {
			xt_cpp_error(c, args->kind == TK_EOF ? name : args, "macro names must be identifiers");
		} else {
			bool def = xt_cpp_find(c, args->s, args->len) != NULL;
			do_if(c, f, hash, name->len == 5 ? def : !def);
		}
	} else if (word_is(name, "elif") || word_is(name, "else")) {
		if (!top || top->has_else) {
			xt_cpp_error(c, name, "#%.*s without #if", name->len, name->s);
		} else if (name->len == 4 && name->s[2] == 's') {
			top->has_else = true;
			top->active = !top->taken;
			top->taken = true;
		} else if (top->taken || top->outer_skip) {
			top->active = false;
		} else if (xt_cpp_eval(c, args, name, &value) == 0) {
			top->active = top->taken = value;
		}
	} else if (word_is(name, "endif")) {
		if (!top)
			xt_cpp_error(c, name, "#endif without #if");
		else
			f->nconds--;
	} else if (skip) {
		/* other directives are not read in skipped text */
	} else if (word_is(name, "define")) {
		xt_cpp_define_toks(c, args);
	} else if (word_is(name, "undef")) {
		if (args->kind != TK_IDENT)
			xt_cpp_error(c, args->kind == TK_EOF ? name : args, "macro names must be identifiers");
		else
			xt_cpp_undef(c, args->s, args->len);
	} else if (word_is(name, "include") || word_is(name, "include_next")) {
		/* the directive's line ends first, so the header's lines follow it */
		out_newlines(c, hash->s, next->ls);
		if (c->len && c->out[c->len - 1] != '\n')
			out(c, "\n", 1);
		do_include(c, f, name, args, name->len > 7);
		return next;
	} else if (word_is(name, "error")) {
		xt_cpp_error(c, name, "#error %s", toks_text(c, args));
	} else if (word_is(name, "warning") || word_is(name, "pragma") || word_is(name, "line") ||
		   word_is(name, "ident") || word_is(name, "sccs")) {
		if (word_is(name, "pragma") && word_is(args, "pack"))
			pragma_pack(c, args->next);
		if (word_is(name, "pragma") && word_is(args, "once")) {
			c->once = realloc(c->once, (size_t)(c->nonce + 1) * sizeof(*c->once));
			if (!c->once)
				abort();
			c->once[c->nonce++] = f->sf->name;
		}
	} else if (hash->line == 1 && xt_cpp_is(name, "!") && !f->sf->header) {
		/* #! line */
	} else {
		xt_cpp_error(c, name, "unknown preprocessor directive '#%.*s'", name->len, name->s);
	}
	out_newlines(c, hash->s, next->ls);
	return next;
}

/* --- one file ---------------------------------------------------------------- */

/* An expansion being written: the macro's name at `from` and everything up
 * to `copied` are replaced by the expansion's text. */
struct span {
	bool on;
	const char *from;
	struct xt_source_span sp;
	bool first;
};

static void add_span(struct cpp *c, const struct xt_source_span *sp)
{
	if (c->nspans == c->spancap) {
		c->spancap = c->spancap ? c->spancap * 2 : 64;
		c->spans = realloc(c->spans, (size_t)c->spancap * sizeof(*c->spans));
		if (!c->spans)
			abort();
	}
	c->spans[c->nspans].line = c->nlines - 1;
	c->spans[c->nspans++].sp = *sp;
}

static void end_span(struct cpp *c, struct span *s, const char *copied)
{
	if (!s->on)
		return;
	s->sp.out_last = c->col;
	if (s->sp.out_last < s->sp.out_first) /* expanded to nothing */
		s->sp.out_last = s->sp.out_first;
	add_span(c, &s->sp);
	out_newlines(c, s->from, copied);
	s->on = false;
}

static bool glue(char a, char b)
{
	if (is_ident((unsigned char)a) && (is_ident((unsigned char)b) || b == '.'))
		return true;
	return a && strchr("+-*/%<>=!&|^.#:", a) && strchr("+-*/%<>=!&|^.#:", b);
}

static void run_file(struct cpp *c, struct cfile *f, struct tok *t)
{
	const char *copied = f->sf->text;
	struct span sp = { 0 };
	while (t->kind != TK_EOF || !t->src) {
		if (t->src && t->bol && (xt_cpp_is(t, "#") || t->kind == TK_EOF)) {
			end_span(c, &sp, copied);
			if (skipping(f))
				out_newlines(c, copied, t->s);
			else
				out(c, copied, (size_t)(t->s - copied));
			if (t->kind == TK_EOF)
				break;
			t = directive(c, f, t);
			copied = t->ls;
			if (c->failed)
				return;
			continue;
		}
		if (skipping(f)) {
			t = t->next;
			continue;
		}
		if (t->kind == TK_IDENT) {
			struct tok *name = t, *last = NULL;
			if (xt_cpp_expand(c, &t, &last)) {
				if (name->src) {
					out(c, copied, (size_t)(name->s - copied));
					sp = (struct span){ .on = true, .from = name->s, .first = true,
						.sp = { .out_first = c->col + 1, .src_first = name->col } };
				}
				if (last && last->src) {
					copied = last->s + last->len;
					sp.sp.src_last = last->col + last->len - 1;
				}
				if (c->failed)
					return;
				continue;
			}
			if (c->failed)
				return;
		}
		if (t->src) {
			end_span(c, &sp, copied);
			out(c, copied, (size_t)(t->s + t->len - copied));
			copied = t->s + t->len;
		} else {
			char prev = c->len ? c->out[c->len - 1] : 0;
			if ((t->space && !sp.first) || glue(prev, t->s[0]))
				out(c, " ", 1);
			out(c, t->s, (size_t)t->len);
			sp.first = false;
		}
		t = t->next;
	}
	if (f->nconds > 0)
		xt_cpp_error(c, f->conds[f->nconds - 1].at, "unterminated conditional directive (#if without #endif)");
}

/* --- the run ----------------------------------------------------------------- */

static void add_path(struct cpp *c, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	c->path = realloc(c->path, (size_t)(c->npath + 1) * sizeof(*c->path));
	if (!c->path)
		abort();
	c->path[c->npath++] = xt_arena_strdup(c->ar, dir);
}

/* The system's headers, in the order a C compiler searches them: the
 * compiler's own (stddef.h, stdarg.h; GCC's, when installed), /usr/local,
 * the multiarch folder, /usr/include. */
static void system_paths(struct cpp *c, const char *triple)
{
	glob_t g;
	char pat[256];
	snprintf(pat, sizeof(pat), "/usr/lib/gcc/%s/*/include", triple);
	if (glob(pat, 0, NULL, &g) == 0) {
		const char *best = NULL;
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (!best || strverscmp(g.gl_pathv[i], best) > 0)
				best = g.gl_pathv[i];
		add_path(c, best);
		globfree(&g);
	}
	add_path(c, "/usr/local/include");
	snprintf(pat, sizeof(pat), "/usr/include/%s", triple);
	add_path(c, pat);
	add_path(c, "/usr/include");
}

static void predefine(struct cpp *c, const char *machine)
{
	static const char *const common[] = {
		"XTRACE 1", "__STDC__ 1", "__STDC_VERSION__ 201112L", "__STDC_HOSTED__ 1",
		"__GNUC__ 4", "__GNUC_MINOR__ 2", "__GNUC_PATCHLEVEL__ 1",
		"__linux__ 1", "__linux 1", "__unix__ 1", "__unix 1", "__ELF__ 1",
		"__CHAR_BIT__ 8", "__SIZEOF_SHORT__ 2", "__SIZEOF_INT__ 4", "__SIZEOF_LONG__ 8",
		"__SIZEOF_LONG_LONG__ 8", "__SIZEOF_POINTER__ 8", "__SIZEOF_SIZE_T__ 8",
		"__LP64__ 1", "_LP64 1", "__ORDER_LITTLE_ENDIAN__ 1234", "__ORDER_BIG_ENDIAN__ 4321",
		"__ORDER_PDP_ENDIAN__ 3412", "__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__",
		"__INT_MAX__ 2147483647", "__LONG_MAX__ 9223372036854775807L",
		"__SCHAR_MAX__ 127", "__SHRT_MAX__ 32767", "__LONG_LONG_MAX__ 9223372036854775807LL",
	};
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		xt_cpp_define(c, common[i]);
	if (strcmp(machine, "x86_64") == 0) {
		xt_cpp_define(c, "__x86_64__ 1");
		xt_cpp_define(c, "__x86_64 1");
		xt_cpp_define(c, "__amd64__ 1");
		xt_cpp_define(c, "__amd64 1");
	} else if (strcmp(machine, "aarch64") == 0) {
		xt_cpp_define(c, "__aarch64__ 1");
	}
	xt_cpp_define(c, "__FILE__ \"\"");
	xt_cpp_define(c, "__LINE__ 0");
	xt_cpp_find(c, "__FILE__", 8)->dynamic = true;
	xt_cpp_find(c, "__LINE__", 8)->dynamic = true;
}

/* What every run starts from, made once per process in an arena of its
 * own: the system's header folders and the predefined macros. A run copies
 * the macros' records (its #undef and #define relink them), not their
 * bodies, which expansion only reads. */
static const struct cpp *start(void)
{
	static struct cpp *s;
	static const struct xt_cpp_opts none = { 0 };
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->ar = xt_arena_new();
	s->o = &none;
	struct utsname un;
	const char *machine = uname(&un) == 0 ? un.machine : "x86_64";
	char triple[128];
	snprintf(triple, sizeof(triple), "%s-linux-gnu", machine);
	system_paths(s, triple);
	predefine(s, machine);
	return s;
}

/* Whether text has a directive: a '#' first on a line. */
static bool has_directive(const char *s, size_t len)
{
	if (!memchr(s, '#', len)) /* most programs: one fast look, not a test per byte */
		return false;
	bool bol = true;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			bol = true;
		else if (s[i] == '#' && bol)
			return true;
		else if (s[i] != ' ' && s[i] != '\t')
			bol = false;
	}
	return false;
}

int xt_cpp(struct xt_arena *ar, struct xt_source *src, const struct xt_cpp_opts *opts,
	   struct xt_diags *dg)
{
	static const struct xt_cpp_opts none = { 0 };
	const struct xt_cpp_opts *o = opts ? opts : &none;
	/* only a leading #! line: nothing to do (and no cost for programs without directives) */
	const char *text = src->text;
	size_t skip = 0;
	if (src->len >= 2 && text[0] == '#' && text[1] == '!')
		while (skip < src->len && text[skip] != '\n')
			skip++;
	if (!o->ninclude_files && !o->nappend_files && !xt_cpp_macros_count(o->macros_in) &&
	    !has_directive(text + skip, src->len - skip))
		return 0;

	struct cpp *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->ar = ar;
	c->dg = dg;
	c->o = o;
	const struct cpp *s = start();
	for (int i = 0; i < o->ninclude_dirs; i++)
		add_path(c, o->include_dirs[i]);
	if (s->npath) {
		c->path = realloc(c->path, (size_t)(c->npath + s->npath) * sizeof(*c->path));
		if (!c->path)
			abort();
		memcpy(c->path + c->npath, s->path, (size_t)s->npath * sizeof(*c->path));
		c->npath += s->npath;
	}
	for (int h = 0; h < CPP_HASH; h++) {
		struct macro **tail = &c->macros[h];
		for (const struct macro *m = s->macros[h]; m; m = m->next) {
			*tail = xt_arena_alloc(ar, sizeof(**tail));
			**tail = *m;
			tail = &(*tail)->next;
		}
		*tail = NULL;
	}
	if (o->have_btf)
		xt_cpp_define(c, "BPFTRACE_HAVE_BTF 1");
	xt_cpp_macros_start(c, o->macros_in);

	struct xt_source_file *main = xt_arena_alloc(ar, sizeof(*main));
	main->name = src->name;
	main->text = src->text;
	main->len = src->len;
	c->file = main;
	c->cur_line = 1;
	push_line(c, main, 1);
	const char *base = o->base_dir ? o->base_dir
		: src->name[0] == '<' ? "." : dir_of(ar, src->name);
	struct cfile mf = { .sf = main, .dir = base, .path_index = -1 };
	struct tok at = { .kind = TK_EOF, .line = 1, .col = 1 };
	c->cur = &mf;
	for (int i = 0; i < o->ninclude_files && !c->failed; i++) {
		const char *name = o->include_files[i];
		int index = -1;
		char *path = find_header(c, &mf, name, true, false, &index);
		if (!path) {
			xt_diag_plain(dg, "--include %s: file not found", name);
			c->failed = true;
			break;
		}
		include_file(c, &mf, path, index, &at);
		c->lines[c->nlines - 1] = (struct xt_source_line){ .file = main, .line = 1 };
	}
	if (!c->failed)
		run_file(c, &mf, xt_cpp_tokenize(c, main->text, main->len, false));
	for (int i = 0; i < o->nappend_files && !c->failed; i++) { /* after the program's last line */
		if (c->col > 0 || (c->len > 0 && c->out[c->len - 1] != '\n'))
			out(c, "\n", 1);
		size_t n = strlen(o->append_files[i]);
		c->script = n > 3 && strcmp(o->append_files[i] + n - 3, ".bt") == 0;
		include_file(c, &mf, o->append_files[i], -1, &at);
	}
	int rc = c->failed ? -1 : 0;
	if (rc == 0) {
		struct xt_source_line *lines = xt_arena_alloc(ar, (size_t)c->nlines * sizeof(*lines));
		memcpy(lines, c->lines, (size_t)c->nlines * sizeof(*lines));
		struct xt_source_span *spans = xt_arena_alloc(ar, (size_t)(c->nspans + 1) * sizeof(*spans));
		for (int i = 0; i < c->nspans; i++) {
			struct xt_source_line *l = &lines[c->spans[i].line];
			spans[i] = c->spans[i].sp;
			if (!l->nspans)
				l->spans = &spans[i];
			l->nspans++;
		}
		src->text = xt_arena_strndup(ar, c->out ? c->out : "", c->len);
		src->len = c->len;
		src->lines = lines;
		src->nlines = c->nlines;
		if (c->npacks) {
			struct xt_source_pack *packs = xt_arena_alloc(ar, (size_t)c->npacks * sizeof(*packs));
			memcpy(packs, c->packs, (size_t)c->npacks * sizeof(*packs));
			src->packs = packs;
			src->npacks = c->npacks;
		}
		if (o->macros_out)
			xt_cpp_macros_keep(c, o->macros_out);
	}
	free(c->out);
	free(c->lines);
	free(c->spans);
	free(c->path);
	free(c->once);
	free(c->packs);
	free(c);
	return rc;
}
