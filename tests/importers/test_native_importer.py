"""Tests for the native importer: JSONL, CSV (nested JSON-string columns) and JSON arrays."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from dpoclin.errors import DpoclinError, InputFormatError, RecordRejected
from dpoclin.importers import ImportReject, RawRecord, detect_format, iter_records
from dpoclin.importers.native import iter_native
from dpoclin.schema import NESTED_FIELDS, parse_record

RECORDS = [
    {
        "task_id": "t1",
        "prompt": "What is the first-line treatment for uncomplicated cystitis?",
        "responses": [
            {"id": "a", "text": "Nitrofurantoin for 5 days, if eGFR allows.", "model": "m1"},
            {"id": "b", "text": "Ciprofloxacin for 14 days.", "model": "m2"},
        ],
        "annotator": {"id": "d1", "role": "Physician", "specialty": "urology"},
        "preference": "a",
        "strength": 2,
        "ratings": {"a": {"accuracy": 5, "safety": 5}, "b": {"accuracy": 2, "safety": 3}},
        "acceptable": {"a": True, "b": False},
        "prompt_label": "benign",
        "comment": 'uses "quotes", commas,\nand a newline',
        "duration_s": 95.5,
    },
    {
        "task_id": "t2",
        "messages": [
            {"role": "system", "content": "Be careful."},
            {"role": "user", "content": "I feel dizzy."},
            {"role": "assistant", "content": "Since when?"},
            {"role": "user", "content": "Since this morning, after a new pill."},
        ],
        "responses": [
            {"id": "x", "text": "Which pill? Dizziness can be a side effect; sit down and call your prescriber."},
            {"id": "y", "text": "I can't help with medical questions."},
        ],
        "annotator": {"id": "n7", "role": "registered nurse"},
        "refusal": {"y": "unhelpful"},
        "duration_s": 30,
    },
]

COLUMNS = ["task_id", "prompt", "messages", "responses", "annotator", "preference", "strength", "ratings",
           "refusal", "acceptable", "prompt_label", "category", "comment", "duration_s", "created_at"]


def to_csv_text(records) -> str:
    """The CSV shape of a native export: nested fields as JSON strings, numbers as text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rec in records:
        row = []
        for col in COLUMNS:
            value = rec.get(col)
            if value is None:
                row.append("")
            elif col in NESTED_FIELDS:
                row.append(json.dumps(value))
            else:
                row.append(str(value))
        writer.writerow(row)
    return buf.getvalue()


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def judgments(path):
    out = []
    for item in iter_records(path):
        assert isinstance(item, RawRecord), item
        out.append(parse_record(item.data, item.source))
    return out


def without_source(j):
    return dataclasses.replace(j, source="")


def test_csv_imports_to_the_same_judgments_as_jsonl(tmp_path):
    jsonl, csv_path = tmp_path / "export.jsonl", tmp_path / "export.csv"
    write_jsonl(jsonl, RECORDS)
    csv_path.write_text(to_csv_text(RECORDS))
    from_jsonl, from_csv = judgments(jsonl), judgments(csv_path)
    assert len(from_csv) == len(RECORDS)
    assert [without_source(j) for j in from_csv] == [without_source(j) for j in from_jsonl]
    # Spot-check that the comparison is meaningful (nested structures survived the CSV round trip).
    assert from_csv[0].ratings == {"a": {"accuracy": 5.0, "safety": 5.0}, "b": {"accuracy": 2.0, "safety": 3.0}}
    assert from_csv[0].comment == 'uses "quotes", commas,\nand a newline'
    assert from_csv[1].conversational and from_csv[1].prompt == "Since this morning, after a new pill."
    assert from_csv[1].annotator.role == "registered_nurse"


