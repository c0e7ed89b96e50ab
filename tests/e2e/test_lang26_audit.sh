#!/usr/bin/env bash
# Audit of issue 11's language items (begin/end and auto-exit, let and
# scoping, loops, bool/tuples/records, block and if expressions, literals,
# map declarations): the forms and edge cases a bpftrace 0.26 user would
# write that the other lang26 tests leave out, each with its exact output.
. "$(dirname "$0")/lib.sh"
need_root

# ok NAME PROGRAM [ARGS...] <<< EXPECTED-STDOUT: exit 0, that output, no stderr
ok() {
	local name=$1 prog=$2 want
	shift 2
	want=$(cat)
	xt -q -e "$prog" "$@"
	expect_eq "$name" "0:$want:" "$XT_RC:$XT_OUT:$XT_ERR"
}

# bad NAME PROGRAM <<< EXPECTED-STDERR: exit 1 and exactly that diagnostic
bad() {
	local name=$1 prog=$2 want
	want=$(cat)
	xt -q -e "$prog"
	expect_eq "$name" "1:$want" "$XT_RC:$XT_ERR"
}

# begin/end in any case: `probe` is begin/end for every spelling (bpftrace
# 0.26); XTRACE_PROBE_NAMES=0.17 keeps 0.17's BEGIN/END for those spellings
ok "probe in begin/end probes of every spelling" 'BEGIN { print(probe); } Begin { print(probe); } bEgIn { printf("%s\n", probe); } END { print(probe); } eNd { print(probe); }' <<'E'
begin
begin
begin
end
end
E
XT_PROBE_017=$(XTRACE_PROBE_NAMES=0.17 "$XTRACE" -q -e 'BEGIN { print(probe); } begin { print(probe); } END { print(probe); } End { print(probe); }' 2>&1)
expect_eq "XTRACE_PROBE_NAMES=0.17: BEGIN and END as 0.17 printed them" "BEGIN
begin
END
end" "$XT_PROBE_017"

# auto-exit needs every probe to be begin/end: with a self probe the
# program waits (here for the SIGUSR1 that runs it, which exits)
if xt_start -e 'begin { printf("b\n"); } end { printf("e\n"); } self:signal:SIGUSR1 { printf("u\n"); exit(); }'; then
	kill -USR1 "$XT_PID"
	xt_wait
	expect_eq "begin/end and a self probe: no auto-exit, the signal's probe ends it" "0:b
u
e" "$XT_RC:$XT_OUT"
else
	fail "begin/end and a self probe: xtrace did not start" "$XT_ERR"
fi
xt -q -e 'BEGIN { printf("a\n"); } End { printf("z\n"); } begin { @n = 1; } END { @n++; }'
expect_eq "upper, lower and mixed-case begin/end only: runs all, exits 0" "0:a
z


@n: 2" "$XT_RC:$XT_OUT"

# Range loops with constant bounds: a long one, or short ones nested, runs
# from bpf_loop as a run-time bound does (the verifier gave up walking them:
# "the sequence of 8193 jumps is too complex")
xt -q -e 'begin { for $i : 0..10000 { printf("%d\n", $i); } }'
expect_eq "for 0..10000 with printf: every line" "0:10000:0:9999" \
	"$XT_RC:$(printf '%s\n' "$XT_OUT" | grep -c .):$(printf '%s\n' "$XT_OUT" | sed -n '1p;$p' | paste -sd:)"
ok "for 0..10000 updating a map" 'begin { for $i : 0..10000 { @a[$i % 10] = $i; } print(len(@a)); print(@a[3]); clear(@a); }' <<'E'
10
9993
E
ok "nested constant ranges, 200 x 200, with a branch and an aggregation" 'begin { for $i : 0..200 { for $j : 0..200 { if ($j % 7 == 0) { @c = count(); } } } }' <<'E'


@c: 5800
E
ok "constant ranges inside unroll, and short ones nested inline" 'begin { unroll(10) { for $i : 0..10 { @c = count(); } } $s = 0; for $i : (-2)..3 { for $j : 0..3 { $s += $i * $j; } } print($s); }' <<'E'
0


@c: 100
E
# the iterations are the range's whatever the body does to $i, in a loop
# the verifier follows and in a bpf_loop one alike (0 2 4 and 0 2 4 6 8 before)
ok "assigning the loop variable leaves the iterations alone" 'begin { for $i : 0..5 { printf("%d ", $i); $i += 1; } @n = 5; for $i : 0..@n { printf("%d ", $i); $i = 100; } for $i : 0..100 { if ($i % 10 != 3) { continue; } printf("%d ", $i); $i = 1000; } printf("\n"); @n = 2; for $i : (-3)..@n { printf("%d ", $i); } printf("\n"); delete(@n); }' <<'E'
0 1 2 3 4 0 1 2 3 4 3 13 23 33 43 53 63 73 83 93 
-3 -2 -1 0 1 
E
# break and continue apply to the innermost loop, inlined or in callbacks
ok "break and continue in nested loops of each kind" 'begin { for $i : 0..4 { for $j : 0..4 { if ($j == 2) { break; } if ($i == 1) { continue; } printf("%d%d ", $i, $j); } if ($i == 2) { break; } } printf("\n"); @n = 4; for $i : 0..@n { for $j : 0..@n { if ($j == 2) { break; } if ($i == 1) { continue; } printf("%d%d ", $i, $j); } if ($i == 2) { break; } } printf("\n"); @m[1] = 1; @m[2] = 2; @m[3] = 3; for ($kv : @m) { for $j : 0..5 { if ($j == 1) { break; } @s += $kv.1; } if ($kv.0 == 2) { continue; } @t += 1; } }' <<'E'
00 01 20 21 
00 01 20 21 


