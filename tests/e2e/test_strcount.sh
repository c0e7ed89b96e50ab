#!/usr/bin/env bash
# String counts (issue 11, docs/output-format.md): as bpftrace 0.26, str()
# keeps max_strlen characters and str(p, n) n - 1 (n counts the NUL), a string
# that fills its buffer prints with the ".." trailer; XTRACE_STR_COUNT=0.17
# (or config str_count = "0.17") gives bpftrace 0.17's counts, max_strlen - 1
# and n. The strings are ones this test chooses: the file name an execve of
# /usr/bin/true passes (sys_enter_execve's filename, user memory) and
# tests/targets/bigstr's 1000-character string (a uprobe's arg0). With
# bpftrace installed (Debian's 0.17), the 0.17 forms are compared with it.
. "$(dirname "$0")/lib.sh"
need_root
EXEC='tracepoint:syscalls:sys_enter_execve /pid == cpid/'
TRUE=/usr/bin/true
[ -x "$TRUE" ] || skip "$TRUE is not there to exec"

# [PRE=TEXT] run NAME ENV... -- PROGRAM-BODY <<< EXPECTED: the body runs on
# the execve of /usr/bin/true (after PRE, e.g. a config block), with the
# environment words given; exit 0 and exactly that output (blank lines aside)
run() {
	local name=$1 want
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	want=$(cat)
	XT_OUT=$(env "${envs[@]}" timeout -k 5 60 "$XTRACE" -q -e "${PRE:-}$EXEC { $2 }" -c "$TRUE" 2>"$XT_TMP/stderr")
	XT_RC=$?
	expect_eq "$name" "0:$want" "$XT_RC:$(grep -v '^$' <<<"$XT_OUT")"
}

# -- bpftrace 0.26's counts (the default)
body='$f = args.filename; printf("%s|%s|%s|%s|%s|%s|%d|%d\n", str($f), str($f, 5), str($f, 3), str($f, 2), str($f, 1), str($f, 0), sizeof(str($f)), sizeof(str($f, 3)));'
run "0.26: max_strlen 5: str() keeps 5 characters, str(p, 5) 4, str(p, n) n - 1" BPFTRACE_MAX_STRLEN=5 -- "$body" <<<'/usr/..|/usr..|/u..|/..|||6|3'
run "0.26: a string that fits is untouched" -- "$body" <<<'/usr/bin/true|/usr..|/u..|/..|||1025|3'
run "0.26: max_strlen 14: fits; str(p, 14) fills its 14 bytes" BPFTRACE_MAX_STRLEN=14 -- \
	'printf("%s|%s|%s|%s\n", str(args.filename), str(args.filename, 15), str(args.filename, 14), str(args.filename, 13));' \
	<<<'/usr/bin/true|/usr/bin/true|/usr/bin/true..|/usr/bin/tru..'
# a string exactly max_strlen long fills str()'s buffer: it cannot be told from a longer one, as in 0.26
run "0.26: max_strlen 13: exactly full gets the trailer" BPFTRACE_MAX_STRLEN=13 -- 'print(str(args.filename));' <<<'/usr/bin/true..'
run "0.26: max_strlen 1" BPFTRACE_MAX_STRLEN=1 -- "$body" <<<'/..|/..|/..|/..|||2|2'
run "0.26: str(p, n) with n larger than max_strlen is cut to it" BPFTRACE_MAX_STRLEN=5 -- 'printf("%s|%d\n", str(args.filename, 64), sizeof(str(args.filename, 64)));' <<<'/usr/..|6'
# a length known at run time: n - 1 characters, at most max_strlen; cut by n, the buffer is not full: no trailer
run "0.26: run-time lengths" BPFTRACE_MAX_STRLEN=5 -- '$n = 5; $a = str(args.filename, $n); $n = 3; $b = str(args.filename, $n); $n = 1; $c = str(args.filename, $n);
	$n = 0; $d = str(args.filename, $n); $n = 100; printf("%s|%s|%s|%s|%s\n", $a, $b, $c, $d, str(args.filename, $n));' <<<'/usr|/u|||/usr/..'
