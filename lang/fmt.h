/* The formatter behind --fmt (bpftrace 0.25): a program as written, laid
 * out in one style, with every comment and preprocessor line kept in place. */
#ifndef XT_FMT_H
#define XT_FMT_H

#include <stddef.h>
#include "cpp.h"
#include "diag.h"

/* Formats src (the program as written: src->lines NULL). The program must
 * parse (with the preprocessor run as for a compile, `cpp` its options);
 * the result parses to the same tree, and formatting it again changes
 * nothing. 0 with the text in *out (NUL-terminated, *len bytes, allocated
 * in ar); -1 after diagnostics in dg (a syntax error); -2 after an internal
 * error (the formatted text would not parse to the same program: nothing
 * is written). dg renders against src. */
int xt_fmt(struct xt_arena *ar, const struct xt_source *src, const struct xt_cpp_opts *cpp,
	   char **out, size_t *len, struct xt_diags *dg);

#endif
