"""Training data: build-pairs outputs -> token ids -> micro-batches for the combined objective.

Prompts always go through the tokenizer's chat template (instruct models are trained and later
evaluated in that form); a completion is the rendered conversation minus the rendered prompt,
so it carries the template's end-of-turn tokens.

One epoch visits every training example once. For kto-dpo a physician-labelled answer that is
also a side of a preference pair is not a separate example: its KTO label rides on the pair
(``link_kto``), so the one forward pass over the pair scores both the DPO and the KTO term.
Only labelled answers in no pair stay standalone KTO examples. A micro-batch is laid out as
[chosen..., rejected..., standalone kto...]; ``kto_index`` marks the rows with a KTO label, and
KTO's reference point z0 comes from mismatched (prompt, completion) pairs of those rows,
never a prompt with an answer from its own task.
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

    def __len__(self) -> int:
        return len(self.prompt_ids) + len(self.completion_ids)


@dataclass(frozen=True, slots=True)
class PairExample:
    chosen: Encoded
    rejected: Encoded
    weight: float
    pair_type: str
    task_id: str
    chosen_label: bool | None = None  # the chosen answer's own KTO label (kto-dpo), None: unlabelled
    rejected_label: bool | None = None


@dataclass(frozen=True, slots=True)
class KTOExample:
    seq: Encoded
    label: bool
    task_id: str


def load_rows(path: Path, split: str | None, kind: str | None = None) -> list[dict]:
    """Rows of a build-pairs output (JSONL or Parquet), filtered to ``split`` when given.

    ``kind`` ("pairs" or "kto"): check every row's fields first (``row_problem``), so a malformed line stops
    with ``FILE:LINE: field NAME: ...`` before any model loads, not as a KeyError mid-encoding."""
    if not path.exists():
        raise DpoclinError(f"{path}: no such file (run `dpoclin build-pairs` first)")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        numbered = [(f"row {i}", r) for i, r in enumerate(pq.read_table(path).to_pylist())]
    else:
        numbered = []
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        numbered.append((lineno, orjson.loads(line)))
                    except orjson.JSONDecodeError as exc:
                        raise DpoclinError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
    if kind is not None:
        for where, row in numbered:
            if problem := row_problem(row, kind):
                raise DpoclinError(f"{path}:{where}: {problem}")
    return [r for _, r in numbered if split is None or r.get("split") == split]


ROW_TEXT_FIELDS = {"pairs": ("prompt", "chosen", "rejected"), "kto": ("prompt", "completion")}


def row_problem(row, kind: str) -> str | None:
    """What is wrong with one pairs.jsonl / kto.jsonl row (TRL preference / unpaired format), or None."""
    if not isinstance(row, dict):
        return f"expected a JSON object with {', '.join(ROW_TEXT_FIELDS[kind])}, got {_kind_of(row)}"
    for name in ROW_TEXT_FIELDS[kind]:
        if problem := _text_problem(row.get(name), name in ("prompt",)):
            return f"field {name}: {problem}"
    if kind == "kto" and not isinstance(row.get("label"), bool):
        return f"field label: expected true or false, got {_kind_of(row.get('label'))}"
    weight = row.get("weight")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0
                               or weight == float("inf")):
        return f"field weight: expected a finite number >= 0, got {weight!r}"
    for name in ("split", "pair_type"):
        if row.get(name) is not None and not isinstance(row[name], str):
            return f"field {name}: expected a string, got {_kind_of(row[name])}"
    if isinstance(row.get("task_id"), (dict, list, bool, float)):
        return f"field task_id: expected a string id, got {_kind_of(row['task_id'])}"
    return None


def _text_problem(value, prompt: bool) -> str | None:
    """A text side: a non-empty string, or a non-empty list of {role, content} messages (conversational)."""
    if isinstance(value, str):
        return None if value.strip() else "empty text"
    shape = "a string or a list of {role, content} messages"
    if not isinstance(value, list) or not value:
        return f"expected {shape}, got {_kind_of(value)}"
    for i, msg in enumerate(value):
        if not isinstance(msg, dict) or not isinstance(msg.get("content"), str) or not isinstance(msg.get("role"), str):
            return f"message {i}: expected {{role: string, content: string}}, got {_kind_of(msg)}"
    if prompt and value[-1]["role"] != "user":
        return f"the last message must be the user's, got role {value[-1]['role']!r}"
    return None


def _kind_of(value) -> str:
    """JSON name of a value's type, for messages ('missing' for an absent field)."""
    names = {type(None): "missing or null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _messages(prompt) -> list[dict]:
    return prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]


