/* The compile cache's folder (repl/cache.h): entries in, entries out, and
 * its size kept under its bound. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "repl/cache.h"
#include "util/file.h"

#define ENTRY_SUFFIX ".xtp"
#define ENTRY_MAX (64u << 20)

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

const char *xt_cache_dir(void)
{
	static char dir[PATH_MAX];
	static int state; /* 0 not looked, 1 usable, -1 none */
	if (state)
		return state > 0 ? dir : NULL;
	state = -1;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/xtrace", xdg);
	else if (home && home[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/.cache/xtrace", home);
	else
		return NULL;
	if (n <= 0 || (size_t)n >= sizeof(dir) - 64 || mkdirs(dir) < 0)
		return NULL;
	state = 1;
	return dir;
}

void xt_cache_path(const char *dir, const uint64_t key[2], char *path, size_t size)
{
	snprintf(path, size, "%s/%016" PRIx64 "%016" PRIx64 ENTRY_SUFFIX, dir, key[0], key[1]);
}

void *xt_cache_get(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	struct stat st;
	void *data = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= ENTRY_MAX) {
		data = xt_file_read_fd(fd, ENTRY_MAX, NULL, len);
		if (data)
			futimens(fd, NULL); /* used now: the last to go */
	} else {
		errno = EINVAL;
	}
	int err = errno;
	close(fd);
	errno = err;
	return data;
}

struct entry {
	char name[64];
	off_t size;
	struct timespec used;
};

static int older(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/* Removes the entries used longest ago while the folder holds more than its bound. */
static void trim(const char *dir)
{
	const char *env = getenv("XTRACE_CACHE_MAX_KB");
	long long max = env && *env ? strtoll(env, NULL, 10) * 1024 : 64ll << 20;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct entry *es = NULL;
	size_t n = 0, cap = 0;
	long long total = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		struct stat st;
		if (l < sizeof(ENTRY_SUFFIX) || l >= sizeof(es->name) ||
		    strcmp(de->d_name + l - strlen(ENTRY_SUFFIX), ENTRY_SUFFIX) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct entry *more = realloc(es, (cap = cap ? 2 * cap : 64) * sizeof(*es));
			if (!more)
				break;
			es = more;
		}
		snprintf(es[n].name, sizeof(es[n].name), "%s", de->d_name);
		es[n].size = st.st_size;
		es[n].used = st.st_mtim;
		total += st.st_size;
		n++;
	}
	if (total > max) {
		qsort(es, n, sizeof(*es), older);
		for (size_t i = 0; i < n && total > max; i++)
			if (unlinkat(dirfd(d), es[i].name, 0) == 0 || errno == ENOENT) /* another xtrace may have been first */
				total -= es[i].size;
	}
	free(es);
	closedir(d);
}

int xt_cache_put(const char *dir, const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : EIO;
			close(fd);
			unlink(tmp);
			return -err;
		}
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		return -err;
	}
	trim(dir);
	return 0;
}
