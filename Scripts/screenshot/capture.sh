#!/usr/bin/env bash
# Makes the README's picture of the screen: runs lorascope in a detached tmux session at
# 120×36 with 256 colors, lets it train on the synthetic data, pauses, asks for the joint
# spectrum, captures the pane with its colors and renders it to SVG.
#
# Usage: Scripts/screenshot/capture.sh [path/to/lorascope] [seconds of training] [out.svg]
#        (defaults: .build/debug/lorascope, 40, Assets/Screenshots/screen.svg)
# Needs tmux and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-.build/debug/lorascope}"
SECONDS_TO_TRAIN="${2:-40}"
OUT="${3:-Assets/Screenshots/screen.svg}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
[ -x "$BIN" ] || { echo "no lorascope binary at $BIN (swift build first)" >&2; exit 1; }

SESSION="lorascope-shot-$$"
WORK="$(mktemp -d)"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT

tmux new-session -d -s "$SESSION" -x 120 -y 36 \
  "cd '$WORK' && TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' tui --run-dir '$WORK/run' --cache '$WORK/cache'"
sleep "$SECONDS_TO_TRAIN"
tmux send-keys -t "$SESSION" " "   # pause
sleep 1
tmux send-keys -t "$SESSION" "J"   # joint spectrum over every module
sleep 8
tmux capture-pane -t "$SESSION" -e -p > "$WORK/capture.txt"
tmux send-keys -t "$SESSION" "q"
python3 Scripts/screenshot/ansi_to_svg.py "$WORK/capture.txt" "$OUT" --cols 120 --rows 36 \
  --title "lorascope: the screen during a PESO run on the synthetic data"
echo "wrote $OUT"
