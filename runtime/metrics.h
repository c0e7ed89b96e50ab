/* --metrics: the running program's maps served at /metrics in Prometheus'
 * text exposition format (0.0.4), read from the kernel at each scrape.
 * docs/fleet.md says how the maps become metrics and how to deploy it. */
#ifndef XT_METRICS_H
#define XT_METRICS_H

#include <stdbool.h>
#include <stdio.h>

struct xt_rt;
struct xt_loop;
struct xt_metrics;

/* Listens on `where`: "ADDR:PORT", "[ADDR6]:PORT", "PORT" (127.0.0.1:PORT,
 * the default being loopback) or ":PORT" (every interface); port 0 takes a
 * free one. Unless quiet, says on stderr where it serves. Nothing is
 * answered until xt_metrics_serve. NULL after a message on stderr. */
struct xt_metrics *xt_metrics_open(const char *where, bool quiet, bool verbose);
/* Answers scrapes of rt's maps from loop l from now on, one request at a
 * time on l's thread (no BPF work, never a blocking read or write). Warns
 * once about maps whose metric names clash (they are left out). 0 or -errno. */
int xt_metrics_serve(struct xt_metrics *m, struct xt_rt *rt, struct xt_loop *l);
/* Closes the server and its connections (the listening socket too). */
void xt_metrics_close(struct xt_metrics *m);
/* Writes rt's maps to out in the exposition format: what /metrics answers. */
void xt_metrics_write(struct xt_rt *rt, FILE *out);

#endif
