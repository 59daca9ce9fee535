#!/usr/bin/env python3
"""Proof that lorascope inspects a real PyTorch PESO run (issue 13; Docs/Inspecting.md).

1. Builds a PyTorch run: a small LlamaConfig in transformers, a PEFT LoRA on a non-default
   subset of modules (q_proj, v_proj, down_proj) and rank (r = 4, alpha = 8), trained three
   stages on synthetic PESO-format data (`lorascope data synth`) with the released code's
   softmax-KL penalty (per linear KL_A + KL_B with the 1e-8 renormalization, mean over linears,
   times lambda), saving each stage with save_pretrained (stage 1 re-saved as bfloat16 and
   stage 2 as float16, so all three dtypes are read). It also writes the final stage as a
   checkpoint in the released code's tensor layout: a sharded bf16 model.safetensors with
   index, `<module>.A`, `<module>.B`, `<module>.A_matrices.<i>`, `<module>.B_matrices.<i>`
   and the backbone under `<module>.orig.weight`.
2. `lorascope import` reads both; its exact penalties equal a float64 PyTorch KL to 1e-9
   relative and its bf16 penalties equal the released code's op sequence run by PyTorch on
   bfloat16 tensors (to 1 % relative, a few bf16 ulps; the largest deviation is printed).
3. `Scripts/export_gradients.py` writes per-example gradients at stage 2 on block 2 (PEFT and
   released layouts); `lorascope spectrum --gradients` gives rho_k for one module and jointly,
   equal to a NumPy/SciPy computation from the same files to 1e-8 relative.

The last line is "N passed, M failed"; the exit status is non-zero on any failure.

Usage: python Scripts/interop/check_import.py --lorascope .build/debug/lorascope --workdir DIR
"""

import argparse
import json
import subprocess
import sys
import traceback
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import export_gradients as eg  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import checks as checklib  # noqa: E402

TARGETS = ["q_proj", "v_proj", "down_proj"]
RANK, ALPHA = 4, 8
LAMBDA = 2.0
STAGES = 3


class Checks(checklib.Checks):
    def relative(self, name, got, want, rtol):
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            self.record(name, False, f"shape {got.shape} != {want.shape}")
            return
        scale = np.maximum(np.abs(want), 1e-300)
        err = float(np.max(np.abs(got - want) / scale)) if got.size else 0.0
        self.record(name, err <= rtol, f"max relative difference {err:.3g} (tolerance {rtol:g}, {got.size} values)")


def run(cmd):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stderr}{result.stdout}")
    return result.stdout


# ----------------------------------------------------------------------------- the released penalty

def released_kl(current, previous):
    """compute_kl_divergence_loss of one factor, op for op (runs in the tensors' dtype)."""
    p = torch.softmax(current.flatten(), dim=0)
    q = torch.softmax(previous.flatten(), dim=0)
    p = p + 1e-8
    q = q + 1e-8
    p = p / p.sum()
    q = q / q.sum()
    kl = torch.sum(p * torch.log(p / q))
    return torch.clamp(kl, min=0.0)


def exact_kl(current, previous):
    lp = torch.log_softmax(current.flatten().double(), 0)
    lq = torch.log_softmax(previous.flatten().double(), 0)
    return float(torch.sum(lp.exp() * (lp - lq)))


# ----------------------------------------------------------------------------- the PyTorch run

