/* Kernel and user symbols, process mappings kept past a process's end, and
 * stack rendering. Single-threaded but for the background read of
 * /proc/kallsyms: the runtime captures a -c command's mappings at its exit
 * (see xt_sym_capture). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "runtime/symbols.h"
#include "stdlib/elf_syms.h"

/* --- kernel ----------------------------------------------------------------- */

/* /proc/kallsyms, read once per process: a few hundred thousand lines that
 * the kernel writes out in ~40 ms. The read is done in place: names point
 * into the one buffer. A program that prints kernel symbols at exit has it
 * read in the background while it traces (xt_sym_kernel_prefetch), so that
 * Ctrl-C does not wait for it. */
static struct {
	pthread_once_t once, by_name_once;
	int err;                   /* -errno when it could not be read */
	char *buf;
	struct xt_ksym *all;       /* every symbol, in the file's order, then by name */
	size_t n;
	struct xt_ksym *text;      /* functions (t, T, w, W) with an address, by address */
	size_t ntext;
} ks = { .once = PTHREAD_ONCE_INIT, .by_name_once = PTHREAD_ONCE_INIT };

static int cmp_ksym_addr(const void *a, const void *b)
{
	const struct xt_ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_ksym_name(const void *a, const void *b)
{
	return strcmp(((const struct xt_ksym *)a)->name, ((const struct xt_ksym *)b)->name);
}

static char *read_all(const char *path, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	size_t cap = 1 << 22, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf && len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
		if (!buf) {
			*err = -ENOMEM;
			break;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				*err = -errno;
				free(buf);
				buf = NULL;
			}
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

static void read_kallsyms(void)
{
	ks.buf = read_all("/proc/kallsyms", &ks.err);
	if (!ks.buf)
		return;
	size_t lines = 1;
	for (const char *c = ks.buf; (c = strchr(c, '\n')); c++)
		lines++;
	ks.all = malloc(sizeof(*ks.all) * lines);
	ks.text = malloc(sizeof(*ks.text) * lines);
	if (!ks.all || !ks.text) {
		ks.err = -ENOMEM;
		return;
	}
	/* "ffffffff81000000 T _stext" or "... t name\t[module]" */
	for (char *line = ks.buf, *next; *line; line = next) {
		char *end = strchr(line, '\n');
		next = end ? end + 1 : line + strlen(line);
		if (end)
			*end = 0;
		char *p;
		uint64_t addr = strtoull(line, &p, 16);
		if (p == line || *p != ' ' || !p[1] || p[2] != ' ' || !p[3])
			continue;
		char type = p[1], *name = p + 3;
		name[strcspn(name, " \t")] = 0;
		ks.all[ks.n++] = (struct xt_ksym){ addr, name, type };
		if (addr && strchr("tTwW", type))
			ks.text[ks.ntext++] = ks.all[ks.n - 1];
	}
	qsort(ks.text, ks.ntext, sizeof(*ks.text), cmp_ksym_addr);
}

static void *prefetch(void *unused)
{
	pthread_once(&ks.once, read_kallsyms);
	return NULL;
}

void xt_sym_kernel_prefetch(void)
{
	static bool started;
	pthread_t t;
	if (started)
		return;
	started = true;
	sigset_t all, old; /* signals stay with the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, prefetch, NULL) == 0)
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void sort_by_name(void)
{
	qsort(ks.all, ks.n, sizeof(*ks.all), cmp_ksym_name);
}

const struct xt_ksym *xt_ksyms_by_name(size_t *n, int *err)
{
	pthread_once(&ks.once, read_kallsyms);
	pthread_once(&ks.by_name_once, sort_by_name);
	*n = ks.err ? 0 : ks.n;
	*err = ks.err;
	return ks.err ? NULL : ks.all;
}

const char *xt_sym_kernel(uint64_t addr, uint64_t *off)
{
	pthread_once(&ks.once, read_kallsyms);
	size_t lo = 0, hi = ks.ntext;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ks.text[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (off)
		*off = addr - ks.text[lo - 1].addr;
	return ks.text[lo - 1].name;
}

/* --- processes --------------------------------------------------------------- */

struct mapping {
	uint64_t start, end, off;
	unsigned long ino;
	char *path;
	const struct xt_elf *elf;  /* the file, when read while the process lived (xt_sym_capture) */
};

struct proc {
	pid_t pid;
	struct mapping *maps;
	size_t n;
	struct proc *next;
};

static struct proc *procs;

static void free_maps(struct mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

/* Executable file mappings of pid; 0 entries when it is gone (or a zombie). */
static size_t read_maps(pid_t pid, struct mapping **out)
{
	char path[64], line[4096 + 128];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	*out = NULL;
	if (!f)
		return 0;
	size_t n = 0, cap = 0;
	struct mapping *m = NULL;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off;
		unsigned long ino;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %lu %n", &s, &e, perms, &off, &ino, &pos) < 5 || !pos)
			continue;
		if (perms[2] != 'x')
			continue;
		char *p = line + pos;
		p[strcspn(p, "\n")] = 0;
		if (*p != '/' && strcmp(p, "[vdso]") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			m = realloc(m, sizeof(*m) * cap);
		}
		m[n++] = (struct mapping){ s, e, off, ino, strdup(p), NULL };
	}
	fclose(f);
	*out = m;
	return n;
}

static struct proc *find_proc(pid_t pid)
{
	for (struct proc *p = procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static struct proc *remember(pid_t pid)
{
	struct mapping *m;
	size_t n = read_maps(pid, &m);
	struct proc *p = find_proc(pid);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			free_maps(m, n);
			return NULL;
		}
		p->pid = pid;
		p->next = procs;
		procs = p;
	}
	if (n) {
		free_maps(p->maps, p->n);
		p->maps = m;
		p->n = n;
	}
	return p;
}

void xt_sym_remember(pid_t pid)
{
	remember(pid);
}

static const struct xt_elf *mapping_elf(pid_t pid, const struct mapping *m);

void xt_sym_capture(pid_t pid)
{
	struct proc *p = remember(pid);
	for (size_t i = 0; p && i < p->n; i++)
		p->maps[i].elf = mapping_elf(pid, &p->maps[i]);
}

/* Processes whose mappings must outlive them: the -c command (captured at
 * its exit by the runtime) and the -p process (re-read while it runs). */
static pid_t watched[16];
static int nwatched;

void xt_sym_watch(pid_t pid)
{
	if (xt_sym_watched(pid) || nwatched == (int)(sizeof(watched) / sizeof(watched[0])))
		return;
	watched[nwatched++] = pid;
}

bool xt_sym_watched(pid_t pid)
{
	for (int i = 0; pid > 0 && i < nwatched; i++)
		if (watched[i] == pid)
			return true;
	return false;
}

/* The ELF file behind mapping m of pid, checked to be the file the process
 * mapped (same inode); through /proc/PID/map_files when the path was
 * replaced since. NULL when unknown. */
static const struct xt_elf *mapping_elf(pid_t pid, const struct mapping *m)
{
	struct stat st;
	if (m->elf)
		return m->elf;
	if (m->path[0] != '/')
		return NULL;
	if (stat(m->path, &st) == 0 && st.st_ino == m->ino)
		return xt_elf_get(m->path);
	char mf[128];
	snprintf(mf, sizeof(mf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, m->start, m->end);
	if (stat(mf, &st) == 0 && st.st_ino == m->ino)
		return xt_elf_get(mf);
	return NULL;
}

const char *xt_sym_user(pid_t pid, uint64_t addr, uint64_t *off, const char **module)
{
	if (module)
		*module = NULL;
	struct proc *p = find_proc(pid);
	if (!p || !p->n)
		p = remember(pid);
	const char *name = NULL;
	for (size_t i = 0; p && i < p->n; i++) {
		const struct mapping *m = &p->maps[i];
		if (addr < m->start || addr >= m->end)
			continue;
		const struct xt_elf *e = mapping_elf(pid, m);
		if (!e)
			break;
		if (module) /* the cached file's path outlives the mappings a later reading replaces */
			*module = e->path;
		int64_t va = xt_elf_off_to_vaddr(e, addr - m->start + m->off);
		const struct xt_elf_sym *s = va < 0 ? NULL : xt_elf_sym_at(e, (uint64_t)va, off);
		name = s ? s->name : NULL;
		break;
	}
	return name;
}

int xt_sym_user_files(pid_t pid, void (*fn)(void *arg, const char *path, uint64_t bias), void *arg)
{
	struct proc *p = find_proc(pid);
	if (!p || !p->n)
		p = remember(pid);
	int n = 0;
	for (size_t i = 0; p && i < p->n; i++) {
		const struct mapping *m = &p->maps[i];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->maps[j].ino == m->ino && strcmp(p->maps[j].path, m->path) == 0;
		const struct xt_elf *e = seen ? NULL : mapping_elf(pid, m);
		int64_t va = e ? xt_elf_off_to_vaddr(e, m->off) : -1;
		if (va < 0)
			continue;
		fn(arg, e->path, m->start - (uint64_t)va);
		n++;
	}
	return n;
}

/* --- stacks ------------------------------------------------------------------ */

/* This process's BPF map named `name`: found among our open fds, since the
 * runtime's objects are not at hand where values are decoded. */
static int stack_map_fd(const char *name)
{
	static char cached_name[32];
	static int cached_fd = -1;
	if (cached_fd >= 0 && strcmp(cached_name, name) == 0) {
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(cached_fd, &info, &len) == 0 && strcmp(info.name, name) == 0)
			return cached_fd;
		cached_fd = -1;
	}
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	struct dirent *de;
	int found = -1;
	while ((de = readdir(d)) && found < 0) {
		char link[300], target[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:bpf-map") != 0)
			continue;
		int fd = atoi(de->d_name);
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && strncmp(info.name, name, sizeof(info.name) - 1) == 0)
			found = fd;
	}
	closedir(d);
	if (found >= 0) {
		snprintf(cached_name, sizeof(cached_name), "%s", name);
		cached_fd = found;
	}
	return found;
}

struct strbuf { char *s; size_t len, cap; };

static void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
}

/* The build id of the file mapped at addr in pid and the offset of addr in
 * that file; NULL when unknown or without one. */
static const char *user_build_id(pid_t pid, uint64_t addr, uint64_t *fileoff)
{
	struct proc *p = find_proc(pid);
	if (!p || !p->n)
		p = remember(pid);
	for (size_t i = 0; p && i < p->n; i++) {
		const struct mapping *m = &p->maps[i];
		if (addr < m->start || addr >= m->end)
			continue;
		const struct xt_elf *e = mapping_elf(pid, m);
		*fileoff = addr - m->start + m->off;
		return e && e->build_id[0] ? e->build_id : NULL;
	}
	return NULL;
}

char *xt_sym_stack(struct xt_arena *ar, const char *map, int64_t id, pid_t pid, bool user,
		   enum xt_stack_mode mode, int limit)
{
	if (id < 0)
		return "";
	int fd = stack_map_fd(map);
	uint64_t ips[XT_STACK_MAX] = { 0 };
	uint32_t key = (uint32_t)id;
	if (fd < 0 || bpf_map_lookup_elem(fd, &key, ips) < 0)
		return "";
	return xt_sym_frames(ar, ips, XT_STACK_MAX, pid, user, mode, limit);
}

char *xt_sym_frames(struct xt_arena *ar, const uint64_t *ips, int n, pid_t pid, bool user, enum xt_stack_mode mode,
		    int limit)
{
	struct strbuf b = { 0 };
	sb_printf(&b, "\n");
	if (limit <= 0 || limit > XT_STACK_MAX)
		limit = XT_STACK_MAX;
	for (int i = 0; i < limit && i < n && ips[i]; i++) {
		uint64_t off = 0;
		const char *module = NULL;
		const char *name = mode == XT_STACK_RAW || mode == XT_STACK_BUILD_ID ? NULL
			: user ? xt_sym_user(pid, ips[i], &off, &module) : xt_sym_kernel(ips[i], &off);
		const char *bid = mode == XT_STACK_BUILD_ID ? user_build_id(pid, ips[i], &off) : NULL;
		switch (mode) {
		case XT_STACK_BUILD_ID: /* the address itself where the file has no build id */
			if (bid)
				sb_printf(&b, "    %s 0x%" PRIx64 "\n", bid, off);
			else
				sb_printf(&b, "    0x%" PRIx64 "\n", ips[i]);
			break;
		case XT_STACK_RAW: /* bpftrace 0.26: the bare address, no indent, no 0x */
			sb_printf(&b, "%" PRIx64 "\n", ips[i]);
			break;
		case XT_STACK_PERF:
			if (name)
				sb_printf(&b, "\t%" PRIx64 " %s+%" PRIu64 " (%s)\n", ips[i], name, off,
					  user ? (module ? module : "[unknown]") : "[kernel.kallsyms]");
			else
				sb_printf(&b, "\t%" PRIx64 " 0x%" PRIx64 " ([unknown])\n", ips[i], ips[i]);
			break;
		default:
			if (name)
				sb_printf(&b, "    %s+%" PRIu64 "\n", name, off);
			else
				sb_printf(&b, "    0x%" PRIx64 "\n", ips[i]);
		}
	}
	char *s = xt_arena_strdup(ar, b.s);
	free(b.s);
	return s;
}

char *xt_sym_ksym(struct xt_arena *ar, uint64_t addr, bool with_off)
{
	uint64_t off = 0;
	const char *name = xt_sym_kernel(addr, &off);
	if (!name)
		return xt_arena_printf(ar, "0x%" PRIx64, addr);
	return with_off ? xt_arena_printf(ar, "%s+%" PRIu64, name, off) : xt_arena_strdup(ar, name);
}

char *xt_sym_usym(struct xt_arena *ar, pid_t pid, uint64_t addr, bool with_off)
{
	uint64_t off = 0;
	const char *name = xt_sym_user(pid, addr, &off, NULL);
	if (!name)
		return xt_arena_printf(ar, "0x%" PRIx64, addr);
	return with_off ? xt_arena_printf(ar, "%s+%" PRIu64, name, off) : xt_arena_strdup(ar, name);
}
