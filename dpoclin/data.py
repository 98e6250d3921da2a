"""Training data: build-pairs outputs -> token ids -> micro-batches for the combined objective.

Prompts always go through the tokenizer's chat template (instruct models are trained and later
evaluated in that form); a completion is the rendered conversation minus the rendered prompt,
so it carries the template's end-of-turn tokens. A micro-batch holds up to B preference pairs
and B KTO examples, plus the mismatched (prompt, completion) pairs that estimate KTO's
reference point z0 *inside the micro-batch*, never pairing a prompt with its own task.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import torch

from dpoclin.errors import DpoclinError
from dpoclin.losses import mismatched_indices

PAIR_TYPE_IDS = {name: i for i, name in enumerate(("over_refusal", "unsafe_compliance", "preference", "verdict", "rating_gap"))}


@dataclass(frozen=True, slots=True)
class Encoded:
    prompt_ids: tuple[int, ...]
    completion_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PairExample:
    chosen: Encoded
    rejected: Encoded
    weight: float
    pair_type: str
    task_id: str


@dataclass(frozen=True, slots=True)
class KTOExample:
    seq: Encoded
    label: bool
    task_id: str


def load_rows(path: Path, split: str | None) -> list[dict]:
    """Rows of a build-pairs output (JSONL or Parquet), filtered to ``split`` when given."""
    if not path.exists():
        raise DpoclinError(f"{path}: no such file (run `dpoclin build-pairs` first)")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    else:
        rows = []
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(orjson.loads(line))
                    except orjson.JSONDecodeError as exc:
                        raise DpoclinError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
    return [r for r in rows if split is None or r.get("split") == split]


def _messages(prompt) -> list[dict]:
    return prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]


def _text(completion) -> str:
    return completion[0]["content"] if isinstance(completion, list) else completion


def encode(tokenizer, prompt, completion, max_length: int) -> Encoded:
    """Chat-templated prompt and completion ids; the prompt is cut from the left, the completion
    from the right, so that together they fit ``max_length`` (keeping at least half for the completion)."""
    messages = _messages(prompt)
    prompt_text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": _text(completion)}], tokenize=False)
    if not full_text.startswith(prompt_text):
        raise DpoclinError("the chat template renders the prompt differently with and without the answer; cannot split prompt and completion")
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    completion_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    completion_ids = completion_ids[: max(max_length // 2, max_length - len(prompt_ids))]
    prompt_ids = prompt_ids[max(0, len(prompt_ids) - (max_length - len(completion_ids))):]
    return Encoded(tuple(prompt_ids), tuple(completion_ids))


def encode_pairs(rows: list[dict], tokenizer, max_length: int) -> list[PairExample]:
    return [
        PairExample(encode(tokenizer, r["prompt"], r["chosen"], max_length), encode(tokenizer, r["prompt"], r["rejected"], max_length),
                    float(r.get("weight", 1.0) or 1.0), r.get("pair_type", "preference"), str(r.get("task_id", i)))
        for i, r in enumerate(rows)
    ]


def encode_kto(rows: list[dict], tokenizer, max_length: int) -> list[KTOExample]:
    return [KTOExample(encode(tokenizer, r["prompt"], r["completion"], max_length), bool(r["label"]), str(r.get("task_id", i)))
            for i, r in enumerate(rows)]


class MixedDataset(torch.utils.data.Dataset):
    """Item i = (pair i mod P, KTO example i mod U); its length covers the larger side once.

    With only pairs (dpo) or only KTO examples (kto) the other side of each item is None.
    """

    def __init__(self, pairs: list[PairExample], kto: list[KTOExample]):
        if not pairs and not kto:
            raise DpoclinError("no training examples: the data has neither pairs nor KTO examples in this split")
        self.pairs, self.kto = pairs, kto

    def __len__(self) -> int:
        return max(len(self.pairs), len(self.kto))

    def __getitem__(self, i: int) -> dict:
        return {"pair": self.pairs[i % len(self.pairs)] if self.pairs else None,
                "kto": self.kto[i % len(self.kto)] if self.kto else None}


def _pad(seqs: list[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded input_ids, attention_mask and completion_mask (1 on completion tokens)."""
    width = max(len(s.prompt_ids) + len(s.completion_ids) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(seqs), width), dtype=torch.long)
    completion = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, s in enumerate(seqs):
        n_p, n = len(s.prompt_ids), len(s.prompt_ids) + len(s.completion_ids)
        ids[row, :n] = torch.tensor(s.prompt_ids + s.completion_ids)
        attention[row, :n] = 1
        completion[row, n_p:n] = 1
    return {"input_ids": ids, "attention_mask": attention, "completion_mask": completion}


class Collator:
    """Micro-batch = [chosen..., rejected..., kto...] in one padded block, plus KL sequences."""

    def __init__(self, pad_token_id: int, kl: bool = True):
        self.pad_token_id, self.kl = pad_token_id, kl

    def __call__(self, items: list[dict]) -> dict[str, torch.Tensor]:
        pairs = [it["pair"] for it in items if it["pair"] is not None]
        kto = [it["kto"] for it in items if it["kto"] is not None]
        seqs = [p.chosen for p in pairs] + [p.rejected for p in pairs] + [k.seq for k in kto]
        batch = {f"{k}": v for k, v in _pad(seqs, self.pad_token_id).items()}
        batch["n_pairs"] = torch.tensor(len(pairs))
        batch["pair_weight"] = torch.tensor([p.weight for p in pairs], dtype=torch.float)
        batch["pair_type"] = torch.tensor([PAIR_TYPE_IDS.get(p.pair_type, -1) for p in pairs], dtype=torch.long)
        batch["kto_label"] = torch.tensor([k.label for k in kto], dtype=torch.bool)
        kl = self.kl_sequences(kto) if self.kl and kto else []
        if kl:
            batch.update({f"kl_{k}": v for k, v in _pad(kl, self.pad_token_id).items()})
        return batch

    @staticmethod
    def kl_sequences(kto: list[KTOExample]) -> list[Encoded]:
        """Prompt i with the completion of item p[i], p from ``mismatched_indices`` over task ids.

        When one task fills more than half of the micro-batch no full mismatch exists: the cyclic
        shift is used and same-task pairs are dropped (possibly all of them; the trainer then keeps
        its previous z0). A prompt is never scored on a completion of its own task.
        """
        tasks = [k.task_id for k in kto]
        try:
            order = mismatched_indices(tasks)
        except ValueError:
            order = [(i - 1) % len(kto) for i in range(len(kto))]
        return [Encoded(k.seq.prompt_ids, kto[j].seq.completion_ids) for i, (k, j) in enumerate(zip(kto, order))
                if tasks[i] != tasks[j]]
