#!/usr/bin/env bash
# The command line of bpftrace 0.26 and the output choices between 0.17 and
# 0.26 (docs/output-format.md), with exact outputs; and the builtins of
# issue 11 that need a workload (tests/targets/writeme.c) or the system.
. "$(dirname "$0")/lib.sh"
need_root
T=$XT_TARGETS

# raw ARGS...: xtrace without lib.sh's filtering: $R_OUT, $R_ERR, $R_RC
raw() {
	R_OUT=$(timeout -k 5 60 "$XTRACE" "$@" 2>"$XT_TMP/raw.err")
	R_RC=$?
	R_ERR=$(cat "$XT_TMP/raw.err")
}

# 1. The attach line: 0.26's on stderr once attached; 0.17's on the output
raw -e 'begin { printf("hi\n"); }'
expect_eq "attach line: 0.26's on stderr" "Attached 1 probe" "$R_ERR"
expect_eq "attach line: not on the output" "hi" "$R_OUT"
raw -e 'begin { exit(); } end { }'
expect_eq "attach line: plural" "Attached 2 probes" "$R_ERR"
raw --attach-line 0.17 -e 'begin { printf("hi\n"); }'
expect_eq "--attach-line 0.17: on the output" "$(printf 'Attaching 1 probe...\nhi')" "$R_OUT"
expect_eq "--attach-line 0.17: nothing on stderr" "" "$R_ERR"
R_OUT=$(XTRACE_ATTACH_LINE=0.17 timeout 60 "$XTRACE" -e 'begin { printf("hi\n"); }' 2>/dev/null)
expect_eq "XTRACE_ATTACH_LINE=0.17" "$(printf 'Attaching 1 probe...\nhi')" "$R_OUT"
raw --attach-line 0.18 -e 'begin { }'
expect_eq "--attach-line: a bad value" "1: xtrace: --attach-line is 0.17 (\"Attaching N probes...\") or 0.26 (\"Attached N probes\"), not '0.18'" "$R_RC: $R_ERR"
raw -q -e 'begin { printf("hi\n"); }'
expect_eq "-q: no attach line" "0::hi" "$R_RC:$R_ERR:$R_OUT"
raw -f json -e 'begin { exit(); }'
expect_eq "JSON: attached_probes with its count (0.26)" '{"type": "attached_probes", "count": 1, "data": {"probes": 1}}' "$R_OUT"
raw -f json --attach-line 0.17 -e 'begin { exit(); }'
expect_eq "JSON: 0.17's attached_probes" '{"type": "attached_probes", "data": {"probes": 1}}' "$(printf '%s\n' "$R_OUT" | head -1)"

# JSON lost records: 0.26's "count" beside the data (a 1 MiB ring cannot hold
# 2000 records of 3.6 KB sent at once)
raw -q -f json -e 'begin { $s = str($1); for ($i : 0..2000) { printf("%s %s %s %s\n", $s, $s, $s, $s); } } interval:ms:100 { exit(); }' "$(head -c 900 /dev/zero | tr '\0' x)"
lost=$(printf '%s\n' "$R_OUT" | grep '"lost_events"')
n=$(printf '%s\n' "$lost" | sed -n 's/.*"count": \([0-9]*\), .*/\1/p')
expect_eq "JSON lost_events" "{\"type\": \"lost_events\", \"count\": $n, \"data\": {\"events\": $n, \"probe\": \"begin\"}}" "$lost"

# 2. --dry-run: compiled, loaded, attached, nothing run or printed
raw --dry-run -e 'begin { printf("ran\n"); @a = 1; } tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
expect_eq "--dry-run" "0::" "$R_RC:$R_OUT:$R_ERR"
raw --dry-run -e 'tracepoint:syscalls:sys_enter_nosuch { }'
expect_eq "--dry-run: still compiles" 1 "$R_RC"

# 3. -l with a program: the probes it would attach, in program order
raw -l -e 'tracepoint:syscalls:sys_enter_openat,tracepoint:syscalls:sys_exit_openat { } end { } interval:s:1 { }'
expect_eq "-l -e PROGRAM" "$(printf '0:tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_exit_openat\nend\ninterval:s:1')" "$R_RC:$R_OUT"
printf 'tracepoint:syscalls:sys_enter_openat { }\n' >"$XT_TMP/p.bt"
raw -l "$XT_TMP/p.bt"
expect_eq "-l FILE" "0:tracepoint:syscalls:sys_enter_openat" "$R_RC:$R_OUT"

