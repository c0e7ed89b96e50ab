/* The loader of the hand-written twins: twin OBJ.bpf.o CMD [ARG...]
 * Runs CMD with OBJ's programs attached, as `xtrace -c CMD` does, then
 * prints what the maps hold. It is the reference the per-event benchmarks
 * compare xtrace with: plain libbpf, no tracer in between.
 *   - CMD is forked first and held on a pipe until everything is attached;
 *     its pid goes into the object's `target_pid` (.rodata) before loading.
 *   - A ring buffer map named `events` is drained while CMD runs, each
 *     record {u32 pid, u32 pad, s64 id} written as "pid id\n" to stdout.
 *   - At the end, `counts` (per-CPU hash, char[16] -> u64) and `buckets`
 *     (per-CPU array of u64) are summed over the CPUs and printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct event {
	unsigned pid, pad;
	long long id;
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;
	(void)ctx;
	if (size >= sizeof(*e))
		printf("%u %lld\n", e->pid, e->id);
	return 0;
}

static void print_percpu(struct bpf_map *map, int ncpu)
{
	int fd = bpf_map__fd(map);
	unsigned ksize = bpf_map__key_size(map);
	unsigned long long *vals = calloc(ncpu, 8);
	char key[64] = { 0 }, next[64];
	void *prev = NULL;
	while (vals && ksize <= sizeof(key) && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, ksize);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals) != 0)
			continue;
		unsigned long long sum = 0;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		if (!sum)
			continue;
		if (ksize == 16)
			printf("@[%.16s]: %llu\n", key, sum);
		else
			printf("@[%u]: %llu\n", *(unsigned *)key, sum);
	}
	free(vals);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: twin OBJ.bpf.o CMD [ARG...]\n");
		return 2;
	}
	int go[2];
	if (pipe(go) != 0)
		return perror("pipe"), 1;
	pid_t child = fork();
	if (child < 0)
		return perror("fork"), 1;
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	close(go[0]);

	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "twin: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t n = strlen(name), size;
		if (n >= 7 && strcmp(name + n - 7, ".rodata") == 0) {
			unsigned *pid = (unsigned *)bpf_map__initial_value(map, &size);
			if (pid && size >= sizeof(*pid))
				*pid = (unsigned)child;
		}
	}
	if (bpf_object__load(obj) != 0) {
		fprintf(stderr, "twin: cannot load %s\n", argv[1]);
		return 1;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "twin: cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
	}
	struct ring_buffer *rb = NULL;
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "events");
	if (events)
		rb = ring_buffer__new(bpf_map__fd(events), on_event, NULL, NULL);

	if (write(go[1], "g", 1) != 1)
		return perror("write"), 1;
	close(go[1]);
	int status = 0;
	for (;;) {
		pid_t w = waitpid(child, &status, rb ? WNOHANG : 0);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			return perror("waitpid"), 1;
		if (rb)
			ring_buffer__poll(rb, 100);
	}
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	int ncpu = libbpf_num_possible_cpus();
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH || bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY)
			print_percpu(map, ncpu);
	}
	fflush(stdout);
	bpf_object__close(obj);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