run "0.26: map keys, values and tuples" BPFTRACE_MAX_STRLEN=5 -- '@k[str(args.filename)] = count(); @v = str(args.filename, 4); @t = (str(args.filename), 7);' <<'E'
@k[/usr/..]: 1
@t: (/usr/.., 7)
@v: /us..
E
run "0.26: let \$s: string holds str()" BPFTRACE_MAX_STRLEN=5 -- 'let $s: string; $s = str(args.filename); printf("%s %d\n", $s, sizeof($s));' <<<'/usr/.. 6'
# comm: the child xtrace forked, not yet /usr/bin/true
run "0.26: comm and literals: no trailer" BPFTRACE_MAX_STRLEN=5 -- 'printf("%s|%s|%s\n", comm, "/usr/bin/true", str("abcde"));' <<<'xtrace|/usr/bin/true|abcde'
run "0.26: XTRACE_STR_COUNT=0.26 is the default" XTRACE_STR_COUNT=0.26 BPFTRACE_MAX_STRLEN=5 -- "$body" <<<'/usr/..|/usr..|/u..|/..|||6|3'

# -- bpftrace 0.17's counts
run "0.17: max_strlen 5: str() keeps 4 characters, str(p, n) n" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=5 -- "$body" <<<'/usr..|/usr..|/us..|/u..|/..||5|4'
run "0.17: a string that fits is untouched" XTRACE_STR_COUNT=0.17 -- "$body" <<<'/usr/bin/true|/usr/..|/us..|/u..|/..||1024|4'
run "0.17: max_strlen 14: fits" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=14 -- 'printf("%s|%s|%s\n", str(args.filename), str(args.filename, 13), str(args.filename, 12));' \
	<<<'/usr/bin/true..|/usr/bin/true..|/usr/bin/tru..'
run "0.17: max_strlen 1" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=1 -- "$body" <<<'||||||1|1'
run "0.17: run-time lengths" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=5 -- '$n = 3; $a = str(args.filename, $n); $n = 0; $b = str(args.filename, $n); $n = 100; printf("%s|%s|%s\n", $a, $b, str(args.filename, $n));' \
	<<<'/us||/usr..'
run "0.17: map keys, values and tuples" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=5 -- '@k[str(args.filename)] = count(); @v = str(args.filename, 4); @t = (str(args.filename), 7);' <<'E'
@k[/usr..]: 1
@t: (/usr.., 7)
@v: /usr..
E
PRE='config = { max_strlen = 5; str_count = "0.17" } ' run "0.17: config str_count = \"0.17\"" -- \
	'printf("%s|%s|%d\n", str(args.filename), str(args.filename, 2), sizeof(str(args.filename)));' <<<'/usr..|/u..|5'
# the config block beats XTRACE_STR_COUNT, as it does XTRACE_BOOL_AS_INT
PRE='config = { max_strlen = 5; str_count = "0.26" } ' run "config str_count = \"0.26\" beats XTRACE_STR_COUNT=0.17" XTRACE_STR_COUNT=0.17 -- \
	'print(str(args.filename));' <<<'/usr/..'

# -- bad values: one diagnostic, exit 1
XT_OUT=$(XTRACE_STR_COUNT=0.18 timeout 60 "$XTRACE" -q -e 'begin { print(str("abc")); }' 2>&1)
expect_eq "a bad XTRACE_STR_COUNT" "1:<stdin>: error: XTRACE_STR_COUNT must be 0.17 or 0.26, not '0.18'" "$?:$XT_OUT"
xt -q -e 'config = { str_count = 17 } begin { }'
expect_eq "a bad config str_count" "1:<stdin>:1:24-25: error: config str_count must be one of '0.26', '0.17'
config = { str_count = 17 } begin { }
                       ~~" "$XT_RC:$XT_ERR"

# -- a long user string (tests/targets/bigstr: 1000 characters, 'a'..'z' repeated)
T=$(realpath "$XT_TARGETS/bigstr" 2>/dev/null)
if [ -x "$T" ]; then
	abc=abcdefghijklmnopqrstuvwxyz
	want=$(for i in $(seq 0 999); do printf "\\x$(printf %x $((97 + i % 26)))"; done)
	big() { # big NAME ENV... -- PROGRAM-BODY <<< EXPECTED (on xt_big)
		local name=$1 exp
		shift
		local envs=()
		while [ "$1" != -- ]; do envs+=("$1"); shift; done
		exp=$(cat)
		XT_OUT=$(env "${envs[@]}" timeout -k 5 60 "$XTRACE" -q -e "uprobe:$T:xt_big { $2 }" -c "$T" 2>"$XT_TMP/stderr")
		expect_eq "$name" "0:$exp" "$?:$(grep -v '^$' <<<"$XT_OUT")"
	}
	big "0.26: 1000 characters: max_strlen 1001 keeps them" BPFTRACE_MAX_STRLEN=1001 -- 'printf("%s|%d\n", str(arg0), strlen(str(arg0)));' <<<"$want|1000"
	big "0.26: max_strlen 1000: all of them, and the trailer (the buffer is full)" BPFTRACE_MAX_STRLEN=1000 -- 'printf("%s|%d\n", str(arg0), strlen(str(arg0)));' <<<"$want..|1000"
	big "0.26: max_strlen 26" BPFTRACE_MAX_STRLEN=26 -- 'printf("%s|%s|%s\n", str(arg0), str(arg0, 27), str(arg0, 26));' <<<"$abc..|$abc..|${abc:0:25}.."
	big "0.17: max_strlen 26" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=26 -- 'printf("%s|%s|%s\n", str(arg0), str(arg0, 27), str(arg0, 25));' <<<"${abc:0:25}..|${abc:0:25}..|${abc:0:25}.."
	big "0.17: max_strlen 1001: 1000 characters" XTRACE_STR_COUNT=0.17 BPFTRACE_MAX_STRLEN=1001 -- 'printf("%s|%d\n", str(arg0), strlen(str(arg0)));' <<<"$want..|1000"
