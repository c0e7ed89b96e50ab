#!/usr/bin/env bash
# A uprobe on a function whose first instruction is EVEX-encoded (AVX-512):
# where this kernel steps such instructions wrongly (measured by xtrace once,
# stdlib/uprobe_evex.c) the probe is refused with the reason, alone an error
# and in a list left out with a warning, so the program computes what it
# computes untraced; where the kernel steps them right, the probe works.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS")/evexfn
"$T" 10 >/dev/null 2>&1
[ $? = 2 ] && skip "no AVX-512 on this CPU"
want=$("$T" 1000)
xt -q -c "$T 1000" -e "uprobe:$T:broadcast { @n = count(); }"
if [ "$XT_RC" = 255 ]; then  # the kernel refused the attachment: 255, as bpftrace
	expect_match "alone: refused with the reason" \
		"error: cannot attach uprobe:$T:broadcast: its first instruction is EVEX-encoded \(AVX-512\), which this kernel's uprobes execute wrongly" "$XT_ERR"
	xt -q -c "$T 1000" -e "uprobe:$T:broadcast, uprobe:$T:main { @[probe] = count(); }"
	expect_eq "in a list: the others attach, the program's result unchanged" "$want
@[uprobe:$T:main]: 1" "$(printf '%s\n' "$XT_OUT" | grep .)"
	expect_match "in a list: a warning" "warning: uprobe:$T:broadcast left out: its first instruction is EVEX-encoded" "$XT_ERR"
else
	expect_eq "the kernel steps EVEX right: traced, the result unchanged" "$want
@n: 1000" "$(printf '%s\n' "$XT_OUT" | grep .)"
fi
finish
