#!/usr/bin/env python3
"""A denser stand-in for a held-out PESO dataset, built from a released one (Docs/Results.md,
"Does the model beat counting?"; the sparser one is sparse_standin.py).

Only the `--items` items with the most interactions over all blocks are kept (ties: lower item
id); every other interaction is removed from every user's lists, time order kept, and a user left
with fewer than 3 current items in a block drops out of that block as the loader's rule says.
The result has fewer items and more interactions per item: the regime where a model can learn
each item's neighbours and the counters have more to count. The item index keeps every item (the
trie and the vocabulary do not change). Usage:

    python3 Scripts/data/dense_standin.py Assets/Data/Video_Games_cl_0.6_0_5_3_0 OUT_DIR [--items 4000]
"""
import argparse
import collections
import json
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a PESO dataset directory")
    ap.add_argument("out", help="the directory to write (created)")
    ap.add_argument("--items", type=int, default=4000, help="how many of the most interacted items to keep")
    args = ap.parse_args()
    files = sorted(os.listdir(args.source))
    index_name = next(f for f in files if ".index." in f)
    name = index_name.split(".index.")[0]
    blocks = sorted((f for f in files if ".all.block_" in f), key=lambda f: int(f.rsplit("_", 1)[1].split(".")[0]))
    new = "Dense" + name
    os.makedirs(args.out, exist_ok=True)
    data = [json.load(open(os.path.join(args.source, f))) for f in blocks]
    counts = collections.Counter(i for block in data for v in block.values() for i in v["current_block"])
    keep = {item for item, _ in sorted(counts.items(), key=lambda kv: (-kv[1], int(kv[0])))[:args.items]}
    index = json.load(open(os.path.join(args.source, index_name)))
    json.dump(index, open(os.path.join(args.out, index_name.replace(name, new)), "w"))
    for f, block in zip(blocks, data):
        out = {}
        for u, v in block.items():
            current = [i for i in v["current_block"] if i in keep]
            if current:
                out[u] = {"previous_block": [i for i in v["previous_block"] if i in keep], "current_block": current}
        json.dump(out, open(os.path.join(args.out, f.replace(name, new)), "w"))
    print(f"wrote {args.out}: {len(keep)} of {len(index)} items kept, {len(blocks)} blocks")


if __name__ == "__main__":
    main()
