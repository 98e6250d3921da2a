"""The native export contract: one record per (task, annotator) judgment.

``parse_record`` turns one decoded record (a dict in the native shape) into a
:class:`Judgment` or raises :class:`~dpoclin.errors.RecordRejected` naming the field.
Every importer (native JSONL/CSV, Label Studio) converts into this shape, so the
rules below are the single definition of a valid judgment.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from dpoclin.errors import RecordRejected

DIMENSIONS: tuple[str, ...] = ("accuracy", "safety", "completeness", "reasoning", "communication")
PROMPT_LABELS = frozenset({"benign", "harmful", "borderline"})
REFUSAL_LABELS = frozenset({"appropriate", "unhelpful"})
CHAT_ROLES = frozenset({"system", "user", "assistant"})
TIE = "tie"
RATING_MIN, RATING_MAX = 1, 5
STRENGTH_MIN, STRENGTH_MAX = 1, 3
# Fields nested as JSON strings when the export is CSV.
NESTED_FIELDS = ("messages", "responses", "annotator", "ratings", "refusal", "acceptable")
# Every key the contract reads, per object. A key close to one of these (a typo) would silently drop a judgment.
RECORD_FIELDS = ("task_id", "prompt", "messages", "responses", "annotator", "preference", "strength", "ratings", "refusal",
                 "acceptable", "prompt_label", "category", "comment", "duration_s", "created_at")
OBJECT_FIELDS = {"annotator": ("id", "role", "specialty"), "responses": ("id", "text", "model")}
NEAR_MISS_CUTOFF = 0.8  # difflib ratio: 'prefernce' / 'rating' / 'refusals' match, 'model' / 'source' / 'notes' do not
UNKNOWN_FIELD_POLICIES = ("reject", "warn", "ignore")


def near_miss(key: str, known) -> str | None:
    """The known key that ``key`` is probably a typo of, or None (an exact key, or extra metadata far from any)."""
    if key in known:
        return None
    match = difflib.get_close_matches(key, known, n=1, cutoff=NEAR_MISS_CUTOFF)
    return match[0] if match else None


def misspelt_field(record: dict) -> tuple[str, str] | None:
    """``(field, suggestion)`` for the first key of a record or of its annotator / responses objects that is a near miss
    of a known key (``prefernce`` -> ``preference``); None when every key is known or clearly extra metadata."""
    for key in record:
        if isinstance(key, str) and (hit := near_miss(key, RECORD_FIELDS)):
            return key, hit
    objects = [("annotator", record.get("annotator"), OBJECT_FIELDS["annotator"])]
    if isinstance(record.get("responses"), list):
        objects += [(f"responses[{i}]", r, OBJECT_FIELDS["responses"]) for i, r in enumerate(record["responses"])]
    for where, obj, known in objects:
        for key in obj if isinstance(obj, dict) else ():
            if isinstance(key, str) and (hit := near_miss(key, known)):
                return f"{where}.{key}", f"{where}.{hit}"
    return None


@dataclass(frozen=True, slots=True)
class Response:
    id: str
    text: str
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Annotator:
    id: str
    role: str
    specialty: str | None = None


@dataclass(slots=True)
class Judgment:
    """One annotator's validated judgment of one task."""

    task_id: str
    source: str  # "file:line" (or "file:task N annotation M") for error messages
    messages: tuple[dict, ...]  # chat context ending with the final user turn
    conversational: bool  # True when the record used `messages` rather than `prompt`
    responses: tuple[Response, ...]
    annotator: Annotator
    preference: str | None = None  # a response id, "tie", or None
    strength: int | None = None
    ratings: dict[str, dict[str, float]] = field(default_factory=dict)
    refusal: dict[str, str] = field(default_factory=dict)
    acceptable: dict[str, bool] = field(default_factory=dict)
    prompt_label: str | None = None
    category: str | None = None
    comment: str | None = None
    duration_s: float | None = None
    created_at: str | None = None

    @property
    def prompt(self) -> str:
        return self.messages[-1]["content"]

    def has_signal(self) -> bool:
        return bool(
            self.preference is not None or self.ratings or self.refusal or self.acceptable
        )


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def normalise_id(value: str | int) -> str:
    """The canonical form of an id (task, response, annotator): its string, without surrounding whitespace."""
    return str(value).strip()


