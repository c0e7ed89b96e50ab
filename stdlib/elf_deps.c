/* A library's direct dependencies (DT_NEEDED) and the functions they define. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
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

struct files { char **v; int n, cap; };

static int add_file(struct files *f, const char *path)
{
	if (f->n == f->cap) {
		int cap = f->cap ? 2 * f->cap : 64;
		char **v = realloc(f->v, sizeof(*v) * (size_t)cap);
		if (!v)
			return -1;
		f->v = v;
		f->cap = cap;
	}
	if (!(f->v[f->n] = strdup(path)))
		return -1;
	f->n++;
	return 0;
}

/* The files pid maps executable: /proc/PID/maps lines "ADDR PERMS OFF DEV INODE PATH". */
static void mapped_files(pid_t pid, struct files *f)
{
	char name[64], line[4608];
	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	FILE *in = fopen(name, "re");
	if (!in)
		return;
	while (fgets(line, sizeof(line), in)) {
		char perms[8];
		int at = 0;
		if (sscanf(line, "%*s %7s %*s %*s %*s %n", perms, &at) != 1 || !at || perms[2] != 'x' || line[at] != '/')
			continue;
		char *path = line + at;
		path[strcspn(path, "\n")] = 0;
		size_t n = strlen(path);
		if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0)
			continue;
		add_file(f, path);
	}
	fclose(in);
}

static int add_needed(const char *needed, void *arg)
{
	char path[4096];
	if (xt_elf_resolve(needed, path, sizeof(path)) == 0)
		add_file(arg, path);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int xt_elf_star_files(pid_t pid, const char *cmd, char ***out)
{
	struct files f = { 0 };
	if (pid > 0) {
		mapped_files(pid, &f);
	} else if (cmd) {
		char word[4096], path[4096];
		size_t n = strcspn(cmd + strspn(cmd, " \t"), " \t");
		snprintf(word, sizeof(word), "%.*s", (int)n, cmd + strspn(cmd, " \t"));
		if (xt_elf_resolve(word, path, sizeof(path)) == 0 && add_file(&f, path) == 0)
			each_needed(path, add_needed, &f);
	} else {
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (isdigit((unsigned char)de->d_name[0]))
				mapped_files((pid_t)atoi(de->d_name), &f);
		if (d)
			closedir(d);
	}
	if (f.n)
		qsort(f.v, (size_t)f.n, sizeof(*f.v), by_name);
	int n = 0;
	for (int i = 0; i < f.n; i++) {
		if (n && strcmp(f.v[n - 1], f.v[i]) == 0)
			free(f.v[i]);
		else
			f.v[n++] = f.v[i];
	}
	*out = f.v;
	return n;
}

void xt_elf_star_free(char **files, int n)
{
	for (int i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

int xt_elf_star_each(pid_t pid, pid_t cpid, const char *cmd, int (*fn)(const struct xt_elf *e, void *arg), void *arg)
{
	char **files;
	int n = xt_elf_star_files(pid > 0 ? pid : cmd ? 0 : cpid, cmd, &files), sum = 0;
	for (int i = 0; i < n && sum >= 0; i++) {
		const struct xt_elf *e = xt_elf_get(files[i]);
		int k = e ? fn(e, arg) : 0;
		sum = k < 0 ? k : sum + k;
	}
	xt_elf_star_free(files, n);
	return sum;
}

const char *xt_elf_star_what(pid_t pid, pid_t cpid, const char *cmd)
{
	return pid > 0 ? "the -p process maps" : cmd ? "the -c command runs and needs"
	       : cpid > 0 ? "the command maps" : "running processes map";
}
