/* Tracepoints through tracefs: finding (or mounting) tracefs, expanding
 * `category:name` globs over events/, parsing format files, and the syscall
 * number table behind syscall tracepoints. */
#include "stdlib/tracefs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "util/file.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

/* ---- the mount point ---------------------------------------------------- */

static bool is_tracefs(const char *dir)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && st.f_type == TRACEFS_MAGIC;
}

const char *xt_tracefs_path(void)
{
	static const char *cached;

	if (cached)
		return cached;
	if (is_tracefs("/sys/kernel/tracing"))
		return cached = "/sys/kernel/tracing";
	/* debugfs automounts tracefs here on older setups; statfs triggers it. */
	if (is_tracefs("/sys/kernel/debug/tracing"))
		return cached = "/sys/kernel/debug/tracing";
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 ||
	    errno == EBUSY) {
		/* EBUSY: someone mounted it between our check and now. */
		if (is_tracefs("/sys/kernel/tracing"))
			return cached = "/sys/kernel/tracing";
		errno = EBUSY;
	}
	return NULL;
}

/* ---- reading files ------------------------------------------------------ */

/* A path under tracefs: "<mount>/events/<a>/<b>/<c>" (b and c optional).
 * 0 or -errno. */
static int events_path(char *buf, size_t len, const char *a, const char *b, const char *c)
{
	const char *root = xt_tracefs_path();
	int n;

	if (!root)
		return -errno;
	n = snprintf(buf, len, "%s/events%s%s%s%s%s%s", root,
		     a ? "/" : "", a ? a : "", b ? "/" : "", b ? b : "", c ? "/" : "", c ? c : "");
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* A category or event name is one path component. */
static bool valid_component(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* A whole tracefs file (they report size 0: read to the end). 0 or -errno. */
static int read_all(const char *path, char **out)
{
	*out = xt_file_read(path, 64u << 20);
	return *out ? 0 : -errno;
}

/* ---- format files ------------------------------------------------------- */

static char *strndup_trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

/* The integer after `key` in line [p, end), or false when absent. */
static bool line_int(const char *p, const char *end, const char *key, int *out)
{
	size_t klen = strlen(key);
	char *e;
	long v;

	for (; p + klen <= end; p++) {
		if (memcmp(p, key, klen) != 0)
			continue;
		errno = 0;
		v = strtol(p + klen, &e, 10);
		if (e == p + klen || errno || v < INT_MIN || v > INT_MAX)
			return false;
		*out = (int)v;
		return true;
	}
	return false;
}

/* Byte size of an array element type when a dimension is not a plain number
 * (older kernels print `__u8 saddr[sizeof(struct sockaddr_in6)]`). */
static int elem_size(const char *ctype)
{
	static const struct { const char *type; int size; } sizes[] = {
		{ "char", 1 }, { "unsigned char", 1 }, { "signed char", 1 },
		{ "u8", 1 }, { "__u8", 1 }, { "s8", 1 }, { "__s8", 1 },
		{ "u16", 2 }, { "__u16", 2 }, { "s16", 2 }, { "__be16", 2 }, { "short", 2 },
		{ "unsigned short", 2 },
		{ "u32", 4 }, { "__u32", 4 }, { "s32", 4 }, { "__be32", 4 }, { "int", 4 },
		{ "unsigned int", 4 },
		{ "u64", 8 }, { "__u64", 8 }, { "s64", 8 }, { "long", 8 }, { "unsigned long", 8 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (strcmp(ctype, sizes[i].type) == 0)
			return sizes[i].size;
	return 0;
}

/* field-decl: ["__data_loc" | "__rel_loc"] ctype name ["[" [dim] "]"]
 *           | ["__data_loc"] ctype "[]" name
 * e.g. `const char * filename`, `char comm[16]`, `__data_loc char[] name`. */
static int parse_decl(const char *decl, size_t len, int size, struct xt_tp_field *f)
{
	const char *end = decl + len, *name_end, *name_start, *dim = NULL;
	size_t tlen;
	char *ctype;

	while (end > decl && isspace((unsigned char)end[-1]))
		end--;
	while (decl < end && isspace((unsigned char)*decl))
		decl++;
	if (!strncmp(decl, "__data_loc ", 11) || !strncmp(decl, "__rel_loc ", 10)) {
		f->data_loc = true;
		decl += decl[2] == 'd' ? 11 : 10;
	}
	name_end = end;
	if (end > decl && end[-1] == ']') {
		dim = memrchr(decl, '[', end - decl);
		if (!dim)
			return -EINVAL;
		name_end = dim;
		while (name_end > decl && isspace((unsigned char)name_end[-1]))
			name_end--;
	}
	name_start = name_end;
	while (name_start > decl && (isalnum((unsigned char)name_start[-1]) || name_start[-1] == '_'))
		name_start--;
	if (name_start == name_end || name_start == decl)
		return -EINVAL;

	tlen = name_start - decl;
	ctype = strndup_trim(decl, tlen);
	f->name = strndup(name_start, name_end - name_start);
	if (!ctype || !f->name) {
		free(ctype);
		return -ENOMEM;
	}
	/* `__data_loc char[] name`: the element type is the ctype. */
	tlen = strlen(ctype);
	if (tlen >= 2 && !strcmp(ctype + tlen - 2, "[]")) {
		ctype[tlen - 2] = '\0';
		while (tlen > 2 && isspace((unsigned char)ctype[tlen - 3]))
			ctype[--tlen - 2] = '\0';
	}
	f->ctype = ctype;

	if (dim && !f->data_loc) {
		char *e;
		long n = strtol(dim + 1, &e, 10);

		if (e != dim + 1 && *e == ']' && n >= 0 && n <= INT_MAX) {
			f->array_len = (int)n;
		} else if (dim[1] != ']') {
			/* A dimension the kernel left as an expression. */
			int es = elem_size(ctype);

			f->array_len = es ? size / es : 0;
		}
		/* `buf[]`: a flexible array of unknown length stays 0. */
	}
	return 0;
}

/* One `\tfield:DECL;\toffset:N;\tsize:N;\tsigned:N;` line. */
static int parse_field(const char *line, const char *end, struct xt_tp_field *f)
{
	const char *decl = line + strlen("field:"), *semi;
	int sign = 0, err;

	semi = memchr(decl, ';', end - decl);
	if (!semi)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	if (!line_int(semi, end, "offset:", &f->offset) || !line_int(semi, end, "size:", &f->size))
		return -EINVAL;
	line_int(semi, end, "signed:", &sign);
	f->is_signed = sign != 0;
	err = parse_decl(decl, semi - decl, f->size, f);
	if (err) {
		free(f->name);
		free(f->ctype);
		memset(f, 0, sizeof(*f));
	}
	return err;
}

int xt_tp_format_parse(const char *text, struct xt_tp_format *out)
{
	const char *p = text, *end, *line;
	int cap = 0, err = 0;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		line = p;
		while (line < end && isspace((unsigned char)*line))
			line++;
		if (!strncmp(line, "name:", 5) && !out->name) {
			out->name = strndup_trim(line + 5, end - line - 5);
			if (!out->name) {
				err = -ENOMEM;
				break;
			}
		} else if (!strncmp(line, "ID:", 3)) {
			line_int(line, end, "ID:", &out->id);
		} else if (!strncmp(line, "field:", 6)) {
			struct xt_tp_field f;

			err = parse_field(line, end, &f);
			if (err)
				break;
			if (!strncmp(f.name, "common_", 7)) {
				free(f.name);
				free(f.ctype);
				continue;
			}
			if (out->nfields == cap) {
				int ncap = cap ? cap * 2 : 8;
				void *n = realloc(out->fields, ncap * sizeof(*out->fields));

				if (!n) {
					free(f.name);
					free(f.ctype);
					err = -ENOMEM;
					break;
				}
				out->fields = n;
				cap = ncap;
			}
			out->fields[out->nfields++] = f;
		} else if (!strncmp(line, "print fmt:", 10)) {
			break;
		}
	}
	if (err)
		xt_tp_format_free(out);
	return err;
}

int xt_tp_format_read(const char *cat, const char *name, struct xt_tp_format *out)
{
	char path[PATH_MAX], *text;
	int err;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	if (!valid_component(cat) || !valid_component(name))
		return -EINVAL;
	err = events_path(path, sizeof(path), cat, name, "format");
	if (err)
		return err;
	err = read_all(path, &text);
	if (err)
		return err;
	err = xt_tp_format_parse(text, out);
	free(text);
	if (err)
		return err;
	free(out->name);
	out->category = strdup(cat);
	out->name = strdup(name);
	if (!out->category || !out->name) {
		xt_tp_format_free(out);
		return -ENOMEM;
	}
	if (out->id < 0)
		out->id = xt_tp_id(cat, name);
	return 0;
}

void xt_tp_format_free(struct xt_tp_format *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nfields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].ctype);
	}
	free(f->fields);
	free(f->category);
	free(f->name);
	memset(f, 0, sizeof(*f));
	f->id = -1;
}

