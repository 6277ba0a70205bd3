#!/bin/bash
# make test-xvfb: `petri view` in a real X window, as a user runs it, under
# an X server this test starts (Debian's Xvfb) and stops.
#
# Xvfb runs on a free display it picks itself and names on -displayfd once
# it accepts connections (the ready signal: no sleeping), with -noreset and
# without access control (-ac, no TCP), so no cookie of the caller's is
# needed. Every wait is a bounded poll with generous deadlines (the machine
# may be loaded); nothing is timed. The viewer is driven with xdotool (real
# X input through XTEST) and looked at with xwininfo and xwd:
#
#   1. `petri view default.yaml` (a copy of configs/default.yaml) opens a
#      window of at least 1280x720 and draws the world, agents, inspector,
#      brain and plots (read back from the X window with xwd);
#   2. space pauses it; a click where the picture shows a prey body selects
#      that agent (the viewer says which on stderr, and the window then
#      shows the inspector, the brain and the selection ring);
#   3. `s` writes the viewer's own screenshot, a PNG of the window's size;
#   4. the YAML saved while it runs: the live key is applied at the next
#      generation (stderr and changes.csv), the restart key is listed only;
#   5. SIGTERM closes it with a checkpoint (exit 0, stop reason "viewer
#      closed"), and a run in the window as fast as possible, closed by
#      SIGTERM, ends with the state hash of as many generations headless.
#
# Without Xvfb or a tool it needs, it fails (never skips) saying what to
# install. It stops only what it started (its Xvfb and its viewers, by pid),
# also when it fails or is interrupted. Prints "N passed, N failed" like
# tests/run_tests.sh.
#
# Usage: tests/xvfb_test.sh BUILD_DIR   (BUILD_DIR/petri built with SDL)
set -u
petri=$(realpath "${1:-build/release}/petri")
repo=$(pwd)
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit
}

