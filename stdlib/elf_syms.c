/* ELF symbol tables, segments, build ids and USDT notes through libelf, and
 * the resolution of binary and library names. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lang/sema.h"
#include "stdlib/elf_syms.h"

struct cached {
	struct xt_elf elf;       /* first: an xt_elf pointer is its cached */
	bool debug_searched;     /* xt_elf_debug_file's answer, found once */
	int debug_rc;
	char *debug_path, *debug_looked;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	struct cached *next;
};

static struct cached *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int cmp_sym(const void *a, const void *b)
{
	const struct xt_elf_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* among aliases prefer the sized, the global, the least underscored name */
	if ((x->size == 0) != (y->size == 0))
		return x->size == 0 ? 1 : -1;
	if (x->global != y->global)
		return x->global ? -1 : 1;
	size_t ux = strspn(x->name, "_"), uy = strspn(y->name, "_");
	if (ux != uy)
		return ux < uy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void read_syms(struct xt_elf *e, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, size_t *cap)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !sh->sh_entsize)
		return;
	size_t n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym))
			break;
		int type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (e->nsyms == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			e->syms = realloc(e->syms, sizeof(*e->syms) * *cap);
		}
		int bind = GELF_ST_BIND(sym.st_info);
		e->syms[e->nsyms++] = (struct xt_elf_sym){ strdup(name), sym.st_value, sym.st_size,
							   bind == STB_GLOBAL || bind == STB_WEAK };
	}
}

static void dedupe_syms(struct xt_elf *e)
{
	if (!e->nsyms)
		return;
	qsort(e->syms, e->nsyms, sizeof(*e->syms), cmp_sym);
	size_t j = 1;
	for (size_t i = 1; i < e->nsyms; i++) {
		struct xt_elf_sym *p = &e->syms[j - 1], *s = &e->syms[i];
		if (s->addr == p->addr && strcmp(s->name, p->name) == 0) {
			free((char *)s->name);
			continue;
		}
		e->syms[j++] = *s;
	}
	e->nsyms = j;
}

static void read_build_id(struct xt_elf *e, Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) != 0)
				continue;
			const unsigned char *id = (const unsigned char *)d->d_buf + desc_off;
			for (size_t i = 0; i < nh.n_descsz && i < 20; i++)
				snprintf(e->build_id + 2 * i, 3, "%02x", id[i]);
			return;
		}
	}
}

static void read_usdt(struct xt_elf *e, Elf *elf, size_t shstrndx)
{
	Elf_Scn *scn = NULL, *notes = NULL;
	GElf_Shdr sh;
	uint64_t base = 0;
	bool have_base = false;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".note.stapsdt") == 0 && sh.sh_type == SHT_NOTE)
			notes = scn;
		else if (strcmp(name, ".stapsdt.base") == 0) {
			base = sh.sh_addr;
			have_base = true;
		}
	}
	if (!notes)
		return;
	Elf_Data *d = elf_getdata(notes, NULL);
	size_t off = 0, name_off, desc_off, cap = 0;
	GElf_Nhdr nh;
	bool is64 = gelf_getclass(elf) == ELFCLASS64;
	size_t asz = is64 ? 8 : 4;
	while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != 3 || nh.n_namesz != 8 || memcmp((char *)d->d_buf + name_off, "stapsdt", 8) != 0)
			continue;
		if (nh.n_descsz < 3 * asz + 3 || desc_off + nh.n_descsz > d->d_size)
			continue;
		const char *desc = (const char *)d->d_buf + desc_off;
		uint64_t a[3] = { 0, 0, 0 };
		for (int i = 0; i < 3; i++) {
			if (is64)
				memcpy(&a[i], desc + 8 * i, 8);
			else {
				uint32_t v;
				memcpy(&v, desc + 4 * i, 4);
				a[i] = v;
			}
		}
		const char *s = desc + 3 * asz, *end = desc + nh.n_descsz;
		const char *prov = s, *nm = memchr(prov, 0, end - prov);
		if (!nm || ++nm >= end)
			continue;
		const char *args = memchr(nm, 0, end - nm);
		if (!args || ++args > end)
			continue;
		const char *aend = args < end ? memchr(args, 0, end - args) : NULL;
		if (e->nnotes == cap) {
			cap = cap ? cap * 2 : 16;
			e->notes = realloc(e->notes, sizeof(*e->notes) * cap);
		}
		struct xt_usdt_note *n = &e->notes[e->nnotes++];
		n->provider = strdup(prov);
		n->name = strdup(nm);
		n->args = aend ? strndup(args, aend - args) : strdup("");
		n->pc = a[0] + (have_base ? base - a[1] : 0);
		n->sem = a[2];
		n->pc_off = -1;
		n->sem_off = -1;
	}
}

