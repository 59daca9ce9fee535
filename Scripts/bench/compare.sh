#!/usr/bin/env bash
# Alternates `lorascope bench --json` and the PyTorch reference (Docs/Reproduce.md §2) ROUNDS
# times in one sitting, prints each pair and the median ratios, the OpenBLAS kernel and the
# CPU model. Shared machines are noisy: only ratios taken side by side mean anything.
#
# Usage: Scripts/bench/compare.sh [path/to/torch_reference.py] [rounds]
#   defaults: Scripts/bench/torch_reference.py, 3 rounds (at least 3 are run).
# Environment: LORASCOPE (the binary; default .build/release/lorascope, else .build/debug/lorascope),
#   PYTHON (default ~/.cache/lorascope/venv-ref/bin/python, else python3),
#   BENCH_ITERATIONS (lorascope --iterations, default 10), TORCH_ITERS (reference --iters, default 10),
#   KEEP_JSON (a directory: each round's lorascope-R.json and torch-R.json are copied there).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
reference="${1:-$repo/Scripts/bench/torch_reference.py}"
rounds="${2:-3}"
if [ "$rounds" -lt 3 ]; then rounds=3; fi

if [ -z "${LORASCOPE:-}" ]; then
  if [ -x "$repo/.build/release/lorascope" ]; then LORASCOPE="$repo/.build/release/lorascope"
  else LORASCOPE="$repo/.build/debug/lorascope"; fi
fi
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$HOME/.cache/lorascope/venv-ref/bin/python" ]; then PYTHON="$HOME/.cache/lorascope/venv-ref/bin/python"
  else PYTHON=python3; fi
fi
[ -x "$LORASCOPE" ] || { echo "compare.sh: no lorascope binary at $LORASCOPE (swift build -c release, or set LORASCOPE)" >&2; exit 2; }
[ -f "$reference" ] || { echo "compare.sh: no PyTorch reference at $reference (pass its path as the first argument)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

summarize() {  # summarize DONE_ROUNDS pairs|summary
"$PYTHON" - "$work" "$1" "$2" <<'PY'
import ctypes, ctypes.util, json, statistics, sys

work, rounds, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"

def openblas_config():
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
        except OSError:
            continue
    return "unknown", "unknown"

pairs = []
for r in range(1, rounds + 1):
    ls = json.load(open(f"{work}/lorascope-{r}.json"))
    tr = json.load(open(f"{work}/torch-{r}.json"))["torch"]["eager"]
    pairs.append({
        "full": ls["full_step_sequences_per_s"], "peso": ls["lora_peso_step_sequences_per_s"],
        "lora": ls["lora_step_sequences_per_s"], "lora_vs_full": ls["lora_vs_full_step_ratio"],
        "eval": ls.get("eval_users_per_s"), "eval_gflops": ls.get("eval_gflops"),
        "gemm_share": (ls["step_phases"]["lora_peso"]["linear_gemm_s"] + ls["step_phases"]["lora_peso"].get("adapter_gemm_s", 0))
                      / ls["step_phases"]["lora_peso"]["step_s"],
        "gemm_rate": ls.get("full_step_gemm_gflops", ls["full_step_gflops"]) / ls["sgemm_gflops_at_model_shapes"],
        "torch_full": tr["full_adamw"]["sequences_per_s"], "torch_kl": tr["lora_kl_adamw"]["sequences_per_s"],
        "torch_ce": tr["lora_ce_adamw"]["sequences_per_s"], "kernel": ls["blas_kernel"],
    })

header = (f"{'round':>5}  {'full seq/s':>10}  {'torch full':>10}  {'ratio':>5}  {'PESO seq/s':>10}  "
          f"{'torch KL':>8}  {'ratio':>5}  {'LoRA/full':>9}  {'eval users/s':>12}  {'eval GFLOP/s':>12}")
def line(i, p):
    return (f"{i:>5}  {p['full']:>10.1f}  {p['torch_full']:>10.1f}  {p['full'] / p['torch_full']:>5.2f}  "
            f"{p['peso']:>10.1f}  {p['torch_kl']:>8.1f}  {p['peso'] / p['torch_kl']:>5.2f}  "
            f"{p['lora_vs_full']:>9.2f}  {p['eval'] or 0:>12.1f}  {p['eval_gflops'] or 0:>12.1f}")
if mode == "pair":
    if rounds == 1:
        print(header)
    print(line(rounds, pairs[-1]), flush=True)
    sys.exit(0)
print(header)
for i, p in enumerate(pairs, 1):
    print(line(i, p))

med = lambda xs: statistics.median(xs)
print()
print(f"median full step, lorascope / PyTorch eager:          {med([p['full'] / p['torch_full'] for p in pairs]):.2f}x")
print(f"median LoRA+PESO step, lorascope / PyTorch LoRA+KL:   {med([p['peso'] / p['torch_kl'] for p in pairs]):.2f}x")
print(f"median LoRA CE step, lorascope / PyTorch LoRA CE:     {med([p['lora'] / p['torch_ce'] for p in pairs]):.2f}x")
print(f"median LoRA+PESO step / lorascope's full step:        {med([p['lora_vs_full'] for p in pairs]):.2f}x")
print(f"median share of linear GEMMs in the LoRA+PESO step:   {100 * med([p['gemm_share'] for p in pairs]):.0f}%")
print(f"median full step's GEMM rate / sgemm at its shapes:   {100 * med([p['gemm_rate'] for p in pairs]):.0f}%")
corename, config = openblas_config()
print(f"OpenBLAS kernel (lorascope bench): {pairs[0]['kernel']}; openblas_get_corename: {corename}; config: {config}")
print(f"CPU: {cpu_model()}")
PY
}

for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds: lorascope bench" >&2
  "$LORASCOPE" bench --json --iterations "${BENCH_ITERATIONS:-10}" > "$work/lorascope-$round.json"
  echo "round $round/$rounds: PyTorch reference" >&2
  "$PYTHON" "$reference" --attn eager --iters "${TORCH_ITERS:-10}" --json "$work/torch-$round.json" > /dev/null
  summarize "$round" pair
  if [ -n "${KEEP_JSON:-}" ]; then
    mkdir -p "$KEEP_JSON" && cp "$work/lorascope-$round.json" "$work/torch-$round.json" "$KEEP_JSON/"
  fi
done
echo
summarize "$rounds" summary