T=$(mktemp -d /tmp/petri-xvfb.XXXXXX)
xvfb_pid=""
view_pid=""
cleanup() {
    # only what this test started, by pid
    if [ -n "$view_pid" ] && kill -0 "$view_pid" 2>/dev/null; then
        kill -KILL "$view_pid" 2>/dev/null
        wait "$view_pid" 2>/dev/null
    fi
    if [ -n "$xvfb_pid" ] && kill -0 "$xvfb_pid" 2>/dev/null; then
        kill -TERM "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- what it needs -----------------------------------------------------------
missing=""
for tool in Xvfb:xvfb xdotool:xdotool xwininfo:x11-utils xwd:x11-apps python3:python3; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
    bad "missing Debian packages:$missing (make deps-test installs them; the real-window test needs them)"
    finish
fi
if [ ! -x "$petri" ]; then
    bad "no petri at $petri (build it: make)"
    finish
fi

# Reads an X window dump (xwd's format: a big-endian header, the colour
# map, then ZPixmap rows) and answers questions about its pixels. Colours
# are compared exactly, as the viewer draws them (SDL's software renderer).
cat >"$T/xwdimg.py" <<'PY'
import struct, sys

def load(path):
    try:
        data = open(path, "rb").read()
    except OSError as e:
        sys.exit("xwdimg: %s" % e)
    if len(data) < 100:
        sys.exit("xwdimg: %s: not a window dump (%d bytes)" % (path, len(data)))
    h = struct.unpack(">25I", data[:100])
    header_size, fmt, w, hgt = h[0], h[2], h[4], h[5]
    byte_order, bpp, bpl = h[7], h[11], h[12]
    masks, ncolors = h[14:17], h[19]
    if fmt != 2 or bpp != 32:
        sys.exit("xwdimg: %s: format %d, %d bits per pixel (want ZPixmap, 32)" % (path, fmt, bpp))
    start = header_size + 12 * ncolors
    pix = bytearray(data[start:start + hgt * bpl])
    # the byte that is no colour's is zeroed, so that a pixel's value
    # (kept raw, for speed) is its colour's alone
    for k in range(4):
        bits = 0xFF << (8 * (k if byte_order == 0 else 3 - k))
        if bits & (masks[0] | masks[1] | masks[2]) == 0:
            pix[k::4] = bytes(len(pix[k::4]))
    order = "<" if byte_order == 0 else ">"
    rows = [struct.unpack_from("%s%dI" % (order, w), pix, y * bpl) for y in range(hgt)]
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    return w, hgt, rows, shifts

def region(rows, x0, y0, x1, y1):
    return [r[x0:x1] for r in rows[y0:y1]]

def rgb(s):
    r, g, b = (int(v) for v in s.split(","))
    return (r << shifts[0]) | (g << shifts[1]) | (b << shifts[2])

cmd, path = sys.argv[1], sys.argv[2]
w, hgt, rows, shifts = load(path)
args = sys.argv[3:]
if cmd == "size":                      # size F: "W H"
    print(w, hgt)
elif cmd == "count":                   # count F R,G,B x0 y0 x1 y1: pixels of that colour
    c = rgb(args[0])
    x0, y0, x1, y1 = (int(v) for v in args[1:5])
    print(sum(r.count(c) for r in region(rows, x0, y0, x1, y1)))
elif cmd == "colours":                 # colours F x0 y0 x1 y1: distinct colours
    x0, y0, x1, y1 = (int(v) for v in args[0:4])
    print(len(set(p for r in region(rows, x0, y0, x1, y1) for p in r)))
elif cmd == "same":                    # same F G x0 y0 x1 y1: exit 0 when equal there
    _, _, other, _ = load(args[0])
    x0, y0, x1, y1 = (int(v) for v in args[1:5])
    sys.exit(0 if region(rows, x0, y0, x1, y1) == region(other, x0, y0, x1, y1) else 1)
elif cmd == "body":                    # body F R,G,B x0 y0 x1 y1: "X Y" of the largest body
    c = rgb(args[0])                   # of that colour well inside the region
    x0, y0, x1, y1 = (int(v) for v in args[1:5])
    todo = set((x, y) for y in range(y0 + 12, y1 - 12) for x in range(x0 + 12, x1 - 12)
               if rows[y][x] == c)
    best = []
    while todo:
        seed = todo.pop()
        blob, stack = [seed], [seed]
        while stack:
            x, y = stack.pop()
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    n = (x + dx, y + dy)
                    if n in todo:
                        todo.remove(n)
                        blob.append(n)
                        stack.append(n)
        if len(blob) > len(best):
            best = blob
    if len(best) < 6:
        sys.exit("xwdimg: no body of colour %s in %s" % (args[0], path))
    print(round(sum(p[0] for p in best) / len(best)), round(sum(p[1] for p in best) / len(best)))
else:
    sys.exit("xwdimg: unknown command " + cmd)
PY
img() { python3 "$T/xwdimg.py" "$@"; }

# poll SECONDS CMD...: CMD every 0.2 s until it succeeds (0) or the
# deadline passes (1); stops early (2) when the viewer it watches died.
poll() {
    local until=$((SECONDS + $1))
    shift
    while :; do
        "$@" && return 0
        if [ -n "$view_pid" ] && ! kill -0 "$view_pid" 2>/dev/null; then
            "$@" && return 0
            return 2
        fi
        [ "$SECONDS" -ge "$until" ] && return 1
        sleep 0.2
    done
}
said() { grep -q -- "$1" "$T/view.err"; }
show_err() { sed 's/^/     | /' "$T/view.err" | tail -n 30; }

# --- the X server ------------------------------------------------------------
unset XAUTHORITY WAYLAND_DISPLAY
mkfifo "$T/displayfd"
Xvfb -displayfd 3 -screen 0 1600x900x24 -nolisten tcp -noreset -ac \
    3>"$T/displayfd" >"$T/xvfb.log" 2>&1 &
xvfb_pid=$!
num=""
read -r -t 300 num <"$T/displayfd"
case "$num" in
'' | *[!0-9]*)
    bad "Xvfb did not say it was ready (display '$num') within 300 s:"
    sed 's/^/     | /' "$T/xvfb.log" | tail -n 20
    finish
    ;;