def test_csv_sources_name_the_start_line_of_each_record(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(to_csv_text(RECORDS))
    sources = [item.source for item in iter_native(path)]
    # Record 1's comment spans two physical lines (2-3), so record 2 starts on line 4.
    assert sources == [f"{path}:2", f"{path}:4"]


def test_jsonl_sources_are_file_and_line(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n\n" + json.dumps(RECORDS[1]) + "\n")
    assert [item.source for item in iter_native(path)] == [f"{path}:1", f"{path}:3"]


def test_csv_numeric_cells_are_converted(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(to_csv_text([{**RECORDS[0], "strength": "2", "duration_s": "95.5"}]))
    (item,) = list(iter_native(path))
    assert isinstance(item, RawRecord)
    assert item.data["strength"] == 2 and isinstance(item.data["strength"], int)
    assert item.data["duration_s"] == 95.5
    j = parse_record(item.data, item.source)
    assert (j.strength, j.duration_s) == (2, 95.5)


def test_csv_non_numeric_strength_is_left_for_the_schema_to_reject(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(to_csv_text([{**RECORDS[0], "strength": "strong"}]))
    (item,) = list(iter_native(path))
    assert item.data["strength"] == "strong"
    with pytest.raises(RecordRejected) as info:
        parse_record(item.data, item.source)
    assert (info.value.reason, info.value.field) == ("invalid_type", "strength")


def test_csv_blank_cells_are_absent_not_empty_strings(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(to_csv_text([RECORDS[1]]))
    (item,) = list(iter_native(path))
    assert item.data["prompt"] is None and item.data["preference"] is None
    assert parse_record(item.data, item.source).preference is None


@pytest.mark.parametrize("column", ["responses", "ratings", "annotator", "messages"])
def test_csv_cell_with_broken_json_is_an_import_reject(tmp_path, column):
    text = to_csv_text(RECORDS)
    rows = list(csv.reader(io.StringIO(text)))
    target = 1 if column != "messages" else 2  # messages only exist on the second record
    rows[target][COLUMNS.index(column)] = '{"broken": '
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path = tmp_path / "export.csv"
    path.write_text(buf.getvalue())

    items = list(iter_native(path))
    assert len(items) == 2  # the bad row does not stop the import
    bad = items[target - 1]
    assert isinstance(bad, ImportReject)
    assert bad.reason == "invalid_json"
    assert bad.field == column
    assert bad.task_id == RECORDS[target - 1]["task_id"]
    assert bad.source == f"{path}:{2 if target == 1 else 4}"
    assert isinstance(items[2 - target], RawRecord)


def test_native_json_array_imports(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(RECORDS, indent=2))
    assert detect_format(path) == "native"
    items = list(iter_records(path))
    assert all(isinstance(i, RawRecord) for i in items)
    assert [i.data for i in items] == RECORDS
    assert len({i.source for i in items}) == 2 and all(i.source.startswith(str(path)) for i in items)
    jsonl = tmp_path / "export.jsonl"
    write_jsonl(jsonl, RECORDS)
    assert [without_source(j) for j in judgments(path)] == [without_source(j) for j in judgments(jsonl)]


def test_native_json_must_be_an_array(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(RECORDS[0]))
    with pytest.raises(InputFormatError) as info:
        list(iter_native(path))
    assert str(info.value).startswith(f"{path}:")


@pytest.mark.parametrize("name", ["a.jsonl", "a.ndjson", "a.csv", "A.JSONL", "b.CSV"])
def test_detect_format_by_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text("")
    assert detect_format(path) == "native"


def test_detect_format_sniffs_labelstudio_json(tmp_path):
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([{"id": 1, "data": {"prompt": "hi"}, "annotations": []}]))
    assert detect_format(path) == "labelstudio"


@pytest.mark.parametrize("name", ["export.txt", "export.xlsx", "export"])
def test_unknown_extension_is_a_user_error(tmp_path, name):
    path = tmp_path / name
    path.write_text("{}\n")
    with pytest.raises(DpoclinError) as info:
        detect_format(path)
    assert str(info.value).startswith(f"{path}: unknown file type")
    with pytest.raises(DpoclinError):
        list(iter_records(path))


def test_explicit_native_format_overrides_extension(tmp_path):
    path = tmp_path / "export.txt"
    write_jsonl(path, RECORDS)
    items = list(iter_records(path, "native"))
    assert [i.data["task_id"] for i in items] == ["t1", "t2"]


def test_missing_file_and_unknown_input_format(tmp_path):
    with pytest.raises(DpoclinError, match="no such file"):
        iter_records(tmp_path / "missing.jsonl")
    path = tmp_path / "export.jsonl"
    write_jsonl(path, RECORDS)
    with pytest.raises(DpoclinError, match="unknown --input-format 'xml'"):
        iter_records(path, "xml")
