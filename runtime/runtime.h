/* The runtime: loads a compiled program with libbpf, attaches its probes
 * through the providers, runs the event loop and prints results. */
#ifndef XT_RUNTIME_H
#define XT_RUNTIME_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "codegen/codegen.h"
#include "runtime/print.h"

struct bpf_object;
struct bpf_program;
struct bpf_link;

struct xt_rt_opts {
	FILE *out;              /* results (stdout or -o FILE) */
	enum xt_format format;
	bool verbose;           /* libbpf's log and the verifier's on stderr */
	bool quiet;             /* no "Attaching N probes..." line */
	pid_t child;            /* the -c command, waited for by the event loop; 0 when none */
	int child_go_fd;        /* closing it lets the -c command exec; -1 when none */
};

/* One probe's program and links. */
struct xt_rt_probe {
	const struct xt_probe_info *info;
	struct bpf_program *prog;
	int prog_fd;
	struct bpf_link **links;
	int nlinks, caplinks;
	int *fds;               /* perf-event fds the links own or extra fds to close */
	int nfds, capfds;
};

struct xt_rt;

/* Opens and loads c (the caller keeps c alive while rt lives). NULL after a
 * diagnostic in dg (verifier rejections carry the log's tail). */
struct xt_rt *xt_rt_open(const struct xt_compiled *c, const struct xt_rt_opts *opts, struct xt_diags *dg);
/* Attaches every probe; 0, or -1 after a diagnostic (nothing stays attached). */
int xt_rt_attach(struct xt_rt *rt, struct xt_diags *dg);
/* Runs BEGIN, then events until exit(), a signal or the -c command's end;
 * then END. Returns the exit status to use. */
int xt_rt_run(struct xt_rt *rt);
/* Prints every non-empty map as at exit. */
void xt_rt_print_maps(struct xt_rt *rt);
/* Detaches and frees everything. */
void xt_rt_close(struct xt_rt *rt);

/* --- for providers' runtime facets ---------------------------------------- */
struct bpf_object *xt_rt_object(struct xt_rt *rt);
int xt_rt_add_link(struct xt_rt_probe *rp, struct bpf_link *link);
int xt_rt_add_fd(struct xt_rt_probe *rp, int fd);
/* Reports why attaching failed: "<probe name>: <message>". */
void xt_rt_attach_error(struct xt_rt *rt, const char *probe, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
