"""How much the model adds to the co-occurrence counter: mix the two as distributions.

For each test user, p_model(item) = exp(summed code log-probability) of the beam's tuples
(`lorascope recommend --json`, a wide beam) and p_count(item) = the co-occurrence counter's
score normalized over the items it scores (Docs/Math.md §44, fitted on blocks 0…t), then
rank by (1 − α)·p_model + α·p_count, for a grid of α. α is scanned on the same test users,
so the best row is an upper bound on what such a mixture gains: if even it is small, the
model knows little that the counter does not.

usage: count_mixture.py DATASET_PREFIX STAGE:RECOMMEND_JSON [STAGE:RECOMMEND_JSON ...]
  DATASET_PREFIX: the released layout's path prefix (…/Video_Games_cl_0.6_0_5_3_0/Video_Games_cl_0.6_0_5_3_0)
Prints NDCG@5 of the counter and of each mixture per file, and the mean over all files' users
minus the counter's with a 95 % bootstrap interval over users.
"""
import collections, glob, json, math, random, sys

ALPHAS = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9]


def load(prefix, blocks):
    data = [json.load(open(f"{prefix}.all.block_{b}.json")) for b in range(blocks)]
    index = json.load(open(glob.glob(prefix + ".index*.json")[0]))
    return data, {k: tuple(v) for k, v in index.items()}


def counter(data, stage):
    """Popularity and windowed co-occurrence (window 5, weight 1/distance) of blocks 0…stage's train lists."""
    pop, cooc = collections.Counter(), collections.defaultdict(collections.Counter)
    for t in range(stage + 1):
        for v in data[t].values():
            if len(v["current_block"]) < 3:
                continue
            s = (v["previous_block"] + v["current_block"])[:-2]
            for i in range(len(v["previous_block"]), len(s)):
                pop[s[i]] += 1
                for j in range(max(0, i - 5), i):
                    cooc[s[j]][s[i]] += 1 / (i - j)
                    cooc[s[i]][s[j]] += 1 / (i - j)
    return pop, cooc


def ndcg5(ranked, target, excluded):
    seen, r = set(), 0
    for t in ranked:
        if t in seen or t in excluded:
            continue
        seen.add(t)
        r += 1
        if t == target:
            return 1 / math.log2(r + 1)
        if r == 5:
            return 0.0
    return 0.0


def tuple_of(codes):
    return tuple(f"<{'abcd'[i]}_{c}>" for i, c in enumerate(codes))


def evaluate(data, tup, stage, rec):
    pop, cooc = counter(data, stage)
    fallback = [tup[x] for x, _ in pop.most_common(300)]
    count_scores, mixed = [], {a: [] for a in ALPHAS}
    for u in rec["users"]:
        hist, target = u["history"], tup[u["target"]]
        excluded = {tup[h] for h in hist}
        score = collections.Counter()
        for k, h in enumerate(reversed(hist[-10:])):
            for y, c in cooc[h].items():
                score[tup[y]] += c * 0.7**k
        for t in excluded:
            score.pop(t, None)
        z = sum(score.values())
        count_scores.append(ndcg5([t for t, _ in score.most_common(100)] + fallback, target, excluded))
        p_count = {t: v / z for t, v in score.most_common(50)}
        p_model = {tuple_of(r["codes"]): math.exp(r["log_prob"]) for r in u["recommendations"]}
        candidates = set(p_model) | set(p_count)
        for a in ALPHAS:
            ranked = sorted(candidates, key=lambda t: -((1 - a) * p_model.get(t, 0) + a * p_count.get(t, 0)))
            mixed[a].append(ndcg5(ranked + fallback, target, excluded))
    return count_scores, mixed


def interval(d, rounds=1000):
    rng = random.Random(0)
    n = len(d)
    means = sorted(sum(rng.choice(d) for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def main():
    prefix, files = sys.argv[1], sys.argv[2:]
    data, tup = load(prefix, 5)
    pooled_count, pooled = [], {a: [] for a in ALPHAS}
    for spec in files:
        stage, path = spec.split(":", 1)
        c, m = evaluate(data, tup, int(stage), json.load(open(path)))
        pooled_count += c
        for a in ALPHAS:
            pooled[a] += m[a]
        n = len(c)
        print(f"{path}: {n} users, co-occurrence {sum(c) / n:.4f}; " +
              ", ".join(f"α={a}: {sum(m[a]) / n:.4f}" for a in ALPHAS))
    n = len(pooled_count)
    print(f"all {n} users: co-occurrence {sum(pooled_count) / n:.4f}")
    for a in ALPHAS:
        d = [x - y for x, y in zip(pooled[a], pooled_count)]
        lo, hi = interval(d)
        print(f"  α={a}: {sum(pooled[a]) / n:.4f}, minus co-occurrence {sum(d) / n:+.4f} [{lo:+.4f}, {hi:+.4f}]")


if __name__ == "__main__":
    main()
