#!/usr/bin/env bash
# --fmt (bpftrace 0.25): exact output for small programs (comments and
# preprocessor lines in place); then for every examples/*.xt and every
# /usr/sbin/*.bt: formatting keeps every character but white space, is
# idempotent, and the formatted program has the same `-d ast` dump.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

# fmt FILE: `xtrace --fmt FILE`: $F_OUT, $F_ERR, $F_RC
fmt() {
	F_OUT=$(timeout -k 5 60 "$XTRACE" --fmt "$@" 2>"$XT_TMP/fmt.err")
	F_RC=$?
	F_ERR=$(cat "$XT_TMP/fmt.err")
}

# 1. Exact output
fmt -e 'BEGIN{printf("hi\n");@a[1,"x"]=-1;if($x>1){@b++}else{@c=(uint8)-2;$p=(struct task_struct *)curtask;}} // done'
expect_eq "a one-liner" "0:
BEGIN
{
	printf(\"hi\\n\");
	@a[1, \"x\"] = -1;
	if (\$x > 1) {
		@b++
	} else {
		@c = (uint8)-2;
		\$p = (struct task_struct *)curtask;
	}
} // done" "$F_RC:$F_ERR
$F_OUT"
fmt -e 'macro twice(x){x*2} begin{print(twice!(4));if(!twice  !(0)){print(1)}}'
expect_eq "a macro's call NAME!(args) stays glued" "0:
macro twice(x)
{
	x * 2
}

begin
{
	print(twice!(4));
	if (!twice!(0)) {
		print(1)
	}
}" "$F_RC:$F_ERR
$F_OUT"

cat >"$XT_TMP/c.bt" <<'EOF'
#!/usr/bin/env bpftrace
/* header
 * block */
#include <linux/sched.h>
#define TWICE(x) ((x) * 2)
tracepoint:syscalls:sys_enter_read,tracepoint:syscalls:sys_enter_write /pid==1/ { // trailing
  @x = count();   // c2


     // own line
  @y = sum(TWICE(args.count)); /* inline */ @z = 1;
#ifdef XTRACE
  printf("%d %s\n",
      pid, comm);
#endif
}
END{clear(@x);}
// the end
EOF
fmt "$XT_TMP/c.bt"
expect_eq "comments and preprocessor lines stay in place" "0:
#!/usr/bin/env bpftrace
/* header
 * block */
#include <linux/sched.h>
#define TWICE(x) ((x) * 2)
tracepoint:syscalls:sys_enter_read,
tracepoint:syscalls:sys_enter_write
/pid == 1/
{ // trailing
	@x = count(); // c2

	// own line
	@y = sum(TWICE(args.count)); /* inline */
	@z = 1;
#ifdef XTRACE
	printf(\"%d %s\\n\",
		pid, comm);
#endif
}

END
{
	clear(@x);
}
// the end" "$F_RC:$F_ERR
$F_OUT"

cat >"$XT_TMP/d.bt" <<'EOF'
config = { max_strlen = 64 }
let @m = lruhash(16);
macro add($v, n) { $v += n; $v }
named=begin < $a = 1; @m[$a] = add($a, 2); >
interval:s:1 { for ($kv : @m) { print($kv.0); } let $t: uint16 = 3; $r = (a = 1, b = -$t);
  $e = $t ?: 5; $s = $t > 2 ? "big" : "small"; for $i : 0..3 { if ($i == 1) { continue } }
  @h = hist(*(uint64 *)(arg0 + 8)); $q = - -$t; delete(@m, 1); exit(); }
EOF
fmt "$XT_TMP/d.bt"
expect_eq "config, map declarations, macros, named probes, < > bodies, let, loops, ?:" "0:
config = {
	max_strlen = 64
}

let @m = lruhash(16);
macro add(\$v, n)
{
	\$v += n;
	\$v
}

named = begin
<
	\$a = 1;
	@m[\$a] = add(\$a, 2);
>

interval:s:1
{
	for (\$kv : @m) {
		print(\$kv.0);
	}
	let \$t: uint16 = 3;
	\$r = (a = 1, b = -\$t);
	\$e = \$t ?: 5;
	\$s = \$t > 2 ? \"big\" : \"small\";
	for \$i : 0..3 {
		if (\$i == 1) {
			continue
		}
	}
	@h = hist(*(uint64 *)(arg0 + 8));
	\$q = - -\$t;
	delete(@m, 1);
	exit();
}" "$F_RC:$F_ERR
$F_OUT"

printf '#if 0\nnot {{ code\n#endif\nBEGIN { if (1) { @a = 1; } // one\n  else { @b = 2; } }\n' >"$XT_TMP/e.bt"
fmt "$XT_TMP/e.bt"
expect_eq "an #if 0 block stays as it is; a comment before else" "0:
#if 0
not {{ code
#endif
BEGIN
{
	if (1) {
		@a = 1;
	} // one
	else {
		@b = 2;
	}
}" "$F_RC:$F_ERR
$F_OUT"

fmt -e 'BEGIN { @x = ; }'
expect_eq "a syntax error: its diagnostic, status 1, nothing on the output" "1:
<stdin>:1:14: error: syntax error: unexpected ';'
BEGIN { @x = ; }
             ~" "$F_RC:$F_OUT
$F_ERR"
fmt -o "$XT_TMP/out.bt" -e 'BEGIN{exit()}'
expect_eq "-o FILE: written there" "0::$(printf 'BEGIN\n{\n\texit()\n}')" "$F_RC:$F_OUT:$(cat "$XT_TMP/out.bt")"
F_OUT=$(printf 'END{}' | timeout 60 "$XTRACE" --fmt - 2>&1)
expect_eq "- reads standard input" "$(printf 'END\n{\n}')" "$F_OUT"

# 2. Every example and every bpftrace tool: the same characters but white
# space, idempotent, and (as root) the same AST
files=("$SRC"/examples/*.xt /usr/sbin/*.bt)
# ast FILE: the `-d ast` dump (printed as parsed, before anything can fail;
# -l: compiled only as far as its attach points, nothing runs)
ast() {
	timeout -k 5 120 "$XTRACE" -l -d ast "$1" 2>&1 >/dev/null |
		awk '/^\(program/ { on = 1 } on && !/^ *\(/ { exit } on'
}
bad=() n=0
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	b=$(basename "$f")
	if ! timeout 60 "$XTRACE" --fmt "$f" >"$XT_TMP/$b.1" 2>"$XT_TMP/$b.err"; then
		bad+=("$b: --fmt failed: $(cat "$XT_TMP/$b.err")")
		continue
	fi
	timeout 60 "$XTRACE" --fmt "$XT_TMP/$b.1" >"$XT_TMP/$b.2" 2>&1
	cmp -s "$XT_TMP/$b.1" "$XT_TMP/$b.2" || bad+=("$b: not idempotent: $(diff "$XT_TMP/$b.1" "$XT_TMP/$b.2" | head -5)")
	[ "$(tr -d ' \t\r\n' <"$f")" = "$(tr -d ' \t\r\n' <"$XT_TMP/$b.1")" ] ||
		bad+=("$b: characters other than white space changed")
	if [ "$(id -u)" = 0 ]; then
		# the formatted copy where the original is: the same `#include "..."` folder
		cp "$XT_TMP/$b.1" "$XT_TMP/$b"
		a1=$(ast "$f") a2=$(ast "$XT_TMP/$b")
		[ -n "$a1" ] && [ "$a1" = "$a2" ] || bad+=("$b: -d ast differs (or is empty)")
	fi
done
expect_eq "$n programs (examples/*.xt, /usr/sbin/*.bt): idempotent, only white space changed, the same AST" \
	"" "$(printf '%s\n' "${bad[@]}")"
[ "$n" -ge 12 ] && pass "at least the 12 examples" || fail "only $n programs found"

[ "$XT_FAILS" -eq 0 ]
