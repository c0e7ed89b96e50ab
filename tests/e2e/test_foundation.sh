# The foundation, end to end: counting openat by process on a program that
# calls it exactly 37 times, both block spellings, histograms, exit paths,
# output options and the diagnostics for the three classic mistakes.
. "$(dirname "$0")/lib.sh"
need_root
T=$XT_TARGETS

# 1. count by comm, traced from the first instruction of a -c command
xt -q -e 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @[comm] = count(); }' -c "$T/openat37"
expect_eq "count openat of a -c command" "$(printf '\n\n@[openat37]: 37')" "$XT_OUT"
expect_eq "exit status 0" 0 "$XT_RC"
braces=$XT_OUT

# 2. the < ... > spelling gives the same output
xt -q -e 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ < @[comm]=count(); >' -c "$T/openat37"
expect_eq "< > block is the same program" "$braces" "$XT_OUT"

# 3. args fields, str() of a user pointer, the t alias and -> access
xt -q -e 't:syscalls:sys_enter_openat /pid == cpid/ { @files[str(args->filename)] = count(); @flags = sum(args.flags); }' -c "$T/openat37"
expect_eq "args.filename and args.flags" "$(printf '\n\n@files[/dev/null]: 37\n@flags: 0')" "$XT_OUT"

# 4. hist and lhist draw bpftrace's layout (every openat returns fd 3)
xt -q -e 'tracepoint:syscalls:sys_exit_openat /pid == cpid/ { @h = hist(args.ret); @l = lhist(args.ret, 0, 10, 2); }' -c "$T/openat37"
expect_eq "hist and lhist layout" "$(printf '\n\n@h:\n[2, 4)                37 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@l:\n[2, 4)                37 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n')" "$XT_OUT"

# 5. a hist over several buckets, from values the program controls
xt -q -e 'BEGIN { @h = hist(0); @h = hist(1); @h = hist(2); @h = hist(3); @h = hist(100); @h = hist(-1); exit(); }'
expect_eq "hist buckets" "$(printf '\n\n@h:\n(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[4, 8)                 0 |                                                    |\n[8, 16)                0 |                                                    |\n[16, 32)               0 |                                                    |\n[32, 64)               0 |                                                    |\n[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n')" "$XT_OUT"

# 6. printf through the ring buffer, with widths and flags
xt -q -e 'BEGIN { printf("%s|%5d|%-5d|%05d|%x|%X|%c|%%|%u\n", "ab", 42, 7, 42, 255, 255, 65, 3); exit(); }'
expect_eq "printf conversions" "ab|   42|7    |00042|ff|FF|A|%|3" "$XT_OUT"

# 7. sorted maps, aggregations, integer arithmetic, string compare, if/else
xt -q -e 'BEGIN { @c[3] = count(); @c[1] = count(); @c[1] = count(); @c[2] = count(); @c[2] = count(); @c[2] = count();
  @s = sum(10); @s = sum(-3); @mn = min(5); @mn = min(-2); @mx = max(5); @mx = max(9); @a = avg(4); @a = avg(8);
  $x = 7; @arith = ($x * 6 + 1) % 10 - 20 / 3 + (1 << 4) - (-7 / 2);
  if (comm == "xtrace") { @cmp = 1; } else if (comm != "x") { @cmp = 2; } else { @cmp = 3; }
  @div0 = 5 / ($x - 7); exit(); }'
# (bpftrace 0.26: no blank line after an avg map, 0.17 printed one; a divide by 0 is 1, with a warning on stderr)
expect_eq "aggregations and expressions" "$(printf '\n\n@a: 6\n@arith: 16\n@c[3]: 1\n@c[1]: 2\n@c[2]: 3\n@cmp: 1\n@div0: 1\n@mn: -2\n@mx: 9\n@s: 7')" "$XT_OUT"

# 8. a wildcard is one program attached per match, told apart by `probe`
xt -q -e 'tracepoint:syscalls:sys_enter_open* /pid == cpid/ { @[probe] = count(); }' -c "$T/openat37"
expect_eq "wildcard with probe" "$(printf '\n\n@[tracepoint:syscalls:sys_enter_openat]: 37')" "$XT_OUT"

# 9. the same through perf-event tracepoints instead of the raw syscall path
XTRACE_NO_RAW_SYSCALLS=1 xt -q -e 'tracepoint:syscalls:sys_enter_open* /pid == cpid/ { @[probe] = count(); }' -c "$T/openat37"
expect_eq "wildcard with cookies on perf-event tracepoints" "$(printf '\n\n@[tracepoint:syscalls:sys_enter_openat]: 37')" "$XT_OUT"

# 10. interval ends the program; -o FILE, with bpftrace 0.26's "Attached"
# line (on stderr) and with 0.17's "Attaching" line (in the file)
xt -o "$XT_TMP/out.txt" -e 'interval:ms:100 { @ticks = count(); exit(); }'
# Only the results go to the file; the two blank lines before the final maps
# stay on the terminal, as bpftrace writes them.
expect_eq "-o FILE" "@ticks: 1" "$(cat "$XT_TMP/out.txt")"
expect_eq "-o leaves only blank lines on stdout" "" "$XT_OUT"
xt --attach-line 0.17 -o "$XT_TMP/out.txt" -e 'interval:ms:100 { @ticks = count(); exit(); }'
expect_eq "-o FILE, 0.17's line" "$(printf 'Attaching 1 probe...\n@ticks: 1')" "$(cat "$XT_TMP/out.txt")"

