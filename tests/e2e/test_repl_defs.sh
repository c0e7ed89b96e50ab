#!/usr/bin/env bash
# Definitions last from one REPL entry to the next (docs/repl.md): #define,
# the macros of an #include'd header, `macro` definitions, each possibly an
# entry of its own; a later `macro` of the same parameters replaces the
# earlier; an entry with an error leaves nothing; .save writes the
# definitions so that the script runs the same. Input through a pipe
# (xtrace -i without a terminal reads whole lines).
. "$(dirname "$0")/lib.sh"
need_root
M=df$$

session() { # LINES...: one session; each line is run before the next is read
	printf '%s\n' "$@" | timeout -k 5 60 "$XTRACE" -i 2>&1
}

out=$(session '#define N 21' 'macro twice(x) { x * 2 }' 'BEGIN { printf("%d\n", twice(N)); }' \
	'twice(N + 1)' ".save $XT_TMP/a.xt")
expect_eq "#define and macro entries serve the later entries, probes and the prompt's statements" \
	"[1] attached 1 probe: BEGIN
42
44
saved 1 entry to $XT_TMP/a.xt" "$out"
expect_eq ".save writes the definitions before the entry" '#!/usr/bin/env xtrace

// definitions
#define N 21

// definitions
macro twice(x) { x * 2 }

// entry 1
BEGIN { printf("%d\n", twice(N)); }' "$(cat "$XT_TMP/a.xt")"
xt -q "$XT_TMP/a.xt"
expect_eq "the saved script runs the same" "0:42:" "$XT_RC:$XT_OUT:$XT_ERR"

# A macro defined with probes lasts too; a header's macros; a definition in
# an entry of statements
if [ -e /usr/include/x86_64-linux-gnu/sys/socket.h ] || [ -e /usr/include/sys/socket.h ]; then
	out=$(session 'macro inc(@m) { @m += 1 } BEGIN { @'$M' = 1; inc(@'$M'); }' '#include <sys/socket.h>' \
		'#define SIX 6' 'BEGIN { inc(@'$M'); printf("%d %d %d\n", AF_INET, SIX, @'$M'); }' ".save $XT_TMP/b.xt")
	expect_eq "a macro of an entry with probes, an #include'd header's macros" "[1] attached 1 probe: BEGIN
[2] attached 1 probe: BEGIN
2 6 3
saved 2 entries to $XT_TMP/b.xt


@$M: 3" "$out"
	xt -q "$XT_TMP/b.xt"
	expect_eq "and that script runs the same" "0:2 6 3


@$M: 3:" "$XT_RC:$XT_OUT:$XT_ERR"
else
	echo "# no libc headers: the #include case skipped"
fi

# A detached entry whose macros a later entry may use is saved, marked
out=$(session 'macro seven() { 7 } interval:s:100 { }' 'END { printf("%d\n", seven()); }' '.detach 1' \
	".save $XT_TMP/c.xt")
expect_match "a detached entry is saved for its macros" \
	"^saved 2 entries to $XT_TMP/c.xt \\(1 detached, kept for the macros the others use\\)$" "$out"
expect_match "and marked" "^// entry 1 \\(detached in the session; kept for the macros it defines\\)$" "$(cat "$XT_TMP/c.xt")"
xt -l "$XT_TMP/c.xt"
expect_eq "that script compiles" "0:interval:s:100
end" "$XT_RC:$XT_OUT" # -l lists probe names as probe prints them (bpftrace 0.26: end)

# Redefinition replaces; an entry with an error leaves nothing behind
out=$(session 'macro f() { 1 }' 'macro f() { 2 }' '#define G 5' 'macro g() { 3 } BEGIN { @x = ; }' \
	'BEGIN { printf("%d %d\n", f(), G); }' 'BEGIN { printf("%d\n", g()); }')
expect_match "a later macro of the same parameters replaces the earlier" "^2 5$" "$out"
expect_match "an entry with an error keeps none of its definitions" "error: unknown function 'g'" "$out"

# A mistake inside an earlier entry's macro is reported at the call
out=$(session 'macro bad($x) { $x + "s" }' 'BEGIN { $v = 1; print(bad($v)); }')
expect_match "a diagnostic inside an earlier entry's macro points at the call" \
	'^<stdin>:1:23-29: error: operator \+ cannot take int64 and string' "$out"

[ "$XT_FAILS" -eq 0 ]