esac
export DISPLAY=":$num"
if xdpyinfo >/dev/null 2>&1 || xwininfo -root >/dev/null 2>&1; then
    ok "Xvfb is up on display $DISPLAY (it chose a free one)"
else
    bad "Xvfb named display $DISPLAY but no client can connect to it"
    finish
fi

# X11 itself: SDL's fallbacks (offscreen, dummy) would hide a failed connection
export SDL_VIDEODRIVER=x11
unset SDL_RENDER_DRIVER

# --- 1. the window ---------------------------------------------------------------
mkdir -p "$T/shots"
cp "$repo/configs/default.yaml" "$T/default.yaml"
(cd "$T/shots" && exec "$petri" view "$T/default.yaml" --out "$T/a") >"$T/view.out" 2>"$T/view.err" &
view_pid=$!
title="Petri: default.yaml"
win=""
# The window the viewer draws in: mapped, with the title. (Where OpenGL
# runs on the CPU, as under Xvfb, the viewer makes its window again
# without it: the first one goes, so the window is looked for once the
# viewer says which renderer it draws with, and again if it is gone.)
find_window() {
    win=""
    local id
    for id in $(xdotool search --name "^$title\$" 2>/dev/null); do
        xwininfo -id "$id" 2>/dev/null | grep -q "Map State: IsViewable" && win=$id
    done
    [ -n "$win" ]
}
if poll 300 said "petri view: drawing with SDL's" && poll 300 find_window; then
    ok "petri view opened its window '$title' on $DISPLAY"
else
    bad "no window '$title' within 300 s; the viewer said:"
    show_err
    finish
fi
geo=$(xwininfo -id "$win")
ww=$(echo "$geo" | sed -n 's/^ *Width: \([0-9]*\)$/\1/p')
wh=$(echo "$geo" | sed -n 's/^ *Height: \([0-9]*\)$/\1/p')
if [ "${ww:-0}" -ge 1280 ] && [ "${wh:-0}" -ge 720 ] && echo "$geo" | grep -q "Map State: IsViewable"; then
    ok "the window is mapped and ${ww}x${wh} (at least 1280x720)"
else
    bad "window geometry: $(echo "$geo" | grep -E 'Width|Height|Map State' | tr -s ' \n' ' ')"
fi
# the layout of docs/viewer.md at this size: world left, panel right
panel=$((ww * 2 / 5))
[ "$panel" -lt 460 ] && panel=460
[ "$panel" -gt 760 ] && panel=760
px=$((ww - panel))
plots=$((wh * 30 / 100))
[ "$plots" -lt 170 ] && plots=170
PREY=90,170,255
FORAGER=255,150,40
PAUSED=255,210,90

shot() {
    rm -f "$T/$1.xwd"
    xwd -silent -id "$win" >"$T/$1.xwd" 2>/dev/null && return 0
    find_window && xwd -silent -id "$win" >"$T/$1.xwd" 2>/dev/null
}
# the world is drawn: prey and foragers in it, plants and ground
drawn() {
    shot now || return 1
    [ "$(img count "$T/now.xwd" $PREY 0 30 "$px" "$wh")" -gt 20 ] &&
        [ "$(img count "$T/now.xwd" $FORAGER 0 30 "$px" "$wh")" -gt 5 ]
}
if poll 300 drawn; then
    ok "the X window shows the world with prey and foragers in it"
else
    bad "the X window never showed prey and foragers within 300 s; the viewer said:"
    show_err
fi
size=$(img size "$T/now.xwd")
wcol=$(img colours "$T/now.xwd" 0 30 "$px" "$wh")
pcol=$(img colours "$T/now.xwd" "$px" $((wh - plots)) "$ww" "$wh")
pprey=$(img count "$T/now.xwd" $PREY "$px" $((wh - plots)) "$ww" "$wh")
if [ "$size" = "$ww $wh" ] && [ "$wcol" -ge 20 ] && [ "$pcol" -ge 5 ] && [ "$pprey" -gt 0 ]; then
    ok "a screenshot of the real window (xwd) is ${size/ /x} with $wcol colours in the world and the plots drawn"
