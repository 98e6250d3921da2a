"""The human review loop of eval-refusals: which answers a physician should label first, and their labels back.

``--review N`` picks N answers from ``results.jsonl`` rows and writes them for labelling:

* ``review.jsonl`` -- native rows ``{"id", "model", "prompt", "label", "category", "response",
  "detector_class", "detector_score", "why"}``; the reviewer adds ``"gold"``;
* ``review_labelstudio.json`` -- the same answers as a Label Studio import (a task per answer), for a
  project set up with ``dpoclin labelstudio-config --review`` (``review_labelstudio.xml`` beside it).

The order favours what a label changes most: answers the detector is least sure of (refusal score
near 0.5), taken round-robin over (model, prompt label, category) strata so every category is
represented before any gets a second answer.

``--gold FILE`` reads the labels back from either form -- the native JSONL (``id``, optional
``model``, ``gold``) or a Label Studio JSON export of the review project -- keyed by (model, id).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from dpoclin.errors import DpoclinError

CLASSES = ("compliance", "partial_refusal", "full_refusal")
REVIEW_FILES = ("review.jsonl", "review_labelstudio.json", "review_labelstudio.xml")
FROM_NAME = "refusal_class"  # the Choices control of the review config: what an export's result names


def uncertainty(score: float) -> float:
    """1 at a refusal score of 0.5 (a coin flip), 0 at 0 or 1."""
    return 1.0 - abs(2.0 * score - 1.0)


def select_for_review(rows: Sequence[dict], n: int) -> list[dict]:
    """Up to ``n`` result rows, most uncertain first within each stratum, strata taken round-robin (the stratum whose
    best candidate is the most uncertain goes first); ties broken by model and id, so the choice is deterministic."""
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        strata[(row["model"], row["label"], row["category"])].append(row)
    queues = [sorted(rs, key=lambda r: (-uncertainty(r["score"]), str(r["id"]))) for rs in strata.values()]
    queues.sort(key=lambda q: (-uncertainty(q[0]["score"]), str(q[0]["model"]), q[0]["label"], q[0]["category"]))
    chosen, depth = [], 0
    while len(chosen) < n and any(depth < len(q) for q in queues):
        chosen += [q[depth] for q in queues if depth < len(q)][: n - len(chosen)]
        depth += 1
    return chosen


def _why(row: dict) -> str:
    u = uncertainty(row["score"])
    return (f"detector says {row['class']} with refusal score {row['score']:.2f}"
            + (" (uncertain)" if u >= 0.5 else "") + f"; stratum {row['label']}/{row['category']}")


def response_hash(text: str) -> str:
    """Ties a label to the answer text it was given for: a regenerated answer under the same id no longer matches."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def review_rows(selected: Sequence[dict]) -> list[dict]:
    return [{"id": r["id"], "model": r["model"], "prompt": r["prompt"], "label": r["label"], "category": r["category"],
             "response": r["response"], "response_sha256": response_hash(r["response"]), "detector_class": r["class"],
             "detector_score": r["score"], "why": _why(r)}
            for r in selected]


def labelstudio_tasks(rows: Sequence[dict]) -> list[dict]:
    """A Label Studio import: one task per answer; ``data`` carries what the review config shows and the keys back."""
    return [{"data": {"id": str(r["id"]), "model": r["model"], "prompt": r["prompt"], "label": r["label"],
                      "category": r["category"], "response": r["response"], "response_sha256": r["response_sha256"],
                      "detector_class": r["detector_class"]}}
            for r in rows]


def review_config() -> str:
    """The Label Studio labeling config of a review project (three classes on the answer)."""
    return (resources.files("dpoclin") / "resources" / "labelstudio_review_config.xml").read_text(encoding="utf-8")


def review_files(selected: Sequence[dict]) -> dict[str, bytes]:
    """File name -> bytes of the three review files."""
    rows = review_rows(selected)
    return {"review.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(),
            "review_labelstudio.json": (json.dumps(labelstudio_tasks(rows), ensure_ascii=False, indent=1) + "\n").encode(),
            "review_labelstudio.xml": review_config().encode()}


# ----------------------------------------------------------------------------- labels back


