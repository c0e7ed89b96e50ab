/* The parser: program text to an AST. */
#ifndef XT_PARSER_H
#define XT_PARSER_H

#include "ast.h"
#include "diag.h"

enum xt_parse_mode {
	XT_PARSE_PROGRAM,  /* a whole program: [config] probe... */
	XT_PARSE_ENTRY,    /* a REPL entry: a program, or a list of statements without a probe */
};

/* Parses src. Returns an XT_N_PROGRAM node allocated in `ar`, or NULL after
 * reporting the first syntax error to `dg` (dg->incomplete is set when the
 * error is end of input inside an open brace, parenthesis, bracket or string).
 * In XT_PARSE_ENTRY mode a statement list without probes comes back as an
 * XT_N_PROGRAM whose `list` is NULL and whose `b` is an XT_N_BLOCK. */
struct xt_node *xt_parse(struct xt_arena *ar, const struct xt_source *src,
			 enum xt_parse_mode mode, struct xt_diags *dg);

#endif
