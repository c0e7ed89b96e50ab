#!/bin/bash
# The compile cache (repl/cache.h): a program run again takes its object from
# $XDG_CACHE_HOME/xtrace without loading LLVM; entries are keyed by text and
# options, damaged ones are replaced, concurrent writers leave one good entry,
# the folder stays under XTRACE_CACHE_MAX_KB, --no-cache bypasses it all.
# -d cache says what happened ("cache: hit PATH", "cache: miss, stored PATH").
. "$(dirname "$0")/lib.sh"
need_root
export XDG_CACHE_HOME=$XT_TMP/cache
C=$XDG_CACHE_HOME/xtrace
entries() { find "$C" -name '*.xtp' 2>/dev/null | wc -l; }

P='BEGIN { @a[1] = count(); printf("x %s %d\n", "y", 5); exit(); }'
want=$(printf 'x y 5\n\n\n@a[1]: 1')
xt -d cache -e "$P"
expect_match "a first run misses and stores" "^cache: miss, stored $C/[0-9a-f]{32}\.xtp$" "$XT_ERR"
expect_eq "its output" "$want" "$XT_OUT"
entry=$(find "$C" -name '*.xtp')
xt -d cache -e "$P"
expect_eq "a second run hits" "cache: hit $entry" "$XT_ERR"
expect_eq "with the same output" "0 $want" "$XT_RC $XT_OUT"

xt -d cache -e "$P "
expect_match "other text: a miss" '^cache: miss, stored' "$XT_ERR"
XTRACE_MAX_STRLEN=64 xt -d cache -e "$P"
expect_match "an option that changes code: a miss" '^cache: miss, stored' "$XT_ERR"
n=$(entries)
touch -d '2001-01-01' "$entry"
xt --no-cache -d cache -e "$P"
expect_eq "--no-cache: no cache line, the same output" "|0 $want" "$XT_ERR|$XT_RC $XT_OUT"
expect_eq "--no-cache: nothing stored, nothing used" "$n 2001" "$(entries) $(date -r "$entry" +%Y)"

# elapsed, ncpus and nsecs(sw_tai) are given when the object is loaded: a
# cached object counts elapsed from its own run (1.2 s after the run that
# stored it, a start compiled in would make it > 1 s)
E='BEGIN { $d = (int64)nsecs(sw_tai) - (int64)nsecs(tai); printf("%d %d %d\n", elapsed < 1000000000, ncpus, $d > -10000000 && $d < 10000000); exit(); }'
want_e="1 $(nproc) 1"
xt -d cache -e "$E"
expect_eq "elapsed, ncpus, sw_tai: stored" "miss, stored|$want_e" "$(sed -n 's/^cache: \(miss, stored\).*/\1/p' <<<"$XT_ERR")|$XT_OUT"
sleep 1.2
xt -d cache -e "$E"
expect_eq "elapsed, ncpus, sw_tai: a hit gives this run's values" "hit|$want_e" "$(sed -n 's/^cache: \(hit\).*/\1/p' <<<"$XT_ERR")|$XT_OUT"

# a damaged entry is a miss, replaced by a good one
printf 'garbage' >"$entry"
xt -d cache -e "$P"
expect_eq "a damaged entry: recompiled, replaced" \
	"cache: corrupt (not a compiled xtrace program), stored $entry|0 $want" "$XT_ERR|$XT_RC $XT_OUT"
xt -d cache -e "$P"
expect_eq "and then hit" "cache: hit $entry" "$XT_ERR"

# a hit maps no LLVM library while it traces (the miss before it did)
cp "$XT_TARGETS/getppid_loop" "$XT_TMP/xtcache_gppid"
T='tracepoint:syscalls:sys_enter_getppid /comm == "xtcache_gppid"/ { @calls = count(); }'
traced() {
	hold "$XT_TMP/xtcache_gppid" 11 wait
	if xt_start -d cache -e "$T"; then
		MAPS=$(grep -oE '[^/]*(libLLVM|libxtrace-llvm)[^ ]*' "/proc/$XT_PID/maps" | sort -u | tr '\n' ' ')
		release
		wait "$HELD_PID"
		xt_stop
	else
		release
	fi
}
traced
expect_match "a miss compiles: the code generator is mapped" 'libxtrace-llvm|libLLVM' "$MAPS"
expect_eq "and counts" "$(printf '\n\n@calls: 11')" "$XT_OUT"
traced
expect_eq "a hit: no LLVM library mapped" "" "$MAPS"
expect_match "a hit indeed" '^cache: hit ' "$XT_ERR"
expect_eq "and counts the same" "$(printf '\n\n@calls: 11')" "$XT_OUT"

# eight writers of one new program at once: all right, one good entry, no temporary left
Q='BEGIN { printf("concurrent %d\n", 8); exit(); }'
before=$(entries)
for i in $(seq 8); do
	(timeout 60 "$XTRACE" -q -e "$Q" >"$XT_TMP/c$i.out" 2>&1; echo $? >>"$XT_TMP/c$i.out") &
done
wait
ok=0
for i in $(seq 8); do [ "$(cat "$XT_TMP/c$i.out")" = "$(printf 'concurrent 8\n\n\n0')" ] && ok=$((ok + 1)); done
expect_eq "eight concurrent runs all print" 8 "$ok"
expect_eq "one entry more, no temporary file left" "$((before + 1)) 0" "$(entries) $(find "$C" -name '*.tmp' | wc -l)"
xt -d cache -e "$Q"
expect_match "the entry they left is good" '^cache: hit ' "$XT_ERR"

# a writer that died before its rename: its temporary goes after an hour
touch -d '2 hours ago' "$C/0123456789abcdef0123456789abcdef.xtp.4242.tmp"
touch "$C/fedcba9876543210fedcba9876543210.xtp.4343.tmp"
xt -q -e 'BEGIN { printf("tmp\n"); exit(); }'
expect_eq "a stale temporary is removed, a fresh one left" "fedcba9876543210fedcba9876543210.xtp.4343.tmp" \
	"$(cd "$C" && ls *.tmp)"

# bounded: the entries used longest ago go first
rm -rf "$C"
for i in 1 2 3 4 5; do
	XTRACE_CACHE_MAX_KB=1 xt -q -d cache -e "BEGIN { printf(\"$i\\n\"); exit(); }"
	sleep 0.01
done
expect_eq "the folder trimmed to its bound keeps nothing it cannot fit" "0" "$(entries)"
for i in 1 2 3 4 5; do
	xt -q -e "BEGIN { printf(\"$i\\n\"); exit(); }"
	touch -d "2020-01-0$i" "$(ls -t "$C"/*.xtp | head -1)"
done
kb=$(du -k --apparent-size -c "$C"/*.xtp | tail -1 | cut -f1)
size=$(stat -c %s "$(ls "$C"/*.xtp | head -1)")
XTRACE_CACHE_MAX_KB=$((size * 3 / 1024 + 1)) xt -q -d cache -e 'BEGIN { printf("6\n"); exit(); }'
expect_eq "a bound of about three entries keeps three" 3 "$(entries)"
xt -q -d cache -e 'BEGIN { printf("6\n"); exit(); }'
expect_match "the newest stays" '^cache: hit ' "$XT_ERR"
xt -q -d cache -e 'BEGIN { printf("5\n"); exit(); }'
expect_match "the one used last before it stays" '^cache: hit ' "$XT_ERR"
xt -q -d cache -e 'BEGIN { printf("1\n"); exit(); }'
expect_match "the oldest went" '^cache: miss' "$XT_ERR"

finish
