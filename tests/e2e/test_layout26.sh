#!/usr/bin/env bash
# The map layouts where bpftrace 0.17 and 0.26 differ (docs/output-format.md,
# the choices), byte for byte: by default 0.26's -- a chart (hist, lhist,
# tseries) opens with "@h:" alone on its line, an empty map prints nothing
# (print() during the run and the maps at exit), JSON's final maps come
# without two empty lines before them -- and 0.17's under
# XTRACE_TEXT_LAYOUT=0.17 ("@h: ", a blank line for an empty map) and
# XTRACE_JSON_LAYOUT=0.17 (the two empty lines, ", " between JSON buckets).
# The 0.17 forms are also compared with bpftrace 0.17 where it is installed.
. "$(dirname "$0")/lib.sh"
need_root

# run VAR=VALUE... -- ARGS...: xtrace -q with those variables; its whole
# stdout, trailing newlines kept, in $OUT, its status in $RC
run() {
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	OUT=$(env "${env[@]}" timeout -k 5 60 "$XTRACE" -q "$@" 2>"$XT_TMP/err"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
}

# same NAME WANT: $OUT is exactly WANT and xtrace exited 0 (shown with cat -A)
same() {
	if [ "$RC" = 0 ] && [ "$OUT" = "$2" ]; then pass "$1"; else
		fail "$1" "$(printf -- 'status %s\n--- expected\n%s--- actual\n%s--- stderr\n%s' "$RC" \
			"$(printf '%s' "$2" | cat -A)" "$(printf '%s' "$OUT" | cat -A)" "$(cat "$XT_TMP/err")")"; fi
}

BAR=$(printf '%52s' '' | tr ' ' @)
P='BEGIN { @m[1] = 1; print(@m); printf("after\n"); @e[1] = 1; delete(@e[1]); print(@e); printf("after2\n");
	@h = hist(5); @k[2] = hist(3); @l = lhist(3, 0, 10, 1); @c[1] = 1; clear(@c); @z[1] = 2; zero(@z);
	if (0) { @a = avg(1); @n = count(); } exit(); }'

# 1. text, 0.26: "@h:", nothing for print(@e) nor for the empty @a, @c, @e
# at exit; a keyless count never counted still prints 0 (bpftrace keeps it in
# an array map: it always has its entry)
TEXT026="@m[1]: 1
after
after2


@h:
[4, 8)                 1 |$BAR|

@k[2]:
[2, 4)                 1 |$BAR|

@l:
[3, 4)                 1 |$BAR|

@m[1]: 1
@n: 0
@z[1]: 0
"
run -- -e "$P"
same "text: 0.26's chart headers, nothing for empty maps" "$TEXT026"

# 2. text, XTRACE_TEXT_LAYOUT=0.17: what bpftrace 0.17 prints: "@h: ", a blank
# line for print(@e) and for each empty map at exit (two for the avg map with
# XTRACE_STATS_LAYOUT=0.17 too)
TEXT017="@m[1]: 1
after

after2






@h: 
[4, 8)                 1 |$BAR|

@k[2]: 
[2, 4)                 1 |$BAR|

@l: 
[3, 4)                 1 |$BAR|

@m[1]: 1
@n: 0
@z[1]: 0
"
run XTRACE_TEXT_LAYOUT=0.17 XTRACE_STATS_LAYOUT=0.17 -- -e "$P"
same "text: XTRACE_TEXT_LAYOUT=0.17 gives 0.17's '@h: ' and blank lines" "$TEXT017"
run XTRACE_TEXT_LAYOUT=0.17 -- -e "$P"
same "text: XTRACE_TEXT_LAYOUT=0.17 alone: an empty avg map one blank line" "$(printf '%s' "$TEXT017" | sed '7d')
"
run XTRACE_TEXT_LAYOUT=0.26 XTRACE_JSON_LAYOUT=0.17 -- -e "$P"
same "text: XTRACE_JSON_LAYOUT=0.17 leaves the text layout alone; any other value is 0.26's" "$TEXT026"

