#!/usr/bin/env python3
"""Synthetic files at the scale of the released PESO run, to measure the streamed spectrum.

Writes into OUT:
  stage_0/, stage_1/   PEFT adapter directories shaped like Llama-3.2-1B with r = 8 on
                       q,k,v,o,gate,up,down (|L| = 112, p = 5,636,096 LoRA parameters), float32
  grads.rank<i>-of-<W> per-example gradient files in the layout of Scripts/export_gradients.py
                       (G [n/W, p] float32, module_offsets, metadata modules), written in row
                       chunks so this script needs little memory itself

Then, for example:
  lorascope import --out OUT/run OUT/stage_0 OUT/stage_1
  /usr/bin/time -v lorascope spectrum --run-dir OUT/run --stage 1 --joint --gradients OUT/grads.rank*

Usage: make_scale_fixture.py --out DIR [--n 128] [--world 2] [--layers 16] [--seed 0]
"""

import argparse
import json
import struct
from pathlib import Path

import numpy as np

HIDDEN, KV, INTERMEDIATE, RANK, ALPHA = 2048, 512, 8192, 8, 16
SHAPES = {  # (parent, in, out)
    "q_proj": ("self_attn", HIDDEN, HIDDEN), "k_proj": ("self_attn", HIDDEN, KV), "v_proj": ("self_attn", HIDDEN, KV),
    "o_proj": ("self_attn", HIDDEN, HIDDEN), "gate_proj": ("mlp", HIDDEN, INTERMEDIATE),
    "up_proj": ("mlp", HIDDEN, INTERMEDIATE), "down_proj": ("mlp", INTERMEDIATE, HIDDEN),
}


def modules(layers):
    out = []
    for layer in range(layers):
        for kind, (parent, fin, fout) in SHAPES.items():
            prefix = f"base_model.model.model.layers.{layer}.{parent}.{kind}"
            out.append((f"{prefix}.lora_A", (RANK, fin)))
            out.append((f"{prefix}.lora_B", (fout, RANK)))
    return sorted(out)


def write_safetensors_streaming(path, entries, metadata, fill):
    """entries: [(name, dtype, shape)]; fill(name, file) writes that tensor's bytes in order."""
    header, offset = {"__metadata__": metadata}, 0
    sizes = {"F32": 4, "I64": 8}
    for name, dtype, shape in entries:
        nbytes = int(np.prod(shape)) * sizes[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, _, _ in entries:
            fill(name, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--world", type=int, default=2)
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    mods = modules(args.layers)
    targets = sorted(SHAPES)

    anchor = {}
    for stage in range(2):
        d = out / f"stage_{stage}"
        d.mkdir(exist_ok=True)
        (d / "adapter_config.json").write_text(json.dumps(
            {"peft_type": "LORA", "r": RANK, "lora_alpha": ALPHA, "target_modules": targets}))
        tensors = {}
        for name, shape in mods:
            if stage == 0:
                anchor[name] = (rng.standard_normal(shape) * 0.02).astype(np.float32)
                tensors[name] = anchor[name]
            else:
                tensors[name] = (anchor[name] + rng.standard_normal(shape) * 1e-3).astype(np.float32)
        entries = [(f"{n}.weight", "F32", tensors[n].shape) for n, _ in mods]
        write_safetensors_streaming(d / "adapter_model.safetensors", entries, {"format": "pt"},
                                    lambda name, f: f.write(tensors[name.removesuffix(".weight")].tobytes()))

    p = sum(int(np.prod(s)) for _, s in mods)
    offsets = np.cumsum([0] + [int(np.prod(s)) for _, s in mods]).astype(np.int64)
    rows = args.n // args.world
    names = json.dumps([n for n, _ in mods])
    for rank in range(args.world):
        def fill(name, f):
            if name == "module_offsets":
                f.write(offsets.tobytes())
                return
            for _ in range(rows):  # one row at a time: O(p) memory
                f.write(rng.standard_normal(p, dtype=np.float32).tobytes())
        write_safetensors_streaming(
            out / f"grads.rank{rank}-of-{args.world}", [("G", "F32", (rows, p)), ("module_offsets", "I64", (len(offsets),))],
            {"format": "pt", "modules": names, "stage": "1", "rank": str(rank), "world_size": str(args.world)}, fill)
    print(f"p = {p}, modules = {len(mods)}, n = {rows * args.world}, gradient bytes = {rows * args.world * p * 4}")


if __name__ == "__main__":
    main()
