"""Label Studio: the shipped labeling config, its JSON-export importer, and native -> LS tasks.

``iter_labelstudio`` yields one native-shaped :class:`RawRecord` per annotation of an
export made with dpoclin's config (``labelstudio_config()``), or of a *generic*
Pairwise export when ``LabelStudioOptions`` maps the prompt and answer data keys.
Cancelled, empty or unusable annotations become :class:`ImportReject` entries.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from itertools import count
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from dpoclin.errors import DpoclinError, InputFormatError, RecordRejected
from dpoclin.importers import ImportItem, ImportReject, RawRecord
from dpoclin.readers import iter_csv, load_json
from dpoclin.schema import DIMENSIONS, PROMPT_LABELS, TIE, Judgment

SIDES = ("a", "b")  # response_a is the Pairwise "left" (first toName), response_b the "right"
PAIRWISE_SIDES = {"left": 0, "right": 1}
REFUSAL_CHOICES = {"not a refusal": None, "appropriate refusal": "appropriate", "unhelpful refusal": "unhelpful"}
ACCEPTABLE_CHOICES = {"acceptable": True, "not acceptable": False}
PROMPT_LABEL_CHOICES = {label: label for label in PROMPT_LABELS}  # "Benign" -> "benign"
TIE_CHOICE = "Tie"
_MAPPING_KEYS = {"prompt", "responses", "task_id"}
_PEEK_BYTES = 1 << 20
_KEY_RE = re.compile(rb'(?<!\\)"(annotations|data)"\s*:')
_CACHE: dict[Path, tuple[tuple[int, int], Any]] = {}  # one parsed export kept from detection


def labelstudio_config() -> str:
    """The XML labeling config dpoclin ships for physician preference annotation."""
    return resources.files("dpoclin").joinpath("resources/labelstudio_config.xml").read_text(encoding="utf-8")


def control_names() -> dict[str, str]:
    """Every control the importer reads from dpoclin's config: ``from_name`` -> Label Studio tag."""
    names = {"preference": "Pairwise", "tie": "Choices", "strength": "Rating", "prompt_label": "Choices", "comment": "TextArea"}
    for side in SIDES:
        names.update({f"{dim}_{side}": "Rating" for dim in DIMENSIONS})
        names[f"refusal_{side}"] = names[f"acceptable_{side}"] = "Choices"
    return names


def _mapping_problem(prompt_key: Any, response_keys: Any, task_id_key: Any) -> str | None:
    """Why a generic-export mapping is unusable, or None."""
    if (prompt_key is None) != (response_keys is None):
        return "a generic Pairwise mapping needs both the prompt key and the two response keys"
    keys = [k for k in (prompt_key, task_id_key) if k is not None] + list(response_keys or ())
    if any(not isinstance(k, str) or not k.strip() for k in keys):
        return "data keys must be non-empty strings"
    if response_keys is not None and (len(response_keys) != 2 or len(set(response_keys)) != 2):
        return f"expected exactly two different response keys (left, right), got {list(response_keys)}"
    if prompt_key is not None and prompt_key in response_keys:
        return f"the prompt key {prompt_key!r} is also a response key"
    return None


