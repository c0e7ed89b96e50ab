#!/usr/bin/env bash
# Integer scratch variables keep the width and sign of their first typed
# value (bpftrace): bswap(), printf, maps, comparisons, print() and JSON see
# them; a sign mismatch warns, a literal that does not fit is an error; a
# literal-first variable stays 64-bit. uptr(arr), kptr(arr) and
# printf("%p", arr) decay an array in memory to a pointer to its first
# element, in kernel memory and in tests/targets/cstructs. Exact output.
. "$(dirname "$0")/lib.sh"
need_root
XTRACE=$(realpath "$XTRACE")
T=$(realpath "$XT_TARGETS/cstructs" 2>/dev/null)
cd "$XT_TMP" || exit 1

# check NAME STATUS EXPECTED-STDOUT EXPECTED-STDERR (after xt)
check() {
	if [ "$XT_RC" = "$2" ] && [ "$XT_OUT" = "$3" ] && [ "$XT_ERR" = "$4" ]; then pass "$1"; else
		fail "$1" "$(printf -- 'status %s (want %s)\n--- expected stdout\n%s\n--- actual stdout\n%s\n--- expected stderr\n%s\n--- actual stderr\n%s' \
			"$XT_RC" "$2" "$3" "$XT_OUT" "$4" "$XT_ERR")"; fi
}

# -- the sign-mismatch warning (bpftrace 0.26: a warning, not an error), for
# a declared and for an inferred variable; the value is converted
xt -q -e 'begin { let $a: uint32 = 1; $a = (int32)-1; print($a); }'
check "sign mismatch warns (declared type)" 0 "4294967295" \
'<stdin>:1:29-42: warning: sign mismatch: assigning int32 to $a, which holds uint32; the value is converted as (uint32) converts it
begin { let $a: uint32 = 1; $a = (int32)-1; print($a); }
                            ~~~~~~~~~~~~~~'
xt -q -e 'begin { $a = (int16)-2; $a = (uint16)65535; printf("%d\n", $a); }'
check "sign mismatch warns (type of the first value)" 0 "-1" \
'<stdin>:1:25-42: warning: sign mismatch: assigning uint16 to $a, which holds int16; the value is converted as (int16) converts it
begin { $a = (int16)-2; $a = (uint16)65535; printf("%d\n", $a); }
                        ~~~~~~~~~~~~~~~~~~'
# no warning: a narrower unsigned value always fits a signed variable; a
# literal-first variable is int64 and takes any integer, as before
xt -q -e 'begin { $y = (int32)-5; $y = (uint16)7; $y = (uint8)1; $x = 0; $x = nsecs; $x = (uint64)18446744073709551615; printf("%d %lu\n", $y, $x); }'
check "no warning where no value changes sign or a literal came first" 0 "1 18446744073709551615" ''

# -- a literal must fit the variable's type; a cast converts it
xt -q -e 'begin { let $a: uint16 = -1; }'
check "a literal that does not fit a declared type" 1 "" \
'<stdin>:1:26-27: error: the value -1 does not fit in $a'"'"'s type uint16; a cast, as in (uint16)-1, converts it
begin { let $a: uint16 = -1; }
                         ~~'
xt -q -e 'begin { $a = (uint16)-1; $b = (int8)1; $b = -128; $c = (uint8)0; $c = 255; printf("%d %d %d\n", $a, $b, $c); }'
check "(uint16)-1 converts; literals that fit" 0 "65535 -128 255" ''

# -- a wider typed value widens the variable (every use sees the widest)
xt -q -e 'begin { $a = (uint16)1; $a = (uint32)70000; print($a); print(bswap($a)); }'
check "a wider value widens the variable" 0 "70000
1880162560" ''