def _text(completion) -> str:
    return completion[0]["content"] if isinstance(completion, list) else completion


@dataclass(frozen=True, slots=True)
class Prompt:
    """A chat-templated prompt's ids; the first ``head`` and last ``tail`` ids are template (BOS, system turn, role
    markers up to the first user text; end of the last user turn and the assistant header) and are never cut."""

    ids: tuple[int, ...]
    head: int
    tail: int


def _user_span(text: str, messages: list[dict]) -> tuple[int, int]:
    """Character span of the user text in the rendered prompt: the first user message's content to the end of the
    last one's. No user text found (a template that rewrites it): the whole prompt is protected."""
    users = [str(m.get("content", "")).strip() for m in messages if m.get("role") == "user"]
    start = text.find(users[0]) if users and users[0] else -1
    end = text.rfind(users[-1]) if start >= 0 and users[-1] else -1  # rfind("") would be the very end
    return (start, end + len(users[-1])) if 0 <= start <= end else (len(text), len(text))


def _prompt(tokenizer, text: str, messages: list[dict]) -> Prompt:
    start, end = _user_span(text, messages)
    try:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    except (NotImplementedError, TypeError, ValueError):  # a slow tokenizer: count the template parts on their own
        def count(part: str) -> int:
            return len(tokenizer(part, add_special_tokens=False)["input_ids"]) if part else 0

        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        head = min(count(text[:start]), len(ids))
        return Prompt(tuple(ids), head, min(count(text[end:]), len(ids) - head))
    offsets = enc["offset_mapping"]
    head = sum(1 for _, stop in offsets if stop <= start)
    tail = sum(1 for begin, stop in offsets if begin >= end and stop > begin) if end < len(text) else 0
    return Prompt(tuple(enc["input_ids"]), head, min(tail, len(offsets) - head))


def fit_prompt(prompt: Prompt, budget: int) -> tuple[int, ...] | None:
    """The prompt in at most ``budget`` tokens: the middle of the user text goes (its start and end stay, half the
    room each), the template head and tail never. None when not even one user token fits beside them."""
    ids = prompt.ids
    if len(ids) <= budget:
        return ids
    room = budget - prompt.head - prompt.tail
    if room < 1:
        return None
    front = room // 2
    return ids[: prompt.head + front] + ids[len(ids) - prompt.tail - (room - front):]


def prompt_budget(completion_lengths: list[int], max_length: int, max_prompt_length: int | None) -> int:
    """Prompt tokens allowed beside these completions: the longest keeps min(its length, max_length // 2) tokens
    (the minimum completion budget), the prompt gets the rest, capped at ``max_prompt_length``."""
    budget = max_length - min(max(completion_lengths), max_length // 2)
    return budget if max_prompt_length is None else min(budget, max_prompt_length)


def encode_sides(tokenizer, prompt, completions: list, max_length: int,
                 max_prompt_length: int | None = None) -> list[Encoded] | None:
    """Chat-templated (prompt, completion) ids for answers to one prompt, every side with the same prompt ids:
    the prompt is cut in the middle of its user text to ``prompt_budget``, each completion from the right to fit
    ``max_length``. None when the prompt cannot fit (the caller drops and counts the example)."""
    messages = _messages(prompt)
    prompt_text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    completion_ids = []
    for completion in completions:
        full_text = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": _text(completion)}], tokenize=False)
        if not full_text.startswith(prompt_text):
            raise DpoclinError("the chat template renders the prompt differently with and without the answer; cannot split prompt and completion")
        completion_ids.append(tuple(tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]))
    prompt_ids = fit_prompt(_prompt(tokenizer, prompt_text, messages), prompt_budget([len(c) for c in completion_ids], max_length,
                                                                                     max_prompt_length))
    if prompt_ids is None:
        return None
    return [Encoded(prompt_ids, ids[: max_length - len(prompt_ids)]) for ids in completion_ids]


def encode(tokenizer, prompt, completion, max_length: int, max_prompt_length: int | None = None) -> Encoded | None:
    """One (prompt, completion) as ``encode_sides`` encodes it; None when the prompt cannot fit."""
    sides = encode_sides(tokenizer, prompt, [completion], max_length, max_prompt_length)
    return None if sides is None else sides[0]


