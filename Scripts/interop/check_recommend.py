#!/usr/bin/env python3
"""End-to-end check that an exported stage is usable from Python (issue 14, Docs/Design.md §4.3, §5, §6).

1. A small lorascope run on the shipped Video_Games data (CE temperature 0.8 and trained
   embeddings as in the paper recipe, so both are part of what is checked; few epochs, 50
   evaluation users), then `lorascope export` of one stage.
2. The exported tokenizer loads with `AutoTokenizer.from_pretrained(OUT/backbone)` and maps every
   code token `<x_N>` of the item index to 3 + level*K + N, the specials to 0/1/2.
3. The block's validation examples are rebuilt in Python from the dataset files following
   Docs/Design.md §4.3, tokenized with the exported tokenizer, scored with transformers
   + peft; their mean CE must equal metrics.json `validation_ce` of that stage to --atol.
4. Scripts/recommend.py's top-10 for the block's first --users test users must equal
   `lorascope recommend` (same tuples, same items, same order; a swap of two neighbours whose
   log-probabilities differ by less than --tie-tol counts as a tie, as does a different last
   entry when it ties with lorascope's last one).
5. recommend.py rejects an unknown item id and an empty history with a message and exit 2.

The last line is "N passed, M failed"; the exit status is non-zero on any failure.

Usage: python Scripts/interop/check_recommend.py --lorascope .build/debug/lorascope --workdir DIR [--data D]
"""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Scripts"))
sys.path.insert(0, str(REPO / "Scripts" / "interop"))
from checks import Checks  # noqa: E402

DATASET = "Video_Games_cl_0.6_0_5_3_0"




def default_data():
    candidate = REPO / "Assets" / "Data" / DATASET
    return candidate if candidate.is_dir() else None


def run(cmd, **kw):
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    started = time.time()
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    print(f"  ({time.time() - started:.1f}s, exit {result.returncode})", flush=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"command failed: {' '.join(str(c) for c in cmd)}")
    return result.stdout


def load_block(data_dir, block):
    """user id -> {"previous_block": [...], "current_block": [...]}, in file order."""
    path = Path(data_dir) / f"{DATASET}.all.block_{block}.json"
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def examples(block_users, max_history, which):
    """Docs/Design.md §4.3: eligible users (>= 3 current items) in file order; the target of
    'valid' is the second-to-last item of previous + current, of 'test' the last; the history is the
    at most max_history items just before the target."""
    out = []
    for user, lists in block_users.items():
        if len(lists["current_block"]) < 3:
            continue
        full = lists["previous_block"] + lists["current_block"]
        position = len(full) - 2 if which == "valid" else len(full) - 1
        out.append((user, full[max(0, position - max_history):position], full[position], full[:position]))
    return out


def check_tokenizer(rec, checks):
    tok = rec.tokenizer
    k = int(rec.manifest["codebook_size"])
    specials = [tok.pad_token_id, tok.bos_token_id, tok.eos_token_id]
    checks.record("tokenizer special ids pad/bos/eos = 0/1/2", specials == [0, 1, 2], f"got {specials}")
    bad = 0
    for item, tokens in rec.item_tokens.items():
        ids = tok.convert_tokens_to_ids(tokens)
        want = [3 + level * k + int(t.split("_")[1][:-1]) for level, t in enumerate(tokens)]
        bad += ids != want
    checks.record("every item's code tokens map to 3 + level*K + code", bad == 0,
                  f"{len(rec.item_tokens)} items, {bad} wrong")
    item = next(iter(rec.item_tokens))
    spaced = tok(" ".join(rec.item_tokens[item]))["input_ids"]
    fused = tok("".join(rec.item_tokens[item]))["input_ids"]
    decoded = tok.decode(spaced[1:])
    checks.record("tokenizer adds BOS, splits the fused PESO spelling, decodes back",
                  spaced == fused and spaced[0] == 1 and decoded == "".join(rec.item_tokens[item]),
                  f"{spaced} / {fused} / {decoded!r}")
    gen = json.loads((Path(rec.export_dir) / "backbone" / "generation_config.json").read_text())
    checks.record("generation_config.json ids", (gen["bos_token_id"], gen["eos_token_id"], gen["pad_token_id"]) == (1, 2, 0),
                  str({k2: gen[k2] for k2 in ("bos_token_id", "eos_token_id", "pad_token_id")}))


