/* A library's direct dependencies (DT_NEEDED) and the functions they define. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "stdlib/elf_deps.h"

/* Calls cb with each DT_NEEDED name of the ELF file at path, in order, until
 * cb returns non-zero; returns that, or 0. */
static int each_needed(const char *path, int (*cb)(const char *needed, void *arg), void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	int rc = 0;
	for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; scn && !rc; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && !rc && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name)
				rc = cb(name, arg);
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}

struct find { const char *name; const struct xt_elf_sym *sym; const struct xt_elf *in; };

static int find_in(const char *needed, void *arg)
{
	struct find *f = arg;
	char path[4096];
	const struct xt_elf *dep = xt_elf_resolve(needed, path, sizeof(path)) == 0 ? xt_elf_get(path) : NULL;
	const struct xt_elf_sym *sym = dep ? xt_elf_sym_by_name(dep, f->name) : NULL;
	if (!sym)
		return 0;
	f->sym = sym;
	f->in = dep;
	return 1;
}

const struct xt_elf_sym *xt_elf_dep_sym(const struct xt_elf *e, const char *name, const struct xt_elf **in)
{
	struct find f = { name, NULL, NULL };
	if (!e->dyn || !each_needed(e->path, find_in, &f))
		return NULL;
	*in = f.in;
	return f.sym;
}
