#!/usr/bin/env python3
"""Cross-implementation check: lorascope vs Hugging Face transformers + peft (Docs/Design.md §1, §6).

(a) lorascope -> Python: `lorascope interop fixture` writes seeded backbones (LlamaForCausalLM
    directories) and PEFT adapters plus the logits and the mean next-token CE lorascope computes
    for fixed token sequences. transformers/peft must load them with no missing or unexpected
    keys and give the same logits (base, with the adapter, after merge_and_unload) and CE.
(b) Python -> lorascope: a seeded random LlamaForCausalLM and a PEFT LoRA are saved with
    save_pretrained; `lorascope interop score` must give the logits and CE transformers gives.

Every comparison is float32 with an absolute tolerance (default 1e-4); the max abs difference
is printed for each. The last line is "N passed, M failed"; the exit status is non-zero on any
failure.

Usage: python Scripts/interop/check_transformers.py --lorascope .build/debug/lorascope --workdir DIR
Needs only torch, transformers, peft, safetensors and numpy.
"""

import argparse
import shutil
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import torch
import transformers

sys.path.insert(0, str(Path(__file__).resolve().parent))
import checks as checklib  # noqa: E402
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
RANK, ALPHA = 8, 16

# The same sizes as `lorascope interop fixture` (Sources/lorascope/Commands/InteropCommand.swift).
MODELS = {
    "small": dict(vocab_size=67, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=96, max_position_embeddings=64),
    "tiny": dict(vocab_size=1027, hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                 intermediate_size=344, max_position_embeddings=128),
}

# A LoRA comparison is only meaningful if the adapter moves the logits by much more than atol.
MIN_ADAPTER_EFFECT = 0.1

TRANSFORMERS_MAJOR = int(transformers.__version__.split(".")[0])
# transformers >= 4.56 renamed from_pretrained's `torch_dtype` to `dtype` (v5 warns on the old name).
_major_minor = tuple(int(x) for x in transformers.__version__.split(".")[:2])
DTYPE_KW = "dtype" if _major_minor >= (4, 56) else "torch_dtype"


class Checks(checklib.Checks):
    """The shared bookkeeping plus tensor comparisons within `atol`."""

    def __init__(self, atol):
        super().__init__()
        self.atol = atol

    def compare(self, name, got, want):
        got = torch.as_tensor(got).to(torch.float64)
        want = torch.as_tensor(want).to(torch.float64)
        if got.shape != want.shape:
            self.record(name, False, f"shape {tuple(got.shape)} != expected {tuple(want.shape)}")
            return
        if not torch.isfinite(got).all() or not torch.isfinite(want).all():
            self.record(name, False, "non-finite values")
            return
        diff = (got - want).abs().max().item()
        self.record(name, diff <= self.atol,
                    f"max|diff| = {diff:.3e} (atol {self.atol:.0e}, max|value| = {want.abs().max().item():.3g})")

    def error(self, name, exc):
        traceback.print_exc()
        self.record(name, False, f"{type(exc).__name__}: {exc}")


def run(cmd):
    """Runs lorascope; raises with its stderr on failure."""
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited with {result.returncode}:\n"
                           f"{result.stdout}{result.stderr}")
    return result.stdout


def load_backbone(path, checks, name):
    """from_pretrained in fp32 with eager attention; a check fails on any missing/unexpected key."""
    model, info = LlamaForCausalLM.from_pretrained(
        path, attn_implementation="eager", output_loading_info=True, **{DTYPE_KW: torch.float32})
    problems = {k: sorted(v) for k, v in info.items() if v}
    if checks is not None:
        checks.record(f"{name}: load backbone (no missing/unexpected/mismatched keys)", not problems,
                      str(problems) if problems else "")
    elif problems:
        raise RuntimeError(f"loading {path}: {problems}")
    bad_dtypes = {p.dtype for p in model.parameters()} - {torch.float32}
    if bad_dtypes:
        raise RuntimeError(f"{path} loaded with dtypes {bad_dtypes}, expected float32 only")
    return model.eval()


