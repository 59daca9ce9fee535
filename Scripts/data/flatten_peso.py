#!/usr/bin/env python3
"""Flatten a released PESO dataset directory into one interactions table (Docs/Design.md §4.4).

The released block files hold no timestamps, only order. This script invents them from the
order: block by block, user by user in file order, each user's current_block items in list
order, one second apart from 1_500_000_000 on. previous_block lists are not written: in the
released files each one is exactly the user's earlier current_block lists, which `data build`
rebuilds from the earlier blocks.

It prints the --boundaries value that puts every block back where it was (each block's first
invented timestamp), so

    python3 Scripts/data/flatten_peso.py Assets/Data/Video_Games_cl_0.6_0_5_3_0 vg.csv
    lorascope data build --interactions vg.csv --out vg --boundaries <printed> --min-block-items 5

gives back the released users, items and lists (with lorascope's own codes).
"""
import csv
import json
import os
import re
import sys

START = 1_500_000_000


def main(directory: str, out: str) -> None:
    blocks = {}
    for name in os.listdir(directory):
        match = re.search(r"\.all\.block_(\d+)\.json$", name)
        if match:
            blocks[int(match.group(1))] = os.path.join(directory, name)
    if sorted(blocks) != list(range(len(blocks))) or not blocks:
        sys.exit(f"{directory}: no block files <name>.all.block_<k>.json numbered 0..T-1")
    time = START
    boundaries = []
    rows = 0
    with open(out, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "timestamp"])
        for k in range(len(blocks)):
            if k > 0:
                boundaries.append(time)
            with open(blocks[k]) as block_file:
                users = json.load(block_file)
            for user, lists in users.items():
                for item in lists["current_block"]:
                    writer.writerow([user, item, time])
                    time += 1
                    rows += 1
    print(f"wrote {rows} interactions of {len(blocks)} blocks to {out}", file=sys.stderr)
    print(",".join(str(b) for b in boundaries))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: flatten_peso.py PESO_DIRECTORY OUT.csv")
    main(sys.argv[1], sys.argv[2])
