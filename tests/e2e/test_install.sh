# Installing like a real tool: `cmake --install` into a DESTDIR puts xtrace,
# its man page, bash completion and the examples in place, and the installed
# binary runs; the man page renders without warnings and names every option
# --help prints; completion offers options, formats and probe names; the
# Debian package (CPack) has its files and dependencies, installs with apt,
# runs from /usr/bin, `man -w` finds its page, and is removed again.
. "$(dirname "$0")/lib.sh"
need_root
SRC=${XT_SOURCE_DIR:-$(dirname "$0")/../..}
BUILD=${XT_BUILD_DIR:-build}

# --- cmake --install ----------------------------------------------------------
DEST=$XT_TMP/dest
DESTDIR=$DEST cmake --install "$BUILD" --prefix /usr >"$XT_TMP/install.out" 2>&1
expect_eq "cmake --install succeeds" 0 $?
for f in usr/bin/xtrace usr/share/man/man8/xtrace.8 usr/share/bash-completion/completions/xtrace \
	usr/share/doc/xtrace/examples/syscount.xt; do
	if [ -f "$DEST/$f" ]; then pass "installs $f"; else fail "installs $f" "$(cat "$XT_TMP/install.out")"; fi
done
out=$("$DEST/usr/bin/xtrace" -q -e 'BEGIN { printf("installed %d\n", 6 * 7); exit(); }' 2>&1)
expect_eq "the installed binary runs a program" "installed 42" "$out"

# --- the man page ---------------------------------------------------------------
MAN=$SRC/man/xtrace.8
warn=$(groff -ww -z -man "$MAN" 2>&1)
expect_eq "groff -ww renders the man page without warnings" "" "$warn"
# Every option of --help, as the man page spells it (\- for each dash).
missing=""
for opt in $("$XTRACE" --help 2>&1 | grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u); do
	[ "$opt" = "-lv" ] && continue # -l with -v, described under -l
	spelled=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q -- "$spelled" "$MAN" || missing="$missing $opt"
done
expect_eq "the man page names every option --help prints" "" "$missing"

# --- bash completion ----------------------------------------------------------------
comp() { # WORDS...: what completion offers for the last word
	bash -c 'shopt -s extglob; . "$1"; shift; PATH=$(dirname "$XTRACE"):$PATH
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _xtrace; printf "%s\n" "${COMPREPLY[@]}"' \
		comp "$SRC/completion/xtrace.bash" "$@"
}
expect_eq "completion: an option" "--include" "$(comp xtrace --inc)"
expect_eq "completion: -f formats" "$(printf 'text\n')" "$(comp xtrace -f t)"
expect_match "completion: probe names after -l" '^sched_process_exec$' "$(comp xtrace -l tracepoint:sched:sched_process_e)"

# --- the Debian package ----------------------------------------------------------------
command -v cpack >/dev/null && command -v dpkg-shlibdeps >/dev/null || skip "cpack or dpkg-shlibdeps (dpkg-dev) missing"
PKG=$XT_TMP/pkg
(cd "$BUILD" && cpack -G DEB -B "$PKG" >"$XT_TMP/cpack.out" 2>&1)
deb=$(ls "$PKG"/xtrace_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then pass "cpack builds a .deb"; else fail "cpack builds a .deb" "$(cat "$XT_TMP/cpack.out")"; fi
if [ -n "$deb" ]; then
	depends=$(dpkg-deb -f "$deb" Depends)
	# LLVM: libllvm19, or only libstdc++6 when the code generator module holds LLVM's static libraries
	expect_match "the package depends on libbpf and LLVM" 'libbpf1.*(libllvm19|libstdc\+\+6)|libllvm19.*libbpf1' "$depends"
	expect_match "the package holds the code generator module" 'usr/lib/.*xtrace/libxtrace-llvm\.so' "$(dpkg-deb -c "$deb")"
	expect_match "the package holds the binary and the man page" 'usr/bin/xtrace' "$(dpkg-deb -c "$deb")"
	if dpkg-query -W xtrace >/dev/null 2>&1; then
		skip "an xtrace package is already installed on this machine; not replacing it"
	fi
	trap 'dpkg -r xtrace >/dev/null 2>&1; rm -rf "$XT_TMP"' EXIT
	# as a person does it: apt resolves the dependencies (all present here,
	# so nothing is downloaded)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$XT_TMP/dpkg.out" 2>&1
	expect_eq "apt-get install ./xtrace_*.deb installs it" 0 $?
	out=$(/usr/bin/xtrace -q -e 'BEGIN { printf("from the package\n"); exit(); }' 2>&1)
	expect_eq "the packaged xtrace runs" "from the package" "$out"
	expect_match "man -w finds its page" '^/usr/share/man/man8/xtrace\.8(\.gz)?$' "$(man -w xtrace 2>/dev/null)"
	dpkg -r xtrace >/dev/null 2>&1
	expect_eq "dpkg -r removes it" "" "$(ls /usr/bin/xtrace 2>/dev/null)"
fi

[ "$XT_FAILS" = 0 ]
