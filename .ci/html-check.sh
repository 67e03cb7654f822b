#!/usr/bin/env bash
# Renders one jlrp HTML report in headless Chromium and checks that
#   1. the page loads without console errors (Chromium's --enable-logging reports every console message; the report
#      has no scripts, so any message at all fails the check), and its DOM has the expected sections;
#   2. a screenshot is not blank: it has many non-white pixels, and both red and blue heatmap colours.
# Chromium comes from Debian's `chromium` package (.ci/run installs it). If it is missing, this fails loudly.
# The flags keep Chromium from trying to reach the network (this machine has none).
set -euo pipefail
cd "$(dirname "$0")/.."

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "html-check: FAIL: Chromium is not installed (apt-get install chromium); the HTML check cannot run" >&2
  exit 1
fi
echo "html-check: $("$browser" --version 2>/dev/null || echo "$browser")"

work="$(mktemp -d)"
profile="$(mktemp -d)"
trap 'rm -rf "$work" "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run "--user-data-dir=$profile")

./jlrp explain --format html --output "$work/report.html" --labels negative,positive \
  --text "this film was not good at all" \
  --text "a wonderful cast, but the plot was boring and predictable" \
  --text "not bad at all, I really enjoyed it"
url="file://$work/report.html"

timeout 120 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" \
  > "$work/dom.html" 2> "$work/chromium.log" || { cat "$work/chromium.log" >&2; echo "html-check: FAIL: Chromium could not dump the DOM" >&2; exit 1; }
if grep -E 'CONSOLE[:(]|Uncaught|Refused to|net::ERR_' "$work/chromium.log" >&2; then
  echo "html-check: FAIL: the page logged console errors (above)" >&2
  exit 1
fi
sections="$(grep -o '<section class="text"' "$work/dom.html" | wc -l)"
if [ "$sections" -ne 3 ]; then
  echo "html-check: FAIL: expected 3 text sections in the rendered DOM, found $sections" >&2
  exit 1
fi

timeout 120 "$browser" "${flags[@]}" --hide-scrollbars --window-size=1000,700 --screenshot="$work/shot.png" "$url" \
  > /dev/null 2> "$work/chromium-shot.log" || { cat "$work/chromium-shot.log" >&2; echo "html-check: FAIL: no screenshot" >&2; exit 1; }
python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib
path = sys.argv[1]
data = open(path, 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, width = 8, b'', None
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR':
        width, height, depth, colour = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and colour in (2, 6), f'unexpected PNG format depth={depth} colour={colour}'
        bpp = 3 if colour == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
non_white = red = blue = 0
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + ((a + b) >> 1)) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if r < 245 or g < 245 or bl < 245: non_white += 1
        if r > g + 60 and r > bl + 60: red += 1
        if bl > r + 60 and bl > g + 20: blue += 1
    prev = line
total = width * height
print(f'html-check: screenshot {width}x{height}, {len(data)} bytes: {non_white} non-white, {red} red, {blue} blue pixels')
if non_white < total * 0.005 or red < 50 or blue < 50:
    sys.exit('html-check: FAIL: the screenshot looks blank or has no heatmap colours')
PY
echo "html-check: OK (page loaded without console messages; screenshot shows the heatmap)"