else
	echo "# tests/targets/bigstr is not built: its checks are left out"
fi

# -- the compile cache keeps the two counts apart (the fingerprint has them)
export XDG_CACHE_HOME=$XT_TMP/cache
P='config = { max_strlen = 5 } begin { print(str("/usr/bin/true")); }'
xt -d cache -e "$P"
expect_eq "cache: 0.26 compiled and stored" "miss|/usr/.." "$(sed -n 's/^cache: \(miss\), stored.*/\1/p' <<<"$XT_ERR")|$(grep -v '^$' <<<"$XT_OUT")"
XTRACE_STR_COUNT=0.17 xt -d cache -e "$P"
expect_eq "cache: XTRACE_STR_COUNT=0.17 is another entry" "miss|/usr.." "$(sed -n 's/^cache: \(miss\), stored.*/\1/p' <<<"$XT_ERR")|$(grep -v '^$' <<<"$XT_OUT")"
XTRACE_STR_COUNT=0.17 xt -d cache -e "$P"
expect_eq "cache: ... which a second run finds" "hit|/usr.." "$(sed -n 's/^cache: \(hit\) .*/\1/p' <<<"$XT_ERR")|$(grep -v '^$' <<<"$XT_OUT")"
xt -d cache -e "$P"
expect_eq "cache: and 0.26's is still 0.26's" "hit|/usr/.." "$(sed -n 's/^cache: \(hit\) .*/\1/p' <<<"$XT_ERR")|$(grep -v '^$' <<<"$XT_OUT")"
unset XDG_CACHE_HOME

# -- a compiled program file (--emit) keeps the count it was compiled with
XTRACE_STR_COUNT=0.17 xt --emit "$XT_TMP/p17.xtp" -e "$P"
xt -q "$XT_TMP/p17.xtp"
expect_eq "--emit with XTRACE_STR_COUNT=0.17: the file runs with 0.17's count" "0:/usr.." "$XT_RC:$(grep -v '^$' <<<"$XT_OUT")"
xt --emit "$XT_TMP/p26.xtp" -e "$P"
xt -q "$XT_TMP/p26.xtp"
expect_eq "--emit: 0.26's" "0:/usr/.." "$XT_RC:$(grep -v '^$' <<<"$XT_OUT")"

# -- XTRACE_STR_COUNT=0.17 with XTRACE_STR_TRUNC_TRAILER="" is bpftrace 0.17's
# output (its BPFTRACE_STRLEN is our max_strlen)
BPFTRACE=${BPFTRACE:-$(command -v bpftrace)}
if [ -n "$BPFTRACE" ] && "$BPFTRACE" --version 2>/dev/null | grep -q 'v0\.17\.'; then
	for len in 5 1 14 64; do
		P="$EXEC { printf(\"%s|%s|%s|%s|%s\n\", str(args->filename), str(args->filename, 3), str(args->filename, 0), str(args->filename, 1), str(args->filename, 13)); }"
		bt=$(BPFTRACE_STRLEN=$len timeout -k 5 60 "$BPFTRACE" -e "$P" -c "$TRUE" 2>/dev/null | grep '|')
		ours=$(XTRACE_STR_COUNT=0.17 XTRACE_STR_TRUNC_TRAILER= BPFTRACE_MAX_STRLEN=$len timeout -k 5 60 "$XTRACE" -q -e "$P" -c "$TRUE" 2>/dev/null | grep '|')
		if [ -z "$bt" ]; then fail "bpftrace 0.17 with BPFTRACE_STRLEN=$len printed nothing"; continue; fi
		expect_eq "0.17's counts, no trailer: as bpftrace 0.17 with BPFTRACE_STRLEN=$len" "$bt" "$ours"
	done
else
	echo "# bpftrace 0.17 is not installed: no comparison with it"
fi
finish
