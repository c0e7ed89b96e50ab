/* Text -> AST -> checked program -> BPF object. */
#include <stdlib.h>
#include <string.h>
#include "lang/parse.h"
#include "repl/driver.h"

int xt_unit_compile(struct xt_unit *u, const char *name, const char *text,
		    const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg)
{
	memset(u, 0, sizeof(*u));
	u->ar = xt_arena_new();
	u->src.name = xt_arena_strdup(u->ar, name);
	u->src.text = xt_arena_strdup(u->ar, text);
	u->src.len = strlen(text);
	dg->src = &u->src;
	struct xt_node *ast = xt_parse(u->ar, &u->src, XT_PARSE_PROGRAM, dg);
	if (!ast)
		return -1;
	if (dump & XT_DUMP_AST)
		xt_ast_dump(stderr, ast);
	u->prog = xt_sema(u->ar, &u->src, ast, opts, dg);
	if (!u->prog)
		return -1;
	if (opts->listing)
		return 0;
	if (xt_codegen(u->prog, (dump & XT_DUMP_IR) ? XT_CG_DUMP_IR : 0, &u->compiled, dg) < 0)
		return -1;
	if (u->compiled.ir)
		fputs(u->compiled.ir, stderr);
	return 0;
}

void xt_unit_free(struct xt_unit *u)
{
	xt_compiled_free(&u->compiled);
	if (u->ar)
		xt_arena_free(u->ar);
	memset(u, 0, sizeof(*u));
}
