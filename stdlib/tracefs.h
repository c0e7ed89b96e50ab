/* Tracepoints as tracefs describes them: mounting tracefs, expanding
 * `category:name` globs, reading format files (tracefs.c); and the
 * syscall-number table that lets syscall tracepoints be served by the
 * sys_enter/sys_exit raw tracepoints (syscalls.c). No libbpf here; plain files. */
#ifndef XT_TRACEFS_H
#define XT_TRACEFS_H

#include <stdbool.h>

struct xt_tp_field {
	char *name;       /* "filename" */
	char *ctype;      /* the declared C type without the name and array suffix: "const char *", "unsigned long", "char" */
	int offset;       /* bytes from the start of the record */
	int size;         /* bytes */
	bool is_signed;
	bool data_loc;    /* __data_loc: a u32 (len << 16 | offset) locating a string/array in the record */
	int array_len;    /* N of `char comm[N]`, 0 when not an array */
};

struct xt_tp_format {
	char *category, *name;
	int id;                    /* the event id (file `id`), -1 if unknown */
	struct xt_tp_field *fields;/* the event's own fields; the common_* fields are left out */
	int nfields;
};

/* The tracefs mount point ("/sys/kernel/tracing" or "/sys/kernel/debug/tracing"),
 * mounting tracefs at /sys/kernel/tracing first if nothing is mounted. NULL
 * with errno set when it cannot be had. */
const char *xt_tracefs_path(void);

/* Reads events/CAT/NAME/format. 0 or -errno (-ENOENT: no such tracepoint). */
int xt_tp_format_read(const char *cat, const char *name, struct xt_tp_format *out);
void xt_tp_format_free(struct xt_tp_format *f);

/* Parses the text of a format file. Sets name and id from its `name:` and
 * `ID:` lines (NULL / -1 when absent); category is left NULL. The fields and
 * strings are malloc'd and owned by *out (free with xt_tp_format_free).
 * 0, -EINVAL for a malformed field line, or -ENOMEM; *out is empty on error. */
int xt_tp_format_parse(const char *text, struct xt_tp_format *out);

/* The event id of CAT:NAME from events/CAT/NAME/id, or -errno. */
int xt_tp_id(const char *cat, const char *name);

/* Calls cb for every tracepoint whose category and name match the globs
 * (fnmatch(3) patterns; `*` and `?`), in sorted order (category, then name).
 * Stops early when cb returns non-zero and returns that value; otherwise
 * returns the number of matches (0 when none), or -errno when tracefs cannot
 * be read. */
int xt_tp_glob(const char *cat_glob, const char *name_glob,
	       int (*cb)(const char *cat, const char *name, void *ctx), void *ctx);

/* stdlib/syscalls.c: the syscall number for a syscall tracepoint's syscall name ("openat" -> 257;
 * "newstat" -> __NR_stat etc.), or -1 when this architecture has no such syscall. */
int xt_syscall_nr(const char *name);
/* The name for a syscall number, or NULL. */
const char *xt_syscall_name(int nr);

#endif
