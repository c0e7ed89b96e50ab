#!/usr/bin/env bash
# The examples of the bpftrace 0.26 reference (BPFTRACE-0.26.md, issue 11's
# "done when"): each runnable example program, run by xtrace, with the output
# the reference shows. Diagnostics are xtrace's (`<stdin>:L:C-C: error: ...`,
# docs/language.md) and are matched on their message; every other output is
# compared exactly. Examples that need what this kernel lacks (kprobes,
# fentry) are not here. Where xtrace differs from the reference on purpose
# or has not got there yet, `differs` says so and what xtrace prints is
# checked instead (docs/output-format.md and docs/language.md list them).
. "$(dirname "$0")/lib.sh"
need_root

# ex NAME PROGRAM [ARGS...] <<< EXPECTED-STDOUT: exit 0 and exactly that output
ex() {
	local name=$1 prog=$2 want
	shift 2
	want=$(cat)
	xt -q -e "$prog" "$@"
	expect_eq "$name" "0:$want" "$XT_RC:$XT_OUT"
}

# exerr NAME REGEX PROGRAM [ARGS...]: exit 1 and a diagnostic matching REGEX
# (case-insensitive: bpftrace writes ERROR, xtrace error)
exerr() {
	local name=$1 re=$2 prog=$3
	shift 3
	xt -q -e "$prog" "$@"
	if [ "$XT_RC" = 1 ] && printf '%s\n' "$XT_ERR" | grep -Eqi -- "$re"; then pass "$name"; else
		fail "$name" "$(printf 'rc %s, pattern: %s\n--- stderr\n%s' "$XT_RC" "$re" "$XT_ERR")"; fi
}

# differs NAME WHY: a reference example xtrace does not reproduce, and why
# (the check that follows asserts xtrace's own output)
differs() { echo "# differs from the reference: $1 ($2)"; }

# 2.2 auto-exit: begin only, output, two empty lines, the maps
ex "2.2 auto-exit" 'begin { printf("ready\n"); @n = 3; }' <<'E'
ready


