#!/usr/bin/env python3
"""Per-example LoRA gradients of a PyTorch PESO run, for `lorascope spectrum --gradients`.

A test-time and user-side tool (torch + transformers + peft + safetensors); lorascope itself
never runs Python. See Docs/Inspecting.md.

It loads a Hugging Face causal LM with the adapter of one stage t, either
  * a PEFT adapter directory (adapter_config.json + adapter_model.safetensors), or
  * a checkpoint of the released PESO code (model.safetensors, possibly sharded with
    model.safetensors.index.json), whose ContinualLoRALinear modules hold `<module>.A` [r, in]
    and `<module>.B` [out, r]; those replace the named linears of --model with
    y = W x + (alpha/r) B A x, and the checkpoint's other tensors (the trained embed_tokens and
    lm_head under `<module>.modules_to_save.default.weight`, the backbone under
    `<module>.orig.weight`) override --model's weights,
takes n probe examples of block t of a PESO-format dataset (the seeded sample lorascope uses:
numpy default_rng(seed).choice over the block's users sorted by id), and computes for every
example the gradient of its mean next-token cross-entropy over the target item's tokens with
respect to every LoRA factor (on logits / --temperature; the released recipe trains at 0.8).

Probe example of a user: items = previous_block + current_block; the target is the last item,
the history the --history items before it; tokens = [BOS] + history tokens + target tokens.
Token ids come from the model directory's tokenizer (the semantic-ID tokens such as <a_12>
must be in its vocabulary) or from --vocab, a JSON object {token: id} with "<bos>".

Output (the layout of `lorascope spectrum --dump`): a safetensors file with
  G               [n, p]  float32 (float64 with --float64), row i = example i's gradient,
                  modules concatenated in `modules` order, each factor flattened row-major
  module_offsets  [M+1]   int64, module g occupies columns offsets[g]..offsets[g+1]
  row_scale       [1]     float64, 1: each row is already the per-token mean over the target
and metadata `modules` (JSON list of module names as in the checkpoint: PEFT key prefixes such
as base_model.model.model.layers.0.self_attn.q_proj.lora_A, or model.layers.0.mlp.up_proj.A),
`examples` (the user ids, in row order), `stage`, `rank`, `world_size`.

With torchrun, rank r of W takes examples r, r+W, ... and writes OUT.rank<r>-of-<W>; pass all
the files to lorascope, which concatenates their rows.

Usage:
  export_gradients.py --model HF_DIR --adapter ADAPTER --data PESO_DIR --block T --n 128 --out G.safetensors
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import save_file


# ----------------------------------------------------------------------------- data

def find_block(data_dir, block):
    data_dir = Path(data_dir)
    hits = sorted(data_dir.glob(f"*.all.block_{block}.json"))
    if not hits:
        raise SystemExit(f"{data_dir}: no *.all.block_{block}.json")
    index = sorted(data_dir.glob("*.index*.json"))
    if not index:
        raise SystemExit(f"{data_dir}: no *.index*.json (item -> semantic-ID tokens)")
    return hits[0], index[0]


def probe_examples(data_dir, block, n, seed=0, history=5, all_users=False):
    """[(user id, history token strings, target token strings)] of block `block`."""
    block_file, index_file = find_block(data_dir, block)
    users = json.loads(block_file.read_text())
    index = json.loads(index_file.read_text())
    ids = sorted(users, key=lambda u: (len(u), u))
    examples = []
    for user in ids:
        entry = users[user]
        items = list(entry.get("previous_block", [])) + list(entry.get("current_block", []))
        if len(items) < 2:
            continue
        target = items[-1]
        past = items[:-1][-history:]
        missing = [i for i in past + [target] if str(i) not in index]
        if missing:
            raise SystemExit(f"{block_file}: user {user}: item {missing[0]} is not in {index_file}")
        examples.append((user, [t for i in past for t in index[str(i)]], list(index[str(target)])))
    if all_users or n >= len(examples):
        return examples
    chosen = np.random.default_rng(seed).choice(len(examples), size=n, replace=False)
    return [examples[i] for i in sorted(chosen)]


class Encoder:
    """Token strings -> ids, from --vocab or the model directory's tokenizer."""

    def __init__(self, model_dir, vocab=None):
        if vocab:
            self.table = json.loads(Path(vocab).read_text())
            self.bos = self.table["<bos>"]
            self.lookup = lambda toks: [self.table[t] for t in toks]
        else:
            from transformers import AutoTokenizer
            tok = AutoTokenizer.from_pretrained(model_dir)
            self.bos = tok.bos_token_id
            unk = tok.unk_token_id

            def lookup(toks):
                out = tok.convert_tokens_to_ids(toks)
                bad = [t for t, i in zip(toks, out) if i is None or (unk is not None and i == unk)]
                if bad:
                    raise SystemExit(f"{model_dir}: token {bad[0]} is not in the tokenizer's vocabulary")
                return out
            self.lookup = lookup

    def encode(self, history, target):
        ids = [self.bos] + self.lookup(history) + self.lookup(target)
        return torch.tensor(ids, dtype=torch.long), len(target)