@m[1]: 1
@m[2]: 2
@m[3]: 3
@n: 4
@s: 6
@t: 2
E
ok "return inside nested run-time loops ends the probe, end still runs" 'begin { @n = 10; for $i : 0..@n { for $j : 0..@n { if ($j == 1) { break; } if ($i == 2) { return; } printf("%d%d ", $i, $j); } } printf("never\n"); } end { printf("end\n"); delete(@n); }' <<'E'
00 10 end
E

# a literal range run from bpf_loop still reads the probe's context, and
# exit() in it ends the probe
G=$(realpath "$XT_TARGETS/getppid_loop")
NR=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cc -E -P - | tail -1)
xt -q -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { for $i : 0..100 { @n[args.__syscall_nr, probe] = count(); } }' -c "$G 3"
expect_eq "for 0..100 in a traced probe: args and probe in the body" "0:

@n[$NR, tracepoint:syscalls:sys_enter_getppid]: 300:" "$XT_RC:$XT_OUT:$XT_ERR"
ok "exit() inside a literal range of 100" 'begin { for $i : 0..100 { if ($i == 50) { printf("exit at %d\n", $i); exit(); } } printf("not reached\n"); }' <<'E'
exit at 50
E

bad "a literal range longer than bpf_loop runs" 'begin { $s = 0; for $i : 0..10000000 { $s++; } print($s); }' <<'E'
<stdin>:1:26-36: error: a range of 10000000 iterations: one loop runs at most 8388608 (the kernel's BPF_MAX_LOOPS)
begin { $s = 0; for $i : 0..10000000 { $s++; } print($s); }
                         ~~~~~~~~~~~
E
ok "a literal range of exactly BPF_MAX_LOOPS" 'begin { $s = 0; for $i : (-3)..8388605 { $s++; } print($s); }' <<'E'
8388608
E

# let with a type: a wider integer value (not only a literal) is an error,
# as bpftrace's "Integer size mismatch"; literals inside if-expressions,
# blocks and ?: are checked as a bare literal is
bad "let: a wider variable into a declared int8" 'begin { let $x: int8; $y = (int64)1000; $x = $y; print($x); }' <<'E'
<stdin>:1:46-47: error: integer size mismatch: assigning int64 to $x, which is declared int8; a cast, as in (int8)..., converts it
begin { let $x: int8; $y = (int64)1000; $x = $y; print($x); }
                                             ~~
E
bad "let: a uint32 builtin into a declared uint16" 'begin { let $x: uint16 = pid; }' <<'E'
<stdin>:1:26-28: error: integer size mismatch: assigning uint32 to $x, which is declared uint16; a cast, as in (uint16)..., converts it
begin { let $x: uint16 = pid; }
                         ~~~
E
bad "let: a literal in an if-expression's else if" 'begin { let $x: int8 = if (pid > 1) { 1 } else if (pid == 0) { 2 } else { 200 }; }' <<'E'
<stdin>:1:75-77: error: the value 200 does not fit in $x's type int8; a cast, as in (int8)200, converts it
begin { let $x: int8 = if (pid > 1) { 1 } else if (pid == 0) { 2 } else { 200 }; }
                                                                          ~~~
E
bad "let: a literal ending a block" 'begin { let $q: uint8 = { 300 }; }' <<'E'
<stdin>:1:27-29: error: the value 300 does not fit in $q's type uint8; a cast, as in (uint8)300, converts it
begin { let $q: uint8 = { 300 }; }
                          ~~~
E
bad "a variable that took a uint8: a literal in ?:" 'begin { $x = (uint8)1; $x = pid > 0 ? 1000 : 2; }' <<'E'
<stdin>:1:39-42: error: the value 1000 does not fit in $x's type uint8; a cast, as in (uint8)1000, converts it
begin { $x = (uint8)1; $x = pid > 0 ? 1000 : 2; }
                                      ~~~~
E
ok "let: casts, narrower values, arithmetic and fitting literals" 'begin { let $a: uint16 = (uint16)pid; let $b: uint32 = pid; let $c: int16 = 1; $c = $c + (int64)5; let $d: int64 = (int8)-3; let $z: uint8 = if ($c == 6) { 255 } else { 0 }; print(($a == (uint16)pid, $b == pid, $c, $d, $z)); }' <<'E'
(true, true, 6, -3, 255)
E

# `let $x;` starts at zero (BPFTRACE-0.26.md 2.4): a compound assignment
# reads that zero, with the warning a read gives (it was an error)
xt -q -e 'begin { for $i : 0..3 { let $x; $x += $i + 1; printf("%d ", $x); } printf("\n"); }'
expect_eq "let \$x; \$x += e: from zero" "0:1 2 3 :<stdin>:1:33-34: warning: variable \$x is used before it was assigned
begin { for \$i : 0..3 { let \$x; \$x += \$i + 1; printf(\"%d \", \$x); } printf(\"\\n\"); }
                                ~~" "$XT_RC:$XT_OUT:$XT_ERR"
bad "let \$s; \$s += a string" 'begin { let $s; $s += "a"; }' <<'E'
<stdin>:1:17-25: error: operator += needs an integer; $s, not assigned yet, is zero and it is given string[2]
begin { let $s; $s += "a"; }
                ~~~~~~~~~
E

# let's types of BPFTRACE-0.26.md 2.4: inet is ntop()'s result
ok "let \$a: inet" 'begin { let $a: inet = ntop(pton("127.0.0.1")); print($a); let $b: inet; $b = ntop(pton("::1")); printf("%s %s\n", $a, $b); }' <<'E'
127.0.0.1
127.0.0.1 ::1
E

# a variable declared with a type but no value warns as an untyped one does
xt -q -e 'begin { let $x: int32; print($x); let $y: uint8; $y++; let $z: int64; if (pid > 0) { $z = 2; } print(($y, $z)); }'
expect_eq "let \$x: T; read before any value, never assigned" "0:0
(1, 2)

<stdin>:1:30-31: warning: variable \$x is used before it was assigned
begin { let \$x: int32; print(\$x); let \$y: uint8; \$y++; let \$z: int64; if (pid > 0) { \$z = 2; } print((\$y, \$z)); }
                             ~~
<stdin>:1:13-14: warning: variable \$x was never assigned to
begin { let \$x: int32; print(\$x); let \$y: uint8; \$y++; let \$z: int64; if (pid > 0) { \$z = 2; } print((\$y, \$z)); }
            ~~" "$XT_RC:$XT_OUT

$XT_ERR"

# BPFTRACE-0.26.md 2.5: a variable index out of range reads 0 and warns at run time
xt -q -e 'begin { $a = (uint8[4])(uint32)0x01020304; $i = 5; print($a[$i]); $i = 2; print($a[$i]); $s = "abc"; $i = 7; print($s[$i]); }'
expect_eq "an index out of range: 0 and a run-time warning, each time" "0:0
2
0

<stdin>:1:58-63: warning: Array access out of bounds. This can lead to unexpected results.
begin { \$a = (uint8[4])(uint32)0x01020304; \$i = 5; print(\$a[\$i]); \$i = 2; print(\$a[\$i]); \$s = \"abc\"; \$i = 7; print(\$s[\$i]); }
                                                         ~~~~~~
<stdin>:1:116-121: warning: Array access out of bounds. This can lead to unexpected results.
begin { \$a = (uint8[4])(uint32)0x01020304; \$i = 5; print(\$a[\$i]); \$i = 2; print(\$a[\$i]); \$s = \"abc\"; \$i = 7; print(\$s[\$i]); }
                                                                                                                   ~~~~~~" "$XT_RC:$XT_OUT

$XT_ERR"
xt -q -f json -e 'begin { $s = "abc"; $i = 7; print($s[$i]); }'
expect_eq "an index out of range in JSON: a runtime_error record" '0:{"type": "runtime_error", "msg": "Array access out of bounds. This can lead to unexpected results.", "filename": "stdin", "line": 1, "col": 35}
{"type": "value", "data": 0}' "$XT_RC:$XT_OUT"

# map declarations: percpuarray holds one value (two printed "@m: 0" and "@m: 1")
bad "percpuarray(2): one entry only" 'let @m = percpuarray(2); begin { @m = count(); }' <<'E'
<stdin>:1:22: error: max entries can only be 1 for map type percpuarray
let @m = percpuarray(2); begin { @m = count(); }
                     ~
E
# a declared size beyond max_map_keys (4096) is the kernel's: 5000 entries,
# and len() of them in a traced probe's condition (@a, cleared at end, is
# not printed: 0.26 prints only maps that hold something)
G=$(realpath "$XT_TARGETS/getppid_loop")
xt -q -e 'let @a = hash(6000); begin { for $i : 0..5000 { @a[$i] = $i; } } tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { if (len(@a) > 4999) { @big = count(); } @n = len(@a); } end { clear(@a); }' -c "$G 3"
expect_eq "hash(6000) holds 5000 keys; len() in a condition of a traced probe" "0:

@big: 3
@n: 5000:" "$XT_RC:$XT_OUT:$XT_ERR"
# lruhash(4) evicts: all 10 inserts succeed (nothing lost: no stderr), at
# most 4 are kept (the kernel may evict more than one at a time), the last among them
ok "lruhash(4) evicts instead of refusing" 'let @l = lruhash(4); begin { for $i : 0..10 { @l[$i] = $i; } printf("%d %d %d\n", len(@l) <= 4, len(@l) >= 1, @l[9]); clear(@l); }' <<'E'
1 1 9
E

finish