/* .gnu_debuglink: the debug file's name, NUL-padded to 4 bytes, then its CRC-32. */
static void read_debuglink(struct xt_elf *e, Elf *elf, size_t shstrndx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".debug_info") == 0 && sh.sh_type != SHT_NOBITS && sh.sh_size > 0)
			e->debug_info = true;
		if (strcmp(name, ".gnu_debuglink") != 0 || e->debuglink)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t len = d ? strnlen(d->d_buf, d->d_size) : 0;
		size_t crc_at = (len + 4) & ~(size_t)3;
		if (!d || !len || crc_at + 4 > d->d_size)
			continue;
		e->debuglink = strndup(d->d_buf, len);
		memcpy(&e->debuglink_crc, (char *)d->d_buf + crc_at, 4);
	}
}

/* The CRC-32 (IEEE 802.3, as zlib's crc32) of the file at fd, or 0 when unreadable. */
static uint32_t file_crc(int fd)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	uint32_t crc = 0xffffffffu;
	unsigned char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return n < 0 ? 0 : crc ^ 0xffffffffu;
}

/* Whether the file at path is e's debug file: the same build id, or (for a
 * debuglink, want_crc) the CRC-32 the link names. */
static bool is_debug_file_of(const struct xt_elf *e, const char *path, bool want_crc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = false;
	if (want_crc) {
		ok = file_crc(fd) == e->debuglink_crc;
	} else {
		Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		if (elf && elf_kind(elf) == ELF_K_ELF) {
			struct xt_elf dbg = { 0 };
			read_build_id(&dbg, elf);
			ok = strcmp(dbg.build_id, e->build_id) == 0;
		}
		if (elf)
			elf_end(elf);
	}
	close(fd);
	return ok;
}

static int find_debug_file(const struct xt_elf *e, char **found, char **looked)
{
	char path[4096], by_id[4100] = "no build id", by_link[13000] = "no .gnu_debuglink";
	if (e->build_id[0]) {
		snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", e->build_id, e->build_id + 2);
		if (is_debug_file_of(e, path, false)) {
			*found = strdup(path);
			return 0;
		}
		snprintf(by_id, sizeof(by_id), "no %s", path);
	}
	if (e->debuglink) {
		char dir[4000];
		const char *slash = strrchr(e->path, '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - e->path) : 1, slash ? e->path : ".");
		const char *const forms[] = { "%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s" };
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			snprintf(path, sizeof(path), forms[i], dir, e->debuglink);
			if (strcmp(path, e->path) != 0 && is_debug_file_of(e, path, true)) {
				*found = strdup(path);
				return 0;
			}
		}
		snprintf(by_link, sizeof(by_link), "no %.255s (its .gnu_debuglink) in %s, %s/.debug or /usr/lib/debug%s",
			 e->debuglink, dir, dir, dir);
	}
	if (asprintf(looked, "%s, %s", by_id, by_link) < 0)
		*looked = NULL;
	return -ENOENT;
}

