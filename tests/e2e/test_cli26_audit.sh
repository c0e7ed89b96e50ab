#!/usr/bin/env bash
# Issue 11's probes, builtins and command line, audited item by item: the
# forms the other tests (test_cli26*.sh, test_spec26.sh, cases/l26b_*,
# cases/bi26_*) left unchecked or checked loosely, each with a workload this
# script controls and its exact output.
. "$(dirname "$0")/lib.sh"
need_root
G=$(realpath "$XT_TARGETS/getppid_loop")
T=$(realpath "$XT_TARGETS/writeme")
XTRACE=$(realpath "$XTRACE")

# raw ARGS...: xtrace without lib.sh's filtering: $R_OUT, $R_ERR, $R_RC
raw() {
	R_OUT=$(timeout -k 5 60 "$XTRACE" "$@" 2>"$XT_TMP/raw.err")
	R_RC=$?
	R_ERR=$(cat "$XT_TMP/raw.err")
}

# --- pid, tid [(init)|(curr_ns)] (bpftrace 0.24): xtrace's PID namespace by default
xt -q -c "$G 3" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[pid(curr_ns) == pid, pid(init) == pid, tid(init) == tid(), tid(curr_ns) == pid] = count(); }'
expect_eq "pid(init), pid(curr_ns), tid(...) in the init namespace: the same ids" "0:@[true, true, true, true]: 3" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -e 'begin { $x = pid(host); }'
expect_eq "pid(): a bad namespace" "1:<stdin>:1:18-21: error: pid() takes a PID namespace: init or curr_ns
begin { \$x = pid(host); }
                 ~~~~" "$XT_RC:$XT_ERR"
# in a PID namespace of its own xtrace is pid 1 and its -c command pid 2;
# pid(init) is the id the host knows
if unshare -pf --mount-proc true 2>/dev/null; then
	R_OUT=$(timeout -k 5 60 unshare -pf --mount-proc "$XTRACE" -q -c "$G 2" -e 'begin { printf("%d %d %d\n", pid, pid(curr_ns), pid(init) > 1); } tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[pid, tid, cpid, pid(init) != pid] = count(); }' 2>&1)
	expect_eq "pid in a new PID namespace: xtrace's view, pid == cpid holds" "1 1 1


@[2, 2, 2, true]: 2" "$R_OUT"
else
	echo "# pid(curr_ns) in a new PID namespace: unshare -p is not allowed here, not checked"
fi

# --- usermode: 1 in a uprobe (user registers), 0 in a tracepoint, 1 in begin
xt -q -c "$T" -e "uprobe:$T:xt_fill { @u = usermode; } tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @t = usermode; } begin { @b = usermode; }"
expect_eq "usermode: uprobe 1, begin 1" "0:@b: 1
@u: 1" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"

# --- comm(pid) of another task (bpftrace 0.25)
sleep 60 &
SP=$!
xt -q -e "begin { printf(\"%s|%s\\n\", comm($SP), comm(pid)); }"
kill "$SP"
wait "$SP" 2>/dev/null
expect_eq "comm(pid): another task's name" "0:sleep|xtrace" "$XT_RC:$XT_OUT"

# --- numaid: the NUMA node of the CPU the probe runs on (sysfs says which)
cpu=$(($(nproc) - 1))
node=$(basename "$(ls -d /sys/devices/system/cpu/cpu$cpu/node* 2>/dev/null | head -1)" | sed 's/^node//')
if [ -n "$node" ] && command -v taskset >/dev/null; then
	xt -q -c "taskset -c $cpu $G 2" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[cpu, numaid] = count(); }'
	expect_eq "numaid: CPU $cpu is on node $node" "0:@[$cpu, $node]: 2" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
else
	echo "# numaid: no node in /sys/devices/system/cpu/cpu$cpu or no taskset, not checked"
fi

