/* Kernel constants from what the running kernel publishes (stdlib/kconst.h).
 * The task states: sched_switch's print fmt prints prev_state as
 *   __print_flags(..., "|", { 0x00000001, "S" }, { 0x00000002, "D" }, ...) : "R"
 * and each letter is the one state `ps` shows for one bit of the kernel's
 * TASK_* constants (include/trace/events/sched.h): so the bits come from
 * this kernel, the names from the letters' fixed meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/kconst.h"
#include "stdlib/tracefs.h"

static const struct { char letter; const char *name; } states[] = {
	{ 'S', "TASK_INTERRUPTIBLE" }, { 'D', "TASK_UNINTERRUPTIBLE" }, { 'T', "__TASK_STOPPED" },
	{ 't', "__TASK_TRACED" }, { 'X', "EXIT_DEAD" }, { 'Z', "EXIT_ZOMBIE" }, { 'P', "TASK_PARKED" },
	{ 'I', "TASK_REPORT_IDLE" },
};

bool xt_kconst_task_state(const char *format, const char *name, int64_t *value)
{
	const char *fmt = format ? strstr(format, "print fmt:") : NULL;
	const char *flags = fmt ? strstr(fmt, "__print_flags(") : NULL;
	if (!flags)
		return false;
	if (strcmp(name, "TASK_RUNNING") == 0) {
		/* "... }) : "R"": the letter for no flag set is running, 0 */
		const char *r = strstr(flags, ") : \"R\"");
		if (r)
			*value = 0;
		return r != NULL;
	}
	char letter = 0;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].name, name) == 0)
			letter = states[i].letter;
	if (!letter)
		return false;
	char want[8];
	snprintf(want, sizeof(want), "\"%c\" }", letter);
	for (const char *p = strstr(flags, "{ "); p; p = strstr(p + 1, "{ ")) {
		char *end;
		unsigned long long bit = strtoull(p + 2, &end, 0);
		if (end != p + 2 && strncmp(end, ", ", 2) == 0 && strncmp(end + 2, want, strlen(want)) == 0) {
			*value = (int64_t)bit;
			return true;
		}
	}
	return false;
}

bool xt_kconst(const char *name, int64_t *value)
{
	static char *sched_switch; /* the format file, read once */
	static bool read;
	if (strncmp(name, "TASK_", 5) != 0 && strncmp(name, "__TASK_", 7) != 0 && strncmp(name, "EXIT_", 5) != 0)
		return false;
	if (!read) {
		read = true;
		const char *dir = xt_tracefs_path();
		char path[4096];
		FILE *f = NULL;
		if (dir && snprintf(path, sizeof(path), "%s/events/sched/sched_switch/format", dir) < (int)sizeof(path))
			f = fopen(path, "re");
		if (f) {
			size_t cap = 0;
			if (getdelim(&sched_switch, &cap, 0, f) < 0) {
				free(sched_switch);
				sched_switch = NULL;
			}
			fclose(f);
		}
	}
	return xt_kconst_task_state(sched_switch, name, value);
}
