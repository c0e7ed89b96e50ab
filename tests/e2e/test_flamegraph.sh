#!/usr/bin/env bash
# Flame graphs of a program with a known call tree (tests/targets/flamework.c:
# main -> work -> hot() 3/4 of its CPU time, main -> work -> cold() 1/4):
# -f folded with exact counts from uprobes and, the same map printed as text
# and folded as stackcollapse-bpftrace.pl folds it, the same bytes; sampled
# with profile: the hot/cold ratio in the folded lines and in the widths of
# the --flamegraph SVG's frames, the SVG well-formed (xmllint), and drawn by
# headless Chromium to a screenshot that is not blank.
. "$(dirname "$0")/lib.sh"
need_root
FW=$(realpath "$XT_TARGETS/flamework") || skip "tests/targets/flamework is not built"

# stackcollapse-bpftrace.pl's folding of bpftrace's text dump, for maps keyed
# by [stack] or [stack, comm]: frames leaf first, trimmed; ", comm]: N"
# puts comm at the root; equal stacks summed; sorted.
collapse() {
	awk '
	/^@\[$/ { n = 0; inside = 1; next }
	inside && /^[ \t]+[^ \t]/ { sub(/^[ \t]+/, ""); st[++n] = $0; next }
	inside && /^,? ?[^]]*\]: [0-9]+$/ {
		line = $0; cnt = line; sub(/.*\]: /, "", cnt)
		extra = line; sub(/\]: [0-9]+$/, "", extra); sub(/^, ?/, "", extra)
		s = extra
		for (i = n; i >= 1; i--) s = (s == "" ? "" : s ";") st[i]
		sum[s] += cnt; inside = 0; next
	}
	END { for (s in sum) print s " " sum[s] }' | LC_ALL=C sort
}

# 1. Uprobes on hot and cold: exact counts (work calls each once per 4 ms).
UP="uprobe:$FW:hot,uprobe:$FW:cold"
# Two runs are compared byte for byte: without address randomisation, frames
# of a library without symbols (libc without its debug file) print the same
# address in both.
NORAND="setarch $(uname -m) -R"
xt -q -f folded -e "$UP { @[ustack] = count(); }" -c "$NORAND $FW 40"
expect_eq "uprobes, -f folded: exit 0" 0 "$XT_RC"
expect_eq "one folded line per stack, root first, with its count" \
	"main;work;cold 10
main;work;hot 10" "$(printf '%s\n' "$XT_OUT" | sed -E 's/^.*;(main\+)/\1/; s/\+[0-9]+//g' | LC_ALL=C sort)"
expect_match "frames keep bpftrace's +offset" "^(.*;)?main\+[0-9]+;work\+[0-9]+;hot\+0 10$" "$XT_OUT"
FOLDED=$XT_OUT
xt -q -e "$UP { @[ustack] = count(); }" -c "$NORAND $FW 40"
expect_eq "the text dump folded as stackcollapse-bpftrace.pl does: the same bytes" \
	"$FOLDED" "$(printf '%s\n' "$XT_OUT" | collapse)"
xt -q -f folded -e "$UP { @[ustack, comm] = count(); }" -c "$NORAND $FW 40"
expect_match "@[ustack, comm]: comm is the root frame" "^flamework;(.*;)?main\+[0-9]+;work\+[0-9]+;cold\+0 10$" "$XT_OUT"
FOLDED=$XT_OUT
xt -q -e "$UP { @[ustack, comm] = count(); }" -c "$NORAND $FW 40"
expect_eq "and it folds as the text dump does" "$FOLDED" "$(printf '%s\n' "$XT_OUT" | collapse)"
xt -q -f folded -e "$UP { @n = count(); @[ustack] = count(); }" -c "$FW 40"
expect_match "a map without stacks still prints, as text" "^@n: 20$" "$XT_OUT"

