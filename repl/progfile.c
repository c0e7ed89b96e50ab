/* Compiled programs in a file (repl/progfile.h): the format, its reader,
 * the options that change code, and the identities of xtrace and the kernel. */
#include <elf.h>
#include <inttypes.h>
#include <stddef.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "repl/progfile.h"
#include "util/arena.h"

/* Fields larger than this are not ours: a program file stays far below. */
#define FIELD_MAX (256u << 20)

uint64_t xt_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

bool xt_progfile_is(const void *data, size_t len)
{
	return len >= 8 && memcmp(data, XT_PF_MAGIC, 8) == 0;
}

static const char *const field_names[XT_PF_NFIELDS] = {
	"xtrace version", "build id", "kernel", "name", "text", "options", "fingerprint", "object",
};

int xt_progfile_parse(const void *data, size_t len, struct xt_progfile *pf, char *why, size_t whylen)
{
	const unsigned char *p = data, *end = p + len;
	memset(pf, 0, sizeof(*pf));
	if (!xt_progfile_is(data, len)) {
		snprintf(why, whylen, "not a compiled xtrace program");
		return -1;
	}
	if (len < 16 + 8) {
		snprintf(why, whylen, "truncated (%zu bytes)", len);
		return -1;
	}
	uint32_t version = get32(p + 8), nfields = get32(p + 12);
	if (version != XT_PF_VERSION) {
		snprintf(why, whylen, "format version %" PRIu32 ", this xtrace reads version %d", version, XT_PF_VERSION);
		return -1;
	}
	if (get64(end - 8) != xt_fnv(XT_FNV_INIT, p, len - 8)) {
		snprintf(why, whylen, "corrupt or truncated (its checksum does not match)");
		return -1;
	}
	if (nfields != XT_PF_NFIELDS) {
		snprintf(why, whylen, "corrupt (%" PRIu32 " fields, not %d)", nfields, XT_PF_NFIELDS);
		return -1;
	}
	p += 16;
	end -= 8;
	for (int i = 0; i < XT_PF_NFIELDS; i++) {
		if (end - p < 4) {
			snprintf(why, whylen, "corrupt (it ends before its %s)", field_names[i]);
			return -1;
		}
		uint32_t n = get32(p);
		p += 4;
		if (n > FIELD_MAX || n > (size_t)(end - p)) {
			snprintf(why, whylen, "corrupt (its %s runs past its end)", field_names[i]);
			return -1;
		}
		pf->field[i] = (const char *)p;
		pf->len[i] = n;
		p += n;
	}
	if (p != end) {
		snprintf(why, whylen, "corrupt (%td bytes after its last field)", end - p);
		return -1;
	}
	for (int i = 0; i < XT_PF_NFIELDS; i++) {
		bool string = i != XT_PF_OPTS && i != XT_PF_FINGERPRINT && i != XT_PF_OBJECT;
		if (string && (pf->len[i] == 0 || memchr(pf->field[i], 0, pf->len[i]) != pf->field[i] + pf->len[i] - 1)) {
			snprintf(why, whylen, "corrupt (its %s is not a string)", field_names[i]);
			return -1;
		}
	}
	if (pf->len[XT_PF_OPTS] && pf->field[XT_PF_OPTS][pf->len[XT_PF_OPTS] - 1] != 0) {
		snprintf(why, whylen, "corrupt (its options are not strings)");
		return -1;
	}
	if (pf->len[XT_PF_FINGERPRINT] != 8) {
		snprintf(why, whylen, "corrupt (its fingerprint has %" PRIu32 " bytes)", pf->len[XT_PF_FINGERPRINT]);
		return -1;
	}
	pf->fingerprint = get64((const unsigned char *)pf->field[XT_PF_FINGERPRINT]);
	if (pf->len[XT_PF_OBJECT] < 4 || memcmp(pf->field[XT_PF_OBJECT], ELFMAG, 4) != 0) {
		snprintf(why, whylen, "corrupt (no ELF object in it)");
		return -1;
	}
	return 0;
}

void *xt_progfile_build(const char *const field[XT_PF_NFIELDS], const uint32_t lens[XT_PF_NFIELDS], size_t *size)
{
	size_t n = 16 + 8;
	for (int i = 0; i < XT_PF_NFIELDS; i++)
		n += 4 + lens[i];
	unsigned char *buf = malloc(n), *p = buf;
	if (!buf)
		return NULL;
	memcpy(p, XT_PF_MAGIC, 8);
	put32(p + 8, XT_PF_VERSION);
	put32(p + 12, XT_PF_NFIELDS);
	p += 16;
	for (int i = 0; i < XT_PF_NFIELDS; i++) {
		put32(p, lens[i]);
		memcpy(p + 4, field[i], lens[i]);
		p += 4 + lens[i];
	}
	put64(p, xt_fnv(XT_FNV_INIT, buf, n - 8));
	*size = n;
	return buf;
}