# 3. JSON: nothing before the final maps (0.26), two empty lines with
# XTRACE_JSON_LAYOUT=0.17, which also brings back ", " between buckets
J='BEGIN { @m[1] = 1; print(@m); @e[1] = 1; delete(@e[1]); print(@e); @l = lhist(3, 0, 10, 1); @l = lhist(5, 0, 10, 1); exit(); }'
JM='{"type": "map", "data": {"@m": {"1": 1}}}'
JSON026="$JM
{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 3, \"max\": 3, \"count\": 1},{\"min\": 4, \"max\": 4, \"count\": 0},{\"min\": 5, \"max\": 5, \"count\": 1}]}}
$JM
"
run -- -f json -e "$J"
same "JSON: no empty lines before the final maps" "$JSON026"
JSON017="$JM


{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 3, \"max\": 3, \"count\": 1}, {\"min\": 4, \"max\": 4, \"count\": 0}, {\"min\": 5, \"max\": 5, \"count\": 1}]}}
$JM
"
run XTRACE_JSON_LAYOUT=0.17 -- -f json -e "$J"
same "JSON: XTRACE_JSON_LAYOUT=0.17 gives 0.17's two empty lines and \", \"" "$JSON017"
run XTRACE_TEXT_LAYOUT=0.17 -- -f json -e "$J"
same "JSON: XTRACE_TEXT_LAYOUT=0.17 leaves JSON alone" "$JSON026"

# 4. tseries opens as every chart does
T='BEGIN { @t = tseries(3, 1000000000, 2); @u[1] = tseries(4, 1000000000, 2); exit(); }'
run -- -e "$T"
expect_eq "tseries: '@t:' and '@u[1]:' alone on their lines" "@t:
@u[1]:" "$(printf '%s' "$OUT" | grep '^@')"
run XTRACE_TEXT_LAYOUT=0.17 -- -e "$T"
expect_eq "tseries: XTRACE_TEXT_LAYOUT=0.17 gives '@t: '" "@t: |@u[1]: |" "$(printf '%s' "$OUT" | grep '^@' | tr '\n' '|')"

# 5. -o FILE: the file holds the maps as the output does; the two empty
# lines of text stay on stdout, as before
run -- -o "$XT_TMP/out" -e 'BEGIN { @h = hist(1); @e[1] = 1; delete(@e[1]); exit(); }'
same "-o FILE: the two empty lines on stdout" "

"
expect_eq "-o FILE: '@h:' and nothing for the empty map" "@h:
[1]                    1 |$BAR|" "$(cat "$XT_TMP/out")"

# 6. the REPL: print() of a map and the maps at the session's end
M=ly$$
repl() {
	OUT=$({ printf '%s\n' "BEGIN { @${M}h = hist(5); @${M}e[1] = 1; delete(@${M}e[1]); }" "print(@${M}e)" "print(@${M}h)"
		sleep 0.3; } | env "$@" timeout -k 5 60 "$XTRACE" -i 2>"$XT_TMP/err"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
}
H5="[4, 8)                 1 |$BAR|"
repl XTRACE_TEXT_LAYOUT=
same "REPL: print() and the session's end as a one-liner prints them" "[1] attached 1 probe: BEGIN
@${M}h:
$H5



@${M}h:
$H5

"
repl XTRACE_TEXT_LAYOUT=0.17
same "REPL: XTRACE_TEXT_LAYOUT=0.17" "[1] attached 1 probe: BEGIN

@${M}h: 
$H5




@${M}h: 
$H5

"

# 6b. printf: a precision does nothing by default, as bpftrace 0.26 (`%.3s`
#     does not shorten, `%5.2d` pads with spaces only); XTRACE_PRINTF_LAYOUT=0.17
#     gives C's, as 0.17 (compared with it below)
PF='BEGIN { printf("[%.3s] [%5.2d] [%-6.1s] [%08.3x]\n", "abcdef", 7, "xyz", 17); exit(); }'
run -- -e "$PF"
same "printf: precision ignored (0.26)" "[abcdef] [    7] [xyz   ] [00000011]


"
run XTRACE_PRINTF_LAYOUT=0.17 -- -e "$PF"
same "printf: XTRACE_PRINTF_LAYOUT=0.17 gives C's precision" "[abc] [   07] [x     ] [     011]


"

# 6c. XTRACE_COMPAT=0.17: every 0.17 form at once (bools 1/0, probe BEGIN,
#     "Attaching 1 probe..." on the output, stats and the avg/stats blank
#     line, "@h: ", the emptied map's blank line, C's printf precision);
#     a form's own variable still decides it
CP='BEGIN { @m[1] = 1 == 1; @s = stats(3); @h = hist(5); print(probe); printf("[%.2s]\n", "abc"); @e[1] = 1; delete(@e[1]); @t = (1, 2 > 1); exit(); }'
OUT=$(XTRACE_COMPAT=0.17 timeout -k 5 60 "$XTRACE" -e "$CP" 2>"$XT_TMP/err"; echo "rc=$?")
RC=${OUT##*rc=}
OUT=${OUT%rc=*}
same "XTRACE_COMPAT=0.17: every 0.17 form" "Attaching 1 probe...
BEGIN
[ab]



@h: 
[4, 8)                 1 |$BAR|

@m[1]: 1
@s: count 1, average 3, total 3

@t: (1, 1)
"
OUT=$(XTRACE_COMPAT=0.17 XTRACE_BOOL_AS_INT=0 XTRACE_PROBE_NAMES=0.26 timeout -k 5 60 "$XTRACE" -q -e 'BEGIN { print(probe); print(2 > 1); }' 2>"$XT_TMP/err"; echo "rc=$?")
RC=${OUT##*rc=}
OUT=${OUT%rc=*}
same "XTRACE_COMPAT=0.17: a form's own variable still decides it" "begin
true


"

# 7. the 0.17 forms are bpftrace 0.17's
BPFTRACE=$(command -v bpftrace || true)
if [ -n "$BPFTRACE" ] && "$BPFTRACE" --version 2>/dev/null | grep -q 'v0\.17\.'; then
	for f in text json; do
		prog=$P
		[ $f = json ] && prog=$J
		want=$(timeout -k 5 30 "$BPFTRACE" -f $f -e "$prog" 2>/dev/null | grep -v -e '^Attaching 1 probe' -e '"attached_probes"'; echo x)
		run XTRACE_TEXT_LAYOUT=0.17 XTRACE_JSON_LAYOUT=0.17 XTRACE_STATS_LAYOUT=0.17 -- -f $f -e "$prog"
		same "$f: the 0.17 forms are what $("$BPFTRACE" --version) prints" "${want%x}"
	done
	for f in text json; do
		want=$(timeout -k 5 30 "$BPFTRACE" -f $f -e "$CP" 2>/dev/null; echo x)
		OUT=$(XTRACE_COMPAT=0.17 timeout -k 5 60 "$XTRACE" -f $f -e "$CP" 2>"$XT_TMP/err"; echo "rc=$?")
		RC=${OUT##*rc=}
		OUT=${OUT%rc=*}
		same "$f: XTRACE_COMPAT=0.17 prints what $("$BPFTRACE" --version) prints, attach line included" "${want%x}"
	done
	want=$(timeout -k 5 30 "$BPFTRACE" -e "$PF" 2>/dev/null | grep -v '^Attaching 1 probe'; echo x)
	run XTRACE_PRINTF_LAYOUT=0.17 -- -e "$PF"
	same "printf precision: XTRACE_PRINTF_LAYOUT=0.17 is what $("$BPFTRACE" --version) prints" "${want%x}"
else
	echo "# bpftrace 0.17 is not installed: its output is not compared"
fi
finish
