#!/usr/bin/env bash
# C type definitions in programs (stdlib/cdecl.c): uprobes on
# tests/targets/cstructs cast their arguments to the same structs defined in
# the xtrace program and read nested structs, unions, bitfields, 2-D arrays,
# pointers to pointers and strings from user memory; types and macros from
# headers; diagnostics inside headers; runqlat.bt and runqlen.bt; arrays and
# pointers as values (decay, str() and buf() of arrays, pointers printed in
# hex), in cstructs and in cstructs_nopie (no PIE, no -g). Exact output.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/cstructs")
[ -x "$T" ] || skip "tests/targets/cstructs is not built"
XTRACE=$(realpath "$XTRACE")
cd "$XT_TMP" || exit 1

# check NAME STATUS EXPECTED-STDOUT EXPECTED-STDERR (after xt)
check() {
	if [ "$XT_RC" = "$2" ] && [ "$XT_OUT" = "$3" ] && [ "$XT_ERR" = "$4" ]; then pass "$1"; else
		fail "$1" "$(printf -- 'status %s (want %s)\n--- expected stdout\n%s\n--- actual stdout\n%s\n--- expected stderr\n%s\n--- actual stderr\n%s' \
			"$XT_RC" "$2" "$3" "$XT_OUT" "$4" "$XT_ERR")"; fi
}

# The target's types, as its source has them.
cat > defs.h <<'EOF'
struct inner {
	short s;
	union {
		int i;
		char c[6];
	} u;
};
struct flags {
	unsigned int ready:1, mode:3, level:12;
	int delta:5;
};
struct item {
	int id;
	char name[16];
	struct inner in;
	struct flags fl;
	long grid[2][3];
	struct item *next;
	struct item **pp;
	const char *label;
	unsigned char bytes[4];
	uint64_t big;
	double ratio;
	unsigned char tag[6];
	char tail[4];
};
typedef struct item item_t;
union number { long l; int i[2]; unsigned char b[8]; };
EOF

# -- the definitions written in the program; casts of arguments read user memory
{ cat defs.h; cat <<EOF
uprobe:$T:visit {
	\$it = (item_t *)arg0;
	printf("%d %s %d %d %s\n", \$it->id, \$it->name, \$it->in.s, \$it->in.u.i, \$it->in.u.c);
	printf("%d %d %d %d\n", \$it->fl.ready, \$it->fl.mode, \$it->fl.level, \$it->fl.delta);
	printf("%d %d %d %d\n", \$it->grid[0][2], \$it->grid[1][0], \$it->bytes[3], sizeof(\$it->grid));
	printf("%d %s %d %s\n", \$it->next->id, \$it->next->name, (*\$it->pp)->id, str((*\$it->pp)->label));
	printf("%s %lu %d\n", str(\$it->label), \$it->big, offsetof(item_t, ratio));
	print(\$it->in);
	print(\$it->fl);
	@in[\$it->id] = \$it->in;
}
uprobe:$T:total {
	\$n = (union number *)arg0;
	printf("%ld %d %d %d\n", \$n->l, \$n->i[0], \$n->i[1], \$n->b[0]);
}
EOF
} > casts.bt
xt -q -c "$T" casts.bt
check "casts to the program's structs from uprobes" 0 '7 seven -3 1145258561 ABCD
1 5 1000 -7
3 4 250 48
8 eight 8 second
first 1099511627776 128
{ .s = -3, .u = { .i = 1145258561, .c = ABCD } }
{ .ready = 1, .mode = 5, .level = 1000, .delta = -7 }
17179869182 -2 3 254


@in[7]: { .s = -3, .u = { .i = 1145258561, .c = ABCD } }' ''

# -- the same types from a header of the program's folder; the target held until attached (-p)
cat > held.bt <<EOF
#include "defs.h"
uprobe:$T:visit { @[((item_t *)arg0)->next->name, ((struct item *)arg0)->grid[1][2]] = count(); }
EOF
hold "$T" 5 wait
xt_held -p "$HELD_PID" held.bt
expect_eq "types from an #include'd header, held target" '@[eight, 6]: 5' "$(printf '%s\n' "$XT_OUT" | grep '^@')"