def validation_ce(rec, valid):
    """Mean CE over the target item's code tokens of every validation example, CE(logits / τ)."""
    import torch

    levels, tau = rec.levels, rec.ce_temperature
    by_length = {}
    for _, history, target, _ in valid:
        ids = rec.tokenizer(" ".join(t for item in history + [target] for t in rec.item_tokens[item]))["input_ids"]
        by_length.setdefault(len(ids), []).append(ids)
    total, count = 0.0, 0
    with torch.no_grad():
        for length, rows in by_length.items():
            for start in range(0, len(rows), 64):
                batch = torch.tensor(rows[start:start + 64], dtype=torch.long)
                logits = rec.model(input_ids=batch).logits.to(torch.float64)
                # Positions length-1-levels … length-2 predict the target's code tokens.
                pred = logits[:, length - 1 - levels:length - 1, :] / tau
                logp = torch.log_softmax(pred, dim=-1)
                gold = batch[:, length - levels:]
                total += -logp.gather(-1, gold.unsqueeze(-1)).sum().item()
                count += gold.numel()
    return total / count, count


def same_up_to_ties(ours, theirs, tie_tol):
    """Rankings of (tuple, log_prob), best first. Equal if at every rank the tuples agree, or the
    differing entries tie with the tuple lorascope ranks there (|Δ log-prob| <= tie_tol)."""
    if len(ours) != len(theirs):
        return False, f"{len(ours)} vs {len(theirs)} entries"
    our_score = {t: s for t, s in ours}
    notes = []
    for rank, ((t1, s1), (t2, s2)) in enumerate(zip(ours, theirs), start=1):
        if abs(s1 - s2) > tie_tol:
            return False, f"rank {rank}: log-prob {s1:.6f} vs {s2:.6f}"
        if t1 == t2:
            continue
        if t2 in our_score and abs(our_score[t2] - s1) <= tie_tol:
            notes.append(f"tie at rank {rank}")
        elif rank == len(ours) and abs(s2 - s1) <= tie_tol:
            notes.append(f"tie at the last rank {rank}")
        else:
            return False, f"rank {rank}: {t1} vs {t2}"
    return True, "; ".join(notes)