@dataclass
class LabelStudioOptions:
    """How to read a Label Studio export.

    ``annotators``: roster (.csv with columns id, role[, specialty], or .json) keyed by the
    LS user id of ``completed_by``, or its email when the export expands users.
    ``default_role``: role for annotators missing from the roster (else ``"unknown"``).
    ``prompt_key`` / ``response_keys`` / ``task_id_key``: data keys of a generic Pairwise
    export; ``response_keys`` in the Pairwise ``toName`` order (left, right).
    """

    annotators: Path | None = None
    default_role: str | None = None
    prompt_key: str | None = None
    response_keys: tuple[str, ...] | None = None
    task_id_key: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Normalise and check the fields (again: callers may set them after construction)."""
        if self.response_keys is not None:
            self.response_keys = tuple(self.response_keys)
        if self.annotators is not None:
            self.annotators = Path(self.annotators)
        problem = _mapping_problem(self.prompt_key, self.response_keys, self.task_id_key)
        if problem:
            raise DpoclinError(f"Label Studio options: {problem}")
        if self.default_role is not None and not self.default_role.strip():
            raise DpoclinError("Label Studio options: the default role is empty")

    @property
    def generic(self) -> bool:
        return self.prompt_key is not None

    @classmethod
    def from_mapping_file(cls, path: Path | str, **options: Any) -> LabelStudioOptions:
        """Read ``{prompt: KEY, responses: [LEFT_KEY, RIGHT_KEY], task_id: KEY?}`` (YAML or JSON)."""
        path = Path(path)
        mapping = _read_mapping(path)
        if not isinstance(mapping, dict):
            raise DpoclinError(f"{path}: expected a mapping {{prompt: KEY, responses: [LEFT, RIGHT], task_id: KEY}}")
        unknown = sorted(set(map(str, mapping)) - _MAPPING_KEYS)
        if unknown:
            raise DpoclinError(f"{path}: unknown key(s) {', '.join(unknown)}; expected prompt, responses, task_id")
        responses = mapping.get("responses")
        if mapping.get("prompt") is None or not isinstance(responses, list):
            raise DpoclinError(f"{path}: `prompt` (a data key) and `responses` (a list of two data keys) are required")
        problem = _mapping_problem(mapping["prompt"], tuple(responses), mapping.get("task_id"))
        if problem:
            raise DpoclinError(f"{path}: {problem}")
        return cls(prompt_key=mapping["prompt"], response_keys=tuple(responses), task_id_key=mapping.get("task_id"), **options)


def _read_mapping(path: Path) -> Any:
    if not path.is_file():
        raise DpoclinError(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        return load_json(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise DpoclinError(f"{where}: invalid YAML ({getattr(exc, 'problem', None) or exc})") from None


def _user_key(value: Any) -> str:
    text = str(value).strip()
    return text.lower() if "@" in text else text


def load_roster(path: Path) -> dict[str, tuple[str, str | None]]:
    """Annotator key (LS user id or email) -> (role, specialty) from a .csv or .json roster."""
    if not path.is_file():
        raise DpoclinError(f"{path}: annotator roster not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = [(f"{path}:{line}", row) for line, row in iter_csv(path)]
    elif suffix == ".json":
        data = load_json(path)
        if isinstance(data, dict):
            data = [{"id": k, **v} if isinstance(v, dict) else {"id": k, "role": v} for k, v in data.items()]
        if not isinstance(data, list):
            raise DpoclinError(f"{path}: expected {{id: {{role, specialty}}}} or a list of {{id, role, specialty}}")
        rows = [(f"{path}:entry {i}", row) for i, row in enumerate(data)]
    else:
        raise DpoclinError(f"{path}: an annotator roster must be a .csv or .json file")
    roster: dict[str, tuple[str, str | None]] = {}
    for where, row in rows:
        key, entry = _roster_entry(where, row)
        if roster.get(key, entry) != entry:
            raise DpoclinError(f"{where}: annotator {key!r} is listed twice with different roles")
        roster[key] = entry
    return roster


def _roster_entry(where: str, row: Any) -> tuple[str, tuple[str, str | None]]:
    if not isinstance(row, dict):
        raise DpoclinError(f"{where}: expected an object {{id, role, specialty}}")
    key = row.get("id", row.get("email"))
    role, specialty = row.get("role"), row.get("specialty")
    if key is None or isinstance(key, bool) or not str(key).strip():
        raise DpoclinError(f"{where}: annotator id (LS user id or email) is missing")
    if not isinstance(role, str) or not role.strip():
        raise DpoclinError(f"{where}: annotator {key!r} has no role")
    if specialty is not None and not isinstance(specialty, str):
        raise DpoclinError(f"{where}: specialty of annotator {key!r} must be text")
    return _user_key(key), (role.strip(), specialty.strip() if specialty and specialty.strip() else None)


def _annotator(completed_by: Any, roster: dict, default_role: str | None) -> dict:
    """Native ``annotator`` for an LS ``completed_by`` (user id, or object with id/email)."""
    user = completed_by if isinstance(completed_by, dict) else {"id": completed_by}
    keys = [_user_key(v) for v in (user.get("email"), user.get("id")) if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip()]
    if not keys:
        raise RecordRejected("missing_field", "completed_by", "the annotation names no annotator")
    role, specialty = next((roster[k] for k in keys if k in roster), (default_role or "unknown", None))
    return {"id": keys[0], "role": role, "specialty": specialty}


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _load(path: Path) -> Any:
    """The parsed export; reuses the copy parsed by ``looks_like_labelstudio`` if unchanged."""
    cached = _CACHE.pop(path.resolve(), None)
    if cached is not None and cached[0] == _stamp(path):
        return cached[1]
    return load_json(path)


def looks_like_labelstudio(path: Path) -> bool:
    """True for a .json array of task objects with ``data`` and ``annotations``.

    Peeks at the first MiB; only when that ends inside the first task is the file
    parsed, and the result is kept for ``iter_labelstudio``.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK_BYTES + 1)
    except OSError:
        return False
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return False
    if {m.group(1) for m in _KEY_RE.finditer(head)} == {b"annotations", b"data"}:
        return True
    if len(head) <= _PEEK_BYTES:
        return False
    try:
        data = load_json(path)
    except InputFormatError:
        return False
    _CACHE.clear()
    _CACHE[path.resolve()] = (_stamp(path), data)
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and {"data", "annotations"} <= data[0].keys()


