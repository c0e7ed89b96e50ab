#!/usr/bin/env bash
# .save keeps a detached entry when a running one needs its maps (print(@x)
# alone has no type), and the saved file runs unchanged; a detached entry
# whose maps no kept entry uses is left out. Input through a pipe
# (xtrace -i without a terminal reads whole lines).
. "$(dirname "$0")/lib.sh"
need_root
UC=$XT_TMP/us$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC" || skip "tests/targets/ucalls is not built"
M=sv$$

session() { # LINES...: one session; each line is run (attached) before the next is read
	printf '%s\n' "$@" | timeout -k 5 60 "$XTRACE" -i 2>&1
}

out=$(session "uprobe:$UC:xt_add { @$M = count(); }" \
	"uprobe:$UC:xt_name { @${M}n = count(); }" \
	"END { print(@$M); }" \
	'.detach 1' ".save $XT_TMP/a.xt")
expect_match "the detached entry is saved for its map" \
	"^saved 3 entries to $XT_TMP/a.xt \\(1 detached, kept for the maps the others use\\)$" "$out"
expect_match "and marked" "^// entry 1 \\(detached in the session; kept for the maps it defines\\)$" "$(cat "$XT_TMP/a.xt")"
xt -q -c "$UC 20" "$XT_TMP/a.xt"
expect_eq "the saved file runs unchanged" "@$M: 20
@${M}n: 10" "$(printf '%s\n' "$XT_OUT" | grep "^@" | sort -u)"

out=$(session "uprobe:$UC:xt_add { @$M = count(); }" \
	"uprobe:$UC:xt_name { @$M = count(); }" \
	'.detach 1' ".save $XT_TMP/b.xt")
expect_match "an entry that defines the map itself needs no other" "^saved 1 entry to $XT_TMP/b.xt$" "$out"
# A detached entry whose maps no kept entry names stays out, whatever its
# number: the later entries were checked against its maps, but do not use them.
out=$(session "uprobe:$UC:xt_add { @${M}a = count(); }" \
	"uprobe:$UC:xt_name { @${M}b = count(); }" \
	'.detach 1' ".save $XT_TMP/c.xt")
expect_match "a detached entry nobody uses is not saved" "^saved 1 entry to $XT_TMP/c.xt$" "$out"
expect_eq "the file holds the attached entry alone" "#!/usr/bin/env xtrace

// entry 2
uprobe:$UC:xt_name { @${M}b = count(); }" "$(cat "$XT_TMP/c.xt")"
finish
