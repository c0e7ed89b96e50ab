/* `import "path";` (bpftrace 0.26), resolved before the preprocessor: the
 * imported files are found here, and lang/cpp.c reads them after the program
 * as it reads headers, so that every diagnostic names the imported file and
 * its line. The parser then skips the import statements themselves. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "import.h"
#include "util/file.h"

#define MAX_FILES 256
#define MAX_DEPTH 32
#define MAX_SCRIPT (16u << 20)

struct imp {
	struct xt_arena *ar;
	struct xt_diags *dg;
	const char *main;                /* the program's own full path, or NULL for -e and stdin */
	const char *files[MAX_FILES];    /* to read after the program */
	int nfiles;
	const char *stack[MAX_DEPTH];    /* the .bt files being read, for cycles */
	int depth;
};

/* One file's text, and how to point into it. */
struct text {
	const struct xt_source *src;     /* for diagnostics at its positions */
	const char *t;
	size_t len;
	const char *dir;                 /* relative imports start here */
};

static bool ident(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static struct xt_loc loc_at(const struct text *f, size_t from, size_t to)
{
	struct xt_loc l = { 1, 1, 1, 1, 0 };
	size_t bol = 0;
	for (size_t i = 0; i < from; i++)
		if (f->t[i] == '\n') {
			l.first_line++;
			bol = i + 1;
		}
	l.first_column = (int)(from - bol) + 1;
	l.last_line = l.first_line;
	l.last_column = (int)(to - bol);
	return l;
}

/* An error at [from, to) of file f: rendered against f's own text. */
static void error_at(struct imp *im, const struct text *f, size_t from, size_t to, const char *msg)
{
	const struct xt_source *saved = im->dg->src;
	im->dg->src = f->src;
	xt_diag_error(im->dg, loc_at(f, from, to), "%s", msg);
	im->dg->src = saved;
}

static int import_path(struct imp *im, const struct text *f, size_t at, size_t end, const char *path);

/* Walks f's top level (outside braces, comments, strings and directive
 * lines) for `import "path";` and, in an imported file, `config =`. */
static int scan(struct imp *im, const struct text *f, bool imported)
{
	const char *t = f->t;
	size_t n = f->len, i = 0;
	int depth = 0, rc = 0;
	bool bol = true;
	while (i < n) {
		char c = t[i];
		if (c == '\n') {
			bol = true;
			i++;
			continue;
		}
		if (bol && c == '#') { /* a directive (or the #! line): to its end */
			while (i < n && t[i] != '\n')
				i += t[i] == '\\' && i + 1 < n ? 2 : 1;
			continue;
		}
		if (c != ' ' && c != '\t' && c != '\r')
			bol = false;
		if (c == '/' && i + 1 < n && t[i + 1] == '/') {
			while (i < n && t[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			const char *e = strstr(t + i + 2, "*/");
			i = e ? (size_t)(e - t) + 2 : n;
		} else if (c == '"') {
			for (i++; i < n && t[i] != '"' && t[i] != '\n'; i++)
				if (t[i] == '\\')
					i++;
			i++;
		} else if (c == '{') {
			depth++, i++;
		} else if (c == '}') {
			depth -= depth > 0, i++;
		} else if (depth == 0 && ident(c) && (i == 0 || !ident(t[i - 1]))) {
			size_t w = i;
			while (i < n && ident(t[i]))
				i++;
			const char *p = t + i;
			while (p < t + n && (*p == ' ' || *p == '\t'))
				p++;
			if (i - w == 6 && !memcmp(t + w, "import", 6) && *p == '"') {
				const char *q = strchr(p + 1, '"');
				if (!q || memchr(p, '\n', (size_t)(q - p)))
					continue; /* the parser reports it */
				char *path = xt_arena_strndup(im->ar, p + 1, (size_t)(q - p - 1));
				i = (size_t)(q - t) + 1;
				if (import_path(im, f, w, i, path) < 0)
					rc = -1;
			} else if (imported && i - w == 6 && !memcmp(t + w, "config", 6) && *p == '=') {
				error_at(im, f, w, i, "an imported file cannot have a config block; it belongs to the program");
				rc = -1;
			}
		} else {
			i++;
		}
	}
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* One file to import: its full path (a .bt or .h). */
static int import_file(struct imp *im, const struct text *f, size_t at, size_t end, const char *real)
{
	char *dir = xt_arena_strdup(im->ar, real), *slash = strrchr(dir, '/');
	*(slash == dir ? slash + 1 : slash) = 0;
	struct stat st;
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH)) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import %s: its folder %s is world-writable, "
							 "so anyone could have written it", real, dir));
		return -1;
	}
	bool script = ends_with(real, ".bt");
	if (ends_with(real, ".bpf.c")) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import %s: xtrace does not compile and link "
							 ".bpf.c files (import .bt scripts and .h headers)", real));
		return -1;
	}
	if (!script && !ends_with(real, ".h")) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import %s: import takes a .bt script, "
							 "a .h header or a folder of them", real));
		return -1;
	}
	bool cycle = im->main && strcmp(im->main, real) == 0;
	for (int i = 0; i < im->depth; i++)
		cycle = cycle || strcmp(im->stack[i], real) == 0;
	if (cycle) { /* a file that imports one of its importers */
		error_at(im, f, at, end, xt_arena_printf(im->ar, "import cycle: %s imports %s, which is "
							 "being imported", f->src->name, real));
		return -1;
	}
	for (int i = 0; i < im->nfiles; i++)
		if (strcmp(im->files[i], real) == 0)
			return 0; /* each file once */
	if (im->nfiles == MAX_FILES || im->depth == MAX_DEPTH) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import %s: more than %d files or %d levels",
							 real, MAX_FILES, MAX_DEPTH));
		return -1;
	}
	im->files[im->nfiles++] = real;
	if (!script)
		return 0;
	char *raw = xt_file_read(real, MAX_SCRIPT);
	if (!raw) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import %s: %s", real, strerror(errno)));
		return -1;
	}
	struct xt_source *src = xt_arena_alloc(im->ar, sizeof(*src));
	src->name = real;
	src->text = xt_arena_strdup(im->ar, raw);
	src->len = strlen(raw);
	free(raw);
	struct text sub = { .src = src, .t = src->text, .len = src->len, .dir = dir };
	im->stack[im->depth++] = real;
	int rc = scan(im, &sub, true);
	im->depth--;
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int wanted(const struct dirent *d)
{
	return ends_with(d->d_name, ".bt") || ends_with(d->d_name, ".h");
}