@n: 3
E
ex "2.2 several begin probes in order" 'begin { printf("a\n"); } BEGIN { printf("b\n"); } end { printf("%s\n", probe); }' <<'E'
a
b
end
E
# 2.3 interval:DURATION, interval:N (ns), i:1s
ex "2.3 interval durations" 'interval:250ms { print(probe); exit(); }' <<<interval:250ms
ex "2.3 i:1s and interval:N in ns" 'i:1s { printf("s\n"); } interval:300000000 { printf("ns\n"); exit(); }' <<<ns
# 2.4 let, types, scopes
exerr "2.4 block scoping" 'undefined or undeclared variable: \$part' 'begin { if (1) { $part = 5; } print($part); }'
ex "2.4 declared first" 'begin { let $part; if (1) { $part = 5; } print($part); }' <<<5
exerr "2.4 literal out of range" 'uint16' 'begin { let $a: uint16 = -1; }'
ex "2.4 cast converts" 'begin { print((uint16)-1); }' <<<65535
exerr "2.4 shadowing" 'already declared' 'begin { let $x = 1; if (1) { let $x = 2; } }'
# 2.5 types
ex "2.5 signed subtraction" 'begin { printf("%d %lu\n", (uint64)3 - (uint64)5, (uint64)3 - (uint64)5); }' <<<"-2 18446744073709551614"
ex "2.5 bool casts, sizeof" 'begin { print((int64)true); print(sizeof(1 == 1)); print((bool)"x"); }' <<'E'
1
1
true
E
ex "2.5 tuples" 'begin { $t = (1, "a"); print($t.0); print($t[2-1]); print((1,)); print((1, 2) == (1, 2)); }' <<'E'
1
a
(1)
true
E
ex "2.5 the empty tuple" 'begin { print(()); $t = (1, ()); print($t); print(() == ()); }' -f json <<'E'
{"type": "value", "data": []}
{"type": "value", "data": [1,[]]}
{"type": "value", "data": true}
E
exerr "2.5 the empty tuple is no map value" 'an empty tuple \(\) cannot be stored in a map' 'begin { @m = (); }'
ex "2.5 records" 'begin { $r = (name="eth0", mtu=1500); print($r.name); print($r); }' <<'E'
eth0
{ .name = eth0, .mtu = 1500 }
E
ex "2.5 . through a pointer, -> on a struct" 'begin { $t = (struct task_struct *)curtask; print($t.pid == $t->pid); $s = *curtask; print($s->pid == pid); }' <<'E'
true
true
E
ex "2.5 string index" 'begin { $s = "abc"; printf("%c\n", $s[1]); }' <<<b
exerr "2.5 string index out of bounds" 'out of bounds' 'begin { $s = "abc"; printf("%c\n", $s[5]); }'
# 2.6 literals
ex "2.6 durations" 'begin { print(2ms); print(1s); print(3us); }' <<'E'
2000000
1000000000
3000
E
ex "2.6 scientific, underscores, octal, suffixes" 'begin { print(5e3); print(1_000_000); print(010); print(0X1f); print(123ul); }' <<'E'
5000
1000000
8
31
123
E
exerr "2.6 scientific coefficient" 'coefficient' 'begin { print(12e4); }'
ex "2.6 escapes" 'begin { printf("\x41\102\t|\"\\\n"); }' <<<"AB	|\"\\"
exerr "2.6 unknown escape" "escape" 'begin { printf("\q"); }'
# 2.7 control flow and expressions
ex "2.7 parentheses optional" 'begin { $ok = 1; @m[2] = 2; if $ok { print(1); } if !has_key(@m, 1) { print(2); } delete(@m, 2); }' <<'E'
1
2
E
ex "2.7 block and if expressions" 'begin { $v = { let $t = 2; $t * 3 }; $w = if ($v > 5) { "big" } else { "small" }; print($v); print($w); }' <<'E'
6
big
E
ex "2.7 ?: shorthand" 'begin { print(0 ?: 20); print(3 ?: 20); }' <<'E'
20
3
E
ex "2.7 range loop" 'begin { for $i : 0..3 { printf("%d ", $i); } }' <<<'0 1 2 '
ex "2.7 range bounds in parentheses" 'begin { $n = 2; for $i : (-3)..(1+1) { printf("%d ", $i); } for $j : (1+1)..($n*2) { printf("%d ", $j); } printf("\n"); }' <<<'-3 -2 -1 0 1 2 3 '
# an emptied map (@m) prints nothing at exit, as in 0.26 (0.17: a blank line)
ex "2.7 for over a map, break, continue" 'begin { @m[1] = 10; @m[2] = 20; @m[3] = 30; for ($kv : @m) { if ($kv.0 == 2) { continue; } @s += $kv.1; } for $i : 0..10 { if ($i == 4) { break; } @b = $i; } delete(@m, 1); delete(@m, 2); delete(@m, 3); }' <<'E'


@b: 3
@s: 40
E
ex "2.7 discard" 'begin { _ = 5; @m[1] = 1; _ = delete(@m, 1); print(len(@m)); }' <<<0
# 2.8 maps
ex "2.8 delete() reports whether it removed something" 'begin { @m[1] = 1; @s = 2; print(delete(@m, 1)); print(delete(@m, 1)); print(delete(@s)); $d = delete(@m, 7); print($d); }' <<'E'
true
false
true
false
E
ex "2.8 declarations, tuple keys, delete" 'let @recent = lruhash(128); begin { @recent[1, "x"] = 5; @recent[2, "y"] = 6; delete(@recent, (1, "x")); print(has_key(@recent, (1, "x"))); print(has_key(@recent, (2, "y"))); }' <<'E'
false
true


@recent[2, y]: 6
E
ex "2.8 find" 'begin { @m[1] = 7; let $v; if (find(@m, 1, $v)) { print($v); } }' <<'E'
7


@m[1]: 7
E
ex "2.8 aggregation values in conditions" 'begin { @c = count(); @c = count(); if (@c > 1) { print((int64)@c); } }' <<'E'
2


@c: 2
E
exerr "2.8 len of a scalar map" 'scalar' 'begin { @s = 1; print(len(@s)); }'
# 2.9 macros: the reference's example, verbatim
ex "2.9 macros" 'macro clamp(x, hi) { x > hi ? hi : x }
macro bump($v, @m) { $v += 1; @m += 1; }
macro answer() { 42 }
begin { $a = 41; bump($a, @hits); print(clamp($a, 40)); print(answer); }' <<'E'
40
42


