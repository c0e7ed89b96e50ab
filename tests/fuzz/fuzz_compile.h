/* The body of the compile harnesses (fuzz_sema.c, fuzz_codegen.c): one input
 * is one program text, compiled as `xtrace -e` would (with parameters and
 * --unsafe, so that every builtin is reachable), to the end of semantic
 * analysis (every pass: xt_unit_check) or to an in-memory BPF object. A broken promise
 * aborts, which libFuzzer (or the replay driver) reports with the input:
 *   - the compiler answers 0, or -1 with an "error:" diagnostic;
 *   - it never reports an internal error. */
#ifndef FUZZ_COMPILE_H
#define FUZZ_COMPILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "repl/driver.h"

/* 1: to the end of semantic analysis (fuzz_sema); 0: on to a BPF object */
#ifndef FUZZ_CHECK_ONLY
#error "define FUZZ_CHECK_ONLY before including fuzz_compile.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the diagnostics report an internal error. A program that itself
 * says "internal error" cannot be judged so (its lines are echoed, and may be
 * cut short), and is not. */
static int internal_error(const char *diags, const char *text)
{
	return strstr(diags, "internal error") && !strstr(text, "internal error");
}

/* What the compiler reads once per process -- kernel BTF and its name
 * indexes, the user BTF's copy of it, /proc/kallsyms, the preprocessor's
 * predefined macros -- is read
 * before the first input, by compiling a program that needs each of them:
 * otherwise the input that happens to come first pays for it (over 1 s
 * under the sanitizers, a timeout for libFuzzer). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const warm[] = {
		"#define WARM 1\n"
		"struct fuzz_warm_up { int a; };\n" /* the first type added to the user BTF copies vmlinux's */
		"BEGIN { print((kaddr(\"vfs_read\"), sizeof(struct task_struct), PIDTYPE_PID, TASK_RUNNING,"
		" offsetof(struct list_head, next), WARM)); }\n",
		/* libc's symbols and notes (the corpus's uprobes and usdt probes) */
		"uprobe:libc:exit { print((uaddr(\"exit\"), reg(\"ip\"), arg0)); }\n",
	};
	static const char *const params[] = { "41", "hello" };
	struct xt_sema_opts so = { .cpid = 4242, .unsafe = true, .params = params, .nparams = 2 };
	for (size_t i = 0; i < sizeof(warm) / sizeof(warm[0]); i++) {
		struct xt_diags dg;
		xt_diags_init(&dg, NULL);
		struct xt_unit u;
		/* the codegen harness also sets LLVM up; a failure (no kernel
		 * BTF) is shown, and only makes the first inputs slower */
		int rc = FUZZ_CHECK_ONLY ? xt_unit_check(&u, "<warm-up>", warm[i], &so, &dg)
					 : xt_unit_compile(&u, "<warm-up>", warm[i], &so, 0, &dg);
		if (rc != 0)
			fprintf(stderr, "fuzz: the warm-up program failed:\n%s", dg.buf ? dg.buf : "");
		xt_unit_free(&u);
		xt_diags_fini(&dg);
	}
	return 0;
}

static int fuzz_compile(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024) /* the compiler's time grows with size: keep executions fast */
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	static const char *const params[] = { "41", "hello" };
	struct xt_sema_opts so = { .cpid = 4242, .unsafe = true, .params = params, .nparams = 2 };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_unit u;
	int rc = FUZZ_CHECK_ONLY ? xt_unit_check(&u, "<fuzz>", text, &so, &dg)
			    : xt_unit_compile(&u, "<fuzz>", text, &so, 0, &dg);
	const char *buf = dg.buf ? dg.buf : "";
	const char *broken = NULL;
	if (rc != 0 && rc != -1)
		broken = "returned neither 0 nor -1";
	else if (rc == -1 && !strstr(buf, "error:"))
		broken = "failed without an \"error:\" diagnostic";
	else if (internal_error(buf, text))
		broken = "reported an internal error";
	if (broken) {
		fprintf(stderr, "fuzz: the compiler %s (rc %d)\n--- program\n%s\n--- diagnostics\n%s\n",
			broken, rc, text, buf);
		abort();
	}
	xt_unit_free(&u);
	xt_diags_fini(&dg);
	free(text);
	return 0;
}

#endif