int xt_tp_id(const char *cat, const char *name)
{
	char path[PATH_MAX], *text, *e;
	long id;
	int err;

	if (!valid_component(cat) || !valid_component(name))
		return -EINVAL;
	err = events_path(path, sizeof(path), cat, name, "id");
	if (err)
		return err;
	err = read_all(path, &text);
	if (err)
		return err;
	errno = 0;
	id = strtol(text, &e, 10);
	if (e == text || errno || id < 0 || id > INT_MAX)
		id = -EINVAL;
	free(text);
	return (int)id;
}

/* ---- globs --------------------------------------------------------------- */

struct names {
	char **v;
	int n, cap;
};

static void names_free(struct names *ns)
{
	for (int i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static int names_add(struct names *ns, const char *s)
{
	if (ns->n == ns->cap) {
		int ncap = ns->cap ? ns->cap * 2 : 64;
		char **n = realloc(ns->v, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ns->v = n;
		ns->cap = ncap;
	}
	if (!(ns->v[ns->n] = strdup(s)))
		return -ENOMEM;
	ns->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_wildcard(const char *glob)
{
	return strpbrk(glob, "*?[\\") != NULL;
}

/* The subdirectories of `dir` matching `glob`, sorted. Uses d_type so that
 * ~700 entries of events/syscalls cost one getdents, not 700 stats. */
static int list_dirs(const char *dir, const char *glob, struct names *out)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, 0) || !S_ISDIR(st.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue; /* enable, filter, header_page, header_event */
		}
		if (fnmatch(glob, de->d_name, 0) != 0)
			continue;
		err = names_add(out, de->d_name);
		if (err)
			break;
	}
	closedir(d);
	if (!err && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return err;
}

/* A literal name: one existence check instead of reading the directory. */
static int one_dir(const char *dir, const char *name, struct names *out)
{
	char path[PATH_MAX];
	struct stat st;

	if (!valid_component(name))
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	return names_add(out, name);
}

int xt_tp_glob(const char *cat_glob, const char *name_glob,
	       int (*cb)(const char *cat, const char *name, void *ctx), void *ctx)
{
	struct names cats = { 0 }, evs = { 0 };
	char dir[PATH_MAX];
	int err, count = 0;

	err = events_path(dir, sizeof(dir), NULL, NULL, NULL);
	if (err)
		return err;
	if (access(dir, R_OK | X_OK) != 0)
		return -errno;
	err = has_wildcard(cat_glob) ? list_dirs(dir, cat_glob, &cats) : one_dir(dir, cat_glob, &cats);
	for (int i = 0; !err && i < cats.n; i++) {
		/* events/ftrace holds ftrace's own record formats, not tracepoints
		 * (they are absent from available_events and cannot be attached). */
		if (!strcmp(cats.v[i], "ftrace"))
			continue;
		err = events_path(dir, sizeof(dir), cats.v[i], NULL, NULL);
		if (err)
			break;
		err = has_wildcard(name_glob) ? list_dirs(dir, name_glob, &evs)
					      : one_dir(dir, name_glob, &evs);
		for (int j = 0; !err && j < evs.n; j++) {
			count++;
			if (cb)
				err = cb(cats.v[i], evs.v[j], ctx);
		}
		names_free(&evs);
	}
	names_free(&evs);
	names_free(&cats);
	return err ? err : count;
}
