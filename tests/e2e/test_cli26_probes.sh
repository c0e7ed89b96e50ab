#!/usr/bin/env bash
# Probe types of bpftrace 0.26 (issue 11): self:signal:SIGUSR1, which runs
# on each SIGUSR1 (a program without one keeps 0.17's map print), and
# iterators' names (iter:task, iter:task_file; test_iter.sh runs them).
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
# --test: test:NAME probes one by one, bpftrace's report (the time of each
# is measured: shown here as T); a test fails by returning non-zero or by
# exit() with a non-zero status, and shows what it printed
xt --test -e 'test:adds_up { if (1 + 1 != 2) { return 1; } } test:fails { printf("bad %d\n", 3); return 2; } test:exits { exit(3); } begin { printf("not run\n"); } test:quiet { @n = 1; }'
expect_eq "--test: passes and failures" "1:[==========] Running 4 tests.
[ RUN      ] adds_up
[       OK ] adds_up (T ns)
[ RUN      ] fails
bad 3
returned 2
[  FAILED  ] fails (T ns)
[ RUN      ] exits
exit(3)
[  FAILED  ] exits (T ns)
[ RUN      ] quiet
[       OK ] quiet (T ns)
[==========] 4 tests ran.
[  PASSED  ] 2 tests.
[  FAILED  ] 2 tests, listed below:
[  FAILED  ] fails
[  FAILED  ] exits" "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed -E 's/\([0-9]+ ns\)/(T ns)/')"
xt --test -e 'test:one { $x = 2; if ($x + 1 != 3) { return 1; } }'
expect_eq "--test: all pass, exit 0" "0:[==========] Running 1 tests.
[ RUN      ] one
[       OK ] one (T ns)
[==========] 1 test ran.
[  PASSED  ] 1 test." "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed -E 's/\([0-9]+ ns\)/(T ns)/')"
xt -q -e 'test:t { printf("test ran\n"); } bench:b { printf("bench ran\n"); } begin { printf("b\n"); }'
expect_eq "without --test/--bench they do not run, and the program ends after begin" "0:b" "$XT_RC:$XT_OUT"
xt --test -e 'begin { }'
expect_eq "--test without tests" "1:xtrace: --test: the program has no test:NAME probes" "$XT_RC:$XT_ERR"
xt -e 'test:t { } test:t { }'
expect_eq "test names are unique" "1:<stdin>:1:12-17: error: test:t is defined twice: test and bench names are unique
test:t { } test:t { }
           ~~~~~~" "$XT_RC:$XT_ERR"
# --bench: each bench:NAME runs about 100 ms (at most 100,000 times)
xt --bench -e 'bench:lookup { @m[1] = 1; $v = @m[1]; } bench:a_benchmark_name_longer_than_forty_characters { }'
shape=$(printf '%s\n' "$XT_OUT" | sed -E 's/ +[0-9]+ +[0-9]+$/ N N/')
expect_eq "--bench: bpftrace's table" "0:Benchmark                                     Time(ns)       Iterations
-----------------------------------------------------------------------
lookup N N
a_benchmark_name_longer_than_forty_characters N N" "$XT_RC:$shape"
expect_match "--bench: columns" "^lookup {40}[0-9]+ +[1-9][0-9]*$" "$XT_OUT"

# named probes (bpftrace 0.25): probe and --probe-filter see the name
G=$(realpath "$XT_TARGETS/getppid_loop")
xt -q -e 'mine=tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[probe, probetype] = count(); } start=begin { printf("%s\n", probe); }' -c "$G 3"
expect_eq "a named probe: probe prints its name" "0:start


@[mine, tracepoint]: 3" "$XT_RC:$XT_OUT"
xt -q --probe-filter '^mine$' -e 'mine=tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @a = count(); } tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @b = count(); }' -c "$G 2"
expect_eq "--probe-filter matches a probe's name" "0:@a: 2" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@a')"
xt -e 'a-b=begin { }'
expect_eq "a probe's name is an identifier" "1:<stdin>:1:1-3: error: a probe's name is an identifier, not 'a-b'
a-b=begin { }
~~~" "$XT_RC:$XT_ERR"
# quoted attach-point fields
xt -q -e "uprobe:\"$G\":\"main\" { @m = count(); } tracepoint:\"syscalls\":\"sys_enter_getppid\" /pid == cpid/ { @t = count(); }" -c "$G 2"
expect_eq "quoted fields: uprobe:\"FILE\":\"FUNCTION\", tracepoint:\"CAT\":\"NAME\"" "0:@m: 1
@t: 2" "$XT_RC:$(printf '%s\n' "$XT_OUT" | grep '^@')"

# iterators: the kernel's BTF names them (test_iter.sh runs them)
xt -e 'iter:nosuch { }'
expect_eq "iter: an iterator the kernel does not have" "1:<stdin>:1:1-11: error: this kernel has no iterator 'nosuch' (no bpf_iter_nosuch in its BTF)
iter:nosuch { }
~~~~~~~~~~~" "$XT_RC:$XT_ERR"
xt -l 'iter:task*'
expect_eq "-l iter:task*" "0:iter:task
iter:task_file
iter:task_vma" "$XT_RC:$XT_OUT"
finish