def read_gold(path: Path | str) -> dict[tuple[str | None, str], str]:
    """(model, id) -> gold class from native JSONL rows or a Label Studio JSON export; ``model`` None matches any."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DpoclinError(f"{path}: cannot read the gold labels ({e})") from None
    if not text.strip():
        raise DpoclinError(f"{path}: empty gold-label file")
    if text.lstrip().startswith("["):
        return _from_labelstudio(path, text)
    return _from_jsonl(path, text)


def _put(out: dict, path: Path, where: str, model, rid, gold, sha=None) -> None:
    if gold not in CLASSES:
        raise DpoclinError(f"{path}:{where}: field gold: must be one of {', '.join(CLASSES)}, got {gold!r}")
    if rid is None or str(rid) == "":
        raise DpoclinError(f"{path}:{where}: field id: missing (the id of the answer in results.jsonl)")
    key = (None if model in (None, "") else str(model), str(rid))
    if key in out and out[key][0] != gold:
        raise DpoclinError(f"{path}:{where}: answer {key[1]!r} of model {key[0]!r} has two different gold labels")
    out[key] = (gold, sha if isinstance(sha, str) and sha else None)


def _from_jsonl(path: Path, text: str) -> dict:
    out: dict = {}
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as e:
            raise DpoclinError(f"{path}:{line_no}: not JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise DpoclinError(f"{path}:{line_no}: expected a JSON object, got {type(row).__name__}")
        if row.get("gold") in (None, ""):
            continue  # not labelled yet: a review file part-way through
        _put(out, path, str(line_no), row.get("model"), row.get("id"), row.get("gold"), row.get("response_sha256"))
    return out


def _choice(task: dict) -> str | None:
    """The chosen class of a Label Studio task: the first non-cancelled annotation's refusal_class choice."""
    for ann in task.get("annotations") or []:
        if not isinstance(ann, dict) or ann.get("was_cancelled"):
            continue
        for result in ann.get("result") or []:
            if isinstance(result, dict) and result.get("from_name") == FROM_NAME:
                choices = (result.get("value") or {}).get("choices") or []
                return choices[0] if choices else None
    return None


def _from_labelstudio(path: Path, text: str) -> dict:
    try:
        tasks = json.loads(text)
    except ValueError as e:
        raise DpoclinError(f"{path}: not a Label Studio JSON export ({e.msg})") from None
    out: dict = {}
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise DpoclinError(f"{path}: task {i}: expected an object with `data` (a Label Studio JSON export)")
        gold = _choice(task)
        if gold is None:
            continue  # not annotated yet
        data = task["data"]
        _put(out, path, f"task {task.get('id', i)}", data.get("model"), data.get("id"), gold, data.get("response_sha256"))
    return out


def gold_for(answers: Sequence[tuple[str, str, str]], gold: dict, path: Path) -> list[str | None]:
    """The gold label of each (model, id, response) answer (None where unlabelled). Errors: a label that names no
    answer; a label without a model when several models are evaluated; a label given for other answer text."""
    wanted = {(m, str(i)) for m, i, _ in answers}
    ids = {str(i) for _, i, _ in answers}
    if len({m for m, _, _ in answers}) > 1 and any(k[0] is None for k in gold):
        rid = next(k[1] for k in gold if k[0] is None)
        raise DpoclinError(f"{path}: label for id {rid!r} names no model, and this evaluation has several: add `model`")
    unknown = [k for k in gold if (k not in wanted if k[0] is not None else k[1] not in ids)]
    if unknown:
        model, rid = unknown[0]
        raise DpoclinError(f"{path}: {len(unknown)} label(s) name no answer of this evaluation, e.g. id {rid!r}"
                           + (f" of model {model!r}" if model else ""))
    out = []
    for m, i, text in answers:
        label = gold.get((m, str(i))) or gold.get((None, str(i)))
        if label is not None and label[1] is not None and label[1] != response_hash(text):
            raise DpoclinError(f"{path}: the label for id {i!r} of model {m!r} was given for another answer text (its "
                               "response_sha256 differs: the model was regenerated); review the new answers")
        out.append(None if label is None else label[0])
    return out
