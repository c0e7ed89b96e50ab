#!/usr/bin/env bash
# examples/bitesize.xt: 20 direct 64 KiB writes show as dd's [64K, 128K) bucket.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
D=${XT_SOURCE_DIR:-.}/build-bitesize.tmp.$$
(sleep 0.5; dd if=/dev/zero of="$D" bs=64k count=20 oflag=direct 2>/dev/null; rm -f "$D") &
XT_TIMEOUT=2 xt -q "$EX/bitesize.xt"
wait
rm -f "$D"
n=$(printf '%s\n' "$XT_OUT" | sed -n '/^@bytes\[dd\]/,/^$/p' | sed -n 's/^\[64K, 128K) *\([0-9]*\).*/\1/p')
if [ -z "$n" ] && ! printf '%s' "$XT_OUT" | grep -q '@bytes'; then skip "no block I/O seen (is $D on a block device?)"; fi
[ "${n:-0}" -ge 20 ] && pass "dd's 64 KiB requests ($n)" || fail "dd's 64 KiB requests" "$XT_OUT"
finish
