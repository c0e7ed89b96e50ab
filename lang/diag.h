/* Diagnostics: user mistakes rendered as `file:line:col: error: msg`, the
 * source line, and the span underlined with `~`. The text accumulates in
 * struct xt_diags (owned by the caller) until the driver prints it. */
#ifndef XT_DIAG_H
#define XT_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include "ast.h"

struct xt_source {
	const char *name;  /* "<stdin>" for -e programs, the path for files */
	const char *text;  /* NUL-terminated program text */
	size_t len;
};

struct xt_diags {
	const struct xt_source *src;
	char *buf;          /* rendered text, NUL-terminated (malloc'd; xt_diags_fini frees) */
	size_t len, cap;
	int errors;
	bool incomplete;    /* the parser hit end of input inside an open construct (REPL continuation) */
};

void xt_diags_init(struct xt_diags *dg, const struct xt_source *src);
void xt_diags_fini(struct xt_diags *dg);
void xt_diags_clear(struct xt_diags *dg);

/* Renders an error at `loc`: header line, source line, `~` underline. */
void xt_diag_error(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note attached to the previous error (no error counted); loc may be the zero loc to omit the source. */
void xt_diag_note(struct xt_diags *dg, struct xt_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error that has no place in the source (e.g. a missing kernel feature seen before parsing). */
void xt_diag_plain(struct xt_diags *dg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The closest of `n` candidates to `word` (Levenshtein distance <= 2 and less than
 * the word's length), or NULL. Used for "did you mean". */
const char *xt_diag_closest(const char *word, const char *const *cands, size_t n);

#endif