def link_kto(pair_rows: list[dict], kto_rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Attach each KTO row's label to the first pair that has the same answer as a side.

    Match: same ``task_id``, the KTO row's ``response_id`` equal to the pair's ``chosen_id`` /
    ``rejected_id``, and the same answer text (rows without ids never match). Each KTO row is
    used once: an answer that is a side of several pairs carries its label on the first only.
    Returns (pair rows with ``chosen_label`` / ``rejected_label``, the KTO rows left standalone).
    """
    sides: dict[tuple, tuple[int, str]] = {}
    for i, row in enumerate(pair_rows):
        for side in ("chosen", "rejected"):
            rid = row.get(f"{side}_id")
            if rid is not None:
                sides.setdefault((str(row.get("task_id")), str(rid)), (i, side))
    linked, standalone = [dict(r) for r in pair_rows], []
    for row in kto_rows:
        hit = sides.pop((str(row.get("task_id")), str(row.get("response_id"))), None) if row.get("response_id") is not None else None
        if hit is None or _text(pair_rows[hit[0]][hit[1]]) != _text(row["completion"]):
            standalone.append(row)
        else:
            linked[hit[0]][f"{hit[1]}_label"] = bool(row["label"])
    return linked, standalone


def fit_pairs(rows: list[dict], tokenizer, max_length: int, max_prompt_length: int | None = None) -> tuple[list[PairExample], int]:
    """Encoded pairs (both sides with the same prompt ids) and how many rows were dropped: prompt too long to fit."""
    out = []
    for i, r in enumerate(rows):
        sides = encode_sides(tokenizer, r["prompt"], [r["chosen"], r["rejected"]], max_length, max_prompt_length)
        if sides is not None:
            out.append(PairExample(*sides, 1.0 if r.get("weight") is None else float(r["weight"]), r.get("pair_type", "preference"),
                                   str(r.get("task_id", i)), r.get("chosen_label"), r.get("rejected_label")))
    return out, len(rows) - len(out)


def fit_kto(rows: list[dict], tokenizer, max_length: int, max_prompt_length: int | None = None) -> tuple[list[KTOExample], int]:
    """Encoded KTO examples and how many rows were dropped: prompt too long to fit."""
    out = []
    for i, r in enumerate(rows):
        seq = encode(tokenizer, r["prompt"], r["completion"], max_length, max_prompt_length)
        if seq is not None:
            out.append(KTOExample(seq, bool(r["label"]), str(r.get("task_id", i))))
    return out, len(rows) - len(out)


def encode_pairs(rows: list[dict], tokenizer, max_length: int, max_prompt_length: int | None = None) -> list[PairExample]:
    return fit_pairs(rows, tokenizer, max_length, max_prompt_length)[0]


def encode_kto(rows: list[dict], tokenizer, max_length: int, max_prompt_length: int | None = None) -> list[KTOExample]:
    return fit_kto(rows, tokenizer, max_length, max_prompt_length)[0]


class PreferenceDataset(torch.utils.data.Dataset):
    """Pairs then standalone KTO examples; one epoch visits each once (the sampler shuffles)."""

    def __init__(self, pairs: list[PairExample], kto: list[KTOExample]):
        if not pairs and not kto:
            raise DpoclinError("no training examples: the data has neither pairs nor KTO examples in this split")
        self.items: list[PairExample | KTOExample] = [*pairs, *kto]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> PairExample | KTOExample:
        return self.items[i]

    @property
    def lengths(self) -> list[int]:
        """Tokens of each item's longest sequence (for length-grouped micro-batches)."""
        return [max(len(it.chosen), len(it.rejected)) if isinstance(it, PairExample) else len(it.seq) for it in self.items]

    def sequences(self) -> list[Encoded]:
        """Every distinct sequence the items score, in first-seen order (the reference log-prob cache's rows)."""
        seqs = (s for it in self.items for s in ((it.chosen, it.rejected) if isinstance(it, PairExample) else (it.seq,)))
        return list(dict.fromkeys(seqs))


def pad_batch(seqs: list[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded input_ids, attention_mask and completion_mask (1 on completion tokens)."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(seqs), width), dtype=torch.long)
    completion = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, s in enumerate(seqs):
        n_p, n = len(s.prompt_ids), len(s)
        ids[row, :n] = torch.tensor(s.prompt_ids + s.completion_ids)
        attention[row, :n] = 1
        completion[row, n_p:n] = 1
    return {"input_ids": ids, "attention_mask": attention, "completion_mask": completion}


def _kl_row(own: Encoded, other: Encoded, max_length: int | None) -> Encoded | None:
    """``own``'s prompt with ``other``'s completion, cut from the right to fit ``max_length``; None if none of it fits."""
    room = len(other.completion_ids) if max_length is None else max_length - len(own.prompt_ids)
    return Encoded(own.prompt_ids, other.completion_ids[:room]) if room > 0 else None


@dataclass(frozen=True)
class Labelled:
    """A micro-batch row with a KTO label."""

    row: int
    seq: Encoded
    label: bool
    task_id: str


class Collator:
    """Micro-batch = [chosen..., rejected..., standalone kto...] in one padded block, plus KL sequences.

    ``kl``: build KTO's mismatched KL rows; ``kl_samples``: at most this many (None: one per labelled
    row, as TRL); ``reference``: precomputed reference log-probs by sequence (rows get ``ref_logps``);
    ``max_length``: KL rows' completions are cut to fit it (None: no cut).
    """

    def __init__(self, pad_token_id: int, kl: bool = True, kl_samples: int | None = None, reference: dict | None = None,
                 max_length: int | None = None):
        self.pad_token_id, self.kl, self.kl_samples, self.reference = pad_token_id, kl, kl_samples, reference
        self.max_length = max_length

    def __call__(self, items: list) -> dict[str, torch.Tensor]:
        pairs = [it for it in items if isinstance(it, PairExample)]
        kto = [it for it in items if isinstance(it, KTOExample)]
        seqs = [p.chosen for p in pairs] + [p.rejected for p in pairs] + [k.seq for k in kto]
        labelled = self.labelled_rows(pairs, kto)
        batch = pad_batch(seqs, self.pad_token_id)
        batch["n_pairs"] = torch.tensor(len(pairs))
        batch["pair_weight"] = torch.tensor([p.weight for p in pairs], dtype=torch.float)
        batch["pair_type"] = torch.tensor([PAIR_TYPE_IDS.get(p.pair_type, -1) for p in pairs], dtype=torch.long)
        batch["kto_index"] = torch.tensor([x.row for x in labelled], dtype=torch.long)
        batch["kto_label"] = torch.tensor([x.label for x in labelled], dtype=torch.bool)
        if self.reference is not None:
            batch["ref_logps"] = torch.tensor([self.reference[s] for s in seqs], dtype=torch.float)
        kl = self.kl_sequences(labelled, self.kl_samples, self.max_length) if self.kl and labelled else []
        if kl:
            batch.update({f"kl_{k}": v for k, v in pad_batch(kl, self.pad_token_id).items()})
        return batch

    @staticmethod
    def labelled_rows(pairs: list[PairExample], kto: list[KTOExample]) -> list[Labelled]:
        n = len(pairs)
        rows = [Labelled(i, p.chosen, p.chosen_label, p.task_id) for i, p in enumerate(pairs) if p.chosen_label is not None]
        rows += [Labelled(n + i, p.rejected, p.rejected_label, p.task_id) for i, p in enumerate(pairs) if p.rejected_label is not None]
        return rows + [Labelled(2 * n + i, k.seq, k.label, k.task_id) for i, k in enumerate(kto)]

    @staticmethod
    def kl_sequences(labelled: list, limit: int | None = None, max_length: int | None = None) -> list[Encoded]:
        """Prompt i with the completion of row p[i], p from ``mismatched_indices`` over task ids.

        When one task fills more than half of the rows no full mismatch exists: the cyclic shift is
        used and same-task pairs are dropped (possibly all; the trainer then keeps its previous z0).
        A prompt is never scored on a completion of its own task. ``limit`` keeps that many rows,
        evenly spaced over the batch layout (so chosen, rejected and standalone rows all take part).
        ``max_length``: the borrowed completion is cut from the right so that the row fits it.
        """
        tasks = [x.task_id for x in labelled]
        try:
            order = mismatched_indices(tasks)
        except ValueError:
            order = [(i - 1) % len(labelled) for i in range(len(labelled))]
        rows = (_kl_row(x.seq, labelled[j].seq, max_length)
                for i, (x, j) in enumerate(zip(labelled, order)) if tasks[i] != tasks[j])
        kl = [row for row in rows if row is not None]
        if limit is not None and len(kl) > limit:
            kl = [kl[(k * len(kl)) // limit] for k in range(limit)]
        return kl