# 4. -d STAGE: names checked; types shows the types
raw -d bogus -e 'begin { }'
expect_eq "-d: an unknown stage is an error" "1: xtrace: unknown -d stage 'bogus' (stages: parse, ast, types, codegen, codegen-opt, libbpf, verifier, all; also cpp, ir, cache)" "$R_RC: $R_ERR"
raw -q -d types -e 'begin { @a = 1; }'
expect_eq "-d types" "$(printf '(program\n  (probe\n    (attach "begin")\n    (block\n      (assign =\n        (map "a" : int64)\n        (int 1 : int8)))))')" "$R_ERR"
raw -q -d verifier -e 'begin { @a = 1; }'
expect_match "-d verifier: the verifier's log" '^processed [0-9]+ insns' "$R_ERR"
raw -q -d parse,codegen -e 'begin { @a = 1; }'
expect_match "-d parse,codegen: the AST" '^\(program$' "$R_ERR"
expect_match "-d parse,codegen: the IR" '^define .*@probe_0\(' "$R_ERR"

# 5. --probe-filter: only matching probes (begin/end always)
raw --probe-filter 'openat$' -l -e 'tracepoint:syscalls:sys_enter_open* { } begin { }'
expect_eq "--probe-filter" "$(printf '0:tracepoint:syscalls:sys_enter_openat\nbegin')" "$R_RC:$R_OUT"
raw --probe-filter 'zzz' -e 'tracepoint:syscalls:sys_enter_openat { }'
expect_eq "--probe-filter: nothing left" "1:No probes to attach:" "$R_RC:$R_OUT:$R_ERR"
raw --probe-filter '(' -e 'begin { }'
expect_eq "--probe-filter: a bad regex" "255: xtrace: Invalid --probe-filter regex '(': Unmatched ( or \\(" "$R_RC: $R_ERR"

# 6. --help and --version on stdout, in layouts scripts read
raw --help
expect_eq "--help: status, stderr" "0:" "$R_RC:$R_ERR"
expect_eq "--help: sections" "$(printf 'USAGE:\nOPTIONS:\nENVIRONMENT:\nEXAMPLES:')" "$(printf '%s\n' "$R_OUT" | grep -E '^[A-Z]+:$')"
expect_eq "--help: every option line starts with 4 spaces and a dash" "" \
	"$(printf '%s\n' "$R_OUT" | sed -n '/^OPTIONS:/,/^$/p' | grep -vE '^OPTIONS:$|^$|^    -|^                     ')"
raw -h
expect_eq "-h is --help" "$(timeout 10 "$XTRACE" --help)" "$R_OUT"
raw --bogus
expect_eq "a bad option: usage on stderr, status 1" "1:USAGE:" "$R_RC:$(printf '%s\n' "$R_ERR" | sed -n 2p)"
raw -V
expect_match "-V" '^xtrace v[0-9]+\.[0-9]+\.[0-9]+$' "$R_OUT"
raw --version
expect_eq "--version is -V" "$(timeout 10 "$XTRACE" -V)" "$R_OUT"

raw --fmt -e 'begin{}'
expect_eq "--fmt: the program formatted (tests/e2e/test_fmt.sh has the rest)" "0: :begin
{
}" "$R_RC: $R_ERR:$R_OUT"

# 7. --info: the system, the build, the probe types this kernel allows
raw --info
expect_eq "--info: sections" "$(printf 'System\nBuild\nKernel features\nProbe types')" "$(printf '%s\n' "$R_OUT" | grep -E '^[A-Z]')"
expect_match "--info: tracepoints" '^  tracepoint: yes$' "$R_OUT"
expect_match "--info: the version" "^  version: v[0-9.]+$" "$R_OUT"