# 11. SIGINT and SIGTERM print the maps, exit 0 and detach everything
for sig in INT TERM; do
	if xt_start -e 'BEGIN { @started = 1; @sig'$$' = 1; } interval:ms:50 { @sig'$$' = 1; }'; then
		xt_stop $sig
		expect_eq "SIG$sig exit status" 0 "$XT_RC"
		expect_eq "SIG$sig prints the maps" "$(printf '\n\n@sig%s: 1\n@started: 1' $$)" "$XT_OUT"
	else
		fail "SIG$sig: xtrace attaches" "$XT_ERR"
	fi
	expect_nothing_left "nothing left in the kernel after SIG$sig" "sig$$"
done

# 12. -p PID filters every probe on that process: 50 getppid and its exit
hold "$T/getppid_loop" 50 wait
xt_held -p $HELD_PID -e 'tracepoint:raw_syscalls:sys_enter { @[pid == '$HELD_PID'] = count(); }'
expect_eq "-p filters other processes out" "@[true]: 51" "$(printf '%s\n' "$XT_OUT" | sed '/^$/d')$XT_ERR"

# 13. the three classic mistakes: one diagnostic each, span marked, exit 1
xt -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = coutn(); }'
expect_eq "misspelt builtin" "<stdin>:1:50-54: error: unknown function 'coutn'; did you mean 'count'?
tracepoint:syscalls:sys_enter_openat { @[comm] = coutn(); }
                                                 ~~~~~" "$XT_ERR"
expect_eq "misspelt builtin exits 1" 1 "$XT_RC"
xt -e 'tracepoint:syscalls:sys_enter_opnat { @ = count(); }'
expect_eq "unknown tracepoint" "<stdin>:1:1-35: error: unknown tracepoint 'syscalls:sys_enter_opnat'; did you mean 'syscalls:sys_enter_openat'?
tracepoint:syscalls:sys_enter_opnat { @ = count(); }
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~" "$XT_ERR"
expect_eq "unknown tracepoint exits 1" 1 "$XT_RC"
xt -e 'BEGIN { @x = 1; } tracepoint:syscalls:sys_enter_openat { @x = comm; }'
expect_eq "type mismatch across probes" "<stdin>:1:58-66: error: type mismatch for @x: assigning string[16], but it holds int64
BEGIN { @x = 1; } tracepoint:syscalls:sys_enter_openat { @x = comm; }
                                                         ~~~~~~~~~" "$XT_ERR"
expect_eq "type mismatch exits 1" 1 "$XT_RC"
expect_eq "no output on errors" "" "$XT_OUT"
xt -e 'BEGIN { @err'$$' = 1; } tracepoint:syscalls:sys_enter_openat { @err'$$' = comm; }'
expect_eq "a rejected program exits 1" 1 "$XT_RC"
expect_nothing_left "nothing left in the kernel after an error" "err$$"

# 13b. a verifier rejection names the probe and shows the end of the verifier's log
# (nine range loops nested, each a bpf_loop callback: "the call stack of 9
# frames is too deep"; the probe is named as `probe` names it)
deep='@vr'$$'[$i] = 1;'
for v in i h g f e d c b a; do deep="for (\$$v : 0..@n$$) { $deep }"; done
xt -e "BEGIN { @n$$ = 1; $deep exit(); }"
expect_eq "verifier rejection exits 255 (a load failure, as bpftrace)" 255 "$XT_RC"
expect_match "verifier rejection names the probe" "^<stdin>:1:1-[0-9]+: error: the kernel's verifier rejected begin$" "$XT_ERR"
expect_match "verifier rejection shows the verifier's words" "^processed [0-9]+ insns" "$XT_ERR"
expect_nothing_left "nothing left in the kernel after a rejection" "vr$$"

# 14. a script file with a #! line and comments
printf '#!/usr/bin/env xtrace\n// count\nBEGIN { /* c */ @n = count(); exit(); }\n' > "$XT_TMP/s.xt"
xt -q "$XT_TMP/s.xt"
expect_eq "script file" "$(printf '\n\n@n: 1')" "$XT_OUT"

# 15. without BPF rights: one sentence, exit 1
if command -v setpriv >/dev/null; then
	xt_out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$XTRACE" -e 'BEGIN { exit(); }' 2>&1)
	rc=$?
	expect_eq "unprivileged exits 1" 1 "$rc"
	expect_match "unprivileged sentence" '^xtrace: loading BPF programs needs root' "$xt_out"
fi

# 16. The ring buffer's size follows what the program sends: 4 MiB when its
#     statements send records (a printf flood must not outrun the reader),
#     256 KiB when only exit(), warnings and -k's reports could use it (the
#     kernel maps each of its pages into xtrace twice: 7.5 MB of RSS less).
ring_size() { # the max_entries of xtrace's ring-buffer map (map_type 27), read from its fds
	local f
	for f in /proc/"$XT_PID"/fdinfo/*; do
		grep -qs '^map_type:[[:space:]]*27$' "$f" && sed -n 's/^max_entries:[[:space:]]*//p' "$f"
	done
}
for c in 'interval:s:9 { @n = count(); }|262144' 'interval:s:9 { @n = count(); if (@n > 5) { exit(); } }|262144' \
	'interval:s:9 { printf("x\n"); }|4194304' 'BEGIN { print(1); } interval:s:9 { @n = count(); }|4194304'; do
	if xt_start -e "${c%|*}"; then
		expect_eq "ring buffer of '${c%|*}'" "${c#*|}" "$(ring_size)"
		xt_stop
	else
		fail "ring buffer of '${c%|*}': did not start" "$XT_ERR"
	fi
done
finish
