#!/usr/bin/env bash
# uprobe/uretprobe: exact hit counts, arg0 histograms, retval and str(retval),
# func by name, wildcards with cookies, library probes (u:libc:...), offsets.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/ucalls")
[ -x "$T" ] || skip "tests/targets/ucalls is not built"

xt -q -e "uprobe:$T:xt_add { @ = count(); }" -c "$T 1000"
expect_eq "uprobe counts 1000 calls" "@: 1000" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "u:$T:xt_add { @ = hist(arg0); }" -c "$T 800"
expect_eq "arg0 histogram" "@:
[0]                  100 |@@@@@@@@@@@@@                                       |
[1]                  100 |@@@@@@@@@@@@@                                       |
[2, 4)               200 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[4, 8)               400 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@:/,/^$/p' | sed '/^$/d')"

xt -q -e "uretprobe:$T:xt_name { @[str(retval)] = count(); }" -c "$T 10"
expect_eq "uretprobe str(retval)" "@[even]: 5
@[odd]: 5" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "ur:$T:xt_add { @[retval] = count(); }" -c "$T 16"
expect_eq "uretprobe retval" "$(for i in 1 2 3 4 5 6 7 8; do echo "@[$i]: 2"; done)" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "uprobe:$T:xt_* { @[probe] = count(); }" -c "$T 30"
expect_eq "wildcard: one program, told apart by cookies" "@[uprobe:$T:xt_name]: 10
@[uprobe:$T:xt_add]: 30" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "uprobe:$T:xt_* { @[func] = count(); }" -c "$T 20000"
expect_eq "func prints the function's name" "@[xt_name]: 10
@[xt_add]: 20000" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "u:libc:a64l { @ = count(); }" -c "$T 5"
expect_eq "library probe resolved like the dynamic linker (u:libc:a64l)" "@: 7" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "uprobe:$T:xt_add+4 { @ = count(); }" -c "$T 50"
expect_eq "FUNC+OFFSET" "@: 50" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

addr=$(nm "$T" | awk '$3 == "xt_add" { print "0x" $1 }')
xt -q -e "uprobe:$T:$addr { @ = count(); }" -c "$T 60"
expect_eq "0xADDRESS" "@: 60" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -e "uprobe:$T:xt_ad { @ = count(); }"
expect_eq "unknown function: exit 1" 1 "$XT_RC"
expect_match "unknown function: suggestion" "no function 'xt_ad' in $T; did you mean 'xt_add'\\?" "$XT_ERR"

xt -e "uprobe:/nonexistent/bin:f { @ = count(); }"
expect_match "missing binary" "cannot find '/nonexistent/bin'" "$XT_ERR"

xt -e "uretprobe:$T:xt_add { @ = sum(arg0); }"
expect_match "arguments are gone on return" "uretprobe probes have retval, not arg0" "$XT_ERR"

xt -q -e "uprobe:$T:xt_add { @upleft = count(); }" -c "$T 3"
expect_nothing_left "nothing left in the kernel" upleft
finish
