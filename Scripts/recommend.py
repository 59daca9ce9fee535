#!/usr/bin/env python3
"""Top-k item recommendations from a `lorascope export` directory, with transformers + peft.

A user-side example and a test-time tool (Scripts/interop/check_recommend.py), never a
dependency of lorascope. It decodes the way lorascope's evaluation does (Docs/Design.md §5):

- the prompt is BOS and the code tokens of the user's last `max_history` items
  (lorascope_export.json), tokenized by the exported tokenizer (which adds BOS itself);
- a beam search of `beam_width` beams (`generate(num_beams=...)`) over exactly `levels` new
  tokens, where every step may only extend a prefix of some item's code tuple
  (`prefix_allowed_tokens_fn` over the trie of tuples);
- the history's own items are never recommended (the data never repeats an item for a user,
  and the counting baselines skip them too): a step may not complete a history item's tuple,
  nor enter a prefix all of whose items are history items;
- candidates ranked by the summed log-probability of their code tokens: every candidate has
  the same length, and `length_penalty=0.0` makes the returned `sequences_scores` that sum;
  early stopping cannot matter because EOS is never allowed, so every beam ends after
  `levels` tokens.

A code tuple may belong to several items (Video_Games: 228 items repeat an earlier item's
tuple); the model cannot tell them apart, so a recommendation is a tuple and lists all of
its items (items/tuples.json, index-file order; the first is the representative).

Usage:
    python Scripts/recommend.py EXPORT_DIR --history 1070 46 2128 [--k 10] [--json]

Exit status 2 with a one-line message on bad input (an unknown item id, an empty history,
a k larger than the beam, a directory that is not a lorascope export).
"""

import argparse
import json
import os
import sys
import warnings


class RecommendError(Exception):
    """A problem with the caller's input or the export directory; the message says which."""


def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise RecommendError(f"{path}: missing ({what}); is this a `lorascope export` directory?") from None
    except json.JSONDecodeError as e:
        raise RecommendError(f"{path}: not valid JSON ({e})") from None


class ExportedItems:
    """The manifest and item index of an export: enough to check a history without loading a model."""

    def __init__(self, export_dir):
        self.export_dir = export_dir
        self.manifest = _read_json(os.path.join(export_dir, "lorascope_export.json"), "the export manifest")
        m = self.manifest
        try:
            self.max_history = int(m["max_history"])
            self.beam_width = int(m["beam_width"])
            self.levels = int(m["levels"])
            self.ce_temperature = float(m["ce_temperature"])
            index_path, tuples_path = m["item_index"], m["tuples"]
            m["backbone"], m["adapter"]
        except (KeyError, TypeError, ValueError) as e:
            raise RecommendError(f"{os.path.join(export_dir, 'lorascope_export.json')}: bad or missing entry {e}") from None
        # item id -> ["<a_12>", "<b_7>", ...] (PESO release format)
        self.item_tokens = _read_json(os.path.join(export_dir, index_path), "the item index")
        # "<a_12><b_7>..." -> [item ids]
        self.tuple_items = _read_json(os.path.join(export_dir, tuples_path), "the code-tuple map")

    def check(self, history, k):
        """Raises RecommendError for an empty history, unknown item ids or a k outside 1…beam width."""
        if not history:
            raise RecommendError("the history is empty: give at least one item id")
        unknown = [item for item in history if item not in self.item_tokens]
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:5]) + (" …" if len(unknown) > 5 else "")
            raise RecommendError(
                f"unknown item id(s) {shown}: not in {self.manifest['item_index']} "
                f"({len(self.item_tokens)} items)")
        if k < 1 or k > self.beam_width:
            raise RecommendError(f"k must be between 1 and the beam width {self.beam_width}, got {k}")

    def prompt_text(self, history):
        """The code tokens of the last `max_history` items, space separated (the tokenizer adds BOS)."""
        window = history[-self.max_history:]
        return " ".join(token for item in window for token in self.item_tokens[item])

    def split_key(self, key):
        """"<a_1><b_2>" -> ["<a_1>", "<b_2>"]."""
        parts = [p + ">" for p in key.split(">") if p]
        if len(parts) != self.levels:
            raise RecommendError(f"tuple {key!r} in the code-tuple map does not have {self.levels} codes")
        return parts


