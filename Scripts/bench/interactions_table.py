#!/usr/bin/env python3
"""A generated interaction table for the `data build` benchmark (Docs/BenchLog.md, "data build at
10 million rows"): USERS users, ITEMS items, ROWS rows in the Amazon Reviews 2023 layout
(`user_id,parent_asin,rating,timestamp`, milliseconds). Item popularity is Zipf-like (exponent
0.8) and each user's interactions are spread over three years, so the chronological blocks, the
k-core and the co-occurrence vectors all have real work to do. Deterministic for a seed.

    python3 Scripts/bench/interactions_table.py OUT.csv [--rows 10000000 --users 1000000 --items 200000]
"""
import argparse
import bisect
import itertools
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cumulative = list(itertools.accumulate(1 / (k + 1) ** 0.8 for k in range(args.items)))
    total = cumulative[-1]
    start, span = 1_577_836_800_000, 3 * 365 * 86_400_000
    with open(args.out, "w") as f:
        f.write("user_id,parent_asin,rating,timestamp\n")
        lines = []
        for row in range(args.rows):
            user = rng.randrange(args.users)
            item = bisect.bisect_left(cumulative, rng.random() * total)
            lines.append(f"U{user},I{item},{rng.randint(1, 5)}.0,{start + rng.randrange(span)}\n")
            if len(lines) == 100_000:
                f.writelines(lines)
                lines.clear()
        f.writelines(lines)


if __name__ == "__main__":
    main()
