#!/usr/bin/env bash
# percpu_kaddr(name[, cpu]): the address of a per-CPU kernel variable, from
# the kernel (a typed __ksym for bpf_per_cpu_ptr/bpf_this_cpu_ptr). Checked
# against what the variables hold: each CPU's run queue (struct rq) knows its
# own CPU number, and cpu_number is that number. The kernel's verifier looks
# a __ksym up in kallsyms: a kernel whose kallsyms lists no variables
# (without CONFIG_KALLSYMS_ALL) cannot run it, which xtrace says in one
# sentence; then what can be checked is (the sentence, libbpf resolving the
# externs from BTF, the kernel's own refusal, the mistakes), and the rest
# is skipped with the reason.
. "$(dirname "$0")/lib.sh"
need_root

mistakes() {
	xt -e 'begin { printf("%d\n", percpu_kaddr("no_such_var")); }'
	expect_eq "no such variable" "1:<stdin>:1:37-49: error: percpu_kaddr(): the kernel has no per-CPU variable 'no_such_var'
begin { printf(\"%d\\n\", percpu_kaddr(\"no_such_var\")); }
                                    ~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
	xt -e 'begin { $v = "runqueues"; printf("%d\n", percpu_kaddr($v)); }'
	expect_match "the name is a string literal" "error: percpu_kaddr\(\) needs a per-CPU kernel variable's name as a string literal" "$XT_ERR"
	xt -e 'begin { printf("%d\n", percpu_kaddr("runqueues", "x")); }'
	expect_match "cpu is an integer" "error: percpu_kaddr\(\)'s cpu is an integer, not" "$XT_ERR"
}

xt -e 'begin { printf("%d\n", percpu_kaddr("runqueues", 0) != 0); }'
if [ "$XT_RC" != 0 ]; then
	expect_eq "a kernel without variables in kallsyms: one sentence" "1:<stdin>:1:24-51: error: percpu_kaddr(): this kernel cannot give BPF programs the address of 'runqueues': it looks per-CPU variables up in /proc/kallsyms, which lists no variables here (the kernel is built without CONFIG_KALLSYMS_ALL)
begin { printf(\"%d\\n\", percpu_kaddr(\"runqueues\", 0) != 0); }
                       ~~~~~~~~~~~~~~~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
	# past the check: libbpf finds each variable in the kernel's BTF (a
	# struct, an int, an unsigned long), the kernel's verifier then refuses
	XTRACE_ASSUME_KSYMS=1 xt -v -e 'begin { printf("%d\n", ((struct rq *)percpu_kaddr("runqueues", 1))->cpu + *(int32 *)percpu_kaddr("cpu_number") + percpu_kaddr("process_counts")); }'
	expect_eq "libbpf resolves the typed __ksym externs from BTF" "extern (var ksym) 'cpu_number': resolved to
extern (var ksym) 'process_counts': resolved to
extern (var ksym) 'runqueues': resolved to" "$(printf '%s\n' "$XT_ERR" | grep -o "extern (var ksym) '[a-z_]*': resolved to" | sort)"
	expect_match "then the kernel's own refusal" "ldimm64 failed to find the address for kernel symbol 'runqueues'" "$XT_ERR"
	mistakes
	[ "$XT_FAILS" = 0 ] && skip "this kernel's kallsyms lists no variables: BPF programs cannot have per-CPU variables' addresses"
	finish
fi

N=$(nproc --all)
expected=
for ((c = 0; c < N; c++)); do expected+="$c $c 1"$'\n'; done
xt -e 'begin { $i = 0; while ($i < ncpus) { $rq = percpu_kaddr("runqueues", $i);
	printf("%d %d %d\n", $i, ((struct rq *)$rq)->cpu, $rq != 0 && $rq != percpu_kaddr("runqueues", ($i + 1) % ncpus)); $i++; } }'
expect_eq "percpu_kaddr(\"runqueues\", cpu): each CPU's own run queue" "0:${expected%$'\n'}" "$XT_RC:$XT_OUT"

xt -e 'begin { printf("%d %d\n", ((struct rq *)percpu_kaddr("runqueues"))->cpu == cpu,
	percpu_kaddr("runqueues") == percpu_kaddr("runqueues", cpu)); }'
expect_eq "percpu_kaddr(\"runqueues\"): this CPU's" "0:1 1" "$XT_RC:$XT_OUT"

xt -e 'begin { printf("%d\n", percpu_kaddr("runqueues", 1000000)); }'
expect_eq "a CPU past the last: 0" "0:0" "$XT_RC:$XT_OUT"

# an int variable: the kernel's own CPU number, per CPU, also in a tracepoint
G=$XT_TARGETS/getppid_loop
xt -q -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @same = count(); @ok[*(int32 *)percpu_kaddr("cpu_number") == cpu] = count(); }' -c "$G 5"
expect_eq "percpu_kaddr(\"cpu_number\") in a tracepoint: the CPU it runs on" "0:@ok[1]: 5
@same: 5" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@' | sort)"

mistakes
finish