@dataclass(slots=True)
class _Task:
    fields: dict  # native task_id, prompt|messages, responses, and data-level labels
    response_ids: list[str]  # [left, right]


def iter_labelstudio(path: Path, options: LabelStudioOptions | None = None) -> Iterator[ImportItem]:
    """One RawRecord (native shape) or ImportReject per annotation; one reject per task without any."""
    options = options or LabelStudioOptions()
    options.validate()
    roster = load_roster(options.annotators) if options.annotators else {}
    tasks = _load(path)
    if not isinstance(tasks, list):
        raise InputFormatError(str(path), 1, "a Label Studio export must be a JSON array of tasks (export as JSON)")
    return (item for i, task in enumerate(tasks) for item in _task_items(path, i, task, options, roster))


def _task_items(path: Path, index: int, task: Any, options: LabelStudioOptions, roster: dict) -> Iterator[ImportItem]:
    ls_id = task.get("id") if isinstance(task, dict) else None
    where = f"{path}:task {index} (id={ls_id})"
    if not isinstance(task, dict):
        yield ImportReject(where, "invalid_task", None, "expected a task object")
        return
    annotations = task.get("annotations")
    if not annotations:
        yield ImportReject(where, "no_annotations", "annotations", "the task has no annotations", _str(ls_id))
        return
    if not isinstance(annotations, list):
        yield ImportReject(where, "invalid_type", "annotations", "expected a list of annotations", _str(ls_id))
        return
    try:
        content: _Task | RecordRejected = _task_content(task, options)
    except RecordRejected as exc:
        content = exc
    for j, annotation in enumerate(annotations):
        yield _annotation_item(f"{where} annotation {j}", annotation, content, roster, options)


