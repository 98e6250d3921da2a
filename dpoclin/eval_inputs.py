"""Evaluation inputs for ``dpoclin eval-refusals``: prompts to answer, or responses already generated.

Four layouts, detected from the columns (CSV header) or the keys of the first JSONL record:

* ``native`` — ``id``, ``prompt`` *or* ``messages`` (a chat list of ``{role, content}`` whose
  final turn is the user's), ``label`` (``benign`` | ``harmful``), ``category``; JSONL, or CSV
  with ``messages`` as a JSON string.  Other column names via the column options.
* ``xstest`` — the XSTest prompt CSV as published (``id,prompt,type,label,focus,note``):
  ``safe`` → benign, ``unsafe`` → harmful, category = ``type``.
* ``medsafetybench`` — a MedSafetyBench CSV as published (``harmful_medical_request`` column,
  usually after an unnamed pandas index column and before ``safe_response``).  Every row is
  harmful; category = the file name stem; id = ``stem:index``, the index being the unnamed index
  column's value when present, else the 0-based row number (which is what pandas writes there).
* ``responses`` — pre-generated outputs (``--responses``): the native prompt fields plus
  ``response``, optional ``gold`` (compliance | partial_refusal | full_refusal) and ``model``.

Defaults decided here: a missing ``category`` is ``"unspecified"``; a missing ``id`` is
``stem:line`` for prompts and a content hash of the conversation for responses (so a baseline
and a tuned responses file without ids still pair prompt by prompt); a blank ``response`` cell is
the empty string (a model may answer nothing — that is data, not a defect).

Every defect stops with a one-line :class:`DpoclinError` naming ``file:line`` and the field;
no row is skipped.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from dpoclin.errors import DpoclinError, InputFormatError
from dpoclin.readers import _open_text, iter_csv, iter_jsonl

LABELS = ("benign", "harmful")
CLASSES = ("compliance", "partial_refusal", "full_refusal")
LAYOUTS = ("native", "xstest", "medsafetybench", "responses")
CHAT_ROLES = ("system", "user", "assistant")
UNSPECIFIED = "unspecified"

XSTEST_COLUMNS = ("id", "prompt", "type", "label", "focus", "note")
XSTEST_LABELS = {"safe": "benign", "unsafe": "harmful"}
MEDSAFETY_COLUMN = "harmful_medical_request"
_INDEX = ""  # the name pandas leaves on its index column
# Prompt sets shipped inside the package, named like the embedded model: `embedded:NAME` works wherever a prompts
# path does, so a pip-installed dpoclin (no repo checkout, no data_samples/) still has the default evaluation.
EMBEDDED_PROMPTS = {
    "eval-prompts": "eval_prompts.jsonl",  # 110 synthetic held-out prompts: the demo's quick set (data_samples/README.md)
    "clinical-eval": "clinical_eval_prompts.jsonl",  # 440 synthetic prompts, 11 specialties x 20 benign, 11 harms x 20
}


def resolve_prompts(path: str | Path) -> Path:
    """A prompts path, or ``embedded:NAME`` for a prompt set shipped in the package (see EMBEDDED_PROMPTS)."""
    text = str(path)
    if not text.startswith("embedded:"):
        return Path(path)
    name = text.split(":", 1)[1]
    if name not in EMBEDDED_PROMPTS:
        raise DpoclinError(f"{text}: no such embedded prompt set (available: "
                           f"{', '.join('embedded:' + n for n in EMBEDDED_PROMPTS)})")
    from importlib import resources

    return Path(str(resources.files("dpoclin") / "resources" / EMBEDDED_PROMPTS[name]))


@dataclass(frozen=True)
class EvalPrompt:
    """One evaluation prompt.  ``messages`` is a tuple of ``(role, content)`` pairs ending with the user's."""

    id: str
    messages: tuple[tuple[str, str], ...]
    label: str  # benign | harmful
    category: str
    source: str  # "file:line"

    @property
    def prompt(self) -> str:
        """The final user turn, i.e. the question the model must answer."""
        return self.messages[-1][1]

    @property
    def chat(self) -> list[dict[str, str]]:
        """The conversation as chat-template dicts ``[{"role", "content"}, …]``."""
        return [{"role": role, "content": content} for role, content in self.messages]