# --- strftime's %f: the microseconds, six digits
xt -q -e 'begin { $t = nsecs; printf("%s %s %s\n", strftime("%f", $t), strftime("%f", $t + 123456000), strftime("%%f|%S.%f", 1500000)); }'
read -r f1 f2 f3 <<<"$XT_OUT"
if [ "$XT_RC" = 0 ] && [[ $f1 =~ ^[0-9]{6}$ ]] && [[ $f2 =~ ^[0-9]{6}$ ]] &&
	[ $(((10#$f2 - 10#$f1 + 1000000) % 1000000)) = 123456 ] && [[ $f3 =~ ^%f\|[0-9]{2}\.[0-9]{6}$ ]]; then
	pass "strftime %f: six digits, 123456000 ns later is 123456 us later"
else
	fail "strftime %f" "rc $XT_RC: $XT_OUT"
fi

# --- offsetof with nested members of a kernel struct (bpftrace 0.23)
xt -q -e 'begin { print(offsetof(struct task_struct, se.vruntime) == offsetof(struct task_struct, se) + offsetof(struct sched_entity, vruntime)); print(offsetof(struct task_struct, se.load.weight) - offsetof(struct task_struct, se.load)); }'
expect_eq "offsetof(struct task_struct, se.vruntime), se.load.weight" "0:true
0" "$XT_RC:$XT_OUT"

# --- system() with -f json: one syscall record per command (as bpftrace 0.17 and 0.26)
raw -q -f json --unsafe -e 'begin { system("true"); system("printf \"a\\tb\\n\""); printf("after\n"); }'
expect_eq "system() in JSON: syscall records" '0:{"type": "syscall", "data": ""}
{"type": "syscall", "data": "a\tb\n"}
{"type": "printf", "data": "after\n"}' "$R_RC:$R_OUT"
raw -q --unsafe -e 'begin { system("printf \"a\\tb\\n\""); printf("after\n"); }'
expect_eq "system() in text: the output as is" "0:a	b
after" "$R_RC:$R_OUT"

# --- -c with -p: a usage error (bpftrace: "Cannot use both -c and -p")
raw -p $$ -c "$G 1" -e 'begin { }'
expect_eq "-c with -p" "1::xtrace: -c and -p cannot go together: trace a command xtrace starts, or a running process" "$R_RC:$R_OUT:$R_ERR"

# --- -d: each stage's own output
raw -q -d ast -e 'begin { @a = 1; }'
expect_eq "-d ast: the AST as parsed, without types" "0:(program
  (probe
    (attach \"begin\")
    (block
      (assign =
        (map \"a\")
        (int 1)))))" "$R_RC:$R_ERR"
raw -q -d codegen-opt -e 'begin { @a = 1; }'
expect_match "-d codegen-opt: the optimised IR" '^define .*@probe_0\(' "$R_ERR"
raw -q -d libbpf -e 'begin { @a = 1; }'
expect_match "-d libbpf: libbpf's messages" '^libbpf: ' "$R_ERR"
raw -q -d all -e 'begin { @a = 1; }'
got=$(printf '%s\n' "$R_ERR" | grep -cE '^\(program$|^define .*@probe_0\(|^processed [0-9]+ insns|^libbpf: ')
expect_eq "-d all: AST, IR, libbpf and the verifier's log" "0:yes" "$R_RC:$([ "$got" -ge 4 ] && printf '%s\n' "$R_ERR" | grep -q '^libbpf: ' && echo yes)"

# --- BPFTRACE_<KEY> for keys the other tests set only in a block
R_OUT=$(BPFTRACE_MAX_MAP_KEYS=2 timeout 60 "$XTRACE" -q -e 'begin { @m[1] = 1; @m[2] = 2; @m[3] = 3; }' 2>"$XT_TMP/e.err")
expect_eq "BPFTRACE_MAX_MAP_KEYS=2: the third key is refused" "@m[1]: 1
@m[2]: 2|xtrace: 1 map update lost in probe begin (a map was full)" "$(printf '%s\n' "$R_OUT" | grep '^@')|$(tail -1 "$XT_TMP/e.err")"
R_ERR=$(BPFTRACE_LICENSE="Dual MIT/GPL" timeout 60 "$XTRACE" -q -d codegen -e 'config = { license = "GPL" } begin { }' 2>&1)
expect_match "BPFTRACE_LICENSE beats the block's license" '^@_license = .*c"Dual MIT/GPL\\00", section "license"' "$R_ERR"
R_OUT=$(BPFTRACE_STACK_MODE=raw BPFTRACE_ON_STACK_LIMIT=64 BPFTRACE_SHOW_DEBUG_INFO=false timeout 60 "$XTRACE" -q -e 'begin { print(kstack(1)); }' 2>&1)
expect_eq "BPFTRACE_ON_STACK_LIMIT, BPFTRACE_SHOW_DEBUG_INFO taken, BPFTRACE_STACK_MODE=raw applied" "
ADDR" "$(printf '%s\n' "$R_OUT" | sed -E 's/^[0-9a-f]{16}$/ADDR/')"

# --- rawtracepoint: the vmlinux: form; a module's form where one is loaded
NR=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cc -E -P - | tail -1)
xt -q -c "$G 4" -e "rawtracepoint:vmlinux:sys_enter /pid == cpid && args.id == $NR/ { @[probe] = count(); }"
expect_eq "rawtracepoint:vmlinux:sys_enter (probe names it as -l lists it)" "0:@[rawtracepoint:sys_enter]: 4" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -c "$G 3" -e "rawtracepoint:*:sys_enter /pid == cpid && args.id == $NR/ { @[probe] = count(); } rt:vm*:sched_process_ex* /pid == cpid/ { @e[probe] = count(); }"
expect_eq "rawtracepoint:*:NAME and a module glob: vmlinux and the modules with BTF" "0:@[rawtracepoint:sys_enter]: 3
@e[rawtracepoint:sched_process_exec]: 1
@e[rawtracepoint:sched_process_exit]: 1" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
raw -l 'rawtracepoint:*:sched_process_f*'
expect_eq "-l rawtracepoint:*:GLOB" "0:rawtracepoint:sched_process_free
rawtracepoint:sched_process_fork" "$R_RC:$R_OUT"
xt -q -e 'rawtracepoint:*:xt_nosuch { }'
expect_eq "rawtracepoint:*:NAME matching nothing" "1:<stdin>:1:1-25: error: no raw tracepoint 'xt_nosuch' in vmlinux or a module matching '*'
rawtracepoint:*:xt_nosuch { }
~~~~~~~~~~~~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
mod=$(ls /sys/kernel/btf 2>/dev/null | grep -vx vmlinux | head -1)
xt -q -e "rawtracepoint:xt_nomod:foo { }"
expect_eq "rawtracepoint: a module without BTF" "1:<stdin>:1:1-26: error: no kernel module 'xt_nomod' with BTF (see /sys/kernel/btf/)
rawtracepoint:xt_nomod:foo { }
~~~~~~~~~~~~~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
if [ -n "$mod" ] && tp=$(timeout 60 "$XTRACE" -l "rawtracepoint:$mod:*" 2>/dev/null | head -1) && [ -n "$tp" ]; then
	xt -q --dry-run -e "$tp { }"
	expect_eq "rawtracepoint on a module's tracepoint ($tp) loads and attaches" "0:" "$XT_RC:$XT_ERR"
else
	echo "# rawtracepoint:MODULE:NAME: no kernel module with BTF is loaded here (/sys/kernel/btf has only vmlinux), not checked"
fi

# --- usdt:*: and uprobe:*: (bpftrace 0.19): `*` is the files of the -p
# process, of the -c command (its program and the libraries it needs), or of
# every running process; with -p the binary may be left out: usdt::xt:plain
# (a private copy of usdt_ticks and /pid == cpid/: a probe on a file sees
# every process that runs it, and other tests run the same targets meanwhile)
if [ -x "$XT_TARGETS/usdt_ticks" ]; then
	U=$XT_TMP/usdt_ticks
	cp "$XT_TARGETS/usdt_ticks" "$U"
	xt -q -c "$U 3" -e 'usdt:*:xt:tick /pid == cpid/ { @[probe] = count(); } usdt:*:plain /pid == cpid/ { @p = count(); }'
	expect_eq "usdt:*:xt:tick and usdt:*:plain with -c" "0:armed 3 of 3


@[usdt:$U:xt:tick]: 3
@p: 3" "$XT_RC:$XT_OUT"
	hold "$U" 5 wait
	xt_held -p "$HELD_PID" -e 'usdt:*:xt:tick { @[probe] = count(); @s = sum(arg0); } usdt::xt:plain { @p = count(); }'
	expect_eq "usdt:*:xt:tick and usdt::xt:plain with -p" "0:@[usdt:$U:xt:tick]: 5
@p: 5
@s: 10" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
	hold "$U" 4 wait
	if xt_start -e "usdt:*:xt:tick /pid == $HELD_PID/ { @[probe] = count(); }"; then
		release
		wait "$HELD_PID"
		xt_stop
		expect_eq "usdt:*:xt:tick without -p: a running process's file" "0:@[usdt:$U:xt:tick]: 4" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
	else
		release
		fail "usdt:*: without -p: xtrace did not start" "$XT_ERR"
	fi
	hold "$U" 1 wait
	raw -l 'usdt:*:xt:*'
	release
	wait "$HELD_PID"
	expect_eq "-l usdt:*:...: the notes of the files running processes map" "0:usdt:$U:xt:tick
usdt:$U:xt:plain" "$R_RC:$(printf '%s\n' "$R_OUT" | grep -F "usdt:$U:")"
	xt -q -c "$U 3" -e 'usdt:*:xt:nope { }'
	expect_eq "usdt:*: matching nothing" "1:<stdin>:1:1-14: error: no USDT probe xt:nope in the files the -c command runs and needs
usdt:*:xt:nope { }
~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
	xt -q -e 'usdt::xt:plain { }'
	expect_eq "usdt::NS:NAME needs -p" "1:<stdin>:1:1-14: error: a usdt probe without a binary (usdt::PROVIDER:NAME) needs -p PID: it means the files that process maps
usdt::xt:plain { }
~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
else
	echo "# usdt:*: tests/targets/usdt_ticks is not built (needs <sys/sdt.h>), not checked"
fi
LIBC=$(ldd "$G" | awk '$1 ~ /^libc\.so/ { print $3 }')
xt -q -c "$G 3" -e 'uprobe:*:main /pid == cpid/ { @m[probe] = count(); } uprobe:*:syscall /pid == cpid/ { @s[probe] = count(); }'
expect_eq "uprobe:*:FUNC with -c: the program and its libraries" "0:@m[uprobe:$G:main]: 1
@s[uprobe:$LIBC:syscall]: 3" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
hold "$G" 2 wait
xt_held -p "$HELD_PID" -e 'uprobe:*:syscal? { @[func] = count(); }'
expect_eq "uprobe:*:GLOB with -p" "0:@[syscall]: 2" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
xt -q -c "$G 1" -e 'uprobe:*:main+4 { }'
expect_eq "uprobe:*: takes no offset" "1:<stdin>:1:1-15: error: uprobe:*: takes a function name or a glob, not an offset or address
uprobe:*:main+4 { }
~~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"

# --- -l 'struct NAME' (0.17 and 0.26): the kernel's types by name; -lv their C definitions
raw -l 'struct list_h*,union bpf_iter_link_inf*'
expect_eq "-l 'struct GLOB': the names" "0:struct list_head
union bpf_iter_link_info" "$R_RC:$R_OUT"
raw -lv 'struct list_head, enum pid_type'
expect_eq "-lv 'struct list_head', 'enum pid_type': libbpf's C, as bpftrace" "0:struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_TGID = 1,
	PIDTYPE_PGID = 2,
	PIDTYPE_SID = 3,
	PIDTYPE_MAX = 4,
};" "$R_RC:$R_OUT"
raw -lv 'struct xt_nosuch*'
expect_eq "-lv 'struct GLOB' matching nothing" "1::xtrace: no struct in the kernel's BTF matches 'xt_nosuch*'" "$R_RC:$R_OUT:$R_ERR"

# --- 0.17's map layout on request: XTRACE_TEXT_LAYOUT=0.17, XTRACE_JSON_LAYOUT=0.17
prog='begin { @e[1] = 1; delete(@e, 1); @h = hist(2); @n = 1; }'
R_OUT=$(timeout 60 "$XTRACE" -q -e "$prog" | od -c)
expect_eq "0.26: '@h:' and nothing for an empty map" "$(printf '\n\n@h:\n[2, 4)                 1 |%s|\n\n@n: 1\n' "$(printf '%52s' '' | tr ' ' @)" | od -c)" "$R_OUT"
R_OUT=$(XTRACE_TEXT_LAYOUT=0.17 timeout 60 "$XTRACE" -q -e "$prog" | od -c)
expect_eq "XTRACE_TEXT_LAYOUT=0.17: '@h: ' and a blank line for an empty map" "$(printf '\n\n\n@h: \n[2, 4)                 1 |%s|\n\n@n: 1\n' "$(printf '%52s' '' | tr ' ' @)" | od -c)" "$R_OUT"
R_OUT=$(timeout 60 "$XTRACE" -q -f json -e 'begin { @n = 1; }')
expect_eq "JSON: no empty lines before the maps (0.26)" '{"type": "map", "data": {"@n": 1}}' "$R_OUT"
R_OUT=$(XTRACE_JSON_LAYOUT=0.17 timeout 60 "$XTRACE" -q -f json -e 'begin { @n = 1; }')
expect_eq "XTRACE_JSON_LAYOUT=0.17: 0.17's two" '

{"type": "map", "data": {"@n": 1}}' "$R_OUT"

# --- §3 details: sarg* removed (0.25), printf's space flag does nothing (0.26),
# a macro parameter may not take a builtin's name (0.26)
xt -q -e "uprobe:$G:main { print(sarg1); }"
expect_eq "sarg1: gone, and how to read the stack" "1:<stdin>:1:$((${#G} + 22))-$((${#G} + 26)): error: sarg1 is deleted (bpftrace 0.25 removed the sarg builtins)
uprobe:$G:main { print(sarg1); }
$(printf '%*s' $((${#G} + 21)) '')~~~~~
note: read the stack instead: *(uint64 *)(reg(\"sp\") + 16)" "$XT_RC:$XT_ERR"
xt -q -c "$G 1" -e "uprobe:$G:main { printf(\"%d\\n\", *(uint64 *)(reg(\"sp\") + 16) == *(uint64 *)(reg(\"sp\") + 16)); }"
expect_eq "... and the hint compiles and runs" "0:1" "$XT_RC:$XT_OUT"
xt -q -e 'begin { printf("[% d|% 5d|%- 4d|% s|%+d]\n", 7, 8, 9, "a", 4); }'
expect_eq "printf: a space flag does nothing" "0:[7|    8|9   |a|+4]" "$XT_RC:$XT_OUT"
xt -q -e 'macro m(pid) { pid } begin { print(m(1)); }'
expect_eq "a macro parameter named as a builtin" "1:<stdin>:1:9-11: error: macro 'm': parameter pid is a builtin's name: rename it
macro m(pid) { pid } begin { print(m(1)); }
        ~~~" "$XT_RC:$XT_ERR"

# --- BPFTRACE_COLOR=always|never (0.26): colour in diagnostics whatever stderr is
R_ERR=$(BPFTRACE_COLOR=always timeout 60 "$XTRACE" -q -e 'begin { $x; }' 2>&1 | head -1)
expect_eq "BPFTRACE_COLOR=always: red error: into a pipe" "<stdin>:1:9-10: $(printf '\033[1;31merror:\033[0m') variable \$x is used before it is assigned" "$R_ERR"
R_ERR=$(BPFTRACE_COLOR=never timeout 60 "$XTRACE" -q -e 'begin { $x; }' 2>&1 | head -1)
expect_eq "BPFTRACE_COLOR=never" "<stdin>:1:9-10: error: variable \$x is used before it is assigned" "$R_ERR"

# --- options after the script and its parameters (getopt's order, as bpftrace's)
printf 'begin { printf("%%d: %%s %%s\\n", $#, str($1), str($2)); }\n' >"$XT_TMP/args.bt"
raw "$XT_TMP/args.bt" a -q b
expect_eq "xtrace FILE a -q b: -q is xtrace's, a and b the script's" "0::2: a b" "$R_RC:$R_ERR:$R_OUT"
raw -q -e 'begin { printf("%d: %s %s\n", $#, str($1), str($2)); }' -- -5 -q
expect_eq "after --: parameters, even -5 and -q" "0::2: -5 -q" "$R_RC:$R_ERR:$R_OUT"
raw -q "$XT_TMP/args.bt" web -- --limit=3 8
expect_eq "a named option no getopt() takes, after the parameters and --" "1:$XT_TMP/args.bt: error: unexpected program command line options: --limit
note: the program takes no options (getopt)" "$R_RC:$R_ERR"

# --- --no-feature, --mode, -b/--btf (bpftrace 0.20-0.26)
xt -q --no-feature uprobe_multi,kprobe_session -c "$G 4" -e "uprobe:$G:main,uprobe:$G:_start,uprobe:$G:hold_if_asked /pid == cpid/ { @[func] = count(); }"
expect_eq "--no-feature uprobe_multi: one link a site, the same counts" "0:@[_start]: 1
@[hold_if_asked]: 1
@[main]: 1" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"
raw -q --no-feature kprobes -e 'begin { }'
expect_eq "--no-feature: an unknown feature" "1:xtrace: --no-feature: unknown feature 'kprobes' (kprobe_multi, uprobe_multi, kprobe_session)" "$R_RC:$R_ERR"
raw --mode test -e 'test:one { }'
expect_eq "--mode test is --test" "0:[==========] Running 1 tests." "$R_RC:$(printf '%s\n' "$R_OUT" | head -1)"
raw --mode format -e 'begin{}'
expect_eq "--mode format is --fmt" "0:begin
{
}" "$R_RC:$R_OUT"
raw --mode codegen -e 'begin { }'
expect_eq "--mode: the modes xtrace has" "1:xtrace: --mode is test, bench or format (as --test, --bench, --fmt), not 'codegen'" "$R_RC:$R_ERR"
raw -q -b --btf -e 'begin { printf("ok\n"); }'
expect_eq "-b, --btf: accepted, ignored" "0:ok" "$R_RC:$R_OUT"

# --- -f json with --test and --bench: bpftrace 0.26's test_result and benchmark_result records
raw -f json --test -e 'test:adds_up { if (1 + 1 != 2) { return 1; } } test:fails { printf("bad %d\n", 3); return 2; }'
expect_eq "--test -f json: a test_result record a test, exit 1 on a failure" '1:{"type": "test_result", "data": {"adds_up": {"duration": T, "passed": true, "output": ""}}}
{"type": "test_result", "data": {"fails": {"duration": T, "passed": false, "output": "bad 3\n"}}}' "$R_RC:$(printf '%s\n' "$R_OUT" | sed -E 's/"duration": [0-9]+/"duration": T/')"
raw -q -f json --bench -e 'bench:lookup { @m[1] = 1; }'
expect_match "--bench -f json: a benchmark_result record" '^\{"type": "benchmark_result", "data": \{"lookup": \{"average": [0-9]+, "iters": [1-9][0-9]*\}\}\}$' "$R_OUT"

# --- debugf() (bpftrace 0.17 on): bpf_trace_printk into the kernel's trace buffer
TR=/sys/kernel/tracing
[ -r $TR/trace ] || TR=/sys/kernel/debug/tracing
if [ -r $TR/trace ]; then
	call="debugf(\"xt-dbg-$$ %d %s %u\\n\", -5, comm, (uint8)200)"
	xt -q -e "begin { $call; }"
	expect_eq "debugf: the warning bpftrace gives" "0:<stdin>:1:9-$((8 + ${#call})): warning: The debugf() builtin is not recommended for production use. For more information see bpf_trace_printk in bpf-helpers(7)." "$XT_RC:$(printf '%s\n' "$XT_ERR" | head -1)"
	expect_eq "debugf: the line in the trace buffer" "bpf_trace_printk: xt-dbg-$$ -5 xtrace 200" "$(grep -o "bpf_trace_printk: xt-dbg-$$ .*" $TR/trace | tail -1)"
else
	echo "# debugf: no tracefs here, the trace buffer not checked"
fi
xt -q -e 'begin { debugf("%d %d %d %d", 1, 2, 3, 4); }'
expect_eq "debugf: at most 3 arguments" "1:<stdin>:1:9-41: error: debugf() takes at most 3 arguments (bpf_trace_printk's limit)" "$XT_RC:$(printf '%s\n' "$XT_ERR" | head -1)"

# --- bpftrace 0.25's compile-time stdlib helpers: type questions, strcap, default_str_length, assert_str
xt -q -e 'begin { $u = (uint8)1; $t = curtask; print((is_integer(1), is_integer("a"), is_unsigned_integer($u), is_unsigned_integer(-1), is_ptr(curtask), is_ptr(1), is_str(comm), is_str(1), is_array($t->signal->rlim), is_array(1), is_literal(1), is_literal($u))); print((strcap(comm), strcap("abc"), default_str_length)); assert_str(comm); }'
expect_eq "is_integer .. is_literal, strcap, default_str_length" "0:(true, false, true, false, true, false, true, false, true, false, true, false)
(16, 4, 1024)" "$XT_RC:$XT_OUT"
xt -q -e 'config = { max_strlen = 64 } begin { print(default_str_length()); }'
expect_eq "default_str_length follows max_strlen" "0:64" "$XT_RC:$XT_OUT"
xt -q -e 'begin { assert_str(pid); }'
expect_eq "assert_str of a number" "1:<stdin>:1:20-22: error: assert_str(): expected a string, not uint32
begin { assert_str(pid); }
                   ~~~" "$XT_RC:$XT_ERR"
xt -q -e 'begin { print((kfunc_exist(bpf_task_from_pid), kfunc_exist("bpf_task_release"), kfunc_exist(vfs_read), kfunc_exist(xt_nosuch))); }'
expect_eq "kfunc_exist: kfuncs by the kernel's bpf_kfunc tag" "0:(true, true, false, false)" "$XT_RC:$XT_OUT"
# kfunc_allowed: asked of the verifier for the probe's program type. On this
# kernel (6.18) the common kfuncs (bpf_rcu_read_lock) serve every type;
# bpf_task_acquire serves tracepoint programs but not raw tracepoints (begin
# runs as one); a function that is no kfunc, or none, is never allowed.
xt -q -e 'begin { print((kfunc_allowed(bpf_rcu_read_lock), kfunc_allowed("bpf_task_acquire"), kfunc_allowed(vfs_read), kfunc_allowed(xt_nosuch))); }'
expect_eq "kfunc_allowed in begin (a raw tracepoint program)" "0:(true, false, false, false)" "$XT_RC:$XT_OUT"
xt -q -c "$(realpath "$XT_TARGETS/getppid_loop") 1" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { print((kfunc_allowed(bpf_rcu_read_lock), kfunc_allowed(bpf_task_acquire))); }'
expect_eq "kfunc_allowed in a tracepoint program" "0:(true, true)" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep .)"
xt -q -e 'fentry:vfs_read { print(kfunc_allowed(bpf_task_acquire)); }'
expect_match "kfunc_allowed in fentry: refused, with the reason" "kfunc_allowed\(\) is answered in probes of every kind but fentry|refuses to load fentry" "$XT_ERR"

# --- config unstable_tseries (bpftrace 0.26): warn once by default, error, enable
W="warning: Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable"
xt -q -e 'begin { @t = tseries(1, 1s, 2); @u = tseries(2, 1s, 2); }'
expect_eq "tseries: the unstable-feature warning, once" "0:1:<stdin>:1:14-30: $W" "$XT_RC:$(printf '%s\n' "$XT_ERR" | grep -c unstable):$(printf '%s\n' "$XT_ERR" | head -1)"
xt -q -e 'config = { unstable_tseries = enable } begin { @t = tseries(1, 1s, 2); }'
expect_eq "unstable_tseries = enable: quiet" "0:" "$XT_RC:$XT_ERR"
xt -q -e 'config = { unstable_tseries = error } begin { @t = tseries(1, 1s, 2); }'
expect_eq "unstable_tseries = error: refused" "1:<stdin>:1:52-68: error: Script is using an unstable feature: tseries. To use it you must explicitly enable it in the config e.g. unstable_tseries=enable" "$XT_RC:$(printf '%s\n' "$XT_ERR" | head -1)"
XT_ERR=$(BPFTRACE_UNSTABLE_TSERIES=enable timeout 60 "$XTRACE" -q -e 'begin { @t = tseries(1, 1s, 2); }' 2>&1 >/dev/null)
expect_eq "BPFTRACE_UNSTABLE_TSERIES=enable" "" "$XT_ERR"
finish