@hits: 1
E
ex "2.9 macros after the probes that use them" 'begin { print(twice(4)); } macro twice(x) { x * 2 }' <<<8
# 2.11 config
exerr "2.11 unknown config key" 'bad_config' 'config = { bad_config=raw } begin {}'
ex "2.11 config keys, trailing ;" 'config = { max_strlen = 8; print_maps_on_exit = false; } begin { @m = 1; print(str("abcdefghijkl")); }' <<<'abcdefgh..'
# 2.12 program parameters
ex "2.12 positional parameters" 'begin { printf("%s has %d args, n=%d\n", str($1), $#, $2); }' web 8 <<<'web has 2 args, n=8'
xt -q -e 'begin { print($3); }' a
expect_eq "2.12 a missing positional parameter is 0, with a warning" "0:0
<stdin>:1:15-16: warning: positional parameter \$3 is empty or not provided
begin { print(\$3); }
              ~~" "$XT_RC:$XT_OUT
$XT_ERR"
ex "2.12 a word is a string" 'begin { print($1); }' web <<<web
ex "2.12 str(\$1 + k)" 'begin { print(str($1 + 2)); }' webserver <<<bserver
ex "2.12 getopt" 'begin { print((getopt("limit", 10), getopt("mode", "fast"), getopt("dry"))); }' -- --limit=3 --dry <<<'(3, fast, true)'
exerr "2.12 getopt: unexpected option" 'unexpected program command line options: --bogus' 'begin { print(getopt("limit", 10)); }' -- --bogus
exerr "2.12 getopt: invalid integer" 'option --limit invalid integer \(value: abc\)' 'begin { print(getopt("limit", 10)); }' -- --limit=abc
# 3 builtins
ex "3 signal_name" 'begin { print(signal_name(0)); print(signal_name(9)); }' <<'E'
Unknown signal 0
SIGKILL
E
ex "3 %gr" 'begin { printf("%gr\n", 0x1); }' <<<GFP_DMA
ex "3 %x cuts to 32 bits" 'begin { printf("%x\n", 0x12345678abcdef); }' <<<78abcdef
ex "3 pid() and pid" 'begin { print(pid() == pid); }' <<<true
ex "3 strstr, strlen" 'begin { print(strstr("hello", "ll")); print(strstr("hello", "z")); print(strlen("abc")); }' <<'E'
2
-1
3
E
ex "3 is_err" 'begin { print(is_err((int64)-4)); print(is_err((int64)4)); }' <<'E'
true
false
E
# 5 output formats: the reference's examples
ex "5 stats and avg" 'begin { @lat["rd"] = stats(10); @lat["rd"] = stats(20); @lat["wr"] = stats(4); @avg = avg(7); }' <<'E'


@avg: 7
@lat[wr]: { .count = 1, .average = 4, .total = 4 }
@lat[rd]: { .count = 2, .average = 15, .total = 30 }
E
ex "5 values" 'begin { print((7, "seven", (3 > 2, -1))); print((id=7, tag="x")); }' <<'E'
(7, seven, (true, -1))
{ .id = 7, .tag = x }
E
ex "5 hist and lhist" 'begin { @h = hist(0); @h = hist(5); @h = hist(6); @h = hist(40);
        @l = lhist(15, 0, 40, 10); @l = lhist(33, 0, 40, 10); @l = lhist(33, 0, 40, 10); @l = lhist(70, 0, 40, 10); }' <<'E'