# -- macros and types from system headers
xt -q -e '#include <sys/socket.h>
#include <fcntl.h>
#include <netinet/in.h>
BEGIN { printf("%d %d %d %d %d\n", AF_INET, O_CREAT, sizeof(struct sockaddr_in), offsetof(struct sockaddr_in, sin_addr), sizeof(sa_family_t)); exit(); }'
check "AF_INET, O_CREAT and struct sockaddr_in from <sys/socket.h>, <fcntl.h>, <netinet/in.h>" 0 '2 64 16 4 2' ''
xt -q -e '#include <linux/fcntl.h>
BEGIN { printf("%d %d\n", O_CREAT, O_TRUNC); exit(); }'
check "O_CREAT from <linux/fcntl.h>" 0 '64 512' ''

# -- system headers' structs laid out as the C compiler lays them out
HDRS='#include <stdio.h>
#include <sys/stat.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <signal.h>'
EXPRS='sizeof(FILE), sizeof(struct stat), sizeof(struct perf_event_attr), sizeof(struct sockaddr_in6), sizeof(struct sockaddr_storage), sizeof(struct timespec), sizeof(siginfo_t), offsetof(struct perf_event_attr, bp_addr), offsetof(struct stat, st_mtim)'
if CC=$(command -v cc || command -v gcc); then
	printf '%s\n#include <stddef.h>\nint main(void) { printf("%%zu %%zu %%zu %%zu %%zu %%zu %%zu %%zu %%zu\\n", %s); return 0; }\n' \
		"$HDRS" "$EXPRS" > layouts.c
	want=none; "$CC" -o layouts layouts.c && want=$(./layouts)
	xt -q -e "$HDRS
