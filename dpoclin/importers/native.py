"""The native format: JSONL (one judgment per line), CSV (nested fields as JSON strings), or a JSON array."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from dpoclin.errors import InputFormatError
from dpoclin.importers import ImportItem, ImportReject, RawRecord
from dpoclin.readers import iter_csv, iter_jsonl, load_json
from dpoclin.schema import NESTED_FIELDS

_NUMERIC_CSV_FIELDS = ("strength", "duration_s")
# Columns a native CSV cannot do without (alternatives in a tuple); a header missing one is not an export.
REQUIRED_CSV_COLUMNS = (("task_id",), ("prompt", "messages"), ("responses",), ("annotator",))


def iter_native(path: Path) -> Iterator[ImportItem]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _iter_csv_records(path)
    elif suffix == ".json":
        data = load_json(path)
        if not isinstance(data, list):
            raise InputFormatError(str(path), 1, "a native .json export must be an array of judgment records")
        for i, record in enumerate(data):
            yield RawRecord(f"{path}:record {i}", record)
    else:
        for lineno, record in iter_jsonl(path):
            yield RawRecord(f"{path}:{lineno}", record)


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