int xt_elf_debug_file(const struct xt_elf *e, char *out, size_t outlen, char *looked, size_t looked_len)
{
	struct cached *c = (struct cached *)e;
	pthread_mutex_lock(&cache_lock);
	if (!c->debug_searched) {
		c->debug_rc = find_debug_file(e, &c->debug_path, &c->debug_looked);
		c->debug_searched = true;
	}
	pthread_mutex_unlock(&cache_lock);
	if (c->debug_rc == 0)
		snprintf(out, outlen, "%s", c->debug_path);
	else if (looked)
		snprintf(looked, looked_len, "%s", c->debug_looked ? c->debug_looked : "");
	return c->debug_rc;
}

/* A stripped file's full symbol table from its separate debug file. */
static void read_debug_file(struct xt_elf *e, size_t *cap)
{
	char path[4096];
	if (xt_elf_debug_file(e, path, sizeof(path), NULL, 0) < 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while (elf && elf_kind(elf) == ELF_K_ELF && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			read_syms(e, elf, scn, &sh, cap);
	if (elf)
		elf_end(elf);
	close(fd);
}

/* Reads e from elf (ended here); with `debug_file`, a stripped file's
 * symbols come from its separate debug file too. */
static int load(struct xt_elf *e, Elf *elf, bool debug_file)
{
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return -ENOEXEC;
	}
	GElf_Ehdr eh;
	size_t shstrndx, nph;
	if (!gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx) < 0 || elf_getphdrnum(elf, &nph) < 0) {
		elf_end(elf);
		return -ENOEXEC;
	}
	e->dyn = eh.e_type == ET_DYN;
	e->segs = calloc(nph + 1, sizeof(*e->segs));
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			e->segs[e->nsegs++] = (struct xt_elf_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz,
								   (ph.p_flags & PF_X) != 0 };
	}
	size_t cap = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool have_symtab = false;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)) {
			read_syms(e, elf, scn, &sh, &cap);
			have_symtab |= sh.sh_type == SHT_SYMTAB;
		}
	read_build_id(e, elf);
	read_debuglink(e, elf, shstrndx);
	if (!have_symtab && debug_file)
		read_debug_file(e, &cap);
	dedupe_syms(e);
	read_usdt(e, elf, shstrndx);
	for (size_t i = 0; i < e->nnotes; i++) {
		e->notes[i].pc_off = xt_elf_vaddr_to_off(e, e->notes[i].pc);
		e->notes[i].sem_off = e->notes[i].sem ? xt_elf_vaddr_to_off(e, e->notes[i].sem) : -1;
	}
	elf_end(elf);
	return 0;
}

const struct xt_elf *xt_elf_get(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	for (struct cached *c = cache; c; c = c->next)
		if (c->dev == st.st_dev && c->ino == st.st_ino && c->mtime.tv_sec == st.st_mtim.tv_sec &&
		    c->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			pthread_mutex_unlock(&cache_lock);
			return &c->elf;
		}
	pthread_mutex_unlock(&cache_lock);
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct cached *c = calloc(1, sizeof(*c));
	c->elf.path = strdup(path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->mtime = st.st_mtim;
	int rc = load(&c->elf, elf_begin(fd, ELF_C_READ_MMAP, NULL), true);
	close(fd);
	if (rc < 0) {
		xt_elf_free(&c->elf);
		errno = -rc;
		return NULL;
	}
	pthread_mutex_lock(&cache_lock);
	c->next = cache;
	cache = c;
	pthread_mutex_unlock(&cache_lock);
	return &c->elf;
}

struct xt_elf *xt_elf_from_memory(const void *data, size_t size)
{
	elf_version(EV_CURRENT);
	/* libelf may write into the image it reads (ELF_C_READ_MMAP_PRIVATE): a copy */
	char *image = malloc(size ? size : 1);
	struct cached *c = calloc(1, sizeof(*c));
	if (!image || !c) {
		free(image);
		free(c);
		return NULL;
	}
	memcpy(image, data, size);
	c->elf.path = strdup("<memory>");
	c->debug_searched = true; /* no file, no debug file */
	c->debug_rc = -ENOENT;
	int rc = load(&c->elf, elf_memory(image, size), false);
	free(image);
	if (rc < 0) {
		xt_elf_free(&c->elf);
		return NULL;
	}
	return &c->elf;
}

void xt_elf_free(struct xt_elf *e)
{
	struct cached *c = (struct cached *)e;
	if (!e)
		return;
	for (size_t i = 0; i < e->nsyms; i++)
		free((char *)e->syms[i].name);
	for (size_t i = 0; i < e->nnotes; i++) {
		free((char *)e->notes[i].provider);
		free((char *)e->notes[i].name);
		free((char *)e->notes[i].args);
	}
	free(e->syms);
	free(e->notes);
	free(e->segs);
	free(e->debuglink);
	free(e->path);
	free(c->debug_path);
	free(c->debug_looked);
	free(c);
}

int64_t xt_elf_vaddr_to_off(const struct xt_elf *e, uint64_t vaddr)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct xt_elf_seg *s = &e->segs[i];
		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->memsz)
			return (int64_t)(s->offset + (vaddr - s->vaddr));
	}
	return -1;
}

