#!/usr/bin/env bash
# Probe types of bpftrace 0.26 (issue 11): self:signal:SIGUSR1, which runs
# on each SIGUSR1 (a program without one keeps 0.17's map print), and
# iterators (iter:task, iter:task_file).
. "$(dirname "$0")/lib.sh"
need_root

# wait_lines N: until xtrace's output (bg.out) has N lines, 30 s at most
wait_lines() {
	local end=$((SECONDS + 30))
	while (($(wc -l <"$XT_TMP/bg.out") < $1)) && ((SECONDS < end)); do sleep 0.02; done
}

if xt_start -e 'self:signal:SIGUSR1 { printf("usr1 %s %s\n", probe, probetype); @n = count(); }'; then
	kill -USR1 "$XT_PID"
	wait_lines 1
	kill -USR1 "$XT_PID"
	wait_lines 2
	xt_stop
	expect_eq "self:signal:SIGUSR1 runs on each SIGUSR1, and no map print then" "0:usr1 self:signal:SIGUSR1 special
usr1 self:signal:SIGUSR1 special


@n: 2" "$XT_RC:$XT_OUT"
else
	fail "self:signal:SIGUSR1: xtrace did not start" "$XT_ERR"
fi
if xt_start -e 'begin { @a = 5; } interval:s:100 { }'; then
	kill -USR1 "$XT_PID"
	wait_lines 1
	xt_stop
	expect_eq "without a self probe SIGUSR1 prints the maps (0.17)" "0:@a: 5


@a: 5" "$XT_RC:$XT_OUT"
else
	fail "SIGUSR1 map print: xtrace did not start" "$XT_ERR"
fi
if xt_start -e 'begin { printf("x\n"); } self:signal:SIGUSR1 { printf("bye\n"); exit(); }'; then
	wait_lines 1
	kill -0 "$XT_PID" 2>/dev/null && running=yes || running=no
	kill -USR1 "$XT_PID"
	xt_wait
	expect_eq "a begin program with a self probe does not end by itself; its self probe's exit() ends it" "yes:0:x
bye" "$running:$XT_RC:$XT_OUT"
else
	fail "begin + self: xtrace ended before SIGUSR1" "$XT_ERR"
fi
xt -e 'self:signal:SIGUSR2 { }'
expect_eq "self takes SIGUSR1 only" "1:<stdin>:1:1-19: error: self probes are self:signal:SIGUSR1 only (the one signal they can take), not self:signal:SIGUSR2
self:signal:SIGUSR2 { }
~~~~~~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
# iterators: the kernel's BTF names them; this kernel loads iterator
# programs, but xtrace does not run them yet: one honest error each
xt -e 'iter:task { printf("%d\n", ctx->task->pid); }'
expect_eq "iter:task: refused with the reason" "1:<stdin>:1:1-9: error: iter:task: xtrace does not run BPF iterators (it loads no iterator programs yet)
iter:task { printf(\"%d\\n\", ctx->task->pid); }
~~~~~~~~~" "$XT_RC:$XT_ERR"
xt -e 'it:task_file { }'
expect_eq "it:task_file: the alias, refused with the reason" "1:<stdin>:1:1-12: error: iter:task_file: xtrace does not run BPF iterators (it loads no iterator programs yet)
it:task_file { }
~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
xt -e 'iter:nosuch { }'
expect_eq "iter: an iterator the kernel does not have" "1:<stdin>:1:1-11: error: this kernel has no iterator 'nosuch' (no bpf_iter_nosuch in its BTF)
iter:nosuch { }
~~~~~~~~~~~" "$XT_RC:$XT_ERR"
xt -l 'iter:task*'
expect_eq "-l iter:task*" "0:iter:task
iter:task_file
iter:task_vma" "$XT_RC:$XT_OUT"
finish
