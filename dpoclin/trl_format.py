"""Rows in TRL's dataset formats.

Preference (DPOTrainer): ``prompt``, ``chosen``, ``rejected``.
Unpaired (KTOTrainer): ``prompt``, ``completion``, ``label``.
Standard form uses strings; conversational form uses chat lists (the prompt keeps the
system turn and earlier turns, the completion is one assistant turn). dpoclin metadata
columns follow; TRL ignores columns it does not know.
"""

from __future__ import annotations

from dpoclin.pairing import KTOExample, Pair
from dpoclin.aggregate import TaskAggregate

PAIR_META = {  # column -> arrow type name
    "task_id": "string", "pair_type": "string", "margin": "float64", "margin_source": "string",
    "weight": "float64", "agreement": "float64", "annotator_count": "int64", "category": "string",
    "prompt_label": "string", "chosen_id": "string", "rejected_id": "string",
    "chosen_model": "string", "rejected_model": "string", "conflict": "string", "split": "string",
}
KTO_META = {
    "task_id": "string", "response_id": "string", "model": "string", "kto_reason": "string",
    "agreement": "float64", "annotator_count": "int64", "category": "string",
    "prompt_label": "string", "split": "string",
}


def pair_row(pair: Pair, task: TaskAggregate) -> dict:
    """Intermediate row: the prompt is kept as messages until the output form is known."""
    return {
        "messages": task.messages,
        "chosen": pair.chosen.response.text,
        "rejected": pair.rejected.response.text,
        "task_id": task.task_id, "pair_type": pair.pair_type, "margin": pair.margin,
        "margin_source": pair.margin_source, "weight": pair.weight, "agreement": pair.agreement,
        "annotator_count": task.annotator_count, "category": task.category,
        "prompt_label": task.prompt_label,
        "chosen_id": pair.chosen.response.id, "rejected_id": pair.rejected.response.id,
        "chosen_model": pair.chosen.response.model, "rejected_model": pair.rejected.response.model,
        "conflict": pair.conflict,
    }


def kto_row(example: KTOExample, task: TaskAggregate) -> dict:
    response = example.verdict.response
    return {
        "messages": task.messages, "completion": response.text, "label": example.label,
        "task_id": task.task_id, "response_id": response.id, "model": response.model,
        "kto_reason": example.reason, "agreement": example.agreement,
        "annotator_count": task.annotator_count, "category": task.category,
        "prompt_label": task.prompt_label,
    }


def _prompt(messages: list[dict], conversational: bool):
    return messages if conversational else messages[-1]["content"]


def _answer(text: str, conversational: bool):
    return [{"role": "assistant", "content": text}] if conversational else text


def finish_pair_row(row: dict, conversational: bool, split: str) -> dict:
    out = {
        "prompt": _prompt(row.pop("messages"), conversational),
        "chosen": _answer(row.pop("chosen"), conversational),
        "rejected": _answer(row.pop("rejected"), conversational),
    }
    out.update(row)
    out["split"] = split
    return out


def finish_kto_row(row: dict, conversational: bool, split: str) -> dict:
    out = {
        "prompt": _prompt(row.pop("messages"), conversational),
        "completion": _answer(row.pop("completion"), conversational),
        "label": row.pop("label"),
    }
    out.update(row)
    out["split"] = split
    return out


def _text_type(conversational: bool):
    import pyarrow as pa

    if conversational:
        return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    return pa.string()


def _schema(head: list[tuple[str, object]], meta: dict):
    import pyarrow as pa

    return pa.schema(head + [(name, getattr(pa, kind)()) for name, kind in meta.items()])


def pair_schema(conversational: bool):
    t = _text_type(conversational)
    return _schema([("prompt", t), ("chosen", t), ("rejected", t)], PAIR_META)


def kto_schema(conversational: bool):
    import pyarrow as pa

    t = _text_type(conversational)
    return _schema([("prompt", t), ("completion", t), ("label", pa.bool_())], KTO_META)