def load_adapter(base, path, checks, name):
    """PeftModel.from_pretrained, strict: fails on a missing/unexpected key warning, and checks
    key by key that the file's tensors are exactly the model's LoRA weights, none left over."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(base, path)
    problems = [str(w.message) for w in caught
                if any(s in str(w.message).lower() for s in ("missing", "unexpected", "not found", "mismatch"))]

    saved = load_file(str(Path(path) / "adapter_model.safetensors"))
    params = {k: v for k, v in model.state_dict().items() if ".lora_" in k}
    expected_keys = set()
    for key, tensor in saved.items():
        # Saved keys have no adapter name: `...q_proj.lora_A.weight` is `...q_proj.lora_A.default.weight`.
        mkey = key.replace(".lora_A.weight", ".lora_A.default.weight").replace(
            ".lora_B.weight", ".lora_B.default.weight")
        expected_keys.add(mkey)
        if mkey not in params:
            problems.append(f"unexpected key {key}")
        elif params[mkey].shape != tensor.shape or not torch.equal(params[mkey], tensor.to(params[mkey].dtype)):
            problems.append(f"{key} was not loaded as saved")
    problems += [f"missing key {k}" for k in sorted(set(params) - expected_keys)]
    # LoRA layers keep a dict {adapter name: alpha/r}; attention modules have a float `scaling`.
    scale = {m.scaling["default"] for m in model.modules()
             if isinstance(getattr(m, "scaling", None), dict) and "default" in m.scaling}
    if scale != {ALPHA / RANK}:
        problems.append(f"LoRA scaling {scale}, expected {{{ALPHA / RANK}}}")
    n_lora = len(params)
    checks.record(f"{name}: load adapter ({n_lora} LoRA tensors, no missing/unexpected keys)", not problems,
                  "; ".join(problems[:5]))
    return model.eval()


@torch.no_grad()
def forward(model, input_ids):
    """Logits [B, T, V] and transformers' mean next-token CE for labels = input_ids."""
    out = model(input_ids=input_ids, labels=input_ids)
    return out.logits.float(), out.loss.double()


def check_fixture(name, fixture_dir, checks):
    """(a) lorascope wrote the checkpoints; transformers + peft must reproduce its logits."""
    expected = load_file(str(fixture_dir / "expected.safetensors"))
    ids = expected["input_ids"]
    backbone, adapter = fixture_dir / "backbone", fixture_dir / "adapter"

    base = load_backbone(backbone, checks, f"{name} lorascope->hf")
    logits, ce = forward(base, ids)
    checks.compare(f"{name} lorascope->hf: logits base", logits, expected["logits_base"])
    checks.compare(f"{name} lorascope->hf: CE base", ce, expected["ce_base"])

    peft_model = load_adapter(base, adapter, checks, f"{name} lorascope->hf")
    logits_lora, ce_lora = forward(peft_model, ids)
    effect = (expected["logits_lora"] - expected["logits_base"]).abs().max().item()
    checks.record(f"{name} lorascope->hf: adapter changes the logits", effect > MIN_ADAPTER_EFFECT,
                  f"max|lora - base| = {effect:.3g}")
    checks.compare(f"{name} lorascope->hf: logits LoRA", logits_lora, expected["logits_lora"])
    checks.compare(f"{name} lorascope->hf: CE LoRA", ce_lora, expected["ce_lora"])

    merged = peft_model.merge_and_unload().eval()
    logits_merged, _ = forward(merged, ids)
    checks.compare(f"{name} lorascope->hf: logits merge_and_unload", logits_merged, expected["logits_lora"])