BEGIN { printf(\"%d %d %d %d %d %d %d %d %d\\n\", $EXPRS); exit(); }"
	expect_eq "system headers' layouts are the C compiler's" "$want" "$XT_OUT"
else
	echo "# no C compiler: system headers' layouts not compared"
fi

# -- a program's definition that a header already made: both places shown, the header's in its file
cat > mine.h <<'EOF'
/* the program's own header */
struct point {
	int x, y;
};
EOF
cat > dup.bt <<'EOF'
#include "mine.h"
struct point { long x; };
BEGIN { exit(); }
EOF
xt dup.bt
check "redefinition of a header's struct" 1 '' 'dup.bt:2:1-12: error: redefinition of '"'"'struct point'"'"'
struct point { long x; };
~~~~~~~~~~~~
./mine.h:2:1-12: note: '"'"'struct point'"'"' was first defined here
struct point {
~~~~~~~~~~~~'

# -- what a header holds besides definitions is read over
cat > busy.h <<'EOF'
extern int counter;
static inline int twice(int x) { return 2 * x; }
int open(const char *path, int flags, ...) __attribute__((__nonnull__(1)));
typedef __typeof__(sizeof(int)) odd_t;
struct after { int a; char b[3]; } __attribute__((packed));
EOF
xt -q -e '#include "busy.h"
BEGIN { printf("%d\n", sizeof(struct after)); exit(); }'
check "header: prototypes and inline functions are skipped, typeof(sizeof(int)) read" 0 '7' ''

# -- a struct whose definition in a header was skipped, used: the diagnostic says where and why
cat > odd.h <<'EOF'
/* a header */
struct odd {
	int a;
	__typeof__(a) b;
};
EOF
xt -q -e '#include "odd.h"
BEGIN { print(sizeof(struct odd)); exit(); }'
check "a skipped header definition: where and why" 1 '' "<stdin>:2:15-32: error: struct odd: its definition in ./odd.h:2:1 was skipped (./odd.h:4:13: 'a' is not a constant here (an enumerator or a macro of the included headers))
BEGIN { print(sizeof(struct odd)); exit(); }
              ~~~~~~~~~~~~~~~~~~"

# -- REPL: an entry of definitions only is kept for later entries; a later
# entry's definition replaces the name; within one entry a duplicate is an error
OUT=$({ printf '%s\n' 'struct S { int a; long b; };' 'print(sizeof(struct S))' 'struct S { char c; }' \
	'print(sizeof(struct S))' 'struct T {' '  int x;' '};' 'enum E { A = 3, B };' 'print((B, sizeof(struct T)))' \
	'struct T { int x; }; struct T { int y; };'; sleep 0.3; } | timeout -k 5 60 "$XTRACE" -i 2>"$XT_TMP/err")
# (B is an enum value: printed by name, as bpftrace 0.22 on)
expect_eq "REPL: definitions kept and replaced by later entries" '16
1
(B, 4)' "$OUT"
expect_eq "REPL: a duplicate in one entry" "<stdin>:1:22-29: error: redefinition of 'struct T'
struct T { int x; }; struct T { int y; };
                     ~~~~~~~~
<stdin>:1:1-8: note: 'struct T' was first defined here
struct T { int x; }; struct T { int y; };
~~~~~~~~" "$(cat "$XT_TMP/err")"

# -- runqlat.bt: this machine's <linux/sched.h> is the uapi header, without
# TASK_RUNNING (a kernel-internal macro); xtrace takes the task states from
# what the running kernel publishes, sched_switch's print fmt, so the tool
# runs as written. The values are the format file's own, read here apart.
FMT=$(cat /sys/kernel/tracing/events/sched/sched_switch/format 2>/dev/null ||
	cat /sys/kernel/debug/tracing/events/sched/sched_switch/format 2>/dev/null)
if [[ $FMT == *'__print_flags('*') : "R"'* ]]; then
	want="0"
	for l in S D T t X Z P I; do
		v=$(printf '%s\n' "$FMT" | grep -oE "\{ 0x[0-9a-f]+, \"$l\" \}" | head -1 | grep -oE '0x[0-9a-f]+')
		want="$want $((v))"
	done
	xt -e 'BEGIN { printf("%d %d %d %d %d %d %d %d %d\n", TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE,
		__TASK_STOPPED, __TASK_TRACED, EXIT_DEAD, EXIT_ZOMBIE, TASK_PARKED, TASK_REPORT_IDLE); exit(); }'
	check "task states: the values sched_switch's format gives ($want)" 0 "$want" ''
	# a process asleep in nanosleep(2) switches out in TASK_INTERRUPTIBLE
	xt -c "$(realpath "$XT_TARGETS/sleeper") 50" -e 'tracepoint:sched:sched_switch /args.prev_pid == cpid && args.prev_state == TASK_INTERRUPTIBLE/ { @s = 1; }
		END { printf("%d\n", @s); clear(@s); }'
	check "task states: sleeper's nanosleep switches out as TASK_INTERRUPTIBLE" 0 '1' ''
	xt -e 'BEGIN { print(TASK_WAKEKILL); }'
	check "task states: one the kernel does not publish is unknown" 1 '' "<stdin>:1:15-27: error: unknown identifier 'TASK_WAKEKILL'
BEGIN { print(TASK_WAKEKILL); }
              ~~~~~~~~~~~~~"
	if [ -r /usr/sbin/runqlat.bt ]; then
		if xt_start /usr/sbin/runqlat.bt; then
			"$T" 2000 >/dev/null # the workload: wakeups, switches
			sleep 1
			xt_stop
		fi
		expect_eq "runqlat.bt: header line" 'Tracing CPU scheduler... Hit Ctrl-C to end.' "$(printf '%s\n' "$XT_OUT" | head -1)"
		expect_match "runqlat.bt: histogram" '^@usecs: *$' "$XT_OUT"
		expect_match "runqlat.bt: histogram rows" '^\[[0-9]+(, [0-9KM]+\))?\]? +[0-9]+ \|@*' "$XT_OUT"
	else
		echo "# /usr/sbin/runqlat.bt not installed"
	fi
else
	echo "# sched_switch's format has no prev_state flags table: task states not published"
fi

# -- runqlen.bt: with kernel BTF it reads the kernel's struct cfs_rq, where
# this kernel renamed nr_running (nr_queued); bpftrace 0.17 says the same.
# A program's own struct cfs_rq (the script's #ifndef branch, with this
# kernel's layout) wins over BTF's and runs.
if [ -r /usr/sbin/runqlen.bt ] && [ -r /sys/kernel/btf/vmlinux ]; then
	xt /usr/sbin/runqlen.bt
	expect_match "runqlen.bt: the kernel's struct cfs_rq has no nr_running" \
		"^/usr/sbin/runqlen.bt:37:9-25: error: struct cfs_rq has no field 'nr_running'" "$XT_ERR"
	sed -e 's/^#ifndef BPFTRACE_HAVE_BTF$/#if 1/' -e '/runnable_weight;/d' /usr/sbin/runqlen.bt > runqlen.bt
	if xt_start runqlen.bt; then
		sleep 1
		xt_stop
	fi
	expect_eq "runqlen.bt (own struct cfs_rq): header line" 'Sampling run queue length at 99 Hertz... Hit Ctrl-C to end.' \
		"$(printf '%s\n' "$XT_OUT" | head -1)"
	expect_match "runqlen.bt (own struct cfs_rq): histogram" '^@runqlen: *$' "$XT_OUT"
	expect_match "runqlen.bt (own struct cfs_rq): rows" '^\[[0-9]+, [0-9]+\) +[0-9]+ \|@+' "$XT_OUT"
fi
# -- structs as map keys, by value (alone, in multi-keys with an array), in
# text and JSON; the address of a char array's element (&name[2]); three
# visits of cstructs
{ cat defs.h; cat <<EOF
uprobe:$T:visit {
	\$it = (item_t *)arg0;
	@[\$it->in] = count();
	@x[\$it->fl, \$it->bytes] = sum(2);
	\$q = &\$it->name[2];
	@c[*\$q, str(\$q)] = count();
}
EOF
} > keys.bt
xt -q -c "$T 3" keys.bt
check "struct values as map keys; &name[2]" 0 "

@[{ .s = -3, .u = { .i = 1145258561, .c = ABCD } }]: 3
@c[118, ven]: 3
@x[{ .ready = 1, .mode = 5, .level = 1000, .delta = -7 }, [1,2,3,250]]: 6" ''
xt -q -f json -c "$T 3" keys.bt
check "struct values as map keys: JSON" 0 '{"type": "map", "data": {"@": {"{ .s = -3, .u = { .i = 1145258561, .c = ABCD } }": 3}}}
{"type": "map", "data": {"@c": {"118,ven": 3}}}
{"type": "map", "data": {"@x": {"{ .ready = 1, .mode = 5, .level = 1000, .delta = -7 },[1,2,3,250]": 6}}}' ''
# -- arrays in memory decay to pointers in casts, as in C; C's one-word
# `long` and `short` are types; casts to typedef names without '*'
{ cat defs.h; cat <<EOF
uprobe:$T:visit {
	\$it = (item_t *)arg0;
	\$p = (long *)\$it->grid[1];
	\$r = (long *)\$it->grid;
	\$b = (uint8 *)\$it->bytes;
	printf("%d %d %d %d %d %d\\n", *(\$p + 2), \$r[4], \$b[3], (uint64)\$p - (uint64)\$it, \$p == &\$it->grid[1][0], (short)70000);
	printf("%d %d\\n", (uint8)\$it->bytes[3], (int8)\$it->bytes[3]);
	\$n = (int8 *)\$it->name;
	printf("%d %s %d\\n", \$n[1], str(\$n + 2), (uint64)\$n - (uint64)\$it);
}
EOF
} > decay.bt
xt -q -c "$T" decay.bt
check "arrays decay to pointers in casts" 0 "6 5 250 64 1 4464
250 -6
101 ven 4" ''

# -- arrays and pointers as values, in a PIE built with -g and in a
# position-dependent executable without debug information (the types are the
# program's own): arrays in memory decay to pointers (arr + 1, *arr, $p = arr,
# arr == p), str() and buf() of arrays in memory and of copies, pointers
# printed in hex (print, map values and keys; a number in JSON), a uretprobe's
# pointer, arrays in tuples, map values and multi-keys, == on arrays; str(arr, n)
# keeps n - 1 characters (0.26 counts the NUL in n)
arrays_pointers() {
T=$1 V=$2
{ cat defs.h; cat <<EOF
uprobe:$T:visit {
	\$it = (item_t *)arg0;
	printf("deref %d %d %d %d %d\\n", *\$it->bytes, *(\$it->bytes + 3), *(*(\$it->grid + 1) + 2), **\$it->grid, *\$it->name);
	printf("arith %d %d %d %d\\n", (uint64)(\$it->bytes + 2) - (uint64)(\$it->bytes + 0), (\$it->grid + 1) - \$it->grid,
	       (uint64)(\$it->grid + 1) - (uint64)&\$it->grid[0][0], 3 + \$it->bytes - \$it->bytes);
	\$p = (uint8 *)0; \$p = \$it->bytes;
	let \$q: long * = \$it->grid[1];
	\$n = (int8 *)0; \$n = \$it->name;
	@mp = (uint8 *)0; @mp = \$it->bytes;
	printf("assign %d %d %d %s %d %d %d %s\\n", \$p[3], \$q[2], \$p == \$it->bytes, str(\$n + 2), \$n + 1 > \$it->name,
	       \$it->bytes != \$p, *(@mp + 3), \$p);
	\$s = \$p; \$s++; \$s += 2; \$i = 3;
	printf("ptr %d %d %d %d %d %d\\n", *\$s, \$s - \$p, \$s - \$it->bytes, \$s > \$p, (**\$it->pp).id, \$it->bytes[\$i]);
	\$t = \$it->tag; \$c = \$it->bytes;
	printf("str %s|%s|%s|%s|%s\\n", str(\$it->tag), str(\$it->tag, 3), str(\$t), str(\$t, 2), str(\$it->tail));
	printf("buf %r %r %r %r\\n", buf(\$it->bytes), buf(\$c), buf(\$c, 2), buf(\$t));
	printf("eq %d %d %d %d\\n", \$it->bytes == \$c, \$it->grid[0] != \$it->grid[1], \$it->tag == \$t, \$c != \$it->bytes);
	print(\$it->next);
	printf("0x%lx %s\\n", \$it->next, \$it->next);
	@ptr = \$it->next; @key[\$it->next] = 1;
	@v = \$it->grid; @t = (\$it->bytes, \$it->tag); @k[\$it->bytes, \$it->id] = 2;
}
uretprobe:$T:follow { \$r = (item_t *)retval; printf("ret %d %s %s\\n", \$r->id, \$r->name, str(\$r->label)); print(\$r); }
EOF
} > ap.bt
xt -q -c "$T" ap.bt
local a b
a=$(printf '%s\n' "$XT_OUT" | sed -n 8p) b=$(printf '%s\n' "$XT_OUT" | sed -n 3p | cut -d' ' -f9)
expect_match "$V: print(pointer) is hex" '^0x[0-9a-f]+ 0x[0-9a-f]+$' "$a $b"
check "$V: arrays decay, str()/buf() of arrays, pointers in hex, uretprobe pointer, arrays as values" 0 "deref 1 250 6 1 115
arith 2 1 24 3
assign 250 6 1 ven 1 0 250 $b
ptr 250 3 3 1 8 250
str tagged|ta..|tagged|t..|end
buf \\x01\\x02\\x03\\xfa \\x01\\x02\\x03\\xfa \\x01\\x02 tagged
eq 1 1 1 0
$a
$a $a
ret 8 eight second
$a


@k[[1,2,3,250], 7]: 2
@key[$a]: 1
@mp: $b
@ptr: $a
@t: ([1,2,3,250], [116,97,103,103,101,100])
@v: [[1,2,3],[4,5,6]]" ''
xt -q -f json -c "$T" ap.bt # a new process: new addresses (PIE), read from its printf records
a=$(printf '%s\n' "$XT_OUT" | sed -n 's/.*"data": "\(0x[0-9a-f]*\) 0x.*/\1/p')
b=$(printf '%s\n' "$XT_OUT" | sed -n 's/.*"data": "assign .* \(0x[0-9a-f]*\)\\n".*/\1/p')
expect_match "$V: JSON: printf records" '^0x[0-9a-f]+ 0x[0-9a-f]+$' "$a $b"
expect_eq "$V: JSON: a pointer value is a number, a pointer key its hex text, arrays JSON arrays" "{\"type\": \"map\", \"data\": {\"@k\": {\"[1,2,3,250],7\": 2}}}
{\"type\": \"map\", \"data\": {\"@key\": {\"$a\": 1}}}
{\"type\": \"map\", \"data\": {\"@mp\": $((b))}}
{\"type\": \"map\", \"data\": {\"@ptr\": $((a))}}
{\"type\": \"map\", \"data\": {\"@t\": [[1,2,3,250],[116,97,103,103,101,100]]}}
{\"type\": \"map\", \"data\": {\"@v\": [[1,2,3],[4,5,6]]}}" "$(printf '%s\n' "$XT_OUT" | grep '"type": "map"')"
}
arrays_pointers "$T" "PIE, -g"
T_NOPIE=$(realpath "$XT_TARGETS/cstructs_nopie")
if [ -x "$T_NOPIE" ]; then arrays_pointers "$T_NOPIE" "non-PIE, no -g"; else fail "tests/targets/cstructs_nopie is not built"; fi

# -- reads from the right address space in every probe type that can see the
# target's memory: its structs (user memory) reached from a tracepoint's
# argument, from pt_regs read in kernel memory by a rawtracepoint, from a
# uprobe's argument, a uretprobe's return value and a USDT probe's argument,
# each probe also reading the kernel's curtask; uptr() and kptr() force the
# user or the kernel read (a user address read as kernel memory reads 0);
# BEGIN reads kernel memory (tests/e2e/cases/btf_*, values_*)
{ cat defs.h; cat <<EOF
tracepoint:syscalls:sys_enter_write /pid == cpid/ {
	\$w = (item_t *)args.buf; printf("tracepoint %d %s %s %d\\n", \$w->id, \$w->next->name, str(\$w->tag), curtask->tgid == pid); }
rawtracepoint:sys_enter /pid == cpid && args.id == 1/ {
	\$r = (item_t *)args.regs->si; printf("rawtracepoint %d %s %d\\n", \$r->id, str(\$r->label), curtask->tgid == pid); }
uprobe:$T:visit { \$it = (item_t *)arg0; printf("uprobe %d %s %d %s %d\\n", *\$it->next->bytes, str(\$it->label), curtask->tgid == pid,
	str(uptr(arg0 + 4)), *(int32 *)kptr(arg0)); }
uretprobe:$T:follow { printf("uretprobe %d %d\\n", ((item_t *)retval)->id, curtask->tgid == pid); }
usdt:$T:cs:item { \$u = (item_t *)arg0; printf("usdt %d %s %d\\n", \$u->grid[1][1], str(\$u->tag), curtask->tgid == pid); }
EOF
} > spaces.bt
xt -q -c "$T" spaces.bt
XT_OUT=$(printf '%s\n' "$XT_OUT" | grep -v '^$' | sort) # the two syscall probes fire in either order
check "address spaces: tracepoint, rawtracepoint, uprobe, uretprobe, usdt read user structs and kernel memory" 0 "rawtracepoint 7 first 1
tracepoint 7 eight tagged 1
uprobe 0 first 1 seven 0
uretprobe 8 1
usdt 5 tagged 1" ''

# -- what arrays and pointers refuse: one diagnostic each, under its span
# (the statement alone on line $L of err.bt, after the definitions)
L=$(( $(wc -l < defs.h) + 3 ))
ap_error() {
	{ cat defs.h; printf 'uprobe:%s:visit {\n$it = (item_t *)arg0; $c = $it->bytes; $p = (uint8 *)0;\n%s\n}\n' "$T" "$2"; } > err.bt
	xt err.bt
	check "$1" 1 '' "err.bt:$L:$3
$2
$4"
}
ap_error "a constant index past an array's end" 'print($it->bytes[4]);' \
	"18: error: index 4 is out of bounds for uint8[4]" '                 ~'
ap_error "a copy of an array assigned to a pointer" '$p = $c;' \
	"6-7: error: cannot assign uint8[4] to \$p, a pointer (uint8 *): this array is a copy, which has no address; assign an array in memory (as \$p = \$it->arr), which decays to a pointer to its first element" '     ~~'
ap_error "str() of an array of longs" 'print(str($it->grid[0]));' \
	"11-22: error: str() needs a pointer or an array of bytes (int8, uint8, char), not int64[3]" '          ~~~~~~~~~~~~'

finish