/* --- the options that change code ----------------------------------------- */

char *xt_progfile_opts(const struct xt_sema_opts *o, uint32_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fprintf(f, "pid=%d%ccpid=%d%cstrlen=%d%ckeys=%d%cunsafe=%d%cno_map_dump=%d%chelper_errors=%d%c",
		(int)o->target_pid, 0, (int)o->cpid, 0, o->max_strlen, 0, o->max_map_keys, 0, o->unsafe, 0,
		o->no_map_dump, 0, o->helper_errors, 0);
	if (o->str_count_017) /* only when set: other files stay as they were */
		fprintf(f, "str_count_017=1%c", 0);
	for (int i = 0; i < o->nparams; i++)
		fprintf(f, "param=%s%c", o->params[i], 0);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = (uint32_t)size;
	return buf;
}

int xt_progfile_read_opts(const char *opts, uint32_t len, struct xt_arena *ar, struct xt_sema_opts *o,
			  char *why, size_t whylen)
{
	/* the caller made sure opts ends in a NUL */
	int nparams = 0, np = 0;
	for (const char *s = opts; s < opts + len; s += strlen(s) + 1)
		nparams += strncmp(s, "param=", 6) == 0;
	const char **params = xt_arena_alloc(ar, sizeof(*params) * (size_t)(nparams + 1));
	for (const char *s = opts; s < opts + len; s += strlen(s) + 1) {
		const char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(why, whylen, "corrupt (option '%.40s')", s);
			return -1;
		}
		if (strncmp(s, "param=", 6) == 0) {
			params[np++] = xt_arena_strdup(ar, eq + 1);
			continue;
		}
		char *endp;
		long v = strtol(eq + 1, &endp, 10);
		if (*endp || eq[1] == 0 || v < 0 || v > 1L << 30) {
			snprintf(why, whylen, "corrupt (option '%.40s')", s);
			return -1;
		}
		static const struct {
			const char *key;
			size_t at; /* where in struct xt_sema_opts */
			bool is_bool;
		} keys[] = {
			{ "pid", offsetof(struct xt_sema_opts, target_pid), false },
			{ "cpid", offsetof(struct xt_sema_opts, cpid), false },
			{ "strlen", offsetof(struct xt_sema_opts, max_strlen), false },
			{ "keys", offsetof(struct xt_sema_opts, max_map_keys), false },
			{ "no_map_dump", offsetof(struct xt_sema_opts, no_map_dump), false },
			{ "unsafe", offsetof(struct xt_sema_opts, unsafe), true },
			{ "helper_errors", offsetof(struct xt_sema_opts, helper_errors), true },
			{ "str_count_017", offsetof(struct xt_sema_opts, str_count_017), true },
		};
		size_t k = (size_t)(eq - s), i = 0;
		while (i < sizeof(keys) / sizeof(keys[0]) && (strlen(keys[i].key) != k || strncmp(s, keys[i].key, k) != 0))
			i++;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(why, whylen, "compiled with option '%.*s', which this xtrace does not know", (int)k, s);
			return -1;
		}
		if (keys[i].is_bool)
			*(bool *)((char *)o + keys[i].at) = v != 0;
		else /* pid_t and int alike (asserted below) */
			*(int *)((char *)o + keys[i].at) = (int)v;
	}
	o->params = params;
	o->nparams = np;
	return 0;
}

_Static_assert(sizeof(pid_t) == sizeof(int), "options are read as int");

/* --- identities ----------------------------------------------------------- */

static int note_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *out = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while (end - p >= (ptrdiff_t)sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const unsigned char *name = p + sizeof(*nh), *desc = name + ((nh->n_namesz + 3) & ~3u);
			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
				for (unsigned j = 0; j < nh->n_descsz && j < 32; j++)
					sprintf(out + 2 * j, "%02x", desc[j]);
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* the first object is the executable: only it */
}

const char *xt_build_id(void)
{
	static char id[65];
	static bool done;
	if (!done) {
		dl_iterate_phdr(note_cb, id);
		done = true;
	}
	return id;
}

const char *xt_kernel_id(void)
{
	static char id[512];
	if (!id[0]) {
		struct utsname u;
		struct stat st;
		uname(&u);
		long long btf = stat("/sys/kernel/btf/vmlinux", &st) == 0 ? (long long)st.st_size : -1;
		/* this boot: kaddr() and ksym addresses are compiled in (KASLR) */
		char boot[64] = "";
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
		if (f) {
			if (!fgets(boot, sizeof(boot), f))
				boot[0] = 0;
			boot[strcspn(boot, "\n")] = 0;
			fclose(f);
		}
		snprintf(id, sizeof(id), "%s %s %s btf %lld boot %s", u.release, u.version, u.machine, btf, boot);
	}
	return id;
}
