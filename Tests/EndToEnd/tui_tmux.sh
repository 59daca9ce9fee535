#!/usr/bin/env bash
# The screen end to end (Docs/Design.md §7): drives the real lorascope binary in tmux at
# TERM=xterm-256color and TERM=vt100, 100×30. For each terminal: first frame, + changes λ
# on screen and in log.jsonl, * and / step λ by a decade (and metrics.json's lambda_history
# records it), w before any spectrum explains itself, n steps, ? opens the help and Esc closes it, resizes (down to
# the "needs W×H" notice and back), q quits with status 0 and the terminal restored
# (no alternate screen, stty back to icanon echo). Then Ctrl-C and SIGTERM while training
# runs must restore the terminal too (status 0 and 143). Finally it measures key press to
# redraw while training runs: + or -, then capture-pane every 5 ms until λ changes on
# screen; the median of 10 presses is printed. A finished run is opened at 80x24: its stages
# walked with g, the loss and spectrum panels following, no file of it changed. Two runs of a
# tiny study side by side, and the study itself read back.
# LORASCOPE_E2E_ONLY=run_finished_scenario runs one scenario.
#
# Usage: Tests/EndToEnd/tui_tmux.sh [path/to/lorascope]   (default .build/debug/lorascope)
# Prints one ok/FAIL line per check and ends with "N passed, M failed"; exits 1 on failure.
set -u

BIN="${1:-.build/debug/lorascope}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "FAIL: no lorascope binary at $BIN"
  echo "0 passed, 1 failed"
  exit 1
fi
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed"; echo "0 passed, 1 failed"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lorascope-tui-e2e.XXXXXX")"
SOCKET="lorascope-e2e-$$"
PASSED=0
FAILED=0
export LANG="${LORASCOPE_E2E_LANG:-C.UTF-8}"