def _annotation_item(source: str, ann: Any, content: _Task | RecordRejected, roster: dict, options: LabelStudioOptions) -> ImportItem:
    task_id = _str(content.fields["task_id"]) if isinstance(content, _Task) else None
    if not isinstance(ann, dict):
        return ImportReject(source, "invalid_annotation", None, "expected an annotation object", task_id)
    who = ann.get("completed_by")
    who = who.get("email") or who.get("id") if isinstance(who, dict) else who
    who = None if who is None else _user_key(who)
    if ann.get("was_cancelled") is True:
        return ImportReject(source, "cancelled_annotation", None, "the annotator skipped the task", task_id, who)
    if isinstance(content, RecordRejected):  # the task's data is unusable
        return ImportReject(source, content.reason, content.field, content.detail, task_id, who)
    try:
        record = {**content.fields, "annotator": _annotator(ann.get("completed_by"), roster, options.default_role)}
        fields = _judgment_fields(_result_values(ann.get("result")), content.response_ids)
    except RecordRejected as exc:
        return ImportReject(source, exc.reason, exc.field, exc.detail, task_id, who)
    if not (fields["preference"] is not None or fields["ratings"] or fields["refusal"] or fields["acceptable"]):
        return ImportReject(source, "empty_annotation", "result", "no preference, rating, refusal or acceptability verdict", task_id, who)
    record.update({k: v for k, v in fields.items() if v not in (None, {})})
    record.update(duration_s=ann.get("lead_time"), created_at=ann.get("created_at"))
    return RawRecord(source, record)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_GENERIC_HINT = "; for a generic Pairwise export, map its data keys (prompt, responses)"


def _required(data: dict, key: str, hint: str = "") -> Any:
    value = data.get(key)
    if _absent(value):
        raise RecordRejected("missing_field", f"data.{key}", f"the task data has no {key!r}{hint}")
    return value


def _task_content(task: dict, options: LabelStudioOptions) -> _Task:
    """Native task_id, prompt/messages and responses of one task."""
    data = task.get("data")
    if not isinstance(data, dict):
        raise RecordRejected("invalid_type", "data", "expected the task data object")
    if options.generic:
        keys = options.response_keys
        prompt = _required(data, options.prompt_key)
        fields = {"messages": prompt} if isinstance(prompt, list) else {"prompt": prompt}
        responses = [{"id": key, "text": _required(data, key)} for key in keys]
    else:
        keys = [f"response_{side}" for side in SIDES]
        fields = _prompt_fields(data.get("context"), data.get("prompt"))
        responses = [
            {"id": _str(data.get(f"{key}_id")) or side, "text": _required(data, key, _GENERIC_HINT), "model": data.get(f"{key}_model")}
            for key, side in zip(keys, SIDES)
        ]
    if options.task_id_key:
        task_id = _required(data, options.task_id_key)
    else:
        task_id = data.get("task_id") if not _absent(data.get("task_id")) else task.get("id")
    label = data.get("prompt_label")
    label = PROMPT_LABEL_CHOICES.get(label.strip().lower(), label) if isinstance(label, str) else label
    fields.update(task_id=task_id, responses=responses, prompt_label=label, category=data.get("category"))
    return _Task(fields, [_str(r["id"]) for r in responses])


def _prompt_fields(context: Any, prompt: Any) -> dict:
    """``messages`` when the context holds more than the final user turn, else ``prompt``."""
    if context is not None and not isinstance(context, list):
        raise RecordRejected("invalid_type", "data.context", "expected a list of {role, content}")
    turns = list(context or [])
    last = turns[-1] if turns and isinstance(turns[-1], dict) else {}
    ends_with_prompt = last.get("role") == "user" and str(last.get("content", "")).strip() == str(prompt).strip()
    if not _absent(prompt) and not ends_with_prompt:
        turns.append({"role": "user", "content": prompt})
    if not turns:
        raise RecordRejected("missing_field", "data.prompt", "the task data has neither `prompt` nor `context`" + _GENERIC_HINT)
    if len(turns) == 1 and isinstance(turns[0], dict) and turns[0].get("role") == "user":
        return {"prompt": turns[0].get("content")}
    return {"messages": turns}


def _result_values(result: Any) -> dict[str, dict]:
    """``from_name`` -> ``value`` of every result item of one annotation."""
    if result is None:
        return {}
    if not isinstance(result, list):
        raise RecordRejected("invalid_type", "result", "expected a list of result items")
    values = {}
    for k, item in enumerate(result):
        if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
            raise RecordRejected("invalid_type", f"result[{k}]", "expected {from_name, type, value}")
        # A config has one Pairwise control; generic configs name it freely ("comparison", "pw"...).
        name = "preference" if item.get("type") == "pairwise" else str(item.get("from_name"))
        values[name] = item["value"]
    return values