else
    bad "xwd of the window: size '$size', $wcol colours in the world, $pcol in the plots, $pprey prey pixels there"
fi

# --- 2. pause, then click an agent ---------------------------------------------
xdotool mousemove --window "$win" $((px / 2)) $((wh / 2)) >/dev/null 2>&1
xdotool windowfocus "$win" >/dev/null 2>&1
xdotool key space
if poll 120 said "petri view: paused"; then
    ok "space pauses the run (the viewer says so)"
else
    bad "space did not pause the viewer; it said:"
    show_err
fi
# the picture of the paused tick: PAUSED in the status bar, two dumps alike
paused_still() {
    shot p1 && [ "$(img count "$T/p1.xwd" $PAUSED 0 0 "$px" 30)" -gt 0 ] &&
        sleep 0.3 && shot p2 && img same "$T/p1.xwd" "$T/p2.xwd" 0 30 "$px" "$wh"
}
if poll 120 paused_still; then
    ok "the window shows PAUSED and a still world"
else
    bad "the window never showed a still, paused world within 120 s"
fi
before_insp=$(img count "$T/p2.xwd" $PREY "$px" 0 "$ww" 150)
at=$(img body "$T/p2.xwd" $PREY 0 30 "$px" "$wh")
if [ -n "$at" ]; then
    set -- $at
    xdotool mousemove --window "$win" "$1" "$2" click 1
    if poll 120 said "click at ($1, $2), tick [0-9]*: selected prey #"; then
        ok "a click on the prey body drawn at ($1, $2) selects it: $(grep -o 'selected prey #[0-9]*' "$T/view.err" | tail -n 1)"
    else
        bad "a click at ($1, $2) on a prey body did not select it; the viewer said:"
        show_err
    fi
else
    bad "no prey body to click in the paused picture"
fi
# the window now shows the agent: its population in the inspector, the
# white selection ring in the world, its brain drawn
inspected() {
    shot sel && [ "$(img count "$T/sel.xwd" $PREY "$px" 0 "$ww" 150)" -gt "$before_insp" ] &&
        [ "$(img count "$T/sel.xwd" 255,255,255 0 30 "$px" "$wh")" -gt 10 ] &&
        [ "$(img colours "$T/sel.xwd" "$px" 150 "$ww" $((wh - plots)))" -ge 20 ]
}
if poll 120 inspected; then
    ok "the window shows the selected agent: inspector, selection ring and brain ($(img colours "$T/sel.xwd" "$px" 150 "$ww" $((wh - plots))) colours in the brain panel)"
else
    bad "after the click the window does not show the inspector, ring and brain"
fi

# --- 3. the viewer's own screenshot key ---------------------------------------
xdotool key s
png_said() { grep -q "petri view: wrote \./petri-[0-9]*\.png" "$T/view.err"; }
if poll 120 png_said; then
    # in the folder it was started in
    png=$T/shots/$(grep -o "petri-[0-9]*\.png" "$T/view.err" | tail -n 1)
    dims=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", d[16:24])) if d[:8]==b"\x89PNG\r\n\x1a\n" else print("not a PNG")' "$png" 2>&1)
    if [ "$dims" = "$ww $wh" ]; then
        ok "s writes the viewer's screenshot $(basename "$png"): a PNG of the window's ${ww}x${wh}"
    else
        bad "the screenshot $png: $dims, the window is ${ww}x${wh}"
    fi
else
    bad "s wrote no screenshot; the viewer said:"
    show_err
fi

# --- 4. the YAML edited while it runs --------------------------------------------
xdotool key space key x # go on, as fast as possible
# as an editor saves: a new file renamed over the old one
sed -e 's/conn_cost: 0.0001$/conn_cost: 0.0002/' -e 's/size: \[128, 128\]/size: [120, 120]/' \
    "$T/default.yaml" >"$T/default.yaml.new"
mv "$T/default.yaml.new" "$T/default.yaml"
applied() { said "applied [a-z0-9_.]*conn_cost: 0.0001 -> 0.0002"; }
if poll 300 applied; then
    ok "the saved YAML is applied at the next generation: $(grep -o 'applied [a-z0-9_.]*conn_cost.*' "$T/view.err" | tail -n 1)"
