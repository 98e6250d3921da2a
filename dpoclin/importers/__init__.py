"""Importers: annotation exports -> native-shaped records.

Every importer yields, for each judgment it finds, either a :class:`RawRecord`
(a dict in the native export shape, validated later by ``schema.parse_record``)
or an :class:`ImportReject` (something in the export that is not a usable
judgment: a cancelled or empty annotation, an undecodable CSV cell...). Nothing
is skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dpoclin.errors import DpoclinError

INPUT_FORMATS = ("auto", "native", "labelstudio")


@dataclass(slots=True)
class RawRecord:
    source: str  # "file:line" or "file:task N annotation M"
    data: dict


@dataclass(slots=True)
class ImportReject:
    source: str
    reason: str
    field: str | None = None
    detail: str = ""
    task_id: str | None = None
    annotator: str | None = None


ImportItem = RawRecord | ImportReject


def detect_format(path: Path) -> str:
    """``native`` for .jsonl/.ndjson/.csv; for .json, Label Studio when tasks carry annotations."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".csv"}:
        return "native"
    if suffix == ".json":
        from dpoclin.importers.labelstudio import looks_like_labelstudio

        return "labelstudio" if looks_like_labelstudio(path) else "native"
    raise DpoclinError(f"{path}: unknown file type {suffix!r}; use .jsonl, .csv or .json, or pass --input-format")


def iter_records(path: Path, input_format: str = "auto", labelstudio_options=None, unknown_fields: str = "reject") -> Iterator[ImportItem]:
    """Yield every judgment of one export file as a RawRecord or an ImportReject.

    ``unknown_fields``: what a native record's misspelt field (a near miss of a known key) does: reject, warn or ignore."""
    if not path.exists():
        raise DpoclinError(f"{path}: no such file")
    fmt = detect_format(path) if input_format == "auto" else input_format
    if fmt == "native":
        from dpoclin.importers.native import iter_native

        return iter_native(path, unknown_fields)
    if fmt == "labelstudio":
        from dpoclin.importers.labelstudio import LabelStudioOptions, iter_labelstudio

        return iter_labelstudio(path, labelstudio_options or LabelStudioOptions())
    raise DpoclinError(f"unknown --input-format {input_format!r}; choose one of {', '.join(INPUT_FORMATS)}")