def _value(values: dict, name: str, key: str) -> Any:
    value = values.get(name, {}).get(key)
    if key in ("choices", "text") and isinstance(value, list):  # single-choice controls; TextArea lines
        return (value[0] if key == "choices" else "\n".join(map(str, value))) if value else None
    return value


@functools.cache
def config_choices() -> dict[str, tuple[str, ...]]:
    """``Choices`` control name -> its ``Choice`` values, read from the config dpoclin ships (the one source)."""
    root = ElementTree.fromstring(labelstudio_config())
    return {c.get("name"): tuple(ch.get("value") for ch in c.iter("Choice")) for c in root.iter("Choices")}


def _checked_choice(values: dict, name: str) -> Any:
    """The selected text of a Choices control; a text outside dpoclin's config is a reject naming the allowed values."""
    text = _value(values, name, "choices")
    allowed = config_choices().get(name)
    if text is None or allowed is None:
        return text
    if not isinstance(text, str) or text.strip().lower() not in {a.lower() for a in allowed}:
        raise RecordRejected("invalid_choice", f"result.{name}", f"{text!r} is not a choice of {name!r} in dpoclin's labeling "
                             f"config (allowed: {', '.join(repr(a) for a in allowed)}; see `dpoclin labelstudio-config`)")
    return text


def _choice(values: dict, name: str, table: dict[str, Any]) -> Any:
    """A choice text (checked against the shipped config) mapped to its native value."""
    text = _checked_choice(values, name)
    if not isinstance(text, str):
        return text
    return table.get(text.strip().lower(), text)


def _preference(values: dict, ids: list[str]) -> str | None:
    selected = _value(values, "preference", "selected")
    side = PAIRWISE_SIDES.get(selected) if isinstance(selected, str) else None
    tie = _checked_choice(values, "tie") is not None
    if tie and side is not None:
        raise RecordRejected("conflicting_preference", "tie", "both Tie and a preferred response were selected")
    return TIE if tie else (ids[side] if side is not None else None)


def _judgment_fields(values: dict, ids: list[str]) -> dict:
    """Native preference/strength/ratings/refusal/acceptable/labels/comment of one annotation."""
    ratings, refusal, acceptable = {}, {}, {}
    for rid, side in zip(ids, SIDES):
        dims = {dim: _value(values, f"{dim}_{side}", "rating") for dim in DIMENSIONS}
        if any(v is not None for v in dims.values()):
            ratings[rid] = {dim: v for dim, v in dims.items() if v is not None}
        if (label := _choice(values, f"refusal_{side}", REFUSAL_CHOICES)) is not None:
            refusal[rid] = label
        if (verdict := _choice(values, f"acceptable_{side}", ACCEPTABLE_CHOICES)) is not None:
            acceptable[rid] = verdict
    return {
        "preference": _preference(values, ids),
        "strength": _value(values, "strength", "rating"),
        "ratings": ratings,
        "refusal": refusal,
        "acceptable": acceptable,
        "prompt_label": _choice(values, "prompt_label", PROMPT_LABEL_CHOICES),
        "category": _value(values, "category", "choices") or _value(values, "category", "text"),
        "comment": _value(values, "comment", "text"),
    }


@dataclass
class LabelStudioConversion:
    """Native judgments as Label Studio tasks for dpoclin's config."""

    tasks: list[dict] = field(default_factory=list)
    roster: list[dict] = field(default_factory=list)  # {id: LS user id, role, specialty}
    left_out: Counter = field(default_factory=Counter)  # reason -> native tasks not converted