def build_run(work, lorascope):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    data = work / "data"
    run([lorascope, "data", "synth", "--out", data, "--users", "120", "--blocks", str(STAGES), "--overwrite"])
    index = json.loads(next(data.glob("*.index*.json")).read_text())
    tokens = sorted({t for toks in index.values() for t in toks})
    vocab = {"<bos>": 0, **{t: i + 1 for i, t in enumerate(tokens)}}
    (work / "vocab.json").write_text(json.dumps(vocab))

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    base = LlamaForCausalLM(config)
    base.save_pretrained(work / "backbone")
    model = get_peft_model(base, LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=TARGETS, lora_dropout=0.0))
    lora = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    linears = sorted({n.split(".lora_")[0] for n, _ in lora})
    encoder = eg.Encoder(work / "backbone", work / "vocab.json")

    snapshots = []  # per stage: {linear: (A, B)} in float32
    optimizer = torch.optim.Adam([p for _, p in lora], lr=2e-2)
    for stage in range(STAGES):
        examples = eg.probe_examples(data, stage, 0, all_users=True)
        encoded = [encoder.encode(h, t) for _, h, t in examples]
        previous = snapshots[-1] if snapshots else None
        for step in range(40):
            batch = [encoded[(step * 8 + i) % len(encoded)] for i in range(8)]
            loss = sum(eg.example_loss(model(input_ids=ids[None]).logits[0], ids, k) for ids, k in batch) / len(batch)
            if previous is not None:
                penalty = 0.0
                for linear in linears:
                    a = model.get_parameter(f"{linear}.lora_A.default.weight")
                    b = model.get_parameter(f"{linear}.lora_B.default.weight")
                    penalty = penalty + released_kl(a, previous[linear][0]) + released_kl(b, previous[linear][1])
                loss = loss + LAMBDA * penalty / len(linears)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        snapshots.append({l: (model.get_parameter(f"{l}.lora_A.default.weight").detach().clone(),
                              model.get_parameter(f"{l}.lora_B.default.weight").detach().clone()) for l in linears})
        out = work / f"peft_stage_{stage}"
        model.save_pretrained(out)
        dtype = {0: None, 1: torch.bfloat16, 2: torch.float16}[stage]
        if dtype is not None:
            weights = out / "adapter_model.safetensors"
            tensors = {k: v.to(dtype) for k, v in load_file(weights).items()}
            save_file(tensors, weights, metadata={"format": "pt"})

    # The released layout: ContinualLoRALinear names without PEFT's prefix, bf16, sharded.
    state = {}
    for name, value in base.state_dict().items():
        clean = name.replace("base_model.model.", "")
        for linear in linears:
            short = linear.replace("base_model.model.", "")
            if clean.startswith(short + ".base_layer."):
                clean = clean.replace(".base_layer.", ".orig.")
        if ".lora_" in clean:
            continue
        state[clean] = value.detach().to(torch.bfloat16).contiguous()
    for linear in linears:
        short = linear.replace("base_model.model.", "")
        for i, snap in enumerate(snapshots[:-1]):
            state[f"{short}.A_matrices.{i}"] = snap[linear][0].to(torch.bfloat16).contiguous()
            state[f"{short}.B_matrices.{i}"] = snap[linear][1].to(torch.bfloat16).contiguous()
        state[f"{short}.A"] = snapshots[-1][linear][0].to(torch.bfloat16).contiguous()
        state[f"{short}.B"] = snapshots[-1][linear][1].to(torch.bfloat16).contiguous()
    released = work / "released"
    released.mkdir(exist_ok=True)
    names = sorted(state)
    halves = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for k, part in enumerate(halves):
        file = f"model-0000{k + 1}-of-00002.safetensors"
        save_file({n: state[n] for n in part}, released / file, metadata={"format": "pt"})
        weight_map.update({n: file for n in part})
    (released / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return data, [work / f"peft_stage_{s}" for s in range(STAGES)], released


def stage_factors_peft(stage_dir):
    tensors = load_file(stage_dir / "adapter_model.safetensors")
    return {k.removesuffix(".weight"): v for k, v in tensors.items()}


def stage_factors_released(released, slot):
    out = {}
    for file in eg.released_files(released):
        with safe_open(str(file), framework="pt") as f:
            for name in f.keys():
                for factor in ("A", "B"):
                    suffix = f".{factor}" if slot is None else f".{factor}_matrices.{slot}"
                    if name.endswith(suffix):
                        out[name[: -len(suffix)] + f".{factor}"] = f.get_tensor(name)
    return out


def check_penalties(checks, label, report, stages):
    rows = report["penalties"]["modules"]
    exact_got, exact_want, bf16_got, bf16_want, fro_got, fro_want = [], [], [], [], [], []
    for row in rows:
        t, module = row["stage"], row["module"]
        cur, prev = stages[t][module], stages[t - 1][module]
        exact_got.append(row["penalty_exact"])
        exact_want.append(exact_kl(cur.float(), prev.float()))
        bf16_got.append(row["penalty_bf16"])
        bf16_want.append(float(released_kl(cur.to(torch.bfloat16), prev.to(torch.bfloat16)).float()))
        fro_got.append(row["displacement_fro"])
        fro_want.append(float(torch.linalg.norm(cur.double() - prev.double())))
    expected_rows = (len(stages) - 1) * len(stages[0])
    checks.record(f"{label}: one row per stage >= 1 and module", len(rows) == expected_rows,
                  f"{len(rows)} rows, expected {expected_rows}")
    checks.relative(f"{label}: exact penalty = PyTorch float64 KL", exact_got, exact_want, 1e-9)
    checks.relative(f"{label}: bf16 penalty = released code in torch.bfloat16", bf16_got, bf16_want, 1e-2)
    checks.relative(f"{label}: Frobenius displacement", fro_got, fro_want, 1e-9)


# ----------------------------------------------------------------------------- spectra

def scipy_rho(files, anchor, modules, eps_relative=1e-3):
    """rho of (Sigma, H_eps) from the gradient files via the n x n reduction, with NumPy/SciPy."""
    import scipy.linalg
    blocks = []
    for file in files:
        with safe_open(str(file), framework="np") as f:
            g = f.get_tensor("G").astype(np.float64)
            offsets = f.get_tensor("module_offsets")
            names = json.loads(f.metadata()["modules"])
        blocks.append((g, offsets, names))
    g_all = np.concatenate([b[0] for b in blocks])
    offsets, names = blocks[0][1], blocks[0][2]
    n = g_all.shape[0]
    m_total = np.zeros((n, n))
    for module in modules:
        k = names.index(module)
        gk = g_all[:, offsets[k]:offsets[k + 1]]
        logits = anchor[module].double().flatten().numpy()
        q = scipy.special.softmax(logits)
        eps = eps_relative / q.size
        h = np.diag(q + eps) - np.outer(q, q)
        m_total += gk @ scipy.linalg.solve(h, gk.T, assume_a="pos") / n
    return np.sort(scipy.linalg.eigvalsh(m_total))[::-1]


def check_spectra(checks, label, lorascope, run_dir, files, anchor, modules):
    import scipy.special  # noqa: F401  (scipy_rho uses it)
    single = modules[0]
    for joint in (False, True):
        cmd = [lorascope, "spectrum", "--run-dir", run_dir, "--stage", "2", "--json", "--gradients", *files]
        cmd += ["--joint"] if joint else ["--module", single]
        got = json.loads(run(cmd))
        want = scipy_rho(files, anchor, modules if joint else [single])
        ours = np.array(sorted(got["rho"] + got["shift_rho"], reverse=True))
        k = min(len(ours), len(want))
        cutoff = 1e-9 * want[0]
        keep = want[:k] > cutoff
        what = "joint" if joint else f"module {single}"
        checks.relative(f"{label}: rho_k ({what}) = NumPy/SciPy", ours[:k][keep], want[:k][keep], 1e-8)


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lorascope", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    lorascope = Path(args.lorascope).resolve()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    try:
        data, peft_dirs, released = build_run(work, lorascope)
        peft_stages = [stage_factors_peft(d) for d in peft_dirs]
        released_stages = [stage_factors_released(released, s) for s in range(STAGES - 1)]
        released_stages.append(stage_factors_released(released, None))

        peft_run = work / "run_peft"
        report = json.loads(run([lorascope, "import", "--out", peft_run, "--json", "--lambda", str(LAMBDA), *peft_dirs]))
        checks.record("PEFT import: three stages, dtypes F32, BF16, F16",
                      [s["source_dtype"] for s in report["stages"]] == ["F32", "BF16", "F16"],
                      str([s["source_dtype"] for s in report["stages"]]))
        checks.record("PEFT import: |L| and r", report["adapted_linears"] == 2 * len(TARGETS) and report["rank"] == RANK,
                      f"|L| = {report['adapted_linears']}, r = {report['rank']}")
        check_penalties(checks, "PEFT", report, peft_stages)

        released_run = work / "run_released"
        report = json.loads(run([lorascope, "import", "--out", released_run, "--json", "--snapshots", released]))
        checks.record("released import: snapshots 0, 1 and the current adapter are three stages",
                      len(report["stages"]) == STAGES, f"{len(report['stages'])} stages")
        check_penalties(checks, "released", report, released_stages)

        # Gradients of stage 2 on block 2, from both layouts, and the spectra against H_1.
        grads_peft = work / "grads_peft.safetensors"
        eg.main(["--model", str(work / "backbone"), "--adapter", str(peft_dirs[2]), "--data", str(data),
                 "--block", "2", "--n", "24", "--vocab", str(work / "vocab.json"), "--float64", "--out", str(grads_peft),
                 "--device", "cpu"])
        modules = sorted(peft_stages[1])
        check_spectra(checks, "PEFT", lorascope, peft_run, [grads_peft], peft_stages[1], modules)

        grads_released = [work / "grads_released_a.safetensors", work / "grads_released_b.safetensors"]
        # Two files, as two torchrun ranks would write them.
        import os
        for rank, path in enumerate(grads_released):
            os.environ.update(RANK=str(rank), WORLD_SIZE="2")
            eg.main(["--model", str(work / "backbone"), "--adapter", str(released), "--alpha", str(ALPHA), "--data", str(data),
                     "--block", "2", "--n", "24", "--vocab", str(work / "vocab.json"), "--out", str(work / "grads_released"),
                     "--temperature", "0.8",
                     "--device", "cpu"])
            Path(f"{work / 'grads_released'}.rank{rank}-of-2").rename(path)
        os.environ.update(RANK="0", WORLD_SIZE="1")
        modules = sorted(released_stages[1])
        check_spectra(checks, "released", lorascope, released_run, [str(p) for p in grads_released], released_stages[1], modules)
    except Exception as exc:  # a crash is one failed check with its traceback
        checks.record("check_import ran to the end", False, f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
    sys.exit(checks.summary())


if __name__ == "__main__":
    main()
