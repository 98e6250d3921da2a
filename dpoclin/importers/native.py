"""The native format: JSONL (one judgment per line), CSV (nested fields as JSON strings), or a JSON array."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson

from dpoclin.errors import InputFormatError
from dpoclin.importers import ImportItem, ImportReject, RawRecord
from dpoclin.readers import duplicate_key, duplicate_keys_per_item, iter_csv, iter_jsonl_raw, load_json
from dpoclin.schema import NESTED_FIELDS, misspelt_field

_NUMERIC_CSV_FIELDS = ("strength", "duration_s")
# Columns a native CSV cannot do without (alternatives in a tuple); a header missing one is not an export.
REQUIRED_CSV_COLUMNS = (("task_id",), ("prompt", "messages"), ("responses",), ("annotator",))


def iter_native(path: Path, unknown_fields: str = "reject") -> Iterator[ImportItem]:
    """Every record of a native export; records with a duplicated key, or with a key that is a typo of a known one
    (``unknown_fields``: reject, warn = keep and say so on stderr, ignore), become ImportRejects."""
    near_misses: Counter = Counter()
    for item, duplicate in _iter_raw(path):
        if isinstance(item, RawRecord) and isinstance(item.data, dict):
            item = _check_fields(item, duplicate, unknown_fields, near_misses)
        yield item
    for (key, hit), n in sorted(near_misses.items()):
        sys.stderr.write(f"warning: {path}: field '{key}' in {n} record(s) is not read — did you mean '{hit}'? "
                         "(--unknown-fields warn)\n")


def _check_fields(item: RawRecord, key: str | None, policy: str, near_misses: Counter) -> ImportItem:
    """The record, or its reject: a duplicated ``key``, or (by ``policy``) a misspelt field."""
    if key is not None:
        return ImportReject(item.source, "duplicate_key", key, f"key '{key}' appears twice in one object; only one value would be kept",
                            _task_id(item.data), _annotator_id(item.data))
    miss = misspelt_field(item.data) if policy != "ignore" else None
    if miss is None:
        return item
    if policy == "warn":
        near_misses[miss] += 1
        return item
    return ImportReject(item.source, "unknown_field", miss[0], f"unknown field '{miss[0]}': did you mean '{miss[1]}'? "
                        "(or pass --unknown-fields warn to keep the record)", _task_id(item.data), _annotator_id(item.data))


def _iter_raw(path: Path) -> Iterator[tuple[ImportItem, str | None]]:
    """``(item, duplicated key or None)`` for every record of the file (CSV headers are unique already)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from ((item, None) for item in _iter_csv_records(path))
    elif suffix == ".json":
        data = load_json(path)
        if not isinstance(data, list):
            raise InputFormatError(str(path), 1, "a native .json export must be an array of judgment records")
        for i, (record, dup) in enumerate(zip(data, duplicate_keys_per_item(path.read_bytes(), data))):
            yield RawRecord(f"{path}:record {i}", record), dup
    else:
        for lineno, raw, record in iter_jsonl_raw(path):
            yield RawRecord(f"{path}:{lineno}", record), duplicate_key(raw, record)


def _task_id(data: dict):
    task_id = data.get("task_id")
    return task_id if isinstance(task_id, (str, int)) and not isinstance(task_id, bool) else None


def _annotator_id(data: dict):
    annotator = data.get("annotator")
    return annotator.get("id") if isinstance(annotator, dict) else None


def _check_csv_columns(path: Path, columns) -> None:
    """The header of a native CSV export must name every required column."""
    missing = [" or ".join(names) for names in REQUIRED_CSV_COLUMNS if not any(n in columns for n in names)]
    if missing:
        raise InputFormatError(str(path), 1, f"CSV header lacks the required column(s) {', '.join(missing)} "
                                             f"(found: {', '.join(columns) or 'none'})")


def _iter_csv_records(path: Path) -> Iterator[ImportItem]:
    checked = False
    for lineno, row in iter_csv(path):
        if not checked:  # every row carries the header's columns: the first one shows them
            _check_csv_columns(path, list(row))
            checked = True
        source = f"{path}:{lineno}"
        record: dict = dict(row)
        try:
            for name in NESTED_FIELDS:
                if record.get(name) is not None:
                    record[name] = _decode_cell(record[name], name)
            for name in _NUMERIC_CSV_FIELDS:
                if record.get(name) is not None:
                    record[name] = _decode_number(record[name], name)
        except ValueError as exc:
            yield ImportReject(source, "invalid_json", str(exc), "cell is not valid JSON", row.get("task_id"))
            continue
        yield RawRecord(source, record)


def _decode_cell(cell: str, name: str):
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError:
        raise ValueError(name) from None


def _decode_number(cell: str, name: str):
    try:
        number = float(cell)
    except ValueError:
        return cell  # schema validation reports the type error with the field name
    return int(number) if number.is_integer() else number
