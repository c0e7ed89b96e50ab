/* The options pass: after typing has met every getopt() (stdlib/bi_getopt.c),
 * the named options given after `--` that none of them takes are refused,
 * and `-- --help` lists the ones the program takes (bpftrace 0.24). */
#include <string.h>
#include "sema_int.h"

static bool takes(const struct xt_program *prog, const char *opt)
{
	size_t len = strcspn(opt, "=");
	for (int i = 0; i < prog->ngetopts; i++)
		if (strlen(prog->getopts[i].name) == len && strncmp(prog->getopts[i].name, opt, len) == 0)
			return true;
	return false;
}

/* One note per option the program takes: --name[: help] */
static void list_options(struct xt_sema *s)
{
	const struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->ngetopts; i++)
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "--%s%s%s", prog->getopts[i].name,
			     prog->getopts[i].help ? ": " : "", prog->getopts[i].help ? prog->getopts[i].help : "");
}

int xt_pass_options(struct xt_sema *s)
{
	const struct xt_sema_opts *o = &s->prog->opts;
	char bad[512];
	size_t len = 0;
	bool help = false;
	for (int i = 0; i < o->nnamed; i++) {
		if (takes(s->prog, o->named[i]))
			continue;
		if (strcmp(o->named[i], "help") == 0) {
			help = true;
			continue;
		}
		if (len < sizeof(bad))
			len += (size_t)snprintf(bad + len, sizeof(bad) - len, "%s--%.*s", len ? " " : "",
						(int)strcspn(o->named[i], "="), o->named[i]);
	}
	if (help) {
		xt_diag_plain(s->dg, s->prog->ngetopts ? "the program's options (after --):" : "the program takes no options (getopt)");
		list_options(s);
		return -1;
	}
	if (!len)
		return 0;
	xt_diag_plain(s->dg, "unexpected program command line options: %s", bad);
	if (s->prog->ngetopts)
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "the program takes (after --):");
	else
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "the program takes no options (getopt)");
	list_options(s);
	return -1;
}