def main():
    parser = argparse.ArgumentParser(description="exported stage usable from Python: tokenizer, validation CE, recommend")
    parser.add_argument("--lorascope", required=True, help="the lorascope executable")
    parser.add_argument("--workdir", required=True, help="deleted and recreated")
    parser.add_argument("--data", help=f"the {DATASET} directory (default <repo>/Assets/Data/…)")
    parser.add_argument("--stage", type=int, default=1, help="stage to export; its block is checked (default 1)")
    parser.add_argument("--users", type=int, default=50, help="test users compared (default 50)")
    parser.add_argument("--backbone-epochs", default="0.05")
    parser.add_argument("--epochs", default="0.1")
    parser.add_argument("--run-dir", help="check this finished run instead of training one (with its --cache)")
    parser.add_argument("--cache", help="backbone cache of --run-dir (default: WORKDIR/cache for the run trained here)")
    parser.add_argument("--atol", type=float, default=1e-4, help="validation CE tolerance")
    parser.add_argument("--tie-tol", type=float, default=1e-4, help="log-prob difference that counts as a tie")
    args = parser.parse_args()

    data = Path(args.data) if args.data else default_data()
    if data is None or not data.is_dir():
        raise SystemExit(f"no {DATASET} directory found; pass --data")
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    lorascope = Path(args.lorascope).resolve()
    export_dir = work / "export"
    checks = Checks()

    if args.run_dir:
        run_dir = Path(args.run_dir)
        cache = Path(args.cache) if args.cache else None
    else:
        run_dir, cache = work / "run", work / "cache"
        run([lorascope, "run", "--data", data, "--run-dir", run_dir, "--cache", cache,
             "--ce-temperature", "0.8", "--train-embeddings",
             "--backbone-epochs", args.backbone_epochs, "--epochs", args.epochs, "--eval-users", "50", "--seed", "0",
             # The decoding is checked at 10 beams: generate() calls the trie's Python callback per
             # beam and step, and 50 (the default) would multiply this check's time by five.
             "--beam", "10"])
    reopen = ["--run-dir", run_dir, "--data", data] + (["--cache", cache] if cache else [])
    run([lorascope, "export", *reopen, "--stage", args.stage, "--out", export_dir])
    report = json.loads(run([lorascope, "recommend", *reopen, "--stage", args.stage, "--block", args.stage,
                             "--users", args.users, "--k", "10", "--json"]))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    want_ce = next(s["validation_ce"] for s in metrics["stages"] if s["stage"] == args.stage)

    import torch
    # One thread: on a shared 2-core machine two threads contend and run ~10x slower.
    torch.set_num_threads(1)
    from recommend import ExportedRecommender
    rec = ExportedRecommender(str(export_dir))
    check_tokenizer(rec, checks)

    block_users = load_block(data, args.stage)
    valid = examples(block_users, rec.max_history, "valid")
    got_ce, tokens = validation_ce(rec, valid)
    checks.record(f"validation CE of stage {args.stage} (transformers + peft) = metrics.json",
                  abs(got_ce - want_ce) <= args.atol,
                  f"{got_ce:.6f} vs {want_ce:.6f} (|Δ| {abs(got_ce - want_ce):.2e}, {len(valid)} examples, {tokens} tokens, τ {rec.ce_temperature})")

    test = examples(block_users, rec.max_history, "test")[:args.users]
    lorascope_users = report["users"]
    checks.record("lorascope recommend used the Docs test examples",
                  [(u["user"], u["history"], u["target"]) for u in lorascope_users] == [(u, h, t) for u, h, t, _ in test],
                  f"{len(lorascope_users)} users")
    mismatches, ties, worst = [], 0, 0.0
    for (user, _, _, before), theirs in zip(test, lorascope_users):
        ours = rec.recommend(before, 10)  # the whole history: recommend.py keeps the last max_history items
        ok, note = same_up_to_ties([(r["tuple"], r["log_prob"]) for r in theirs["recommendations"]],
                                   [(r["tuple"], r["log_prob"]) for r in ours], args.tie_tol)
        ok = ok and all(a["items"] == b["items"] for a, b in zip(theirs["recommendations"], ours)
                        if a["tuple"] == b["tuple"])
        worst = max([worst] + [abs(a["log_prob"] - b["log_prob"]) for a, b in zip(theirs["recommendations"], ours)])
        ties += bool(note)
        if not ok:
            mismatches.append(f"user {user}: {note}")
    checks.record(f"recommend.py top-10 = lorascope recommend for {len(test)} test users of block {args.stage}",
                  not mismatches and len(test) == len(lorascope_users) > 0,
                  f"max |Δ log-prob| {worst:.2e}, {ties} users with ties" + (f"; {mismatches[:3]}" if mismatches else ""))

    script = REPO / "Scripts" / "recommend.py"
    for name, history, expect in (("unknown item id", ["no-such-item"], "unknown item"),
                                  ("empty history", [], "history is empty")):
        result = subprocess.run([sys.executable, str(script), str(export_dir), "--history", *history],
                                capture_output=True, text=True)
        checks.record(f"recommend.py rejects an {name}",
                      result.returncode == 2 and expect in result.stderr and "Traceback" not in result.stderr,
                      f"exit {result.returncode}: {result.stderr.strip()[:120]}")

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