def _ident(value: Any, field_name: str) -> str:
    """An identifier: non-empty string, or an integer (normalised to its string)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordRejected("invalid_type", field_name, f"expected a string id, got {type(value).__name__}")
    text = normalise_id(value)
    if not text:
        raise RecordRejected("missing_field", field_name, "empty id")
    return text


def _opt_str(record: dict, name: str) -> str | None:
    value = record.get(name)
    if _absent(value):
        return None
    if not isinstance(value, str):
        raise RecordRejected("invalid_type", name, f"expected a string, got {type(value).__name__}")
    return value.strip()


def _number(value: Any, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordRejected("invalid_type", field_name, f"expected a number, got {value!r}")
    return float(value)


def _parse_messages(record: dict) -> tuple[tuple[dict, ...], bool]:
    prompt, messages = record.get("prompt"), record.get("messages")
    if not _absent(prompt) and not _absent(messages):
        raise RecordRejected("ambiguous_prompt", "messages", "give either `prompt` or `messages`, not both")
    if not _absent(prompt):
        if not isinstance(prompt, str):
            raise RecordRejected("invalid_type", "prompt", "expected a string")
        return ({"role": "user", "content": prompt.strip()},), False
    if _absent(messages):
        raise RecordRejected("missing_field", "prompt", "one of `prompt` or `messages` is required")
    if not isinstance(messages, list) or not messages:
        raise RecordRejected("invalid_type", "messages", "expected a non-empty list of {role, content}")
    out = []
    for i, msg in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(msg, dict):
            raise RecordRejected("invalid_type", where, "expected an object {role, content}")
        role, content = msg.get("role"), msg.get("content")
        if role not in CHAT_ROLES:
            raise RecordRejected("invalid_value", f"{where}.role", f"role must be one of {sorted(CHAT_ROLES)}, got {role!r}")
        if not isinstance(content, str) or not content.strip():
            raise RecordRejected("missing_field", f"{where}.content", "empty or non-string content")
        out.append({"role": role, "content": content.strip()})
    if out[-1]["role"] != "user":
        raise RecordRejected("invalid_value", f"messages[{len(out) - 1}].role", "the final message must be the user's prompt")
    return tuple(out), True


def _parse_responses(value: Any) -> tuple[Response, ...]:
    if _absent(value):
        raise RecordRejected("missing_field", "responses", "at least one response is required")
    if not isinstance(value, list) or not value:
        raise RecordRejected("invalid_type", "responses", "expected a non-empty list of {id, text, model?}")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        where = f"responses[{i}]"
        if not isinstance(item, dict):
            raise RecordRejected("invalid_type", where, "expected an object {id, text, model?}")
        rid = _ident(item.get("id"), f"{where}.id") if "id" in item else None
        if rid is None:
            raise RecordRejected("missing_field", f"{where}.id", "response id is required")
        if rid == TIE:
            raise RecordRejected("invalid_value", f"{where}.id", f"'{TIE}' is reserved for tied preferences")
        if rid in seen:
            raise RecordRejected("duplicate_response_id", f"{where}.id", f"response id {rid!r} appears twice")
        seen.add(rid)
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RecordRejected("missing_field", f"{where}.text", "empty or non-string response text")
        model = item.get("model")
        if model is not None and not isinstance(model, str):
            raise RecordRejected("invalid_type", f"{where}.model", "expected a string")
        out.append(Response(rid, text.strip(), model))
    return tuple(out)


def _parse_annotator(value: Any) -> Annotator:
    if _absent(value):
        raise RecordRejected("missing_field", "annotator", "annotator {id, role} is required")
    if not isinstance(value, dict):
        raise RecordRejected("invalid_type", "annotator", "expected an object {id, role, specialty?}")
    aid = _ident(value.get("id"), "annotator.id")
    role = value.get("role")
    if not isinstance(role, str) or not role.strip():
        raise RecordRejected("missing_field", "annotator.role", "annotator role is required")
    specialty = value.get("specialty")
    if specialty is not None and not isinstance(specialty, str):
        raise RecordRejected("invalid_type", "annotator.specialty", "expected a string")
    return Annotator(aid, normalise_role(role), specialty.strip() if specialty else None)


def normalise_role(role: str) -> str:
    """'Nurse Practitioner' -> 'nurse_practitioner'."""
    return "_".join(role.strip().lower().replace("-", " ").split())


def _per_response(record: dict, name: str, ids: set[str]) -> dict:
    value = record.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise RecordRejected("invalid_type", name, "expected an object keyed by response id")
    for rid in value:  # JSON object keys are strings
        if rid not in ids:
            raise RecordRejected("unknown_response", f"{name}.{rid}", f"no response with id {rid!r} in this record")
    return value


def _parse_ratings(record: dict, ids: set[str], dimensions: frozenset[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for rid, dims in _per_response(record, "ratings", ids).items():
        if dims is None:
            continue
        if not isinstance(dims, dict):
            raise RecordRejected("invalid_type", f"ratings.{rid}", "expected an object {dimension: 1..5}")
        clean = {}
        for dim, score in dims.items():
            if dim not in dimensions:
                hint = f"did you mean '{hit}'? or " if isinstance(dim, str) and (hit := near_miss(dim, sorted(dimensions))) else ""
                raise RecordRejected("unknown_dimension", f"ratings.{rid}.{dim}",
                                     f"{hint}declare it with --dimensions (known: {', '.join(sorted(dimensions))})")
            if type(score) is int and RATING_MIN <= score <= RATING_MAX:  # fast path: the usual Likert integer
                clean[dim] = float(score)
            elif score is not None:
                clean[dim] = _rating(score, f"ratings.{rid}.{dim}")
        if clean:
            out[rid] = clean
    return out


def _rating(score: Any, where: str) -> float:
    number = _number(score, where)
    if not RATING_MIN <= number <= RATING_MAX:
        raise RecordRejected("rating_out_of_range", where, f"{score!r} is outside {RATING_MIN}..{RATING_MAX}")
    return number


def _parse_labels(record: dict, name: str, ids: set[str], allowed: frozenset | None) -> dict:
    out = {}
    for rid, label in _per_response(record, name, ids).items():
        if label is None:
            continue
        if allowed is None:  # booleans
            if not isinstance(label, bool):
                raise RecordRejected("invalid_type", f"{name}.{rid}", f"expected true or false, got {label!r}")
        elif not isinstance(label, str) or label not in allowed:
            raise RecordRejected("invalid_value", f"{name}.{rid}", f"expected one of {sorted(allowed)}, got {label!r}")
        out[rid] = label
    return out


def _parse_preference(record: dict, ids: set[str]) -> tuple[str | None, int | None]:
    pref = record.get("preference")
    if _absent(pref):
        pref = None
    else:
        pref = _ident(pref, "preference")
        if pref != TIE and pref not in ids:
            raise RecordRejected("unknown_response", "preference", f"no response with id {pref!r} in this record")
    strength = record.get("strength")
    if _absent(strength):
        return pref, None
    number = _number(strength, "strength")
    if number != int(number) or not STRENGTH_MIN <= number <= STRENGTH_MAX:
        raise RecordRejected("out_of_range", "strength", f"{strength!r} is not an integer in {STRENGTH_MIN}..{STRENGTH_MAX}")
    return pref, int(number)


def parse_record(record: Any, source: str, dimensions: frozenset[str] = frozenset(DIMENSIONS)) -> Judgment:
    """Validate one native record. Raises ``RecordRejected`` naming the first bad field."""
    if not isinstance(record, dict):
        raise RecordRejected("invalid_record", None, f"expected a JSON object, got {type(record).__name__}")
    if _absent(record.get("task_id")):
        raise RecordRejected("missing_field", "task_id", "task_id is required")
    task_id = _ident(record["task_id"], "task_id")
    messages, conversational = _parse_messages(record)
    responses = _parse_responses(record.get("responses"))
    annotator = _parse_annotator(record.get("annotator"))
    ids = {r.id for r in responses}
    preference, strength = _parse_preference(record, ids)
    prompt_label = _opt_str(record, "prompt_label")
    if prompt_label is not None and prompt_label not in PROMPT_LABELS:
        raise RecordRejected("invalid_value", "prompt_label", f"expected one of {sorted(PROMPT_LABELS)}, got {prompt_label!r}")
    duration = record.get("duration_s")
    duration = None if _absent(duration) else _number(duration, "duration_s")
    if duration is not None and duration < 0:
        raise RecordRejected("out_of_range", "duration_s", "duration must be >= 0 seconds")
    judgment = Judgment(
        task_id=task_id,
        source=source,
        messages=messages,
        conversational=conversational,
        responses=responses,
        annotator=annotator,
        preference=preference,
        strength=strength,
        ratings=_parse_ratings(record, ids, dimensions),
        refusal=_parse_labels(record, "refusal", ids, REFUSAL_LABELS),
        acceptable=_parse_labels(record, "acceptable", ids, None),
        prompt_label=prompt_label,
        category=_opt_str(record, "category"),
        comment=_opt_str(record, "comment"),
        duration_s=duration,
        created_at=_opt_str(record, "created_at"),
    )
    if not judgment.has_signal():
        raise RecordRejected("empty_judgment", None, "no preference, ratings, refusal or acceptable verdict")
    return judgment