# 8. --no-warnings, --usdt-file-activation
raw -q -e 'begin { warnf("careful"); printf("x\n"); }'
expect_eq "warnf without --no-warnings" "<stdin>:1:9-24: warning: careful" "$R_ERR"
raw -q --no-warnings -e 'begin { warnf("careful"); printf("x\n"); }'
expect_eq "--no-warnings" "0:x:" "$R_RC:$R_OUT:$R_ERR"
raw -q -k -e 'begin { @m[1] = 1; $v = @m[7]; $p = (uint64 *)8; printf("%d %d\n", $v, *$p); }'
expect_eq "-k: the value as without it" "0 0" "$(printf '%s\n' "$R_OUT" | head -1)"
expect_eq "-k: a missing key and a failed read warn, located" "<stdin>:1:25-29: warning: Can't lookup map element because it does not exist.
Additional Info - helper: map_lookup_elem, retcode: 0
begin { @m[1] = 1; \$v = @m[7]; \$p = (uint64 *)8; printf(\"%d %d\\n\", \$v, *\$p); }
                        ~~~~~
<stdin>:1:72-74: warning: Failed to read memory: Bad address
Additional Info - helper: probe_read_user, retcode: -14
begin { @m[1] = 1; \$v = @m[7]; \$p = (uint64 *)8; printf(\"%d %d\\n\", \$v, *\$p); }
                                                                       ~~~" "$R_ERR"
raw -q -e 'begin { @m[1] = 1; $v = @m[7]; printf("%d\n", $v); }'
expect_eq "without -k: quiet" "" "$R_ERR"
raw -q -k -f json -e 'begin { $p = (uint64 *)8; printf("%d\n", *$p); }'
expect_eq "-k, JSON: helper_error records" '{"type": "helper_error", "msg": "Bad address", "helper": "probe_read_user", "retcode": -14, "filename": "stdin", "line": 1, "col": 42}' "$(printf '%s\n' "$R_OUT" | head -1)"
raw -q -k --no-warnings -e 'begin { }'
expect_eq "-k with --no-warnings: an error" "1: xtrace: -k and --no-warnings cannot go together" "$R_RC: $R_ERR"
raw -kk -e 'begin { }'
expect_eq "-kk: an error (bpftrace 0.26)" "1: xtrace: -kk is gone (bpftrace 0.26); -k reports failed reads and map lookups" "$R_RC: $R_ERR"
raw -q --usdt-file-activation -e 'begin { printf("ok\n"); }'
expect_eq "--usdt-file-activation (always so)" "0:ok" "$R_RC:$R_OUT"

# 9. stats: 0.26's layout, 0.17's with XTRACE_STATS_LAYOUT=0.17
prog='begin { @lat["rd"] = stats(10); @lat["rd"] = stats(20); @lat["wr"] = stats(4); @avg = avg(7); }'
raw -q -e "$prog"
expect_eq "stats: 0.26" "$(printf '\n\n@avg: 7\n@lat[wr]: { .count = 1, .average = 4, .total = 4 }\n@lat[rd]: { .count = 2, .average = 15, .total = 30 }')" "$R_OUT"
R_OUT=$(XTRACE_STATS_LAYOUT=0.17 timeout 60 "$XTRACE" -q -e "$prog" | od -c)
expect_eq "stats: XTRACE_STATS_LAYOUT=0.17" "$(printf '\n\n@avg: 7\n\n@lat[wr]: count 1, average 4, total 4\n@lat[rd]: count 2, average 15, total 30\n\n' | od -c)" "$R_OUT"

# 10. truncated strings: the ".." trailer after max_strlen characters (0.26's
# count), none with XTRACE_STR_TRUNC_TRAILER=""; both 0.17 forms together
# are bpftrace 0.17's output (tests/e2e/test_strcount.sh checks the counts)
prog='config = { max_strlen = 5 } begin { printf("%s|%s\n", str("/usr/bin/true"), str("abc")); }'
raw -q -e "$prog"
expect_eq "trailer: 0.26" "/usr/..|abc" "$R_OUT"
R_OUT=$(XTRACE_STR_TRUNC_TRAILER= timeout 60 "$XTRACE" -q -e "$prog")
expect_eq "trailer: XTRACE_STR_TRUNC_TRAILER=\"\"" "/usr/|abc" "$R_OUT"
R_OUT=$(XTRACE_STR_TRUNC_TRAILER='~' timeout 60 "$XTRACE" -q -e "$prog")
expect_eq "trailer: XTRACE_STR_TRUNC_TRAILER=\"~\"" "/usr/~|abc" "$R_OUT"
R_OUT=$(XTRACE_STR_TRUNC_TRAILER= XTRACE_STR_COUNT=0.17 timeout 60 "$XTRACE" -q -e "$prog")
expect_eq "trailer and count of 0.17: XTRACE_STR_TRUNC_TRAILER=\"\" XTRACE_STR_COUNT=0.17" "/usr|abc" "$R_OUT"

# tseries: the chart (time column normalised: intervals start on the kernel's
# monotonic clock), several writes in one interval of an hour
H=3600000000000
raw -q -e "begin { @a = tseries(5, $H, 3); @a = tseries(7, $H, 3); @b[\"x\"] = tseries(5, $H, 3, \"sum\"); @b[\"x\"] = tseries(7, $H, 3, \"sum\"); @c = tseries(-3, $H, 2, \"avg\"); @c = tseries(3, $H, 2, \"avg\"); @c = tseries(-6, $H, 2, \"avg\"); @m = tseries(4, $H, 2, \"min\"); @m = tseries(2, $H, 2, \"min\"); }"
got=$(printf '%s\n' "$R_OUT" | sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2} /HH:MM:SS /')
chart() { # chart LO HI VALUE POS: one interval's chart
	local bar
	bar=$(printf '%*s' 51 '')
	printf '         %s%*s%s\nhh:mm:ss |%s|\nHH:MM:SS |%*s*%*s| %s\n         v%sv\n         %s%*s%s\n' \
		"$1" $((53 - ${#1} - ${#2})) '' "$2" "${bar// /_}" $(($4 - 1)) '' $((51 - $4)) '' "$3" "${bar// /_}" \
		"$1" $((53 - ${#1} - ${#2})) '' "$2"
}
want=$(printf '\n\n@a:\n%s\n\n@b[x]:\n%s\n\n@c:\n%s\n\n@m:\n%s' "$(chart 6 8 7 26)" "$(chart 11 13 12 26)" "$(chart -3 -1 -2 26)" "$(chart 1 3 2 26)")
expect_eq "tseries: last, sum, avg, min of one interval" "$want" "$got"
raw -q -f json -e "begin { @a = tseries(5, $H, 3); @a = tseries(7, $H, 3); }"
expect_match "tseries: JSON" '^\{"type": "tseries", "data": \{"@a": \[\{"interval_start":"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}","value":7\}\]\}\}$' "$R_OUT"
raw -q -e 'interval:ms:100 { @d = tseries(@n, 100000000, 50); @n += 2; } interval:ms:450 { exit(); }'
expect_match "tseries: sub-second intervals label .ms" '^hh:mm:ss\.ms  \|_{51}\|$' "$R_OUT"
expect_match "tseries: the first value at the left edge" '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} \* {51}\| 0$' "$R_OUT"

# 11. Builtins on a workload: comm(pid), func/usym/ustack with %s,
# ustack(build_id), signal_thread, write_user
fill="uprobe:$T/writeme:xt_fill"
xt -q -o "$XT_TMP/o.txt" -c "$T/writeme" -e "$fill { printf(\"%s|%s|%s\n\", comm(pid), func, usym(reg(\"ip\"))); }"
expect_eq "comm(pid), %s of func and usym" "0:writeme|xt_fill|xt_fill" "$XT_RC:$(cat "$XT_TMP/o.txt")"
bid=$(readelf -n "$T/writeme" | sed -n 's/.*Build ID: //p')
off=$(nm "$T/writeme" | sed -n 's/^0*\([0-9a-f]*\) T xt_fill$/\1/p')
xt -q -o "$XT_TMP/o.txt" -c "$T/writeme" -e "$fill { printf(\"%s\", ustack(build_id, 1)); }"
expect_eq "ustack(build_id): build id and file offset" "$(printf '\n    %s 0x%s' "$bid" "$off")" "$(cat "$XT_TMP/o.txt")"
xt -q -e 'begin { print(kstack(build_id)); }'
expect_eq "kstack(build_id) is an error" "1" "$XT_RC"
xt -q --unsafe -c "$T/writeme" -e "$fill { signal_thread(\"SIGUSR1\"); }"
expect_eq "signal_thread: SIGUSR1 reached the thread" "original usr1" "$XT_OUT"
xt -q -c "$T/writeme" -e "$fill { signal_thread(10); }"
expect_eq "signal_thread needs --unsafe" "1" "$XT_RC"
xt -q --unsafe -c "$T/writeme" -e "$fill { \$ok = write_user(arg0, \"patched\", 8); }"
refused="<stdin>:1:$((${#fill} + 10))-$((${#fill} + 39)): error: write_user(): this kernel does not let BPF programs write user memory (it refuses bpf_probe_write_user: lockdown, or no CAP_SYS_ADMIN)"
if [ "$XT_RC" = 1 ]; then # this kernel withholds the helper: the honest error
	expect_eq "write_user: refused" "$refused" "$(printf '%s\n' "$XT_ERR" | head -1)"
else
	expect_eq "write_user: the bytes written" "0:patched" "$XT_RC:$XT_OUT"
fi

# 12. cgroup_path(id): unified:PATH of a cgroup v2 directory
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -n "$cg2" ] && mkdir "$cg2/xtbi26.$$" 2>/dev/null; then
	xt -q -e "begin { printf(\"%s|%s\\n\", cgroup_path(cgroupid(\"$cg2/xtbi26.$$\")), cgroup_path(cgroupid(\"$cg2/xtbi26.$$\"), \"cpu\")); }"
	expect_eq "cgroup_path" "unified:/xtbi26.$$|" "$XT_OUT"
	rmdir "$cg2/xtbi26.$$"
else
	echo "# cgroup_path: no writable cgroup2 mount here, not checked"
fi
finish