@h:
[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[1]                    0 |                                                    |
[2, 4)                 0 |                                                    |
[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[8, 16)                0 |                                                    |
[16, 32)               0 |                                                    |
[32, 64)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

@l:
[10, 20)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[20, 30)               0 |                                                    |
[30, 40)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[40, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
E
ex "5 enums by name" 'enum color { RED = 1, BLUE = 2 };
begin { print((7, "seven", (3 > 2, -1))); print((id=7, tag="x")); @c[BLUE] = RED; printf("%d=%s\n", BLUE, BLUE); }' <<'E'
(7, seven, (true, -1))
{ .id = 7, .tag = x }
2=BLUE


@c[BLUE]: RED
E
ex "2.5 int to enum casts" 'enum color { RED = 1, BLUE = 2 }; begin { $c = (enum color)2; print($c); print((enum color)7); }' <<'E'
BLUE
7
E
XT_OUT=$(BPFTRACE_MAX_STRLEN=5 timeout 60 "$XTRACE" -q -e 'begin { print(str("/usr/bin/true")); print(str("/usr/bin/true", 5)); }' 2>&1)
expect_eq "5 truncated strings (BPFTRACE_MAX_STRLEN=5)" "/usr/..
/usr.." "$XT_OUT"
differs "diagnostics" "xtrace writes <stdin>:L:C-C: error: with C-C inclusive and its own wording"
exerr "5 diagnostics" 'variable \$y is used before it is assigned' 'begin { $x = 1; print($y); }'
xt -q -e 'begin { errorf("bad %d", 10); }'
expect_eq "5 errorf" "<stdin>:1:9-28: error: bad 10" "$(printf '%s\n' "$XT_ERR" | head -1)"
xt -q -k -e 'begin { @m[1] = 1; $v = @m[7]; print($v); }'
expect_match "5 -k: lookup of a missing key" "Can't lookup map element because it does not exist" "$XT_ERR"
xt --test -e 'test:adds_up { if (1 + 1 != 2) { return 1; } }'
differs "test times" "xtrace prints each test's measured time; bpftrace prints its unit's scale, (1 ns)"
expect_eq "5 test mode" "0:[==========] Running 1 tests.
[ RUN      ] adds_up
[       OK ] adds_up (1 ns)
[==========] 1 test ran.
[  PASSED  ] 1 test." "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed -E 's/\([0-9]+ ns\)/(1 ns)/')"
# 4 JSON
ex "4 JSON value" 'begin { print((7, "seven", (3 > 2, -1))); }' -f json <<<'{"type": "value", "data": [7,"seven",[true,-1]]}'
ex "4 JSON printf" 'begin { printf("rx %d\n", 42); }' -f json <<<'{"type": "printf", "data": "rx 42\n"}'
# speclang: &$v/&@m, (typeof(x))y, len(kstack|ustack), str(s, n), raw stacks
ex "2.5 &\$v and &@m: where the value lies, read back with *" 'begin { $v = 5; $p = &$v; $v = 9; print(*$p); print(*&$v + 1); @m[1] = 7; print(*&@m[1]); print(&@m[2] == 0); @s = "abc"; print(*&@s); $t = *curtask; print((&$t)->pid == pid); clear(@m); clear(@s); }' <<'E'
9
10
7
true
abc
true
E
xt -q -e 'begin { $v = 5; print(&$v); printf("%p\n", &$v); }'
expect_match "2.5 &\$v prints as a pointer" '^0x[0-9a-f]+
0x[0-9a-f]+$' "$XT_OUT"
xt -q -f json -e 'begin { $v = 5; print(&$v); }'
expect_match "2.5 &\$v in JSON: a number, as pointers are" '^\{"type": "value", "data": [1-9][0-9]*\}$' "$XT_OUT"
exerr "2.5 & of an aggregation" 'cannot take the address of @c: it holds count\(\)' 'begin { @c = count(); print(*&@c); }'
exerr "2.5 & of a literal" '& needs a \$variable, a @map element' 'begin { print(&1); }'
exerr "2.5 & of a tuple variable" 'cannot take the address of this variable, which holds \(int64, int64\)' 'begin { $t = (1, 2); print(&$t); }'
ex "2.5 (typeof(x))y casts" 'begin { print((typeof((uint8)1))300); let $x: uint16 = 1; print((typeof($x))70000); $t = curtask; $p = (typeof($t))0; print($p == 0); print((typeof(curtask))curtask == curtask); print((typeof(uint8))257); }' <<'E'
44
4464
true
true
1
E
ex "2.4 let with typeof" 'begin { let $y: typeof(curtask) = curtask; print($y->pid == pid); let $z: typeof((int16)1) = -3; print($z); }' <<'E'
true
-3
E
ex "2.5 typeof(x) * and sizeof(typeof(x))" 'begin { $v = 5; $p = (typeof($v) *)&$v; print(*$p); let $q: typeof($v) * = &$v; print(*$q); print(sizeof(typeof((uint16)1))); print(sizeof(typeof(1) *)); $t = *curtask; print(sizeof(typeof($t)) == sizeof(struct task_struct)); }' <<'E'
5
5
2
8
true
E
exerr "2.5 a cast to typeof a string" 'cannot cast to typeof this expression, string\[2\]' 'begin { print((typeof("a"))1); }'
ex "3 str(s, n) of a string keeps n - 1 characters (n counts the NUL)" 'begin { print(str("abcdef", 3)); $s = "hello"; print(str($s, 2)); $n = 4; print(str("abcdef", $n)); print(str("abc", 10)); print(str("abcdef", 0)); }' <<'E'
ab..
h..
abc
abc

E
# len(kstack), len(ustack): the frames of the stack the same probe prints
# (raw, one bare address a line), counted on a workload of one getppid()
G=$(realpath "$XT_TARGETS/getppid_loop")
xt -q -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("%d %d %d %d\n", len(kstack), len(ustack), len(kstack(3)), len(ustack(raw, 1))); printf("K%sU%sE\n", kstack(raw), ustack(raw)); }' -c "$G 1"
read -r nk nu nk3 nu1 <<<"$(printf '%s\n' "$XT_OUT" | head -1)"
kl=$(printf '%s\n' "$XT_OUT" | awk '/^K$/ { on = 1; next } /^U$/ { on = 0 } on && /^[0-9a-f]+$/ { n++ } END { print n + 0 }')
ul=$(printf '%s\n' "$XT_OUT" | awk '/^U$/ { on = 1; next } /^E$/ { on = 0 } on && /^[0-9a-f]+$/ { n++ } END { print n + 0 }')
others=$(printf '%s\n' "$XT_OUT" | sed 1d | grep -Evc '^([0-9a-f]+|K|U|E|)$')
if [ "$XT_RC" = 0 ] && [ "${nk:-0}" -gt 0 ] && [ "$nk" -le 127 ] && [ "$nk" = "$kl" ] && [ "${nu:-0}" -gt 0 ] &&
	[ "$nu" -le 127 ] && [ "$nu" = "$ul" ] && [ "$nk3" = $((nk < 3 ? nk : 3)) ] && [ "$nu1" = 1 ] && [ "$others" = 0 ]; then
	pass "3 len(kstack), len(ustack): $nk and $nu frames, as printed"
else
	fail "3 len(kstack), len(ustack)" "$(printf 'rc %s: len %s/%s, lines %s/%s, kstack(3) %s, ustack(raw, 1) %s, other lines %s\n%s\n%s' \
		"$XT_RC" "$nk" "$nu" "$kl" "$ul" "$nk3" "$nu1" "$others" "$XT_OUT" "$XT_ERR")"
fi
exerr "3 len() of a stored stack" 'len\(\) counts the frames of kstack or ustack written in it' 'begin { $s = kstack; print(len($s)); }'
# raw stacks: a leading newline, then one bare hex address a line (no indent, no 0x)
xt -q -e 'begin { print(kstack(raw, 2)); @[kstack(raw, 2)] = 1; }'
shape=$(printf '%s\n' "$XT_OUT" | sed -E 's/^[0-9a-f]{16}$/ADDR/')
expect_eq "5 kstack(raw)" "0:
ADDR
ADDR



@[
ADDR
ADDR
]: 1" "$XT_RC:$shape"
xt -q -f json -e 'begin { print(kstack(raw, 2)); }'
expect_match "4 kstack(raw) in JSON" '^\{"type": "value", "data": "\\n[0-9a-f]{16}\\n[0-9a-f]{16}\\n"\}$' "$XT_OUT"
# stack_mode = build_id is for ustack: kstack without a mode falls back to raw, with a warning (0.26)
XT_OUT=$(BPFTRACE_STACK_MODE=build_id timeout 60 "$XTRACE" -q -e 'begin { print(kstack(1)); }' 2>"$XT_TMP/bid.err")
expect_eq "2.11 stack_mode build_id: kstack falls back to raw" "
ADDR
<stdin>:1:15-23: warning: 'build_id' stack mode can only be used for ustack: kstack falls back to 'raw' mode" \
	"$(printf '%s\n' "$XT_OUT" | sed -E 's/^[0-9a-f]{16}$/ADDR/')
$(head -1 "$XT_TMP/bid.err")"
# specrun
# 2.7 a divide or modulo by 0 at run time yields 1 and warns, at each event, where it happened
DIV0='Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.'
xt -q -e 'begin { $x = 0; print(5 / $x); $y = 7; $y %= $x; print($y); }'
expect_eq "2.7 divide by 0: 1, and a warning" "0:1
1
<stdin>:1:23-28: warning: $DIV0
begin { \$x = 0; print(5 / \$x); \$y = 7; \$y %= \$x; print(\$y); }
                      ~~~~~~
<stdin>:1:40-47: warning: $DIV0
begin { \$x = 0; print(5 / \$x); \$y = 7; \$y %= \$x; print(\$y); }
                                       ~~~~~~~~" "$XT_RC:$XT_OUT
$XT_ERR"
xt -q -c "$XT_TARGETS/getppid_loop 3" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { $z = 0; @q = 10 / $z; @n = count(); }'
W="<stdin>:1:68-74: warning: $DIV0
tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { \$z = 0; @q = 10 / \$z; @n = count(); }
                                                                   ~~~~~~~"
expect_eq "2.7 divide by 0 in a traced event: a warning each time (3 getppid calls)" "0:

@n: 3
@q: 1
$W
$W
$W" "$XT_RC:$XT_OUT
$XT_ERR"
xt -q --no-warnings -e 'begin { $x = 0; print(5 % $x); }'
expect_eq "2.7 divide by 0: --no-warnings silences the warning" "0:1:" "$XT_RC:$XT_OUT:$XT_ERR"
xt -q -f json -e 'begin { $x = 0; print(5 / $x); }'
expect_eq "4 JSON runtime_error" "0:{\"type\": \"runtime_error\", \"msg\": \"$DIV0\", \"filename\": \"stdin\", \"line\": 1, \"col\": 23}
{\"type\": \"value\", \"data\": 1}" "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"
exerr "2.7 literals divided by 0: no fold (bpftrace 0.26 refuses them too)" 'division by 0 in a constant expression' 'begin { print(5 / (3 - 3)); }'
# 2.8 a full map: bpftrace 0.26's warning where the update was refused, each
# time; xtrace adds the count at exit (4 getppid calls into a hash(2))
xt -q -c "$XT_TARGETS/getppid_loop 4" -e 'let @m = hash(2); tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @n += 1; @m[@n] = 1; }'
W="<stdin>:1:82-91: warning: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. \`let @a = hash(5000)\`
Additional Info - helper: map_update_elem, retcode: -7
let @m = hash(2); tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @n += 1; @m[@n] = 1; }
                                                                                 ~~~~~~~~~~"
expect_eq "2.8 map full: the warning at each refused update, the count at exit" "0:

@m[1]: 1
@m[2]: 1
@n: 4
$W
$W
xtrace: 2 map updates lost in probe tracepoint:syscalls:sys_enter_getppid (a map was full)" "$XT_RC:$XT_OUT
$XT_ERR"
xt -q -e 'config = { max_map_keys = 1 } begin { @c[1] = count(); @c[2] = count(); }'
expect_eq "2.8 map full: an aggregation's update warns too" "0:

@c[1]: 1
<stdin>:1:56-70: warning: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. \`let @a = hash(5000)\`
Additional Info - helper: map_update_elem, retcode: -7
config = { max_map_keys = 1 } begin { @c[1] = count(); @c[2] = count(); }
                                                       ~~~~~~~~~~~~~~~
xtrace: 1 map update lost in probe begin (a map was full)" "$XT_RC:$XT_OUT
$XT_ERR"
xt -q -f json -e 'let @m = hash(1); begin { @m[1] = 1; @m[2] = 2; }'
expect_eq "4 JSON helper_error of a full map" '0:{"type": "helper_error", "msg": "Argument list too long", "helper": "map_update_elem", "retcode": -7, "filename": "stdin", "line": 1, "col": 38}
{"type": "map", "data": {"@m": {"1": 1}}}
{"type": "lost_map_updates", "data": {"updates": 1, "probe": "begin"}}' "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"
# 4 JSON: errorf names -e's program "stdin"; hist buckets joined by a bare ","
xt -q -f json -e 'begin { errorf("bad %d", 10); warnf("careful"); }'
expect_eq "4 JSON errorf, warnf" '0:{"type": "errorf", "msg": "bad 10", "filename": "stdin", "line": 1, "col": 9}
{"type": "warnf", "msg": "careful", "filename": "stdin", "line": 1, "col": 31}' "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"
LHIST='begin { @l = lhist(15, 0, 40, 10); @l = lhist(33, 0, 40, 10); @l = lhist(33, 0, 40, 10); @l = lhist(70, 0, 40, 10); }'
xt -q -f json -e "$LHIST"
expect_eq "4 JSON hist (the section 5 @l)" '0:{"type": "hist", "data": {"@l": [{"min": 10, "max": 19, "count": 1},{"min": 20, "max": 29, "count": 0},{"min": 30, "max": 39, "count": 2},{"min": 40, "count": 1}]}}' "$XT_RC:$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"
XT_OUT=$(XTRACE_JSON_LAYOUT=0.17 timeout 60 "$XTRACE" -q -f json -e "$LHIST" | sed '/^$/d')
expect_eq "4 JSON hist: XTRACE_JSON_LAYOUT=0.17 gives 0.17's \", \"" '{"type": "hist", "data": {"@l": [{"min": 10, "max": 19, "count": 1}, {"min": 20, "max": 29, "count": 0}, {"min": 30, "max": 39, "count": 2}, {"min": 40, "count": 1}]}}' "$XT_OUT"
# 4 a bad -f
xt -f xml -e 'begin { }'
expect_eq "4 -f xml" "1::xtrace: Invalid output format \"xml\"
Valid formats: 'text', 'json', 'folded'" "$XT_RC:$XT_OUT:$XT_ERR"
# 5 missing_probes: warn removes a probe left with nothing (two warnings) and
# runs the rest; ignore does so silently; error, the default, fails (exit 1)
MP='tracepoint:xt_nosuch:thing { @gone = 1; } begin { printf("runs\n"); }'
xt -q -e "config = { missing_probes = \"warn\" } $MP"
expect_eq "5 missing_probes = warn" '0:runs
<stdin>:1:38-63: warning: unknown tracepoint '"'xt_nosuch:thing'"'. Skipping.
config = { missing_probes = "warn" } tracepoint:xt_nosuch:thing { @gone = 1; } begin { printf("runs\n"); }
                                     ~~~~~~~~~~~~~~~~~~~~~~~~~~
<stdin>:1:38-63: warning: probe has no valid attach points. It is being removed which may cause issues with program behavior.
config = { missing_probes = "warn" } tracepoint:xt_nosuch:thing { @gone = 1; } begin { printf("runs\n"); }
                                     ~~~~~~~~~~~~~~~~~~~~~~~~~~' "$XT_RC:$XT_OUT
$XT_ERR"
XT_ERR=$(BPFTRACE_MISSING_PROBES=warn timeout 60 "$XTRACE" -q -e "$MP" 2>&1 >/dev/null | grep -c 'warning:')
expect_eq "5 BPFTRACE_MISSING_PROBES=warn" 2 "$XT_ERR"
xt -q -e "config = { missing_probes = ignore } $MP"
expect_eq "5 missing_probes = ignore" "0:runs:" "$XT_RC:$XT_OUT:$XT_ERR"
xt -q -e "$MP"
expect_eq "5 missing_probes = error (the default)" "1::<stdin>:1:1-26: error: unknown tracepoint 'xt_nosuch:thing'
$MP
~~~~~~~~~~~~~~~~~~~~~~~~~~" "$XT_RC:$XT_OUT:$XT_ERR"
xt -q -e 'config = { missing_probes = ignore } tracepoint:xt_nosuch:thing { @gone = 1; }'
expect_eq "5 missing_probes = ignore, nothing left: No probes to attach (stdout, exit 1)" "1:No probes to attach:" "$XT_RC:$XT_OUT:$XT_ERR"
finish
