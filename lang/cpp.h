/* The C preprocessor that runs over a program before the lexer: #include,
 * #define (object- and function-like), #undef, #if/#ifdef/#ifndef/#elif/
 * #else/#endif with C constant expressions, defined() and __has_include().
 * It keeps bpftrace's syntax intact: `$x` and `@m` are never expanded, an
 * attach point (`kprobe:f`) is one word, text outside macro invocations is
 * copied byte for byte (comments, white space). Every physical source line
 * becomes one output line, so the line map (struct xt_source.lines) maps
 * any output position back to its file, line and column. Everything it
 * allocates lives in the caller's arena. */
#ifndef XT_CPP_H
#define XT_CPP_H

#include <stdbool.h>
#include "diag.h"

/* Macros that outlive one run: a REPL session's #defines (its headers'
 * macros too), from one entry to the next. Owns its memory. */
struct xt_cpp_macros;
struct xt_cpp_macros *xt_cpp_macros_new(void);
void xt_cpp_macros_free(struct xt_cpp_macros *m);
/* How many macros m holds (0 for NULL). */
int xt_cpp_macros_count(const struct xt_cpp_macros *m);

struct xt_cpp_opts {
	const char *const *include_dirs;   /* -I DIR, searched in order after the including file's folder */
	int ninclude_dirs;
	const char *const *include_files;  /* --include FILE, read before the program */
	int ninclude_files;
	const char *const *append_files;   /* read after the program: `import`ed files (lang/import.c), full paths */
	int nappend_files;
	const char *base_dir;              /* `#include "..."` in the program: NULL for its file's folder (cwd for "<stdin>") */
	bool have_btf;                     /* defines BPFTRACE_HAVE_BTF; a missing <header> is then only a note */
	bool verbose;                      /* notes for headers skipped because they are missing */
	const struct xt_cpp_macros *macros_in; /* defined before the program (earlier REPL entries), or NULL */
	struct xt_cpp_macros *macros_out;  /* gets, after a run without errors, every macro defined at the
					    * program's end but the predefined ones; or NULL */
};

/* Preprocesses src->text (named src->name). On success src->text/len become
 * the output and src->lines/nlines its line map (src->files the files read);
 * 0. -1 after diagnostics in dg. With nothing to do (no '#', no --include,
 * no macros_in) src is left as it is (and macros_out stays empty). */
int xt_cpp(struct xt_arena *ar, struct xt_source *src, const struct xt_cpp_opts *opts,
	   struct xt_diags *dg);

#endif
