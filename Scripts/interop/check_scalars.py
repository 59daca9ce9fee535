#!/usr/bin/env python3
"""Proof that `lorascope export-scalars` writes what other tools read (issue 28 item 4).

1. Trains a small synthetic run with `lorascope run`.
2. Exports it as TensorBoard events, JSON Lines and CSV.
3. Reads the event file back with the `tensorboard` package's EventAccumulator and checks, per
   tag, that every scalar equals the JSON Lines export at float32 precision (TensorBoard keeps
   simple_value as a 32-bit float), and that train/ce, train/penalty and train/lambda equal the
   run's own log.jsonl step by step; that the CSV holds the same rows; and that exporting left
   every file of the run byte-identical.

The last line is "N passed, M failed"; the exit status is non-zero on any failure.

Usage: python Scripts/interop/check_scalars.py --lorascope .build/debug/lorascope --workdir DIR
"""

import argparse
import csv
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import Checks  # noqa: E402


def tree_hashes(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def close32(a, b):
    if a is None or b is None:
        return a is None and (b is None or math.isnan(b))
    return abs(a - b) <= 1e-6 * max(1.0, abs(a))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lorascope", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    work = Path(args.workdir)
    run = work / "run"
    checks = Checks()
    subprocess.run([args.lorascope, "run", "--synthetic-users", "60", "--backbone-epochs", "1", "--epochs", "1",
                    "--eval-users", "10", "--run-dir", str(run), "--cache", str(work / "cache")],
                   check=True, stdout=subprocess.DEVNULL)
    before = tree_hashes(run)
    for fmt, out in [("tensorboard", work / "tb"), ("jsonl", work / "scalars.jsonl"), ("csv", work / "scalars.csv")]:
        subprocess.run([args.lorascope, "export-scalars", "--run-dir", str(run), "--format", fmt, "--out", str(out)],
                       check=True, stderr=subprocess.DEVNULL)
    checks.record("exporting leaves every file of the run byte-identical", tree_hashes(run) == before)

    rows = [json.loads(line) for line in (work / "scalars.jsonl").read_text().splitlines()]
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "ce" in r and "phase" in r]
    for tag, key in [("train/ce", "ce"), ("train/penalty", "penalty"), ("train/lambda", "lambda")]:
        exported = [(r["step"], r["value"]) for r in rows if r["tag"] == tag]
        logged = [(i + 1, r[key]) for i, r in enumerate(steps)]
        checks.record(f"jsonl {tag} equals log.jsonl step by step ({len(logged)} steps)", exported == logged)
    metrics = json.loads((run / "metrics.json").read_text())
    ndcg = [r["value"] for r in rows if r["tag"] == "stage/ndcg5"]
    own = [s["own"]["ndcg5"] for s in metrics["stages"]]
    checks.record(f"jsonl stage/ndcg5 equals metrics.json ({len(own)} stages)", ndcg == own, f"{ndcg} vs {own}")

    with open(work / "scalars.csv", newline="") as f:
        table = list(csv.DictReader(f))
    same = len(table) == len(rows) and all(
        t["tag"] == r["tag"] and int(t["step"]) == r["step"] and int(t["stage"]) == r["stage"]
        and (r["value"] is None and math.isnan(float(t["value"])) or float(t["value"]) == r["value"])
        for t, r in zip(table, rows))
    checks.record(f"csv holds the jsonl rows ({len(table)})", same)

    accumulator = EventAccumulator(str(work / "tb"), size_guidance={"scalars": 0})
    accumulator.Reload()
    tags = sorted(accumulator.Tags()["scalars"])
    expected_tags = sorted({r["tag"] for r in rows})
    checks.record(f"tensorboard reads every tag ({len(expected_tags)})", tags == expected_tags,
                  f"missing {sorted(set(expected_tags) - set(tags))}")
    mismatched = []
    for tag in expected_tags:
        want = [(r["step"], r["value"]) for r in rows if r["tag"] == tag]
        got = [(e.step, e.value) for e in accumulator.Scalars(tag)] if tag in tags else []
        if len(got) != len(want) or not all(s == t and close32(v, w) for (s, v), (t, w) in zip(want, got)):
            mismatched.append(tag)
    checks.record("tensorboard's scalars equal the jsonl export, step and value (float32)", not mismatched,
                  f"differ: {mismatched[:5]}")
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
