/* --test and --bench (bpftrace 0.25 and 0.24): the program's test:NAME and
 * bench:NAME probes, each run with BPF_PROG_TEST_RUN, reported in
 * bpftrace's layout, or with -f json as its test_result and
 * benchmark_result records (docs/output-format.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "runtime/print.h"
#include "runtime/rt_int.h"
#include "stdlib/registry.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The probe's name without its "test:" or "bench:". */
static const char *short_name(const struct xt_rt_probe *rp)
{
	const char *c = strchr(rp->info->sites[0].name, ':');
	return c ? c + 1 : rp->info->sites[0].name;
}

/* Runs rp once with the program's output going to `out`; its return value
 * in *ret. 0, or -errno when the kernel could not run it. */
static int run_once(struct xt_rt *rt, struct xt_rt_probe *rp, FILE *out, uint32_t *ret)
{
	FILE *saved = rt->opts.out, *saved_term = rt->opts.term;
	rt->opts.out = out;
	rt->opts.term = NULL;
	LIBBPF_OPTS(bpf_test_run_opts, ro);
	int err = bpf_prog_test_run_opts(rp->prog_fd, &ro) < 0 ? -errno : 0;
	for (int i = 0; i < 64; i++) /* what it sent: printf, exit() */
		xt_rt_poll(rt);
	fflush(out);
	rt->opts.out = saved;
	rt->opts.term = saved_term;
	*ret = ro.retval;
	return err;
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/* -f json: {"type": "test_result", "data": {"NAME": {"duration": NS, "passed": B, "output": "..."}}} a test */
static void test_json(FILE *out, const char *name, uint64_t took, bool ok, const char *text)
{
	fputs("{\"type\": \"test_result\", \"data\": {", out);
	xt_print_json_str(out, name);
	fprintf(out, ": {\"duration\": %llu, \"passed\": %s, \"output\": ", (unsigned long long)took,
		ok ? "true" : "false");
	xt_print_json_str(out, text ? text : "");
	fputs("}}}\n", out);
}

static int run_tests(struct xt_rt *rt)
{
	FILE *out = rt->opts.out;
	bool json = rt->opts.format == XT_FMT_JSON;
	int n = 0, failed = 0;
	for (int i = 0; i < rt->nprobes; i++)
		n += (rt->probes[i].info->prov->flags & XT_PROVF_TEST) != 0;
	if (!n) {
		fprintf(stderr, "xtrace: --test: the program has no test:NAME probes\n");
		return 1;
	}
	bool *ok = calloc((size_t)rt->nprobes, sizeof(*ok));
	if (!ok)
		abort();
	if (!json)
		fprintf(out, "[==========] Running %d tests.\n", n);
	for (int i = 0; i < rt->nprobes; i++) {
		struct xt_rt_probe *rp = &rt->probes[i];
		if (!(rp->info->prov->flags & XT_PROVF_TEST))
			continue;
		if (!json)
			fprintf(out, "[ RUN      ] %s\n", short_name(rp));
		fflush(out);
		char *text = NULL;
		size_t len = 0;
		FILE *cap = open_memstream(&text, &len);
		if (!cap)
			abort();
		rt->done = rt->exited = false;
		rt->status = 0;
		uint32_t ret = 0;
		uint64_t t0 = now_ns();
		rt->opts.format = XT_FMT_TEXT; /* the test's output as text, also in a JSON record */
		int err = run_once(rt, rp, cap, &ret);
		rt->opts.format = json ? XT_FMT_JSON : XT_FMT_TEXT;
		uint64_t took = now_ns() - t0;
		fclose(cap);
		ok[i] = !err && ret == 0 && !(rt->exited && rt->status != 0);
		if (json) {
			test_json(out, short_name(rp), took, ok[i], text);
			failed += !ok[i];
			if (err)
				fprintf(stderr, "xtrace: cannot run %s: %s\n", rp->info->sites[0].name, strerror(-err));
		} else if (!ok[i]) {
			fputs(text, out);
			if (err)
				fprintf(out, "cannot run %s: %s\n", rp->info->sites[0].name, strerror(-err));
			else if (ret)
				fprintf(out, "returned %d\n", (int)ret);
			else
				fprintf(out, "exit(%d)\n", rt->status);
			failed++;
		}
		if (!json)
			fprintf(out, "[ %s ] %s (%llu ns)\n", ok[i] ? "      OK" : " FAILED ", short_name(rp),
				(unsigned long long)took);
		free(text);
	}
	if (json) {
		fflush(out);
		free(ok);
		rt->done = true;
		return failed ? 1 : 0;
	}
	fprintf(out, "[==========] %d test%s ran.\n", n, plural(n));
	if (n - failed)
		fprintf(out, "[  PASSED  ] %d test%s.\n", n - failed, plural(n - failed));
	if (failed) {
		fprintf(out, "[  FAILED  ] %d test%s, listed below:\n", failed, plural(failed));
		for (int i = 0; i < rt->nprobes; i++)
			if ((rt->probes[i].info->prov->flags & XT_PROVF_TEST) && !ok[i])
				fprintf(out, "[  FAILED  ] %s\n", short_name(&rt->probes[i]));
	}
	fflush(out);
	free(ok);
	rt->done = true;
	return failed ? 1 : 0;
}

/* Each benchmark runs until it has taken about 100 ms (at most 100,000
 * runs); the time is the average of one run, BPF_PROG_TEST_RUN's system
 * call included (raw-tracepoint programs cannot be repeated in the kernel). */
static int run_benches(struct xt_rt *rt)
{
	FILE *out = rt->opts.out, *sink = fopen("/dev/null", "w");
	if (!sink) {
		fprintf(stderr, "xtrace: --bench: cannot open /dev/null: %s\n", strerror(errno));
		return 1;
	}
	int width = 40, n = 0;
	for (int i = 0; i < rt->nprobes; i++)
		if (rt->probes[i].info->prov->flags & XT_PROVF_BENCH) {
			int w = (int)strlen(short_name(&rt->probes[i]));
			width = w > width ? w : width;
			n++;
		}
	if (!n) {
		fclose(sink);
		fprintf(stderr, "xtrace: --bench: the program has no bench:NAME probes\n");
		return 1;
	}
	width++;
	bool json = rt->opts.format == XT_FMT_JSON;
	if (!json) {
		fprintf(out, "%-*s%-15s%s\n", width, "Benchmark", "Time(ns)", "Iterations");
		for (int i = 0; i < width + 15 + 10; i++)
			fputc('-', out);
		fputc('\n', out);
	}
	int status = 0;
	for (int i = 0; i < rt->nprobes; i++) {
		struct xt_rt_probe *rp = &rt->probes[i];
		if (!(rp->info->prov->flags & XT_PROVF_BENCH))
			continue;
		uint32_t ret;
		uint64_t t0 = now_ns(), iters = 0, spent = 0;
		int err = 0;
		while (!err && iters < 100000 && (spent = now_ns() - t0) < 100000000u) {
			err = run_once(rt, rp, sink, &ret);
			iters++;
		}
		if (err) {
			fprintf(stderr, "xtrace: cannot run %s: %s\n", rp->info->sites[0].name, strerror(-err));
			status = 1;
			continue;
		}
		spent = now_ns() - t0;
		if (json) { /* {"type": "benchmark_result", "data": {"NAME": {"average": NS, "iters": N}}} */
			fputs("{\"type\": \"benchmark_result\", \"data\": {", out);
			xt_print_json_str(out, short_name(rp));
			fprintf(out, ": {\"average\": %llu, \"iters\": %llu}}}\n", (unsigned long long)(spent / iters),
				(unsigned long long)iters);
		} else {
			fprintf(out, "%-*s%-15llu%llu\n", width, short_name(rp), (unsigned long long)(spent / iters),
				(unsigned long long)iters);
		}
		fflush(out);
	}
	fclose(sink);
	rt->done = true;
	return status;
}

int xt_rt_run_tests(struct xt_rt *rt, bool bench)
{
	return bench ? run_benches(rt) : run_tests(rt);
}