def make_reference(name, sizes, out_dir, seed):
    """(b) A seeded random LlamaForCausalLM + PEFT LoRA (B non-zero), saved with save_pretrained.

    Weights get a spread of order one (std 1/sqrt(in), embeddings std 1, lm_head 2/sqrt(hidden),
    norms 1 + 0.2 N(0, 1)) so that logits are far from uniform, as in the Swift fixture."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    rope = ({"rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}}
            if TRANSFORMERS_MAJOR >= 5 else {"rope_theta": 10000.0})
    config = LlamaConfig(
        **sizes, num_key_value_heads=sizes["num_attention_heads"], hidden_act="silu", rms_norm_eps=1e-6,
        tie_word_embeddings=False, attention_bias=False, mlp_bias=False, bos_token_id=1, eos_token_id=2,
        pad_token_id=0, **rope)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif pname == "model.embed_tokens.weight":
                p.copy_(torch.randn(p.shape, generator=gen))
            elif pname == "lm_head.weight":
                p.copy_(torch.randn(p.shape, generator=gen) * (2 / p.shape[1] ** 0.5))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) / p.shape[1] ** 0.5)
    backbone = out_dir / "backbone"
    # Save the backbone before PEFT injects its layers (which would rename the base weights).
    model.save_pretrained(backbone)

    lora = LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=TARGETS, lora_dropout=0.0, bias="none",
                      task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, lora)
    with torch.no_grad():
        for pname, p in peft_model.named_parameters():
            if ".lora_B." in pname:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
    adapter = out_dir / "adapter"
    peft_model.save_pretrained(adapter)

    b, t = 3, sizes["max_position_embeddings"]
    ids = torch.randint(3, sizes["vocab_size"], (b, t), generator=gen, dtype=torch.int64)
    ids[:, 0] = 1  # BOS
    inputs = out_dir / "inputs.safetensors"
    save_file({"input_ids": ids.contiguous()}, str(inputs))
    return backbone, adapter, inputs, ids


def check_rope_theta(model, head_dim, name, checks):
    """The reference model must use θ = 10000 (the config key moved between transformers v4 and v5)."""
    inv_freq = model.model.rotary_emb.inv_freq.double()
    want = 1.0 / (10000.0 ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    diff = (inv_freq - want).abs().max().item()
    checks.record(f"{name}: reference RoPE theta = 10000", diff < 1e-6, f"max|inv_freq diff| = {diff:.1e}")


def check_reverse(name, sizes, out_dir, seed, lorascope, checks):
    """(b) transformers + peft wrote the checkpoints; lorascope must reproduce their logits."""
    backbone, adapter, inputs, ids = make_reference(name, sizes, out_dir, seed)
    tag = f"{name} hf->lorascope"

    base = load_backbone(backbone, None, tag)
    check_rope_theta(base, sizes["hidden_size"] // sizes["num_attention_heads"], tag, checks)
    ref_logits, ref_ce = forward(base, ids)
    peft_model = PeftModel.from_pretrained(base, adapter).eval()
    ref_logits_lora, ref_ce_lora = forward(peft_model, ids)
    effect = (ref_logits_lora - ref_logits).abs().max().item()
    checks.record(f"{tag}: adapter changes the logits", effect > MIN_ADAPTER_EFFECT,
                  f"max|lora - base| = {effect:.3g}")

    scored = out_dir / "scored_base.safetensors"
    run([lorascope, "interop", "score", "--backbone", backbone, "--inputs", inputs, "--out", scored])
    got = load_file(str(scored))
    checks.compare(f"{tag}: logits base", got["logits"], ref_logits)
    checks.compare(f"{tag}: CE base", got["ce"], ref_ce)

    scored = out_dir / "scored_lora.safetensors"
    run([lorascope, "interop", "score", "--backbone", backbone, "--adapter", adapter, "--inputs", inputs,
         "--out", scored])
    got = load_file(str(scored))
    checks.compare(f"{tag}: logits LoRA", got["logits"], ref_logits_lora)
    checks.compare(f"{tag}: CE LoRA", got["ce"], ref_ce_lora)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lorascope", required=True, help="path to the lorascope executable")
    parser.add_argument("--workdir", required=True, help="scratch directory (replaced)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--atol", type=float, default=1e-4)
    args = parser.parse_args()

    lorascope = Path(args.lorascope).resolve()
    if not lorascope.is_file():
        sys.exit(f"error: lorascope executable not found at {lorascope}")
    workdir = Path(args.workdir).resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    torch.set_num_threads(2)
    transformers.utils.logging.disable_progress_bar()
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"peft {__import__('peft').__version__}, numpy {np.__version__}", flush=True)

    checks = Checks(args.atol)
    fixtures = workdir / "from_lorascope"
    try:
        run([lorascope, "interop", "fixture", "--out", fixtures, "--seed", args.seed])
        for name in MODELS:
            try:
                check_fixture(name, fixtures / name, checks)
            except Exception as exc:  # noqa: BLE001 - report and continue with the next model
                checks.error(f"{name} lorascope->hf", exc)
    except Exception as exc:  # noqa: BLE001
        checks.error("lorascope interop fixture", exc)

    for name, sizes in MODELS.items():
        out_dir = workdir / "from_transformers" / name
        out_dir.mkdir(parents=True)
        try:
            check_reverse(name, sizes, out_dir, args.seed, lorascope, checks)
        except Exception as exc:  # noqa: BLE001
            checks.error(f"{name} hf->lorascope", exc)

    sys.exit(checks.summary())


if __name__ == "__main__":
    main()
