/* What the preprocessor's files share: tokens, macros, the state of one run
 * (lang/cpp.c reads files and directives and writes the output;
 * lang/cpp_macro.c expands macros and evaluates #if). */
#ifndef XT_CPP_INT_H
#define XT_CPP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "cpp.h"

enum cpp_kind {
	TK_IDENT, TK_NUM, TK_STR, TK_CHAR, TK_PUNCT,
	TK_WORD,   /* never expanded: `$x`, `@m`, an attach point, an unterminated string's rest of line */
	TK_EOF,
};

struct hideset {
	const char *name;
	int len;
	const struct hideset *next;
};

struct tok {
	enum cpp_kind kind;
	const char *s;
	int len;
	bool bol;                  /* the first token of its line (a '#' here opens a directive) */
	bool space;                /* white space (or a comment) before it */
	bool src;                  /* read from a file: s points into its text */
	const char *ls;            /* bol tokens: where their physical line starts */
	int line, col;             /* source position (copies keep their invocation's) */
	const struct hideset *hs;  /* macros that must not expand it again */
	struct tok *next;
};

struct macro {
	const char *name;
	int len;
	bool fn;                   /* function-like */
	int nparams;
	const char **params;       /* "__VA_ARGS__" for a bare `...` */
	bool variadic;
	struct tok *body;          /* ends with TK_EOF */
	bool dynamic;              /* __FILE__, __LINE__: made at each use */
	bool predef;               /* defined by the preprocessor itself, not by a program or a header */
	struct macro *next;
};

#define CPP_HASH 1024

struct cpp {
	struct xt_arena *ar;
	struct xt_diags *dg;
	const struct xt_cpp_opts *o;
	bool script;               /* the next file included is an imported .bt: program text, not a header */
	struct macro *macros[CPP_HASH];
	const char **path;         /* -I dirs, then the system's */
	int npath;
	const char **once;         /* files with #pragma once */
	int nonce;
	int pack, pack_stack[64], npack_stack; /* #pragma pack: now, and pushed */
	struct xt_source_pack *packs;
	int npacks;
	int depth;                 /* #include nesting */
	bool failed;
	struct cfile *cur;         /* the file being read, in cpp.c */
	/* the file being read (for __FILE__ and locations) */
	const struct xt_source_file *file;
	/* output */
	char *out;
	size_t len, cap;
	int col;                   /* code points on the current output line */
	struct xt_source_line *lines;
	int nlines, linecap;       /* lines[nlines - 1] is the current output line */
	int cur_line;              /* its line in c->file */
	struct { int line; struct xt_source_span sp; } *spans;
	int nspans, spancap;
};

/* lang/cpp.c */
struct tok *xt_cpp_tokenize(struct cpp *c, const char *text, size_t len, bool header);
void xt_cpp_error(struct cpp *c, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whether a header can be found ("..." searches from the current file's folder). */
bool xt_cpp_has_include(struct cpp *c, const char *name, bool quoted, bool next);

/* lang/cpp_macro.c */
struct macro *xt_cpp_find(struct cpp *c, const char *s, int len);
void xt_cpp_define(struct cpp *c, const char *text);      /* "NAME VALUE" as a #define line */
/* #define's tokens (after `define`): 0, or -1 after an error. */
int xt_cpp_define_toks(struct cpp *c, struct tok *t);
void xt_cpp_undef(struct cpp *c, const char *s, int len);
/* Expands the macro named by *rest's first token when it can: true, with *rest
 * the expansion followed by the tokens after the invocation and *last the
 * last token the invocation took (the name, or its ')'). */
bool xt_cpp_expand(struct cpp *c, struct tok **rest, struct tok **last);
/* A copy of list (to its TK_EOF) with every macro expanded. */
struct tok *xt_cpp_expand_all(struct cpp *c, struct tok *list);
/* The value of an #if/#elif line's tokens; -1 after an error. */
int xt_cpp_eval(struct cpp *c, struct tok *line, const struct tok *directive, bool *value);
struct tok *xt_cpp_copy(struct cpp *c, const struct tok *t);
struct tok *xt_cpp_eof(struct cpp *c, const struct tok *at);
bool xt_cpp_is(const struct tok *t, const char *punct);
/* Marks the table's macros so far predefined, then adds those of `in`
 * (NULL: none), sharing their bodies: `in` must outlive the run. */
void xt_cpp_macros_start(struct cpp *c, const struct xt_cpp_macros *in);
/* Copies every macro in the table but the predefined ones into `out`. */
void xt_cpp_macros_keep(struct cpp *c, struct xt_cpp_macros *out);

#endif