class ExportedRecommender(ExportedItems):
    """The backbone + adapter of an exported stage, its tokenizer and its item index."""

    def __init__(self, export_dir):
        super().__init__(export_dir)
        try:
            import torch
            from peft import PeftModel
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as e:
            raise RecommendError(f"needs torch, transformers and peft ({e})") from None

        hf_logging.disable_progress_bar()
        # peft calls a transformers property that v5 deprecated; nothing the user can act on.
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        self.torch = torch
        m = self.manifest
        backbone = os.path.join(export_dir, m["backbone"])
        self.tokenizer = AutoTokenizer.from_pretrained(backbone)
        base = AutoModelForCausalLM.from_pretrained(backbone, attn_implementation="eager", dtype=torch.float32)
        self.model = PeftModel.from_pretrained(base, os.path.join(export_dir, m["adapter"]))
        self.model.eval()

        # The trie of valid code-token sequences: prefix (tuple of ids) -> sorted allowed next ids.
        trie = {}
        for key in self.tuple_items:
            ids = self.tokenizer.convert_tokens_to_ids(self.split_key(key))
            for depth in range(self.levels):
                trie.setdefault(tuple(ids[:depth]), set()).add(ids[depth])
        self.trie = {prefix: sorted(children) for prefix, children in trie.items()}

    def prompt_ids(self, history):
        """BOS + the code-token ids of the last `max_history` items."""
        return self.tokenizer(self.prompt_text(history))["input_ids"]

    def excluded_prefixes(self, history_ids):
        """The prefixes a recommendation may not enter: each history item's tuple, and every prefix
        all of whose continuations are excluded (Docs/Design.md §5)."""
        excluded = set()
        for start in range(0, len(history_ids) - self.levels + 1, self.levels):
            prefix = tuple(history_ids[start:start + self.levels])
            if prefix[:-1] not in self.trie or prefix[-1] not in self.trie[prefix[:-1]]:
                continue
            excluded.add(prefix)
            while len(prefix) > 1:
                parent = prefix[:-1]
                if not all(parent + (c,) in excluded for c in self.trie[parent]):
                    break
                excluded.add(parent)
                prefix = parent
        return excluded

    def recommend(self, history, k=10):
        """The top-k code tuples for one history, best first, as dicts: rank, tuple, log_prob, items."""
        self.check(history, k)
        torch = self.torch
        prompt = self.prompt_ids(history)
        input_ids = torch.tensor([prompt], dtype=torch.long)
        prompt_len = input_ids.shape[1]

        excluded = self.excluded_prefixes(prompt[1:])

        def allowed(batch_id, sequence):
            generated = tuple(sequence[prompt_len:].tolist())
            children = self.trie.get(generated)
            if not children:
                raise RecommendError(f"beam left the item trie after {list(generated)}")
            return [c for c in children if generated + (c,) not in excluded]

        with torch.no_grad():
            out = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                num_beams=self.beam_width,
                num_return_sequences=k,
                max_new_tokens=self.levels,
                min_new_tokens=self.levels,
                do_sample=False,
                length_penalty=0.0,
                early_stopping=False,
                prefix_allowed_tokens_fn=allowed,
                output_scores=True,
                return_dict_in_generate=True,
                bos_token_id=self.tokenizer.bos_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        results = []
        for rank, (sequence, score) in enumerate(zip(out.sequences, out.sequences_scores), start=1):
            codes = sequence[prompt_len:].tolist()
            key = "".join(self.tokenizer.convert_ids_to_tokens(codes))
            results.append({"rank": rank, "tuple": key, "log_prob": float(score),
                            "items": self.tuple_items.get(key, [])})
        return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir", help="a directory written by `lorascope export`")
    parser.add_argument("--history", nargs="*", default=[], metavar="ITEM",
                        help="the user's item ids, oldest first")
    parser.add_argument("--k", type=int, default=10, help="recommendations to return (at most the beam width)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    try:
        ExportedItems(args.export_dir).check(args.history, args.k)  # before the slow model load
        recommender = ExportedRecommender(args.export_dir)
        results = recommender.recommend(args.history, args.k)
    except RecommendError as e:
        print(f"recommend.py: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"history": args.history, "recommendations": results}, indent=2))
    else:
        for r in results:
            print(f"{r['rank']:>3}  {r['tuple']}  {r['log_prob']:.4f}  items {', '.join(r['items'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