# 2. Sampled: 800 ms of CPU, about 800 samples at 999 Hz.
SVG=$XT_TMP/fw.svg
xt -q -f folded --flamegraph "$SVG" -e 'profile:hz:999 /pid == cpid/ { @[ustack] = count(); }' -c "$FW 800"
expect_eq "profile, -f folded --flamegraph: exit 0" 0 "$XT_RC"
sum() { printf '%s\n' "$XT_OUT" | grep -E "(^|;)main\+[0-9]+;work\+[0-9]+;$1\+" | awk '{ s += $NF } END { print s + 0 }'; }
HOT=$(sum hot) COLD=$(sum cold)
echo "# folded: hot $HOT samples, cold $COLD samples"
expect_match "folded lines main;work;hot" "(^|;)main\+[0-9]+;work\+[0-9]+;hot\+[0-9]+ [0-9]+$" "$XT_OUT"
expect_match "folded lines main;work;cold" "(^|;)main\+[0-9]+;work\+[0-9]+;cold\+[0-9]+ [0-9]+$" "$XT_OUT"
ratio_ok() { awk -v h="$1" -v c="$2" 'BEGIN { exit !(c > 0 && h / c >= 2.4 && h / c <= 3.75) }'; }
if ((HOT + COLD >= 300)) && ratio_ok "$HOT" "$COLD"; then pass "hot/cold samples about 3 ($HOT/$COLD)"
else fail "hot/cold samples about 3, 300 at least" "hot $HOT, cold $COLD"; fi

if [ ! -s "$SVG" ]; then
	fail "--flamegraph wrote $SVG" "$XT_ERR"
	finish
fi
pass "--flamegraph wrote the SVG"
if command -v xmllint >/dev/null; then
	if xmllint --noout "$SVG" 2>"$XT_TMP/xmllint"; then pass "the SVG is well-formed XML"
	else fail "the SVG is well-formed XML" "$(cat "$XT_TMP/xmllint")"; fi
else
	echo "# xmllint missing (libxml2-utils): well-formedness checked by python's parser only"
fi
# The frames main > work > hot|cold, each one rect; their widths' ratio.
WIDTHS=$(python3 - "$SVG" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {'s': 'http://www.w3.org/2000/svg'}
root = ET.parse(sys.argv[1]).getroot()
g = {}
for f in root.iter('{http://www.w3.org/2000/svg}g'):
    n = f.get('data-n')
    r = f.find('s:rect', ns)
    g.setdefault(n, []).append((int(f.get('data-d')), float(r.get('width')), f.find('s:title', ns).text))
title = root.find("s:text[@id='title']", ns).text
work = g.get('work', [])
print(len(g.get('hot', [])), len(g.get('cold', [])), len(work), title.replace(' ', '_'))
hot = sum(w for d, w, t in g.get('hot', []))
cold = sum(w for d, w, t in g.get('cold', []))
print(hot, cold, work[0][2] if work else '')
PY
)
echo "# svg: $(printf '%s' "$WIDTHS" | tr '\n' ' ')"
read -r NHOT NCOLD NWORK TITLE <<<"$(printf '%s\n' "$WIDTHS" | sed -n 1p)"
read -r WHOT WCOLD WTITLE <<<"$(printf '%s\n' "$WIDTHS" | sed -n 2p)"
expect_eq "one frame each for work, hot and cold (offsets merged)" "1 1 1" "$NHOT $NCOLD $NWORK"
expect_eq "the title names the map" "Flame_Graph:_@" "$TITLE"
if ratio_ok "$WHOT" "$WCOLD"; then pass "hot/cold widths about 3 ($WHOT/$WCOLD px)"
else fail "hot/cold widths about 3" "hot $WHOT px, cold $WCOLD px"; fi
expect_match "a frame's tooltip: function, samples, percentage" "^work \([0-9]+ samples, [0-9.]+%\)$" "$WTITLE"

# 3. Drawn by a real browser: the screenshot has the frames' many colours.
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	echo "# SKIP rendering: chromium is not installed"
	finish
