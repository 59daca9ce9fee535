#!/usr/bin/env python3
"""A sparser stand-in for a held-out PESO dataset, built from a released one (Docs/Results.md,
"A regime where adaptation pays"; Docs/Reproduce.md, "Stand-in for sparser data").

Block 0 keeps a seeded random subset of its users, and every item gets a twin: the same first
two codes, random last two (a code tuple not used before). Each interaction of every block picks
the item or its twin at random, so the data has twice the items and half the interactions per
item. Usage:

    python3 Scripts/data/sparse_standin.py Assets/Data/Video_Games_cl_0.6_0_5_3_0 OUT_DIR [--users 8494]
"""
import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a PESO dataset directory")
    ap.add_argument("out", help="the directory to write (created)")
    ap.add_argument("--users", type=int, default=8494, help="block-0 users to keep")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    files = sorted(os.listdir(args.source))
    index_name = next(f for f in files if ".index." in f)
    name = index_name.split(".index.")[0]
    blocks = sorted((f for f in files if ".all.block_" in f), key=lambda f: int(f.rsplit("_", 1)[1].split(".")[0]))
    new = "Sparse" + name
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    index = json.load(open(os.path.join(args.source, index_name)))
    n = len(index)
    used = {tuple(v) for v in index.values()}
    twins = dict(index)
    for key, codes in index.items():
        while True:
            prefix = [c.split("_")[0] for c in codes]
            twin = codes[:2] + [f"{prefix[i]}_{rng.randrange(256)}>" for i in range(2, len(codes))]
            if tuple(twin) not in used:
                break
        used.add(tuple(twin))
        twins[str(int(key) + n)] = twin
    json.dump(twins, open(os.path.join(args.out, index_name.replace(name, new)), "w"))
    for b, f in enumerate(blocks):
        data = json.load(open(os.path.join(args.source, f)))
        if b == 0:
            keep = set(random.Random(0).sample(sorted(data, key=int), min(args.users, len(data))))
            data = {u: v for u, v in data.items() if u in keep}
        pick = lambda item: str(int(item) + n) if rng.random() < 0.5 else item
        out = {u: {"previous_block": [pick(i) for i in v["previous_block"]],
                   "current_block": [pick(i) for i in v["current_block"]]} for u, v in data.items()}
        json.dump(out, open(os.path.join(args.out, f.replace(name, new)), "w"))
    print(f"wrote {args.out}: {len(twins)} items, {len(blocks)} blocks")


if __name__ == "__main__":
    main()
