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
bad "a literal range longer than bpf_loop runs" 'begin { $s = 0; for $i : 0..10000000 { $s++; } print($s); }' <<'E'
<stdin>:1:26-36: error: a range of 10000000 iterations: one loop runs at most 8388608 (the kernel's BPF_MAX_LOOPS)
begin { $s = 0; for $i : 0..10000000 { $s++; } print($s); }
                         ~~~~~~~~~~~
E
ok "a literal range of exactly BPF_MAX_LOOPS" 'begin { $s = 0; for $i : (-3)..8388605 { $s++; } print($s); }' <<'E'
8388608
E

finish
