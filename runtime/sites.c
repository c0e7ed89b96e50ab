/* The open programs, so that a site id (the value of `probe`) finds its name
 * in any of them: a REPL map keyed by `probe` is filled by many entries,
 * whose site ids are unique across the session.
 * Process-wide, not in struct xt_rt: the names are needed where a value is
 * decoded (xt_rt_decode), which is handed a program, not a runtime. */
#include <stdlib.h>
#include "runtime/rt_int.h"

/* A session's entries stay open (detached ones too) until it ends, so
 * their sites keep their names. */
static const struct xt_program **open_progs;
static int nopen_progs;

void xt_rt_sites_add(const struct xt_program *prog)
{
	const struct xt_program **np = realloc(open_progs, sizeof(*np) * (nopen_progs + 1));
	if (!np)
		return; /* its `probe` values print as "?" in other entries' maps */
	open_progs = np;
	open_progs[nopen_progs++] = prog;
}

void xt_rt_sites_remove(const struct xt_program *prog)
{
	for (int i = 0; i < nopen_progs; i++)
		if (open_progs[i] == prog) {
			open_progs[i] = open_progs[--nopen_progs];
			break;
		}
	if (!nopen_progs) {
		free(open_progs);
		open_progs = NULL;
	}
}

static const char *site_in(const struct xt_program *prog, uint64_t id)
{
	uint64_t base = (uint64_t)prog->opts.site_base;
	return id >= base && id - base < (uint64_t)prog->nsites ? prog->sites[id - base]->name : NULL;
}

const char *xt_rt_site_name(const struct xt_program *prog, uint64_t id)
{
	const char *name = prog ? site_in(prog, id) : NULL;
	for (int i = 0; !name && i < nopen_progs; i++)
		name = site_in(open_progs[i], id);
	return name ? name : "?";
}
