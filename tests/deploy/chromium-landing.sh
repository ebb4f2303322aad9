#!/usr/bin/env bash
# The landing page `/` as an operator's browser shows it, in Debian's headless Chromium:
#   chromium-landing.sh EXPORTER
#
# The exporter reads a log with known EventErrors (three of code 57, one of 1707) and a second
# file whose name and T-Server name are markup. Chromium's DOM (after any script would have run)
# holds the T-Server, code 57 TERR_TIMEOUT with its count 3, the file paths, and the markup as
# text only; its screenshot is a PNG of the window's size with the page's text and table header
# colours in it (compared by content, not pixel by pixel: fonts differ between machines).
#
# Skipped (77) without chromium or python3, except in CI (CI set), where it fails: CI installs
# both (deploy/install-deps.sh).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

exporter=$1
in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != false ] && [ "${CI:-}" != 0 ]; }
for tool in chromium python3; do
  if ! command -v "$tool" >/dev/null; then
    in_ci && fail "$tool not found in CI (deploy/install-deps.sh installs it)"
    skip "$tool not found (Debian package $tool; deploy/install-deps.sh installs it)"
  fi
done

# Every Chromium run: headless, no sandbox (root in a container), no network of its own (without
# these flags its background connections are refused here and it may hang), a fresh profile,
# and killed after 60 s.
run_chromium() {
  local profile
  profile=$(mktemp -d "$tse_tmp/chromium-profile.XXXXXX")
  timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" 2>>"$tse_tmp/chromium.log"
}
tse_logs+=("$tse_tmp/chromium.log")

tserver=TServer_Chromium_01
mkdir -p "$tse_tmp/logs" "$tse_tmp/state"
segment_name=$tserver.20251217_101500_123.log
segment=$tse_tmp/logs/$segment_name
{
  segment_header "$tserver" "$segment_name"
  event_error 1 57 'Switch or T-Server did not respond in time' RequestMakeCall
  event_error 2 57 'Switch or T-Server did not respond in time' RequestMakeCall
  event_error 3 1707 'Agent has not logged in' RequestAgentReady
  event_error 4 57 'Switch or T-Server did not respond in time' RequestAnswerCall
} >"$segment"
# A file and a T-Server named in markup: shown as text, never as elements.
marked_name='x<img src=x onerror=document.title=1>&.log'
{
  segment_header 'TS_<i>bad</i>&' "$marked_name"
  event_error 5 57 'Switch or T-Server did not respond in time' RequestMakeCall
} >"$tse_tmp/logs/$marked_name"

start_exporter "$exporter" --source.file="$tse_tmp/logs/*.log" --source.from-beginning \
  --storage.path="$tse_tmp/state" --source.poll-interval=50ms
url="http://127.0.0.1:$EXPORTER_PORT/"
counted() {
  http_get "${url}metrics" 2>/dev/null |
    grep -q "^tserver_event_errors_total{error_code=\"57\",.*tserver=\"$tserver\"} 3\$"
}
wait_until 10 "the exporter counting three EventErrors 57 for $tserver" counted

# The DOM as Chromium built it.
dom=$tse_tmp/dom.html
run_chromium --dump-dom "$url" >"$dom" || fail "chromium --dump-dom exited $?"
[ -s "$dom" ] || fail "chromium --dump-dom wrote nothing"
has() { grep -qF -- "$1" "$dom" || fail "the page in Chromium lacks: $1"; }
has "<h3>$tserver</h3>"
has "<p>4 EventErrors; last EventError: 20"
grep -qE '<tr><td>57</td><td>TERR_TIMEOUT</td><td>[^<]*</td><td class="n">3</td></tr>' "$dom" ||
  fail "the page in Chromium lacks code 57 TERR_TIMEOUT with its count 3"
has "<td>$segment</td>"
has "<h3>TS_&lt;i&gt;bad&lt;/i&gt;&amp;</h3>"
has "<td>$tse_tmp/logs/x&lt;img src=x onerror=document.title=1&gt;&amp;.log</td>"
has '<a href="/metrics">/metrics</a>'
has "<title>tserver_exporter "
if grep -qE '<img|<i>|<script' "$dom"; then fail "markup from a log became an element"; fi
pass "Chromium's DOM shows $tserver, code 57 TERR_TIMEOUT x3, both files, the markup as text"

# A screenshot, checked by what is in it.
png=$tse_tmp/page.png
run_chromium --screenshot="$png" --window-size=1000,800 --hide-scrollbars "$url" >/dev/null ||
  fail "chromium --screenshot exited $?"
[ -s "$png" ] || fail "chromium wrote no screenshot"
python3 - "$png" 1000 800 <<'EOF' || fail "the screenshot is not the page"
# Decodes an 8-bit RGB or RGBA PNG with zlib alone and checks its size and its content: mostly
# the white background, some dark text, and the light grey of the tables' header cells.
import struct, sys, zlib

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
pos, idat, header = 8, b"", None
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
width, height, depth, colour, _, _, interlace = header
if (width, height) != (want_w, want_h):
    sys.exit(f"{width}x{height}, not {want_w}x{want_h}")
if depth != 8 or colour not in (2, 6) or interlace:
    sys.exit(f"an unexpected PNG form: depth {depth}, colour type {colour}, interlace {interlace}")
bpp = 3 if colour == 2 else 4
stride = width * bpp
raw = zlib.decompress(idat)
rows, prev = [], bytearray(stride)
for y in range(height):
    kind = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 255
        elif kind == 2:
            line[i] = (line[i] + b) & 255
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
counts = {}
for line in rows:
    for x in range(0, stride, bpp):
        rgb = bytes(line[x:x + 3])
        counts[rgb] = counts.get(rgb, 0) + 1
total = width * height
white = counts.get(b"\xff\xff\xff", 0)
dark = sum(n for rgb, n in counts.items() if max(rgb) < 0x60)
header_grey = counts.get(b"\xee\xee\xee", 0)
print(f"{width}x{height}: {len(counts)} colours, white {white / total:.1%}, "
      f"dark {dark / total:.2%}, header grey {header_grey / total:.2%}")
if len(counts) < 3:
    sys.exit("the screenshot is blank (fewer than 3 colours)")
if not 0.5 < white / total < 0.99:
    sys.exit("not a page on a white background with something on it")
if dark / total < 0.002:
    sys.exit("no text")
if header_grey / total < 0.001:
    sys.exit("no table header cells (#eee): no table of codes or files")
EOF
pass "Chromium's screenshot is the page (1000x800): text and tables on white"

stop_process "$EXPORTER_PID"
[ "$STOPPED_RC" = 0 ] || fail "the exporter exited $STOPPED_RC on SIGTERM"
