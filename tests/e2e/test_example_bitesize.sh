#!/usr/bin/env bash
# examples/bitesize.xt: 20 direct 64 KiB writes, made once xtrace has
# attached, show as dd's [64K, 128K) bucket.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
D=${XT_SOURCE_DIR:-.}/build-bitesize.tmp.$$
if xt_start "$EX/bitesize.xt"; then
	dd if=/dev/zero of="$D" bs=64k count=20 oflag=direct 2>/dev/null
	rm -f "$D"
	xt_stop INT
else
	fail "xtrace attaches" "$XT_ERR"
	finish
fi
# bucket COMM: the [64K, 128K) count in @bytes[COMM]
bucket() {
	printf '%s\n' "$XT_OUT" | awk -v h="@bytes[$1]:" '$0 == h { on = 1; next } /^$/ { on = 0 }
		on && /^\[64K, 128K\)/ { print $3 }'
}
n=$(bucket dd)
if [ -z "$n" ] && ! printf '%s' "$XT_OUT" | grep -q '@bytes'; then skip "no block I/O seen (is $D on a block device?)"; fi
# A request is counted under whoever issues it to the device: dd, or the
# block layer's kworker when the device was busy (a loaded machine) and the
# request waited in a queue. So: dd by name, and all 20 between them.
k=0
for c in $(printf '%s\n' "$XT_OUT" | sed -n 's/^@bytes\[\(kworker[^]]*\)\]:$/\1/p'); do
	k=$((k + $(bucket "$c" | grep . || echo 0)))
done
[ "${n:-0}" -ge 1 ] && pass "dd's 64 KiB requests by name ($n)" || fail "dd's 64 KiB requests by name" "$XT_OUT"
[ $((${n:-0} + k)) -ge 20 ] && pass "all 20 of them (dd $n, kworkers $k)" || fail "all 20 of them" "$XT_OUT"
finish