def native_to_labelstudio(judgments: Iterable[Judgment]) -> LabelStudioConversion:
    """Group judgments by task and write each two-response task as an LS task with annotations."""
    groups: dict[str, list[Judgment]] = {}
    for judgment in judgments:
        groups.setdefault(judgment.task_id, []).append(judgment)
    out, users, ann_ids = LabelStudioConversion(), {}, count(1)
    for group in groups.values():
        reason = _unfit_reason(group)
        if reason:
            out.left_out[reason] += 1
            continue
        task_no = len(out.tasks) + 1
        ids = [r.id for r in group[0].responses]
        for j in group:
            if j.annotator.id not in users:
                users[j.annotator.id] = len(users) + 1
                out.roster.append({"id": users[j.annotator.id], "role": j.annotator.role, "specialty": j.annotator.specialty})
        annotations = [_ls_annotation(next(ann_ids), task_no, j, ids, users[j.annotator.id]) for j in group]
        out.tasks.append({"id": task_no, "data": _ls_data(group), "annotations": annotations, "predictions": []})
    return out


def native_to_labelstudio_tasks(judgments: Iterable[Judgment]) -> list[dict]:
    """Just the LS tasks of :func:`native_to_labelstudio`."""
    return native_to_labelstudio(judgments).tasks


def _unfit_reason(group: list[Judgment]) -> str | None:
    first = group[0]
    if len(first.responses) != 2:
        return f"{len(first.responses)} response(s): the side-by-side config compares exactly 2"
    if any(j.messages != first.messages or set(j.responses) != set(first.responses) for j in group):
        return "annotators of one task_id saw different prompts or responses"
    if any(not score.is_integer() for j in group for dims in j.ratings.values() for score in dims.values()):
        return "a fractional rating: Label Studio's Rating tag takes whole stars"
    return None


def _ls_data(group: list[Judgment]) -> dict:
    first = group[0]
    data: dict[str, Any] = {"task_id": first.task_id, "context": [dict(m) for m in first.messages], "prompt": first.prompt}
    for side, response in zip(SIDES, first.responses):
        data.update({f"response_{side}": response.text, f"response_{side}_id": response.id})
        if response.model:
            data[f"response_{side}_model"] = response.model
    category = next((j.category for j in group if j.category), None)
    if category:
        data["category"] = category
    return data


def _ls_annotation(ann_id: int, task_no: int, j: Judgment, ids: list[str], user_id: int) -> dict:
    result: list[dict] = []

    def add(name: str, to_name: str, kind: str, value: dict) -> None:
        result.append({"id": f"{ann_id}-{len(result)}", "from_name": name, "to_name": to_name, "type": kind, "value": value, "origin": "manual"})

    if j.preference == TIE:
        add("tie", "prompt", "choices", {"choices": [TIE_CHOICE]})
    elif j.preference is not None:
        add("preference", "response_a", "pairwise", {"selected": "left" if j.preference == ids[0] else "right"})
    if j.strength is not None:
        add("strength", "prompt", "rating", {"rating": j.strength})
    refusal_text = {v: k.capitalize() for k, v in REFUSAL_CHOICES.items() if v}
    for rid, side in zip(ids, SIDES):
        for dim, score in j.ratings.get(rid, {}).items():
            add(f"{dim}_{side}", f"response_{side}", "rating", {"rating": int(score)})
        if rid in j.refusal:
            add(f"refusal_{side}", f"response_{side}", "choices", {"choices": [refusal_text[j.refusal[rid]]]})
        if rid in j.acceptable:
            add(f"acceptable_{side}", f"response_{side}", "choices", {"choices": ["Acceptable" if j.acceptable[rid] else "Not acceptable"]})
    if j.prompt_label:
        add("prompt_label", "prompt", "choices", {"choices": [j.prompt_label.capitalize()]})
    if j.comment:
        add("comment", "prompt", "textarea", {"text": [j.comment]})
    return {
        "id": ann_id, "completed_by": user_id, "result": result, "was_cancelled": False, "ground_truth": False,
        "lead_time": j.duration_s, "created_at": j.created_at, "task": task_no,
    }
