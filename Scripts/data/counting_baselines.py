#!/usr/bin/env python3
"""The counting baselines of Docs/Math.md §44 in plain Python, an independent check of lorascope's
(`lorascope baselines`, Tests/LorascopeEngineTests/CountingBaselineTests.swift): popularity, a
first-order Markov chain and a windowed co-occurrence counter, fitted per stage t on the train lists
of blocks 0…t and scored on every eligible test user of block t (NDCG@5 over distinct code tuples).

Scores are kept in integers (co-occurrence in units of 1/60, weights 7^k·10^(9−k) and 2^(4−k)), so
ties are exact. `--ties spec` breaks them as Docs/Math.md §44 says (higher popularity, then lower
item index); `--ties first-seen` as Python's Counter.most_common does (the order in which the
candidates were first counted), which gives the numbers of the first Python check. Usage:

    python3 Scripts/data/counting_baselines.py Assets/Data/Video_Games_cl_0.6_0_5_3_0 [--ties spec]
"""
import argparse
import collections
import glob
import json
import math
import os


def load(directory):
    blocks = sorted(glob.glob(os.path.join(directory, "*.all.block_*.json")),
                    key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    index = json.load(open(glob.glob(os.path.join(directory, "*.index*.json"))[0]))
    return [json.load(open(p)) for p in blocks], index


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", help="a PESO dataset directory")
    ap.add_argument("--ties", choices=["spec", "first-seen"], default="spec")
    args = ap.parse_args()
    blocks, index = load(args.directory)
    ids = list(index.keys())
    position = {item: i for i, item in enumerate(ids)}
    tuples = [tuple(index[item]) for item in ids]
    n = len(ids)
    pop, first = [0] * n, {}
    trans = collections.defaultdict(collections.Counter)
    cooc = collections.defaultdict(collections.Counter)
    markov_weights = [2 ** (4 - k) for k in range(5)]
    cooc_weights = [7 ** k * 10 ** (9 - k) for k in range(10)]

    def eligible(block):
        return [v for v in block.values() if len(v["current_block"]) >= 3]

    def ranked(scores, history, by_popularity):
        excluded = {tuples[h] for h in history}
        if args.ties == "spec":
            candidates = sorted(scores, key=lambda y: (-scores[y], -pop[y], y))
        else:
            candidates = sorted(scores, key=lambda y: -scores[y])  # stable: first counted first
        out = []
        for y in candidates + by_popularity:
            if tuples[y] not in excluded:
                excluded.add(tuples[y])
                out.append(tuples[y])
                if len(out) == 10:
                    break
        return out

    def ndcg5(ranking, target):
        return 1 / math.log2(ranking.index(target) + 2) if target in ranking[:5] else 0.0

    print("block users popularity markov cooccurrence (NDCG@5)")
    for t, block in enumerate(blocks):
        for v in eligible(block):
            s = [position[x] for x in v["previous_block"] + v["current_block"]][:-2]
            p = len(v["previous_block"])
            for i in range(p, len(s)):
                pop[s[i]] += 1
                first.setdefault(s[i], len(first))
                if i >= 1:
                    trans[s[i - 1]][s[i]] += 1
                for j in range(max(0, i - 5), i):
                    cooc[s[j]][s[i]] += 60 // (i - j)
                    cooc[s[i]][s[j]] += 60 // (i - j)
        if args.ties == "spec":
            by_popularity = sorted(range(n), key=lambda y: (-pop[y], y))
        else:
            by_popularity = sorted(first, key=lambda y: (-pop[y], first[y]))
        sums = [0.0, 0.0, 0.0]
        users = eligible(block)
        for v in users:
            full = [position[x] for x in v["previous_block"] + v["current_block"]]
            target, history = tuples[full[-1]], full[:-1][-20:]
            sums[0] += ndcg5(ranked({}, history, by_popularity), target)
            for b, (counts, weights) in enumerate([(trans, markov_weights), (cooc, cooc_weights)], start=1):
                scores = collections.Counter()
                for k, h in enumerate(reversed(history[-len(weights):])):
                    for y, c in counts[h].items():
                        scores[y] += c * weights[k]
                sums[b] += ndcg5(ranked(scores, history, by_popularity), target)
        print(t, len(users), *("%.6f" % (x / len(users)) for x in sums))


if __name__ == "__main__":
    main()