fi
# browser CHECKFILE OUT ARGS...: headless Chromium with a fresh profile and
# its stdout in OUT, up to three tries of 40 s each until CHECKFILE is not
# empty -- on a loaded machine the browser itself now and then hangs at
# start-up, which says nothing about the SVG. 0 when a try produced it.
browser() {
	local check=$1 out=$2 try
	shift 2
	for try in 1 2 3; do
		rm -rf "$XT_TMP/chromium"
		timeout -k 5 40 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-dev-shm-usage --user-data-dir="$XT_TMP/chromium" "$@" >"$out" 2>>"$XT_TMP/chromium.log"
		[ -s "$check" ] && return 0
		echo "# chromium try $try produced nothing" >&2
	done
	return 1
}
PNG=$XT_TMP/fw.png
browser "$PNG" /dev/null --hide-scrollbars --screenshot="$PNG" --window-size=1200,800 "file://$SVG"
if [ ! -s "$PNG" ]; then
	fail "chromium took a screenshot" "$(tail -5 "$XT_TMP/chromium.log")"
	finish
fi
# Distinct colours of the PNG, decoded here (zlib + scanline filters).
COLOURS=$(python3 - "$PNG" <<'PY'
import sys, struct, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat = 8, b''
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    body = d[pos + 8:pos + 8 + n]
    if t == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif t == b'IDAT':
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4}[ctype]
assert depth == 8
raw, stride = zlib.decompress(idat), w * bpp
prev, i, colours, warm = bytearray(stride), 0, set(), set()
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            px = bytes(line[x:x + 3])
            colours.add(px)
            if px[0] >= 200 and px[2] <= 60:  # a frame's warm fill, not the grey-yellow background
                warm.add(px)
    prev = line
print(w, h, len(colours), len(warm))
PY
)
echo "# screenshot: $COLOURS (width height colours warm-colours)"
read -r PW PH PC PWARM <<<"$COLOURS"
expect_eq "the screenshot is 1200x800" "1200 800" "$PW $PH"
# the background alone has a few dozen; the frames add their warm fills
if [ "${PC:-0}" -ge 20 ] && [ "${PWARM:-0}" -ge 4 ]; then pass "the drawing is not blank ($PC colours, $PWARM warm)"
else fail "the drawing is not blank" "$PC distinct colours, $PWARM of them warm"; fi

# The script, run by the browser: a link that zooms into work and searches
# ^hot$ (file.svg#z=work&s=^hot$); the DOM after it ran.
browser "$XT_TMP/dom.xml" "$XT_TMP/dom.xml" --dump-dom "file://$SVG#z=work&s=%5Ehot%24"
DOM=$(python3 - "$SVG" "$XT_TMP/dom.xml" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
S = '{http://www.w3.org/2000/svg}'
svg = ET.parse(sys.argv[1]).getroot()
frames = {g.get('data-n'): g for g in svg.iter(S + 'g')}
total, work = int(frames['all'].get('data-w')), frames['work']
hot, cold = int(frames['hot'].get('data-w')), int(frames['cold'].get('data-w'))
# what the script should make of it
print('Matched: %.2f%%' % (100.0 * hot / total))
print('cold %.1f' % (1180.0 * cold / int(work.get('data-w'))))
print('hot rgb(230,0,230)')
print('main parent')
# what it made (the DOM as Chromium serializes it)
dom = open(sys.argv[2]).read()
m = re.search(r'id="matched"[^>]*>([^<]*)<', dom)
print(m.group(1) if m else 'no #matched')
def frame(n):
    m = re.search(r'<g class="([^"]*)" data-n="%s"[^>]*>.*?<rect ([^>]*)>' % re.escape(n), dom)
    return (m.group(1), dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(2)))) if m else ('', {})
print('cold %s' % frame('cold')[1].get('width'))
print('hot %s' % frame('hot')[1].get('fill'))
print('main %s' % frame('main')[0].replace('f ', ''))
PY
)
expect_eq "in Chromium, zoomed into work and searching ^hot$: the matched share, cold's zoomed width, hot highlighted, main faded" \
	"$(printf '%s\n' "$DOM" | sed -n 1,4p)" "$(printf '%s\n' "$DOM" | sed -n 5,8p)"
finish
