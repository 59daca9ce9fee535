#!/usr/bin/env python3
"""The released PESO code's softmax-KL in bfloat16, run by PyTorch on the CPU, on hand-made
vectors: writes the fixture the Swift test `BFloat16PenaltyTests` compares the engine's
emulation with (Docs/Math.md "The penalty in bfloat16").

Usage: Scripts/bf16/penalty_reference.py [out.json]
(default Tests/Fixtures/bf16_penalty_torch.json). Needs torch.
The op sequence is the released code's compute_kl_divergence_loss for one factor: softmax over
the flattened factor, +1e-8, renormalize, log of the ratio, multiply, sum, clamp at 0.
"""
import json
import math
import random
import sys

import torch


def released_kl(current, previous):
    x = torch.tensor(current, dtype=torch.float32).to(torch.bfloat16).requires_grad_(True)
    y = torch.tensor(previous, dtype=torch.float32).to(torch.bfloat16)
    p = torch.softmax(x, dim=0)
    q = torch.softmax(y, dim=0)
    p = p + 1e-8
    q = q + 1e-8
    p = p / p.sum()
    q = q / q.sum()
    kl = (p * torch.log(p / q)).sum()
    kl = torch.clamp(kl, min=0)
    kl.backward()
    return float(kl.detach().float()), [float(g) for g in x.grad.float()]


def cases():
    rnd = random.Random(7)
    out = []
    # Small, hand-written.
    out.append(("tiny", [0.1, -0.2, 0.3, 0.05], [0.1, -0.21, 0.28, 0.06]))
    # p/q next to 1: an update of ~1e-3 around a near-uniform factor, where bf16 rounds the
    # ratio to 1 − 2⁻⁸ k or 1 + 2⁻⁷ k unevenly.
    base = [rnd.gauss(0, 0.01) for _ in range(64)]
    out.append(("ratio-near-one", [b + rnd.gauss(0, 1e-3) for b in base], base))
    # A larger update, where the KL is well resolved.
    base = [rnd.gauss(0, 0.3) for _ in range(256)]
    out.append(("resolved", [b + rnd.gauss(0, 0.1) for b in base], base))
    # A module of realistic shape (r · d = 8 · 128).
    base = [rnd.gauss(0, 0.02) for _ in range(1024)]
    out.append(("module-1024", [b + rnd.gauss(0, 2e-3) for b in base], base))
    # Identical factors: exact KL 0.
    base = [rnd.gauss(0, 0.05) for _ in range(32)]
    out.append(("identical", list(base), list(base)))
    # Tiny updates whose rounded terms sum below zero, so the clamp is active: the first
    # such vector of a seeded search.
    for _ in range(2000):
        base = [rnd.gauss(0, 0.01) for _ in range(16)]
        cur = [b + rnd.gauss(0, 3e-4) for b in base]
        if raw_kl(cur, base) < 0:
            out.append(("clamped", cur, base))
            break
    return out


def raw_kl(current, previous):
    """The KL before the clamp, in bf16."""
    x = torch.tensor(current, dtype=torch.float32).to(torch.bfloat16)
    y = torch.tensor(previous, dtype=torch.float32).to(torch.bfloat16)
    p = torch.softmax(x, dim=0) + 1e-8
    q = torch.softmax(y, dim=0) + 1e-8
    p = p / p.sum()
    q = q / q.sum()
    return float((p * torch.log(p / q)).sum().float())


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/bf16_penalty_torch.json"
    rows = []
    for name, cur, prev in cases():
        kl, grad = released_kl(cur, prev)
        rows.append({"name": name, "current": cur, "previous": prev, "kl": kl, "gradient": grad})
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": rows}, f)
    print(f"wrote {len(rows)} cases to {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