int64_t xt_elf_off_to_vaddr(const struct xt_elf *e, uint64_t off)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct xt_elf_seg *s = &e->segs[i];
		if (off >= s->offset && off < s->offset + s->filesz)
			return (int64_t)(s->vaddr + (off - s->offset));
	}
	return -1;
}

const struct xt_elf_sym *xt_elf_sym_by_name(const struct xt_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsyms; i++)
		if (strcmp(e->syms[i].name, name) == 0)
			return &e->syms[i];
	return NULL;
}

const struct xt_elf_sym *xt_elf_sym_at(const struct xt_elf *e, uint64_t vaddr, uint64_t *off)
{
	size_t lo = 0, hi = e->nsyms;
	while (lo < hi) { /* first symbol above vaddr */
		size_t mid = (lo + hi) / 2;
		if (e->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* several symbols may start at one address: take the first, sized one */
	size_t i = lo - 1;
	while (i > 0 && e->syms[i - 1].addr == e->syms[i].addr)
		i--;
	const struct xt_elf_sym *s = &e->syms[i];
	uint64_t d = vaddr - s->addr;
	if (s->size ? d >= s->size : d >= 65536)
		return NULL;
	if (off)
		*off = d;
	return s;
}

/* --- names ------------------------------------------------------------------ */

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool lib_matches(const char *soname, const char *name)
{
	size_t n = strlen(name);
	if (strcmp(soname, name) == 0)
		return true;
	return strncmp(soname, name, n) == 0 && (strncmp(soname + n, ".so", 3) == 0 || soname[n] == '-');
}

/* glibc's /etc/ld.so.cache, new format ("glibc-ld.so.cache1.1"): a 48-byte
 * header, nlibs entries of 24 bytes {flags, key, value, osversion, hwcap},
 * string offsets from the start of the file. */
static int from_ld_cache(const char *name, char *out, size_t outlen)
{
	int fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	struct stat st;
	char *buf = NULL;
	int rc = -ENOENT;
	if (fstat(fd, &st) < 0 || st.st_size < 48 || st.st_size > (64 << 20))
		goto out;
	buf = malloc(st.st_size + 1);
	if (read(fd, buf, st.st_size) != st.st_size)
		goto out;
	buf[st.st_size] = 0;
	static const char magic[] = "glibc-ld.so.cache1.1";
	if (memcmp(buf, magic, sizeof(magic) - 1) != 0)
		goto out;
	uint32_t nlibs;
	memcpy(&nlibs, buf + 20, 4);
	if ((uint64_t)nlibs * 24 + 48 > (uint64_t)st.st_size)
		goto out;
	for (int pass = 0; pass < 2 && rc < 0; pass++) {
		for (uint32_t i = 0; i < nlibs; i++) {
			const char *ent = buf + 48 + 24 * (size_t)i;
			int32_t flags;
			uint32_t key, value;
			memcpy(&flags, ent, 4);
			memcpy(&key, ent + 4, 4);
			memcpy(&value, ent + 8, 4);
			if (key >= st.st_size || value >= st.st_size)
				continue;
#if defined(__x86_64__)
			/* pass 0: x86-64 libc6 libraries only (FLAG_X8664_LIB64 | FLAG_ELF_LIBC6) */
			if (pass == 0 && (flags & 0xff0f) != 0x0303)
				continue;
#endif
			if (!lib_matches(buf + key, name) || !is_file(buf + value))
				continue;
			snprintf(out, outlen, "%s", buf + value);
			rc = 0;
			break;
		}
	}
out:
	free(buf);
	close(fd);
	return rc;
}

static int from_lib_dirs(const char *name, char *out, size_t outlen)
{
	static const char *const dirs[] = {
#if defined(__x86_64__)
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
#endif
		"/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
	};
	const char *env = getenv("LD_LIBRARY_PATH");
	char *envdup = env ? strdup(env) : NULL, *save = NULL;
	int rc = -ENOENT;
	for (char *d = envdup ? strtok_r(envdup, ":", &save) : NULL; d && rc < 0; d = strtok_r(NULL, ":", &save)) {
		char pat[4096];
		snprintf(pat, sizeof(pat), "%s/%s", d, name);
		if (is_file(pat)) {
			snprintf(out, outlen, "%s", pat);
			rc = 0;
		}
	}
	free(envdup);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && rc < 0; i++) {
		char pat[4096];
		glob_t g;
		snprintf(pat, sizeof(pat), "%s/%s", dirs[i], name);
		if (is_file(pat)) {
			snprintf(out, outlen, "%s", pat);
			return 0;
		}
		snprintf(pat, sizeof(pat), "%s/%s.so*", dirs[i], name);
		if (glob(pat, 0, NULL, &g) == 0) {
			for (size_t j = 0; j < g.gl_pathc && rc < 0; j++)
				if (is_file(g.gl_pathv[j])) {
					snprintf(out, outlen, "%s", g.gl_pathv[j]);
					rc = 0;
				}
			globfree(&g);
		}
	}
	return rc;
}

static int from_path(const char *name, char *out, size_t outlen)
{
	const char *env = getenv("PATH");
	char *path = strdup(env && *env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL;
	int rc = -ENOENT;
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", *d ? d : ".", name);
		if (is_file(p) && access(p, X_OK) == 0) {
			if (!realpath(p, out) || strlen(out) >= outlen)
				snprintf(out, outlen, "%s", p);
			rc = 0;
			break;
		}
	}
	free(path);
	return rc;
}

int xt_elf_resolve(const char *name, char *out, size_t outlen)
{
	if (!name || !*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		char real[4096];
		if (!is_file(name))
			return -ENOENT;
		snprintf(out, outlen, "%s", realpath(name, real) ? real : name);
		return 0;
	}
	bool libish = strncmp(name, "lib", 3) == 0 || strstr(name, ".so");
	if (libish && (from_ld_cache(name, out, outlen) == 0 || from_lib_dirs(name, out, outlen) == 0))
		return 0;
	if (from_path(name, out, outlen) == 0)
		return 0;
	if (!libish && (from_ld_cache(name, out, outlen) == 0 || from_lib_dirs(name, out, outlen) == 0))
		return 0;
	return -ENOENT;
}

const struct xt_elf *xt_elf_for_probe(struct xt_sema *s, struct xt_node *at, const char *bin,
				      char *path, size_t size)
{
	struct xt_diags *dg = xt_sema_diags(s);
	if (xt_elf_resolve(bin, path, size) < 0) {
		xt_diag_error(dg, at->loc, "cannot find '%s': not a file, a library the dynamic linker knows, or a program on $PATH", bin);
		return NULL;
	}
	const struct xt_elf *e = xt_elf_get(path);
	if (!e)
		xt_diag_error(dg, at->loc, "cannot read %s as an ELF file: %s", path, strerror(errno));
	return e;
}
