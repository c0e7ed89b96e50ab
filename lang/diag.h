/* Diagnostics: user mistakes rendered as `file:line:col: error: msg`, the
 * source line, and the span underlined with `~`. The text accumulates in
 * struct xt_diags (owned by the caller) until the driver prints it. */
#ifndef XT_DIAG_H
#define XT_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include "ast.h"

/* A file the preprocessor read (the program, a header), as read. */
struct xt_source_file {
	const char *name;
	const char *text;
	size_t len;
	bool header;       /* included (#include, --include), not the program itself */
};

/* A macro expansion on an output line: output columns [out_first,
 * out_last] came from source columns [src_first, src_last]. */
struct xt_source_span {
	int out_first, out_last, src_first, src_last;
};

/* Where an output line of the preprocessor came from. */
struct xt_source_line {
	const struct xt_source_file *file;
	int line;
	const struct xt_source_span *spans; /* the line's expansions, in order */
	int nspans;
};

/* #pragma pack: from output line `line` on, struct members align to at
 * most `pack` bytes (0: their own alignment). */
struct xt_source_pack {
	int line, pack;
};

struct xt_source {
	const char *name;  /* "<stdin>" for -e programs, the path for files */
	const char *text;  /* NUL-terminated program text (after the preprocessor) */
	size_t len;
	/* lang/cpp.c's line map: lines[i] is output line i + 1; NULL when the
	 * text is the program as written. Diagnostics render through it. */
	const struct xt_source_line *lines;
	int nlines;
	const struct xt_source_pack *packs; /* #pragma pack changes, by line; NULL: none */
	int npacks;
};

/* Where output position (line, col) of src came from: its file, line and
 * column (the position itself when src has no line map). A column inside a
 * macro's expansion is the invocation's first column, or with `end` its last. */
void xt_source_map(const struct xt_source *src, int line, int col, bool end,
		   const struct xt_source_file **file, int *fline, int *fcol);
/* Whether output line `line` of src comes from an included file (a header). */
bool xt_source_in_header(const struct xt_source *src, int line);

/* A macro's expansion (xt_diag_expansion): where it was called, and which. */
struct xt_diag_exp {
	struct xt_loc site;
	const char *macro;
};

struct xt_diags {
	const struct xt_source *src;
	struct xt_diag_exp *exps; /* expansions, numbered from 1 by xt_loc.exp (malloc'd) */
	int nexps, capexps;
	char *buf;          /* rendered text, NUL-terminated (malloc'd; xt_diags_fini frees) */
	size_t len, cap;
	int errors;
	bool incomplete;    /* the parser hit end of input inside an open construct (REPL continuation) */
	bool no_warnings;   /* --no-warnings: warnings, and the notes that follow them, are dropped */
	bool dropping;      /* the last warning was dropped: so are its notes */
};

void xt_diags_init(struct xt_diags *dg, const struct xt_source *src);
void xt_diags_fini(struct xt_diags *dg);
void xt_diags_clear(struct xt_diags *dg);

/* Numbers a new expansion of `macro` called at `site` (the places copied
 * into it carry the number in xt_loc.exp): an error or a warning at such a
 * place is followed by a note at each call it was expanded from. 0 when
 * memory runs out (no notes then). */
int xt_diag_expansion(struct xt_diags *dg, struct xt_loc site, const char *macro);

/* Renders an error at `loc`: header line, source line, `~` underline. */
void xt_diag_error(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning at `loc` (no error counted): the program still runs. */
void xt_diag_warning(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note attached to the previous error (no error counted); loc may be the zero loc to omit the source. */
void xt_diag_note(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error that has no place in the source (e.g. a missing kernel feature seen before parsing). */
void xt_diag_plain(struct xt_diags *dg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether rendered diagnostics colour their kind (`error:`) and the `~`
 * marks with ANSI escapes: for a terminal that has colour. Off by default,
 * and then the text is exactly as without this switch. Process-wide. */
void xt_diag_set_colour(bool on);
bool xt_diag_colour(void);

/* The closest of `n` candidates to `word` (Levenshtein distance <= 2 and less than
 * the word's length), or NULL. Used for "did you mean". */
const char *xt_diag_closest(const char *word, const char *const *cands, size_t n);

#endif