# -- print() and JSON see the width and sign
xt -q -f json -e 'begin { $e = (int8)-1; $h = (uint32)4000000000; print($e); print($h); @a[$e] = $h; print(($e, $h)); }'
check "JSON of narrow variables" 0 '{"type": "value", "data": -1}
{"type": "value", "data": 4000000000}
{"type": "value", "data": [-1,4000000000]}
{"type": "map", "data": {"@a": {"-1": 4000000000}}}' ''

# -- decays in kernel memory: in BEGIN, curtask is xtrace itself
xt -q -e 'begin { printf("%d %d %s %c\n", kptr(curtask->comm) == &curtask->comm[0], uptr(curtask->comm) == curtask->comm + 0, str(kptr(curtask->comm)), *kptr(curtask->comm)); printf("%p %p\n", curtask->comm, &curtask->comm[0]); }'
set -- $XT_OUT
if [ "$XT_RC" = 0 ] && [ "$1 $2 $3 $4" = "1 1 xtrace x" ] && [[ $5 == 0x* ]] && [ "$5" = "$6" ] && [ -z "$XT_ERR" ]; then
	pass "kptr(arr), uptr(arr), %p of an array in kernel memory"
else
	fail "kptr(arr), uptr(arr), %p of an array in kernel memory" "$(printf 'status %s\n%s\n%s' "$XT_RC" "$XT_OUT" "$XT_ERR")"
fi

# -- in user memory: tests/targets/cstructs's struct item (defined as its
# source has it), a field of a narrow integer kept in a variable, and arrays
# through uptr() and %p
if [ -x "$T" ]; then
	cat > item.bt <<EOF
struct inner { short s; union { int i; char c[6]; } u; };
struct flags { unsigned int ready:1, mode:3, level:12; int delta:5; };
struct item {
	int id;
	char name[16];
	struct inner in;
	struct flags fl;
	long grid[2][3];
	struct item *next;
	struct item **pp;
	const char *label;
	unsigned char bytes[4];
};
uprobe:$T:visit {
	\$it = (struct item *)arg0;
	printf("%s %d %d\n", str(uptr(\$it->name)), uptr(\$it->bytes)[3], (uint64)uptr(\$it->name) - (uint64)\$it);
	printf("%p %p\n", \$it->name, &\$it->name[0]);
	\$s = \$it->in.s;
	\$b = \$it->bytes[3];
	printf("%d %u %x %d %d\n", \$s, \$s, bswap(\$s), \$b, bswap(\$b));
	\$s = \$it->bytes[3];
	print(\$s);
}
EOF
	xt -q -c "$T" item.bt
	first=$(printf '%s\n' "$XT_OUT" | sed -n 1p) rest=$(printf '%s\n' "$XT_OUT" | sed -n '3,4p')
	set -- $(printf '%s\n' "$XT_OUT" | sed -n 2p)
	if [ "$XT_RC" = 0 ] && [ "$first" = "seven 250 4" ] && [[ ${1:-} == 0x* ]] && [ "$1" = "${2:-}" ] &&
	   [ "$rest" = "-3 4294967293 fdff 250 250
250" ] && [ -z "$XT_ERR" ]; then
		pass "uptr(arr), %p of an array and narrow fields in variables, user memory"
	else
		fail "uptr(arr), %p of an array and narrow fields in variables, user memory" \
			"$(printf 'status %s\n%s\n%s' "$XT_RC" "$XT_OUT" "$XT_ERR")"
	fi
	# a copy of an array has no address
	sed -i 's/^\tprintf("%s %d %d\\n".*$/\t$c = $it->bytes; print(uptr($c));/' item.bt
	xt -q -c "$T" item.bt
	expect_match "uptr() of an array copy says why" \
		"error: uptr\(\) needs an address: this uint8\[4\] is a copy, which has no address" "$XT_ERR"
	[ "$XT_RC" = 1 ] && pass "uptr() of an array copy: status 1" || fail "uptr() of an array copy: status 1" "status $XT_RC"
else
	fail "tests/targets/cstructs is not built"
fi
finish