else
    bad "the edited YAML was not applied within 300 s; the viewer said:"
    show_err
fi
if said "restart world.size: \[128, 128\] -> \[120, 120\]"; then
    ok "the world size, a restart key, is listed as needing a restart"
else
    bad "the world size change is not listed as a restart"
fi
if grep -q 'conn_cost","0.0001","0.0002"$' "$T/a/changes.csv" 2>/dev/null && ! grep -q "world.size" "$T/a/changes.csv"; then
    ok "changes.csv records the applied key, not the restart one: $(grep conn_cost "$T/a/changes.csv")"
else
    bad "changes.csv: $(cat "$T/a/changes.csv" 2>&1)"
fi

# --- 5. SIGTERM closes it with a checkpoint ---------------------------------------
# wait_exit SECONDS: the viewer's exit status in rc, or fail
wait_exit() {
    local until=$((SECONDS + $1))
    while kill -0 "$view_pid" 2>/dev/null && [ "$SECONDS" -lt "$until" ]; do
        sleep 0.2
    done
    if kill -0 "$view_pid" 2>/dev/null; then
        rc=timeout
        return 1
    fi
    wait "$view_pid"
    rc=$?
    view_pid=""
}
kill -TERM "$view_pid"
wait_exit 600
gens=$(sed -n 's/.*"generations": \([0-9]*\).*/\1/p' "$T/a/summary.json" 2>/dev/null)
ckpt=$(printf "%s/a/checkpoints/ckpt-%08d.bin" "$T" "${gens:-0}")
if [ "$rc" = 0 ] && grep -q '"stop_reason": "viewer closed"' "$T/a/summary.json" 2>/dev/null &&
    [ -s "$ckpt" ]; then
    ok "SIGTERM closes the window with a checkpoint of generation $gens (exit 0, stop reason 'viewer closed')"
else
    bad "after SIGTERM: exit $rc, summary: $(grep stop_reason "$T/a/summary.json" 2>&1), checkpoints: $(ls "$T/a/checkpoints" 2>&1 | tr '\n' ' ')"
    show_err
fi

# --- 6. as fast as possible in the window: the same run as headless ----------------
small=(--set evolution.episode_ticks=60 --set populations.0.count=40 --set "world.size=[48,48]")
"$petri" view "$repo/configs/default.yaml" "${small[@]}" --set evolution.generations=1000 \
    --speed fastest --out "$T/b" >"$T/view.out" 2>"$T/view.err" &
view_pid=$!
gens_done() { [ "$(cat "$T/b/stats.csv" 2>/dev/null | wc -l)" -ge 5 ]; }
if poll 600 gens_done && kill -0 "$view_pid" 2>/dev/null && find_window; then
    kill -TERM "$view_pid"
    wait_exit 600
    gens=$(sed -n 's/.*"generations": \([0-9]*\).*/\1/p' "$T/b/summary.json" 2>/dev/null)
    if [ "$rc" = 0 ] && [ "${gens:-0}" -ge 2 ]; then
        "$petri" run "$repo/configs/default.yaml" "${small[@]}" --set "evolution.generations=$gens" \
            --out "$T/h" --quiet >/dev/null 2>&1
        hb=$(sed -n 's/.*"state_hash": "\([0-9a-f]*\)".*/\1/p' "$T/b/summary.json")
        hh=$(sed -n 's/.*"state_hash": "\([0-9a-f]*\)".*/\1/p' "$T/h/summary.json" 2>/dev/null)
        if [ -n "$hb" ] && [ "$hb" = "$hh" ]; then
            ok "as fast as possible in the window, closed by SIGTERM at generation $gens: the state hash of $gens generations headless ($hb)"
        else
            bad "state hash after $gens generations: window '$hb', headless '$hh'"
        fi
    else
        bad "the fast run after SIGTERM: exit $rc, generations '$gens'"
        show_err
    fi
else
    bad "the fast run in the window did not show its window and 4 generations within 600 s; it said:"
    show_err
fi
finish