tm() { tmux -L "$SOCKET" "$@"; }
cleanup() {
  tm kill-server 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

check() { # check NAME CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then
    echo "ok   $1"
    PASSED=$((PASSED + 1))
  else
    echo "FAIL $1"
    FAILED=$((FAILED + 1))
  fi
}

now_ms() { date +%s%3N; }

screen() { tm capture-pane -p -t "$1" 2>/dev/null; }

# wait_for SESSION REGEX SECONDS: polls the pane until REGEX matches; 0 if it did.
wait_for() {
  local deadline=$(($(now_ms) + $3 * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if screen "$1" | grep -Eq -- "$2"; then return 0; fi
    sleep 0.05
  done
  return 1
}

# start SESSION TERM DIR ARGS...: runs lorascope in a new tmux session through a wrapper
# that records the pid and the exit status, then prints a marker and the tty settings.
start() {
  local session="$1" term="$2" dir="$3"
  shift 3
  mkdir -p "$dir"
  cat >"$dir/wrapper.sh" <<EOF
#!/bin/sh
# Ctrl-C goes to the whole foreground group: the wrapper must outlive it to report.
trap : INT
sh -c 'echo \$\$ > "$dir/pid"; exec env TERM=$term "$BIN" "\$@"' lorascope "\$@"
echo \$? > "$dir/status"
echo LORASCOPE-EXITED
stty -a
exec sleep 3600
EOF
  chmod +x "$dir/wrapper.sh"
  # SIZE=80x24 start … opens a smaller window (the finished-run scenario: issue 28 item 5).
  local size="${SIZE:-100x30}"
  tm new-session -d -s "$session" -x "${size%x*}" -y "${size#*x}" "$dir/wrapper.sh $*"
}

# the λ shown in the header ("λ 5 ·" with UTF-8, "lambda 5 -" in ASCII).
header_lambda() {
  tm capture-pane -p -t "$1" -S 0 -E 0 2>/dev/null | sed -nE 's/.*(λ|lambda) ([0-9.e+-]+) .*/\2/p'
}

# restored SESSION DIR: the program is gone, the alternate screen is off and the tty is
# back in canonical mode with echo.
restored() {
  wait_for "$1" "LORASCOPE-EXITED" 10 || return 1
  [ "$(tm display-message -p -t "$1" '#{alternate_on}' 2>/dev/null)" = "0" ] || return 1
  local settings
  settings="$(screen "$1" | tr ' ' '\n')"
  echo "$settings" | grep -qx "icanon" && echo "$settings" | grep -qx "echo"
}

run_main_scenario() {
  local term="$1" session="main-${1//[^a-z0-9]/}" dir="$WORK/${1//[^a-z0-9]/}"
  echo "== TERM=$term, 100x30"
  local started
  started=$(now_ms)
  start "$session" "$term" "$dir" tui --paused --run-dir "$dir/run" --cache "$dir/cache"
  wait_for "$session" "^lorascope (│|\|) " 20
  check "[$term] first frame ($(($(now_ms) - started)) ms after launch)" $?

  tm send-keys -t "$session" +
  wait_for "$session" "(λ|lambda) 5 " 5
  check "[$term] + raises λ from 2 to 5 on screen" $?
  local logged=1
  for _ in $(seq 1 100); do
    if grep -q '"event":"lambda"' "$dir/run/log.jsonl" 2>/dev/null &&
      grep '"event":"lambda"' "$dir/run/log.jsonl" | grep -q '"to":5'; then
      logged=0
      break
    fi
    sleep 0.05
  done
  check "[$term] the change of λ is in log.jsonl" $logged

  tm send-keys -t "$session" "*"
  wait_for "$session" "(λ|lambda) 50 " 5
  check "[$term] * multiplies λ by 10 (5 to 50)" $?
  local recorded=1
  for _ in $(seq 1 100); do
    if grep -q '"lambda_history"' "$dir/run/metrics.json" 2>/dev/null && grep -Eq '"lambda" *: *50([,} ]|$)' "$dir/run/metrics.json"; then
      recorded=0
      break
    fi
    sleep 0.05
  done
  check "[$term] metrics.json's lambda_history records λ = 50" $recorded
  tm send-keys -t "$session" "/"
  wait_for "$session" "(λ|lambda) 5 " 5
  check "[$term] / divides λ by 10 (50 to 5)" $?
  tm send-keys -t "$session" w
  wait_for "$session" "curve starts at stage 1" 5
  check "[$term] w at stage 0 says the λ curve starts at stage 1" $?

  tm send-keys -t "$session" n
  wait_for "$session" "step 1/[0-9]+" 60
  check "[$term] n takes one step" $?

  tm send-keys -t "$session" "?"
  wait_for "$session" "run / pause training" 5
  check "[$term] ? opens the help" $?
  tm send-keys -t "$session" Escape
  local closed=1
  for _ in $(seq 1 100); do
    if ! screen "$session" | grep -q "run / pause training"; then closed=0; break; fi
    sleep 0.05
  done
  check "[$term] Esc closes the help" $closed

  tm send-keys -t "$session" "?"
  wait_for "$session" "run / pause training" 5
  tm resize-window -t "$session" -x 60 -y 20
  wait_for "$session" "lorascope needs 64(×|x)20, terminal is 60(×|x)20" 5
  check "[$term] a small terminal shows what it needs (help open)" $?
  tm resize-window -t "$session" -x 80 -y 24
  wait_for "$session" "run / pause training" 5
  check "[$term] resized to 80x24, the help overlay is back" $?
  tm send-keys -t "$session" Escape
  tm resize-window -t "$session" -x 100 -y 30
  wait_for "$session" "BLAS" 5
  check "[$term] resized back to 100x30" $?

  tm send-keys -t "$session" q
  restored "$session"
  check "[$term] q restores the terminal (no alternate screen, icanon echo)" $?
  [ "$(cat "$dir/status" 2>/dev/null)" = "0" ]
  check "[$term] exit status 0 after q" $?
  tm kill-session -t "$session" 2>/dev/null || true
}

run_signal_scenario() { # NAME KEYS-OR-SIGNAL EXPECTED-STATUS
  local name="$1" how="$2" expected="$3" session="sig-$1" dir="$WORK/sig-$1"
  echo "== $name while training runs (TERM=xterm-256color)"
  start "$session" xterm-256color "$dir" tui --run-dir "$dir/run" --cache "$dir/cache"
  wait_for "$session" "step [1-9][0-9]*/" 60
  if [ "$how" = "C-c" ]; then
    tm send-keys -t "$session" C-c
  else
    kill "-$how" "$(cat "$dir/pid")"
  fi
  restored "$session"
  check "[$name] the terminal is restored" $?
  [ "$(cat "$dir/status" 2>/dev/null)" = "$expected" ]
  check "[$name] exit status $expected (got $(cat "$dir/status" 2>/dev/null))" $?
  tm kill-session -t "$session" 2>/dev/null || true
}

run_lambda_scenario() {
  local session="lambda" dir="$WORK/lambda"
  echo "== λ guidance, race and predicted vs realized (TERM=xterm-256color, 100x30)"
  start "$session" xterm-256color "$dir" tui --paused --run-dir "$dir/run" --cache "$dir/cache" \
    --synthetic-users 60 --backbone-epochs 1 --epochs 1 --eval-users 10
  wait_for "$session" "^lorascope (│|\|) " 20
  tm send-keys -t "$session" s
  wait_for "$session" "stage 1/4" 180
  check "[λ] s finishes stage 0" $?
  tm send-keys -t "$session" n
  wait_for "$session" "[0-9]+ dirs" 120
  check "[λ] n enters stage 1 and the spectrum comes" $?
  tm send-keys -t "$session" "*"
  wait_for "$session" "λ 20 " 5
  check "[λ] * multiplies λ by 10 (2 to 20)" $?
  tm send-keys -t "$session" w
  local shown expected=""
  # The stage's λ curve is predicted first (a few seconds in a debug build), then λ follows.
  for _ in $(seq 1 600); do
    shown="$(header_lambda "$session")"
    [ -n "$shown" ] && [ "$shown" != "20" ] && break
    sleep 0.1
  done
  [ -n "$shown" ] && [ "$shown" != "20" ]
  check "[λ] w sets λ from stage 1's predicted curve (20 to $shown)" $?
  wait_for "$session" "stage 1 keeps [0-9]+ % at λ" 10
  check "[λ] the spectrum panel reads the predicted curve at the current λ" $?

  tm send-keys -t "$session" r
  wait_for "$session" "λ race stage 1" 10
  check "[λ] r opens the race of stage 1" $?
  wait_for "$session" "finished · Esc leaves" 180
  check "[λ] the race runs to its end and is evaluated" $?
  screen "$session" | grep -Eq "─── λ [0-9.e+-]+ [0-9.]+ +╌╌╌ λ 0 [0-9.]+"
  check "[λ] two curves in the race chart's legend (the curve's λ and 0)" $?
  screen "$session" | grep -q "no effect measured\|better\|worse"
  check "[λ] each difference against the first λ has its interval" $?
  tm send-keys -t "$session" Escape
  wait_for "$session" "Loss: CE, penalty, total" 5
  check "[λ] Esc leaves the race; the dashboard is back" $?

  tm send-keys -t "$session" s
  wait_for "$session" "stage 2/4" 180
  check "[λ] s finishes stage 1" $?
  # w took λ from stage 1's predicted curve, the one `predict` computes from the saved stages.
  expected="$("$BIN" predict --run-dir "$dir/run" --cache "$dir/cache" --stage 1 --json 2>"$dir/spectrum.err" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["suggested_lambda"]["0.5"])' 2>/dev/null)"
  python3 -c "import sys; s, e = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(s - e) <= 1e-3 * abs(e) else 1)" \
    "$shown" "$expected" 2>/dev/null
  local matched=$?
  check "[λ] w sets λ to predict --json's suggested_lambda 0.5 (screen $shown, json $expected)" $matched
  [ "$matched" -eq 0 ] || sed 's/^/     spectrum: /' "$dir/spectrum.err"
  tm send-keys -t "$session" v
  wait_for "$session" "Predicted w_k vs realized" 10
  check "[λ] v opens the predicted-vs-realized panel" $?
  wait_for "$session" "corr\(w_k, realized\)" 180
  check "[λ] the panel shows the correlation and ‖Δ_λ‖/‖Δ_0‖" $?
  screen "$session" | grep -q "w_k < 0.05: [0-9]* · 0.05–0.95: [0-9]* · > 0.95: [0-9]*"
  check "[λ] the panel counts the directions by band of w_k" $?
  screen "$session" | grep -qF "Predicted w_k vs realized · stage 1 · λ $shown "
  check "[λ] the panel's title names the λ the check trained with, the header's ($shown)" $?
  tm send-keys -t "$session" q
  restored "$session"
  check "[λ] q restores the terminal" $?
  tm kill-session -t "$session" 2>/dev/null || true
}

# the files of a directory with their hashes, to tell that opening a run wrote nothing.
tree_sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# A finished run opened as a person would, at 80x24 (issue 28 item 1): read-only, the loss
# panel draws the shown stage's curves from log.jsonl, g walks the stages and the spectrum
# panel follows, and no file of the run changes.
run_finished_scenario() {
  local session="finished" dir="$WORK/finished"
  echo "== a finished run, stage by stage (TERM=xterm-256color, 80x24)"
  mkdir -p "$dir"
  "$BIN" run --synthetic-users 60 --backbone-epochs 1 --epochs 1 --eval-users 10 \
    --run-dir "$dir/trained" --cache "$dir/cache" >"$dir/run.out" 2>&1
  check "[finished] lorascope run trains all five stages" $?
  cp -a "$dir/trained" "$dir/run"
  local before
  before="$(tree_sums "$dir/run")"
  SIZE=80x24 start "$session" xterm-256color "$dir" tui --run-dir "$dir/run" --cache "$dir/cache"
  wait_for "$session" "Loss.*stage 4 · g" 30
  check "[finished] the loss panel opens on the last stage (4)" $?
  # The loss panel is the left half: its rows hold a braille curve, not a message.
  screen "$session" | python3 -c '
import sys
rows = sys.stdin.read().splitlines()[2:12]
dots = sum(1 for row in rows for c in row[:40] if 0x2801 <= ord(c) <= 0x28FF)
sys.exit(0 if dots >= 10 else 1)'
  check "[finished] the loss panel draws a curve" $?
  wait_for "$session" "stage 4 · L0 q\.A" 120
  check "[finished] the spectrum panel shows stage 4's spectrum" $?
  tm send-keys -t "$session" g
  wait_for "$session" "stage 0 · g" 10 && wait_for "$session" "stage 0 has no anchor" 10
  check "[finished] g wraps to stage 0, whose spectrum does not exist" $?
  tm send-keys -t "$session" g
  wait_for "$session" "stage 1 · g" 10
  check "[finished] g moves the loss panel to stage 1" $?
  wait_for "$session" "stage 1 · L0 q\.A" 120
  check "[finished] g moves the spectrum panel to stage 1" $?
  screen "$session" | grep -q "P_g, stage 1 end"
  check "[finished] the penalty panel shows P_g at stage 1's end" $?
  tm send-keys -t "$session" G
  wait_for "$session" "stage 0 · g" 10
  check "[finished] G goes back a stage" $?
  tm send-keys -t "$session" " "
  tm send-keys -t "$session" q
  restored "$session"
  check "[finished] q restores the terminal" $?
  [ "$(cat "$dir/status" 2>/dev/null)" = "0" ]
  check "[finished] exit status 0" $?
  [ "$before" = "$(tree_sums "$dir/run")" ]
  check "[finished] every file of the run is byte-identical after opening it" $?
  tm kill-session -t "$session" 2>/dev/null || true
}

# Runs side by side and a study read back (issue 28 items 2 and 3): a tiny study, two of its
# runs overlaid at 80x24 with one legend entry each, the study view's findings, Enter into the
# compare screen and q back; no file of the study changes.
run_compare_scenario() {
  local session="compare" dir="$WORK/compare"
  echo "== runs side by side and a study (TERM=xterm-256color, 80x24 and 100x30)"
  mkdir -p "$dir"
  "$BIN" study --synthetic-users 60 --backbone-epochs 1 --epochs 1 --eval-users 10 --seeds 0 \
    --methods peso --peso-lambdas 1e4 --out "$dir/study" --cache "$dir/cache" >"$dir/study.out" 2>&1
  check "[compare] lorascope study finishes" $?
  local before
  before="$(tree_sums "$dir/study")"
  SIZE=80x24 start "$session" xterm-256color "$dir/a" tui --run-dir "$dir/study/runs/single/seed_0" \
    --compare "$dir/study/runs/peso/lambda_10000.0/seed_0"
  wait_for "$session" "2 runs side by side" 20
  check "[compare] two runs open side by side" $?
  [ "$(screen "$session" | grep -cE "(───|╌╌╌) min .* · [AB] ")" = "2" ]
  check "[compare] the loss curves have one legend entry per run" $?
  screen "$session" | grep -q "B−A \[95 %\]"
  check "[compare] the per-stage table has the paired difference against the reference" $?
  tm send-keys -t "$session" p
  wait_for "$session" "A−B \[95 %\]" 5
  check "[compare] p pins the other run as the reference" $?
  tm send-keys -t "$session" q
  restored "$session" && [ "$(cat "$dir/a/status" 2>/dev/null)" = "0" ]
  check "[compare] q restores the terminal, status 0" $?
  tm kill-session -t "$session" 2>/dev/null || true

  start "$session" xterm-256color "$dir/b" tui --study "$dir/study"
  wait_for "$session" "findings" 20 && screen "$session" | grep -q "Adapting"
  check "[study] the study view shows the findings in words" $?
  screen "$session" | grep -q "peso λ="
  check "[study] the arms table lists PESO's arm" $?
  tm send-keys -t "$session" Down Enter
  wait_for "$session" "2 runs side by side" 10
  check "[study] Enter opens the arm's run beside single's" $?
  tm send-keys -t "$session" q
  wait_for "$session" "findings" 10
  check "[study] q in the compare screen comes back to the study" $?
  tm send-keys -t "$session" q
  restored "$session" && [ "$(cat "$dir/b/status" 2>/dev/null)" = "0" ]
  check "[study] q restores the terminal, status 0" $?
  [ "$before" = "$(tree_sums "$dir/study")" ]
  check "[compare] every file of the study is byte-identical after opening it" $?
  tm kill-session -t "$session" 2>/dev/null || true
}

measure_latency() {
  local session="latency" dir="$WORK/latency"
  echo "== key press to redraw while training runs (TERM=xterm-256color, 100x30)"
  start "$session" xterm-256color "$dir" tui --run-dir "$dir/run" --cache "$dir/cache"
  wait_for "$session" "step [1-9][0-9]*/" 60
  local samples=() key before after t0 t1
  for i in $(seq 1 10); do
    before="$(header_lambda "$session")"
    if [ $((i % 2)) -eq 1 ]; then key="+"; else key="-"; fi
    t0=$(date +%s%N)
    tm send-keys -t "$session" "$key"
    while :; do
      after="$(header_lambda "$session")"
      t1=$(date +%s%N)
      if [ -n "$after" ] && [ "$after" != "$before" ]; then break; fi
      if [ $((t1 - t0)) -gt 5000000000 ]; then after="timeout"; break; fi
      sleep 0.005
    done
    samples+=($(((t1 - t0) / 1000)))
    sleep 0.2
  done
  local running=1
  screen "$session" | grep -Eq "running" && running=0
  local sorted median
  sorted="$(printf '%s\n' "${samples[@]}" | sort -n)"
  median="$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}')"
  echo "key press to redraw (µs, through tmux): $(echo "$sorted" | tr '\n' ' ')"
  echo "median key press to redraw: $((median / 1000)).$(printf '%03d' $((median % 1000))) ms over 10 presses"
  check "[latency] training was running during the presses" $running
  [ "$median" -le 50000 ]
  check "[latency] median key press to redraw <= 50 ms" $?
  tm send-keys -t "$session" q
  restored "$session" >/dev/null
  tm kill-session -t "$session" 2>/dev/null || true
}

if [ -n "${LORASCOPE_E2E_ONLY:-}" ]; then
  # One scenario by its function name, while working on it.
  "$LORASCOPE_E2E_ONLY"
else
  run_main_scenario xterm-256color
  run_main_scenario vt100
  run_lambda_scenario
  run_finished_scenario
  run_compare_scenario
  run_signal_scenario ctrl-c C-c 0
  run_signal_scenario sigterm TERM 143
  measure_latency
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
