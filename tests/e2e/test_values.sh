#!/usr/bin/env bash
# Arrays and pointers as values, on user memory of known contents
# (tests/targets/cvalues): uprobes read int[4], int[2][3], u8[16], arrays of
# pointers, pointers to pointers, struct rlimit[3] and a list of struct
# list_head through bpftrace's integer casts and kernel BTF types, and print
# exact values, in text and -f json; in a PIE built with -g and in a
# position-dependent executable without debug information (cvalues_nopie).
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$XT_TARGETS/cvalues" ] || skip "tests/targets/cvalues is not built"

# addr NAME: the address the target wrote to stderr as "NAME 0x..." in the last run
addr() { printf '%s\n' "$XT_ERR" | awk -v n="$1" '$1 == n { print $2 }'; }

# uprobes T: the tests on target T (V names it in the results)
uprobes() {
T=$1 V=$2
xt -q -c "$T" -e "
uprobe:$T:xt_ints {
	\$p = (int32 *)arg0;
	printf(\"deref %d index %d plus %d\n\", *\$p, \$p[3], *(\$p + 1));
	\$q = \$p; \$q++; printf(\"inc %d\", *\$q); \$q += 2; printf(\" add %d diff %d\n\", *\$q, \$q - \$p);
	print(*(int32[4] *)arg0);
	@a = *(int32[4] *)arg0;
	@k[*(int32[4] *)arg0, 7] = 1;
	@t = (*(int32[4] *)arg0, \"x\");
	\$c = *(int32[4] *)arg2;
	printf(\"same %d other %d copy %d\n\", *(int32[4] *)arg0 == *(int32[4] *)arg1, *(int32[4] *)arg0 != *(int32[4] *)arg2, \$c == *(int32[4] *)arg0);
}"
expect_eq "$V: int[4]: *p, p[i], p + 1, p++, p += 2, p - q, whole, in maps, keys, tuples, ==" "deref 1 index 40000 plus -2
inc -2 add 40000 diff 3
[1,-2,3,40000]
same 1 other 1 copy 0


@a: [1,-2,3,40000]
@k[[1,-2,3,40000], 7]: 1
@t: ([1,-2,3,40000], x)" "$XT_OUT"

xt -q -c "$T" -e "
uprobe:$T:xt_matrix {
	\$m = (int32[3] *)arg0; print(\$m[1]); print(\$m[1][2]);
	print(*(int32[2][3] *)arg0);
	\$c = *(int32[2][3] *)arg0; \$i = 1; print(\$c[1]); print(\$c[\$i][\$i + 1]);
}
uprobe:$T:xt_bytes { print(*(uint8[16] *)arg0); printf(\"%rx %d\n\", buf(*(uint8[4] *)arg0), ((uint8 *)arg0)[15]); }"
expect_eq "$V: int[2][3] and u8[16]: rows, elements, copies, buf()" "[4,5,6]
6
[[1,2,3],[4,5,6]]
[4,5,6]
6
[0,17,34,51,68,85,102,119,136,153,170,187,204,221,238,255]
\\x00\\x11\\x22\\x33 255" "$XT_OUT"

xt -q -c "$T" -e "
uprobe:$T:xt_ptrs {
	\$pp = (int32 **)arg0;
	printf(\"%d %d %d %d\n\", **\$pp, *\$pp[1], *(*(\$pp + 2)), \$pp[0] - (int32 *)arg1);
	print(*(int32 *[4] *)arg0);
	print(\$pp[3]);
	@p[\$pp[3]] = \$pp[3];
	@k[*(int32 *[4] *)arg0] = 1;
}
uprobe:$T:xt_deep { printf(\"%d %d\n\", **(int32 **)arg0, ***(int32 ***)arg1); }"
ints=$(addr ints)
i0=$((ints)) i1=$((ints + 4)) i2=$((ints + 8)) i3=$((ints + 12))
expect_eq "$V: arrays of pointers, pointers to pointers: in hex as values and keys (bpftrace 0.26)" "40000 3 -2 3
[$(printf '0x%x,0x%x,0x%x,0x%x' $i3 $i2 $i1 $i0)]
$ints
40000 40000


@k[[$(printf '0x%x,0x%x,0x%x,0x%x' $i3 $i2 $i1 $i0)]]: 1
@p[$ints]: $ints" "$XT_OUT"

xt -q -c "$T" -e "
uprobe:$T:xt_limits {
	\$r = (struct rlimit *)arg0; print(\$r[1]); print(\$r[2].rlim_max); print(*(struct rlimit[3] *)arg0);
	@l = (\$r + 1)->rlim_cur;
}
uprobe:$T:xt_list {
	\$h = (struct list_head *)arg0;
	printf(\"%d %d %d %d\n\", \$h->next->next->next == \$h, \$h->prev == \$h->next->next, \$h->next - \$h, (uint64)\$h->prev - (uint64)\$h);
	@n = \$h->next;
}
uprobe:$T:xt_span { printf(\"%d %d %d\n\", (int32 *)arg1 - (int32 *)arg0, (int32 *)arg0 - (int32 *)arg1, (int32 *)arg1 > (int32 *)arg0); }"
expect_eq "$V: kernel BTF structs in user memory: struct rlimit[3], struct list_head, pointer compare and difference" "{ .rlim_cur = 3, .rlim_max = 4 }
6
[{ .rlim_cur = 1, .rlim_max = 2 },{ .rlim_cur = 3, .rlim_max = 4 },{ .rlim_cur = 5, .rlim_max = 6 }]
1 1 1 32
4 -4 1


@l: 3
@n: $(printf '0x%x' $(($(addr nodes) + 16)))" "$XT_OUT"

xt -q -c "$T" -e "
uprobe:$T:xt_index {
	@place[arg1] = (*(int32[4] *)arg0)[arg1];
	\$a = *(int32[4] *)arg0; @copy[arg1] = \$a[arg1];
	@u[arg1] = *(int32 *)uptr(arg0); @k[arg1] = *(int32 *)kptr(arg0);
}"
expect_eq "$V: variable indexes (out of range: 0); uptr reads user memory, kptr kernel memory" "@copy[1]: -2
@copy[4]: 0
@copy[5]: 0
@copy[0]: 1
@copy[2]: 3
@copy[3]: 40000
@k[0]: 0
@k[1]: 0
@k[2]: 0
@k[3]: 0
@k[4]: 0
@k[5]: 0
@place[1]: -2
@place[4]: 0
@place[5]: 0
@place[0]: 1
@place[2]: 3
@place[3]: 40000
@u[0]: 1
@u[1]: 1
@u[2]: 1
@u[3]: 1
@u[4]: 1
@u[5]: 1" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -f json -c "$T" -e "
uprobe:$T:xt_ints { print(*(int32[4] *)arg0); @a = *(int32[4] *)arg0; @k[*(int32[4] *)arg0] = 1; @t = (1, *(int32[4] *)arg0); }
uprobe:$T:xt_matrix { print(*(int32[2][3] *)arg0); }
uprobe:$T:xt_ptrs { @p[*(int32 *[4] *)arg0] = 1; }"
expect_eq "$V: JSON: arrays are JSON arrays; keys keep their text" "{\"type\": \"value\", \"data\": [1,-2,3,40000]}
{\"type\": \"value\", \"data\": [[1,2,3],[4,5,6]]}
{\"type\": \"map\", \"data\": {\"@a\": [1,-2,3,40000]}}
{\"type\": \"map\", \"data\": {\"@k\": {\"[1,-2,3,40000]\": 1}}}
{\"type\": \"map\", \"data\": {\"@p\": {\"[$(printf '0x%x,0x%x,0x%x,0x%x' $i3 $i2 $i1 $i0 | sed 's/0x[0-9a-f]*/X/g')]\": 1}}}
{\"type\": \"map\", \"data\": {\"@t\": [1,[1,-2,3,40000]]}}" "$(printf '%s\n' "$XT_OUT" | sed 's/0x[0-9a-f]*/X/g')"

}
uprobes "$(realpath "$XT_TARGETS/cvalues")" "PIE, -g"
uprobes "$(realpath "$XT_TARGETS/cvalues_nopie")" "non-PIE, no -g"
T=$(realpath "$XT_TARGETS/cvalues")

# a process already running (-p), held until the probes are attached
hold "$T" wait
xt_held -p "$HELD_PID" -e "uprobe:$T:xt_matrix { print(*(int32[2][3] *)arg0); print(((int32[3] *)arg0)[1][1]); }"
expect_eq "-p on a held process: int[2][3]" "[[1,2,3],[4,5,6]]
5" "$XT_OUT"

# a tracepoint's user pointer: read from user memory by its address, by uptr(); kptr() reads nothing there
xt -q -c "$T" -e "tracepoint:syscalls:sys_enter_write /pid == cpid/ {
	printf(\"%d %d %d %c %c %d\n\", str(args.buf, 4) == str(uptr(args.buf), 4), str(kptr(args.buf), 4) == \"\", strlen(str(args.buf, 4)) > 0,
	       *(uint8 *)args.buf, *(uint8 *)uptr(args.buf), *(uint8 *)kptr(args.buf));
	exit();
}"
expect_eq "tracepoint: str(p), str(uptr(p)), str(kptr(p)), *p of a user buffer" "1 1 1 i i 0" "$XT_OUT"
# a tracepoint's pointer to a struct in user memory (const struct __kernel_timespec *rqtp), typed from BTF
xt -q -c "/bin/sleep 0.25" -e 'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ {
	printf("%d %d %d\n", args.rqtp->tv_sec, args.rqtp->tv_nsec, uptr(args.rqtp)->tv_nsec); print(*args.rqtp); }'
expect_eq "tracepoint struct pointer field: args.rqtp->tv_nsec, *args.rqtp" "0 250000000 250000000
{ .tv_sec = 0, .tv_nsec = 250000000 }" "$XT_OUT"

# a tracepoint's int array field (raw_syscalls:sys_enter's unsigned long args[6]): indexed, copied, a key
xt -q -c "$T" -e "tracepoint:raw_syscalls:sys_enter /pid == cpid && args.id == 1/ {
	\$i = 0; \$a = args.args;
	printf(\"%d %d %d %d %d\n\", args.args[0], args.args[\$i], \$a[0], \$a == args.args, sizeof(args.args));
	@[args.args[0], args.args] = 1; exit();
}"
expect_eq "tracepoint array field: args.args[i], a copy, in a key" "2 2 2 1 48" "$(printf '%s\n' "$XT_OUT" | head -1)"
expect_match "tracepoint array field in a key" '^@\[2, \[2,[0-9]+,[0-9]+,' "$XT_OUT"
finish
