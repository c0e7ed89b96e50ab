/* Constants of kernel-internal headers (<linux/sched.h>'s TASK_RUNNING...)
 * that no installed header defines, taken from what the running kernel
 * publishes about them rather than from a copy that may not match it. */
#ifndef XT_KCONST_H
#define XT_KCONST_H

#include <stdbool.h>
#include <stdint.h>

/* The value of kernel constant `name` as the running kernel publishes it;
 * false when it does not (or the name is not one of them). Read once per
 * process. */
bool xt_kconst(const char *name, int64_t *value);

/* Reads the task states from the text of the sched:sched_switch format file
 * (its print fmt's __print_flags table, and the letter printed for no bit
 * set: "R"); the value of `name`, or false. Exposed for the unit tests. */
bool xt_kconst_task_state(const char *format, const char *name, int64_t *value);

#endif