def example_loss(logits, ids, target_len, temperature=1.0):
    """Mean next-token CE over the target item's tokens (logits [T, V] for ids [T]), on
    logits / temperature (the released recipe trains with --temperature 0.8)."""
    t = ids.shape[0]
    pred = logits[t - target_len - 1:t - 1]
    return nn.functional.cross_entropy(pred.float() / temperature, ids[t - target_len:])


# ----------------------------------------------------------------------------- model

class ReleasedLoRALinear(nn.Module):
    """The forward of the released code's ContinualLoRALinear (current adapter, no dropout)."""

    def __init__(self, orig, a, b, alpha):
        super().__init__()
        self.orig = orig
        self.A = nn.Parameter(a.clone())
        self.B = nn.Parameter(b.clone())
        self.scaling = alpha / a.shape[0]

    def forward(self, x):
        return self.orig(x) + self.scaling * (x @ self.A.t()) @ self.B.t()


def released_files(path):
    path = Path(path)
    if path.is_dir():
        if (path / "model.safetensors").exists():
            return [path / "model.safetensors"]
        index = path / "model.safetensors.index.json"
        if not index.exists():
            raise SystemExit(f"{path}: no model.safetensors and no model.safetensors.index.json")
        return sorted({path / f for f in json.loads(index.read_text())["weight_map"].values()})
    return [path]


def load_released(model, path, alpha, dtype):
    """Puts the checkpoint's LoRA factors into `model`; returns [(module name, parameter)]."""
    factors, others = {}, {}
    for file in released_files(path):
        with safe_open(str(file), framework="pt") as f:
            for name in f.keys():
                if name.endswith(".A") or name.endswith(".B"):
                    factors[name] = f.get_tensor(name).to(dtype)
                elif "_matrices." not in name and ".original_module." not in name:
                    # ContinualLoRALinear keeps the backbone linear as `.orig`; SaveModuleWrapper
                    # keeps the trained embed_tokens / lm_head as `.modules_to_save.default`.
                    clean = name.replace(".orig.", ".").replace(".modules_to_save.default.", ".")
                    others[clean] = f.get_tensor(name)
    linears = sorted({n[:-2] for n in factors})
    if not linears:
        raise SystemExit(f"{path}: no <module>.A / <module>.B tensors")
    state = model.state_dict()
    with torch.no_grad():
        for name, value in others.items():
            if name in state and state[name].shape == value.shape:
                state[name].copy_(value.to(state[name].dtype))
    out = []
    for linear in linears:
        parent_name, _, child = linear.rpartition(".")
        parent = model.get_submodule(parent_name)
        wrapped = ReleasedLoRALinear(getattr(parent, child), factors[linear + ".A"], factors[linear + ".B"], alpha)
        setattr(parent, child, wrapped)
        out += [(linear + ".A", wrapped.A), (linear + ".B", wrapped.B)]
    return out