/* `import "path";` at [at, end) of f: a file, or a folder's .bt and .h files. */
static int import_path(struct imp *im, const struct text *f, size_t at, size_t end, const char *path)
{
	const char *full = path[0] == '/' ? path : xt_arena_printf(im->ar, "%s/%s", f->dir, path);
	char real[PATH_MAX];
	struct stat st;
	if (!*path || !realpath(full, real) || stat(real, &st) < 0) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import \"%s\": %s", path,
							 *path ? strerror(errno) : "an empty path"));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return import_file(im, f, at, end, xt_arena_strdup(im->ar, real));
	struct dirent **ents;
	int n = scandir(real, &ents, wanted, by_name), rc = 0;
	if (n < 0) {
		error_at(im, f, at, end, xt_arena_printf(im->ar, "cannot import \"%s\": %s", path, strerror(errno)));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *file = xt_arena_printf(im->ar, "%s/%s", real, ents[i]->d_name);
		if (rc == 0 && stat(file, &st) == 0 && S_ISREG(st.st_mode))
			rc = import_file(im, f, at, end, file);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int xt_import(struct xt_arena *ar, const struct xt_source *src, struct xt_diags *dg,
	      const char *const **files, int *nfiles)
{
	*files = NULL;
	*nfiles = 0;
	if (!memmem(src->text, src->len, "import", 6))
		return 0;
	struct imp *im = calloc(1, sizeof(*im));
	if (!im)
		abort();
	im->ar = ar;
	im->dg = dg;
	char real[PATH_MAX], cwd[PATH_MAX];
	const char *dir = getcwd(cwd, sizeof(cwd)) ? xt_arena_strdup(ar, cwd) : ".";
	if (src->name[0] != '<' && realpath(src->name, real)) {
		im->main = xt_arena_strdup(ar, real);
		char *slash = strrchr(im->main, '/');
		dir = slash == im->main ? "/" : xt_arena_strndup(ar, im->main, (size_t)(slash - im->main));
	}
	struct text f = { .src = src, .t = src->text, .len = src->len, .dir = dir };
	int rc = scan(im, &f, false);
	if (rc == 0 && im->nfiles) {
		const char **list = xt_arena_alloc(ar, sizeof(*list) * (size_t)im->nfiles);
		memcpy(list, im->files, sizeof(*list) * (size_t)im->nfiles);
		*files = list;
		*nfiles = im->nfiles;
	}
	free(im);
	return rc;
}