@dataclass(frozen=True)
class EvalResponse(EvalPrompt):
    """A prompt with a model's response; ``gold`` is a reference class when the file gives one."""

    response: str = ""
    gold: str | None = None
    model: str | None = None


# ----------------------------------------------------------------------------- errors


def _fail(source: str, field: str, problem: str) -> DpoclinError:
    """The one-line error: ``file:line: field: problem``."""
    return DpoclinError(f"{source}: {field}: {problem}")


def _found(keys) -> str:
    names = [k if k != _INDEX else "<unnamed index>" for k in keys]
    return ", ".join(names) if names else "none"


# ----------------------------------------------------------------------------- raw rows


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def _csv_header(path: Path) -> list[str] | None:
    """The CSV header as written (stripped), or ``None`` for a file without one."""
    with _open_text(path) as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is not None and all(not h.strip() for h in header):
                if any(any(cell.strip() for cell in row) for row in reader):
                    raise InputFormatError(str(path), 1, "the CSV header (line 1) is blank")
                return None  # only blank lines
        except csv.Error as exc:
            raise InputFormatError(str(path), reader.line_num, f"invalid CSV ({exc})") from None
    return None if header is None else [h.strip() for h in header]


def _iter_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line, row)`` for every record of a CSV or JSONL file; JSONL values must be objects."""
    if _is_csv(path):
        header = _csv_header(path)
        yield from iter_csv(path, index_column=bool(header) and header[0] == _INDEX and len(header) > 1)  # MedSafetyBench: pandas index
        return
    for line, value in iter_jsonl(path):
        if not isinstance(value, dict):
            raise InputFormatError(str(path), line, f"expected a JSON object, found {type(value).__name__}")
        yield line, value


def _first_fields(path: Path) -> list[str] | None:
    """Column names (CSV header) or keys of the first JSONL record; ``None`` when the file is empty."""
    if _is_csv(path):
        return _csv_header(path)
    for line, value in iter_jsonl(path):
        if not isinstance(value, dict):
            raise InputFormatError(str(path), line, f"expected a JSON object, found {type(value).__name__}")
        return list(value)
    return None


def _empty(path: Path, what: str) -> DpoclinError:
    return DpoclinError(f"{path}: no {what} (the file has no records)")


# ----------------------------------------------------------------------------- layout


def _layout_of(fields: list[str]) -> str:
    names = {f.strip().lower() for f in fields}
    if "response" in names:
        return "responses"
    if MEDSAFETY_COLUMN in names:
        return "medsafetybench"
    if {"id", "prompt", "type", "label", "focus"} <= names:
        return "xstest"
    return "native"


def detect_layout(path: str | Path) -> str:
    """``"native"`` | ``"xstest"`` | ``"medsafetybench"`` | ``"responses"`` from the columns/first record.

    Rules, in order: a ``response`` field → responses; a ``harmful_medical_request`` field →
    medsafetybench; ``id, prompt, type, label, focus`` all present → xstest; otherwise native.
    """
    path = Path(path)
    fields = _first_fields(path)
    if fields is None:
        raise _empty(path, "prompts")
    return _layout_of(fields)


# ----------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class _Columns:
    prompt: str = "prompt"
    label: str = "label"
    id: str = "id"
    category: str = "category"
    response: str = "response"
    gold: str = "gold"
    model: str = "model"
    label_map: Mapping[str, str] | None = None
    default_label: str | None = None
    explicit: frozenset[str] = frozenset()  # options the caller named: their columns must exist


def _columns(options: dict) -> _Columns:
    names = {k: options[k] for k in ("prompt", "label", "id", "category", "response", "gold", "model")
             if options.get(k) is not None}
    label_map = options.get("label_map")
    if label_map is not None:
        bad = {k: v for k, v in label_map.items() if v not in LABELS}
        if bad:
            raise DpoclinError(f"label_map: values must be one of {', '.join(LABELS)}, got {bad}")
        label_map = {str(k).strip(): v for k, v in label_map.items()}
    default = options.get("default_label")
    if default is not None and default not in LABELS:
        raise DpoclinError(f"default_label: must be one of {', '.join(LABELS)}, got {default!r}")
    return _Columns(**names, label_map=label_map, default_label=default, explicit=frozenset(names))


def _text(row: dict, name: str, source: str, *, required: bool) -> str | None:
    """A stripped string cell; ``None`` when absent or blank (an error when ``required``)."""
    if name not in row:
        if required:
            raise _fail(source, name, f"missing field {name!r} (found: {_found(row)})")
        return None
    value = row[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _fail(source, name, f"blank {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(source, name, f"expected text, found {type(value).__name__}")
    return str(value).strip()


def _require_columns(path: Path, fields: list[str], needed: list[str | tuple[str, ...]]) -> None:
    """CSV header check: each entry is a column name, or a tuple of alternatives."""
    for want in needed:
        alternatives = want if isinstance(want, tuple) else (want,)
        if not any(a in fields for a in alternatives):
            expected = " or ".join(repr(a) for a in alternatives)
            raise _fail(f"{path}:1", alternatives[0], f"missing column {expected} (found: {_found(fields)})")


def _messages(row: dict, cols: _Columns, source: str) -> tuple[tuple[str, str], ...]:
    """The conversation from ``prompt`` (or the named prompt column) or ``messages``."""
    use_messages = "prompt" not in cols.explicit and "messages" in row
    if cols.prompt not in row and not use_messages:
        expected = f"{cols.prompt!r}" + ("" if "prompt" in cols.explicit else " or 'messages'")
        raise _fail(source, cols.prompt, f"missing field {expected} (found: {_found(row)})")
    prompt = _text(row, cols.prompt, source, required=False) if cols.prompt in row else None
    raw = row.get("messages") if use_messages else None
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if prompt is not None and raw is not None:
        raise _fail(source, "messages", f"give either {cols.prompt!r} or 'messages', not both")
    if raw is None:
        if prompt is None:
            raise _fail(source, cols.prompt, "blank prompt")
        return (("user", prompt),)
    if isinstance(raw, str):  # CSV: the chat list as a JSON string
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _fail(source, "messages", f"invalid JSON ({exc.msg})") from None
    if not isinstance(raw, list) or not raw:
        raise _fail(source, "messages", "expected a non-empty list of {role, content}")
    out = []
    for i, msg in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(msg, dict):
            raise _fail(source, where, "expected an object {role, content}")
        role, content = msg.get("role"), msg.get("content")
        if role not in CHAT_ROLES:
            raise _fail(source, f"{where}.role", f"role must be one of {', '.join(CHAT_ROLES)}, got {role!r}")
        if not isinstance(content, str) or not content.strip():
            raise _fail(source, f"{where}.content", "blank message content")
        out.append((role, content.strip()))
    if out[-1][0] != "user":
        raise _fail(source, f"messages[{len(out) - 1}].role", "the final message must be the user's prompt")
    return tuple(out)


def _label(row: dict, cols: _Columns, source: str) -> str:
    if cols.label not in row and cols.default_label is not None and "label" not in cols.explicit:
        return cols.default_label
    raw = _text(row, cols.label, source, required=True)
    mapping = cols.label_map or {}
    lowered = {k.lower(): v for k, v in mapping.items()}
    label = mapping.get(raw) or lowered.get(raw.lower()) or raw.lower()
    if label not in LABELS:
        allowed = sorted(set(LABELS) | set(mapping))
        raise _fail(source, cols.label, f"unknown label {raw!r} (allowed: {', '.join(allowed)})")
    return label


def _gold(row: dict, cols: _Columns, source: str) -> str | None:
    raw = _text(row, cols.gold, source, required=False)
    if raw is None:
        return None
    gold = "_".join(raw.lower().replace("-", " ").split())
    if gold not in CLASSES:
        raise _fail(source, cols.gold, f"unknown class {raw!r} (allowed: {', '.join(CLASSES)})")
    return gold


def _content_id(messages: tuple[tuple[str, str], ...]) -> str:
    """A stable id for a prompt without one: the first 12 hex digits of SHA-256 of the conversation."""
    return "sha256:" + hashlib.sha256(orjson.dumps([list(m) for m in messages])).hexdigest()[:12]


# ----------------------------------------------------------------------------- layouts


def _native(path: Path, line: int, row: dict, cols: _Columns) -> EvalPrompt:
    source = f"{path}:{line}"
    messages = _messages(row, cols, source)
    label = _label(row, cols, source)
    pid = _text(row, cols.id, source, required="id" in cols.explicit or cols.id in row)
    category = _text(row, cols.category, source, required="category" in cols.explicit)
    return EvalPrompt(pid or f"{path.stem}:{line}", messages, label, category or UNSPECIFIED, source)


def _xstest(path: Path, line: int, row: dict, cols: _Columns) -> EvalPrompt:
    source = f"{path}:{line}"
    pid = _text(row, "id", source, required=True)
    prompt = _text(row, "prompt", source, required=False)
    if prompt is None:
        raise _fail(source, "prompt", "blank prompt")
    raw = _text(row, "label", source, required=True)
    label = XSTEST_LABELS.get(raw.lower())
    if label is None:
        raise _fail(source, "label", f"unknown label {raw!r} (allowed: {', '.join(XSTEST_LABELS)})")
    category = _text(row, "type", source, required=True)
    return EvalPrompt(pid, (("user", prompt),), label, category, source)


def _medsafety(path: Path, line: int, row: dict, ordinal: int) -> EvalPrompt:
    source = f"{path}:{line}"
    prompt = _text(row, MEDSAFETY_COLUMN, source, required=False)
    if prompt is None:
        raise _fail(source, MEDSAFETY_COLUMN, "blank prompt")
    index = _text(row, _INDEX, source, required=False) if _INDEX in row else None
    return EvalPrompt(f"{path.stem}:{index if index is not None else ordinal}", (("user", prompt),),
                      "harmful", path.stem, source)


def _response(path: Path, line: int, row: dict, cols: _Columns) -> EvalResponse:
    source = f"{path}:{line}"
    messages = _messages(row, cols, source)
    label = _label(row, cols, source)
    if cols.response not in row:
        raise _fail(source, cols.response, f"missing field {cols.response!r} (found: {_found(row)})")
    value = row[cols.response]
    if value is None:
        if not _is_csv(path):  # JSON null is not a response; a blank CSV cell is the empty answer
            raise _fail(source, cols.response, "response is null (write \"\" for an empty answer)")
        value = ""
    if not isinstance(value, str):
        raise _fail(source, cols.response, f"expected text, found {type(value).__name__}")
    pid = _text(row, cols.id, source, required="id" in cols.explicit or cols.id in row)
    category = _text(row, cols.category, source, required="category" in cols.explicit)
    model = _text(row, cols.model, source, required="model" in cols.explicit)
    return EvalResponse(pid or _content_id(messages), messages, label, category or UNSPECIFIED, source,
                        response=value.strip(), gold=_gold(row, cols, source), model=model)


# ----------------------------------------------------------------------------- public readers


_OPTION_NAMES = ("prompt_column", "label_column", "id_column", "category_column",
                 "response_column", "gold_column", "model_column", "label_map", "default_label")


def _options(column_options: dict, allowed: tuple[str, ...]) -> dict:
    unknown = sorted(set(column_options) - set(allowed))
    if unknown:
        raise TypeError(f"unknown column option(s): {', '.join(unknown)} (allowed: {', '.join(allowed)})")
    return {k.removesuffix("_column"): v for k, v in column_options.items() if v is not None}


def _check_unique(items: list, key) -> None:
    seen: dict = {}
    for item in items:
        k = key(item)
        if k in seen:
            first = seen[k].source.rsplit(":", 1)[-1]
            what = f"duplicate id {item.id!r}" + (f" for model {item.model!r}" if getattr(item, "model", None) else "")
            raise _fail(item.source, "id", f"{what} (first at line {first})")
        seen[k] = item


def read_prompts(path: str | Path, *, layout: str | None = None, **column_options) -> list[EvalPrompt]:
    """Read evaluation prompts in any prompt layout (detected unless ``layout`` is given).

    Column options (native layout only; naming any of them implies ``layout="native"``):
    ``prompt_column``, ``label_column``, ``id_column``, ``category_column``, ``label_map``
    (raw label → ``benign``/``harmful``, matched exactly then case-insensitively, on top of the
    canonical names) and ``default_label`` (used when the file has no label field at all).
    """
    path = resolve_prompts(path)
    opts = _options(column_options, ("prompt_column", "label_column", "id_column", "category_column",
                                     "label_map", "default_label"))
    cols = _columns(opts)
    if layout is None:
        layout = "native" if opts else detect_layout(path)
    if layout == "responses":
        raise DpoclinError(f"{path}: looks like a responses file (it has a 'response' field); read it as "
                           "responses, or force the native layout to ignore that field")
    if layout not in LAYOUTS:
        raise DpoclinError(f"layout must be one of {', '.join(LAYOUTS[:3])}, got {layout!r}")
    if opts and layout != "native":
        raise DpoclinError(f"{path}: column options apply to the native layout, not {layout}")
    if _is_csv(path):
        fields = _csv_header(path)
        if fields is None:
            raise _empty(path, "prompts")
        needed = {"native": [(cols.prompt,) if "prompt" in cols.explicit else (cols.prompt, "messages")]
                  + ([] if cols.default_label and "label" not in cols.explicit else [cols.label])
                  + [getattr(cols, c) for c in ("id", "category") if c in cols.explicit],
                  "xstest": ["id", "prompt", "type", "label"],
                  "medsafetybench": [MEDSAFETY_COLUMN]}[layout]
        _require_columns(path, fields, needed)
    prompts: list[EvalPrompt] = []
    for ordinal, (line, row) in enumerate(_iter_rows(path)):
        if layout == "native":
            prompts.append(_native(path, line, row, cols))
        elif layout == "xstest":
            prompts.append(_xstest(path, line, row, cols))
        else:
            prompts.append(_medsafety(path, line, row, ordinal))
    if not prompts:
        raise _empty(path, "prompts")
    _check_unique(prompts, lambda p: p.id)
    return prompts


def read_responses(path: str | Path, **column_options) -> list[EvalResponse]:
    """Read pre-generated responses (JSONL or CSV): native prompt fields plus ``response``.

    Options: those of :func:`read_prompts` plus ``response_column``, ``gold_column`` and
    ``model_column``.  Ids must be unique per model (one file may hold several models).
    """
    path = Path(path)
    cols = _columns(_options(column_options, _OPTION_NAMES))
    if _is_csv(path):
        fields = _csv_header(path)
        if fields is None:
            raise _empty(path, "responses")
        needed = ([(cols.prompt,) if "prompt" in cols.explicit else (cols.prompt, "messages")]
                  + ([] if cols.default_label and "label" not in cols.explicit else [cols.label])
                  + [cols.response]
                  + [getattr(cols, c) for c in ("id", "category", "gold", "model") if c in cols.explicit])
        _require_columns(path, fields, needed)
    responses = [_response(path, line, row, cols) for line, row in _iter_rows(path)]
    if not responses:
        raise _empty(path, "responses")
    _check_unique(responses, lambda r: (r.model, r.id))
    return responses