def load_model(model_dir, adapter, alpha=None, dtype=torch.float32, device="cpu"):
    """The model with the stage's adapter, and its LoRA factors [(module name, parameter)]."""
    from transformers import AutoModelForCausalLM
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, attn_implementation="eager")
    adapter = Path(adapter)
    if (adapter / "adapter_config.json").exists():
        from peft import PeftModel
        model = PeftModel.from_pretrained(base, str(adapter), is_trainable=True)
        factors = []
        for name, param in model.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                # PEFT names parameters ...lora_A.default.weight; the file says ...lora_A.weight.
                clean = name.replace(".default.", ".").removesuffix(".weight")
                factors.append((clean, param))
    else:
        if alpha is None:
            raise SystemExit("--alpha is needed for a released-code checkpoint (the released recipe uses 16)")
        model = base
        factors = load_released(model, adapter, alpha, dtype)
    for p in model.parameters():
        p.requires_grad_(False)
    for _, p in factors:
        p.requires_grad_(True)
    factors.sort(key=lambda f: f[0])
    model.to(device).eval()
    return model, factors


# ----------------------------------------------------------------------------- gradients

def per_example_gradients(model, factors, encoded, device="cpu", dtype=torch.float32, temperature=1.0):
    """G [n, p]: one backward pass per example (memory O(p) beyond the model)."""
    params = [p for _, p in factors]
    p_total = sum(p.numel() for p in params)
    g = torch.zeros(len(encoded), p_total, dtype=dtype)
    for i, (ids, target_len) in enumerate(encoded):
        ids = ids.to(device)
        logits = model(input_ids=ids[None]).logits[0]
        loss = example_loss(logits, ids, target_len, temperature)
        grads = torch.autograd.grad(loss, params)
        g[i] = torch.cat([gr.reshape(-1) for gr in grads]).to(dtype).cpu()
    return g


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face model directory (the run's backbone)")
    ap.add_argument("--adapter", required=True, help="PEFT adapter directory or released-code checkpoint of stage t")
    ap.add_argument("--data", required=True, help="PESO-format dataset directory")
    ap.add_argument("--block", type=int, required=True, help="the block t of the probe examples")
    ap.add_argument("--n", type=int, default=128, help="probe examples (all ranks together)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--history", type=int, default=5, help="items of history before the target")
    ap.add_argument("--vocab", help="JSON {token: id} with <bos>, for a model without a tokenizer")
    ap.add_argument("--alpha", type=float, help="lora_alpha of a released-code checkpoint")
    ap.add_argument("--temperature", type=float, default=1.0, help="CE on logits / T (the released recipe: 0.8)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--float64", action="store_true", help="compute and write G in float64")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = args.device
    if world > 1 and device.startswith("cuda"):
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}"
    dtype = torch.float64 if args.float64 else torch.float32

    examples = probe_examples(args.data, args.block, args.n, args.seed, args.history)
    mine = examples[rank::world]
    encoder = Encoder(args.model, args.vocab)
    encoded = [encoder.encode(h, t) for _, h, t in mine]
    model, factors = load_model(args.model, args.adapter, args.alpha, dtype, device)
    g = per_example_gradients(model, factors, encoded, device, dtype, args.temperature)

    offsets = [0]
    for _, p in factors:
        offsets.append(offsets[-1] + p.numel())
    out = args.out if world == 1 else f"{args.out}.rank{rank}-of-{world}"
    save_file(
        {"G": g.contiguous(), "module_offsets": torch.tensor(offsets, dtype=torch.int64),
         "row_scale": torch.ones(1, dtype=torch.float64)},
        out,
        metadata={"format": "pt", "modules": json.dumps([n for n, _ in factors]),
                  "examples": json.dumps([u for u, _, _ in mine]), "stage": str(args.block),
                  "rank": str(rank), "world_size": str(world)})
    print(f"wrote {out}: {g.shape[0]} examples x {g.shape[1]} parameters, {len(factors)} modules", file=sys.stderr)


if __name__ == "__main__":
    main()
