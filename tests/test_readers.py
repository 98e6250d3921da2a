"""Tests for dpoclin.readers: streaming JSONL/CSV/JSON with ``file:line`` errors."""

from __future__ import annotations

import pytest

from dpoclin.errors import DpoclinError, InputFormatError
from dpoclin.readers import iter_csv, iter_jsonl, load_json


def _error(fn, path) -> InputFormatError:
    with pytest.raises(InputFormatError) as info:
        result = fn(path)
        if not isinstance(result, (dict, list)):
            list(result)
    return info.value


# ----------------------------------------------------------------------------- JSONL


def test_iter_jsonl_skips_blank_lines_and_keeps_physical_line_numbers(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_bytes(b'{"n": 1}\n\n   \n{"n": 2}\r\n\t\n{"n": 3}')  # no trailing newline on the last line
    assert list(iter_jsonl(path)) == [(1, {"n": 1}), (4, {"n": 2}), (6, {"n": 3})]


def test_iter_jsonl_yields_non_object_values_unchanged(tmp_path):
    # The reader knows nothing of the contract: arrays and scalars are the schema's business.
    path = tmp_path / "export.jsonl"
    path.write_text('[1, 2]\n"text"\n')
    assert list(iter_jsonl(path)) == [(1, [1, 2]), (2, "text")]


def test_iter_jsonl_invalid_json_on_line_3(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"n": 1}\n{"n": 2}\n{"n": 3,,}\n{"n": 4}\n')
    seen = []
    with pytest.raises(InputFormatError) as info:
        for item in iter_jsonl(path):
            seen.append(item)
    exc = info.value
    assert seen == [(1, {"n": 1}), (2, {"n": 2})]  # streaming: earlier lines were yielded
    assert str(exc).startswith(f"{path}:3: invalid JSON")
    assert (exc.path, exc.line) == (str(path), 3)
    assert isinstance(exc, DpoclinError)


def test_iter_jsonl_invalid_json_line_number_counts_blank_lines(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"n": 1}\n\n\n{"n": \n')
    assert _error(iter_jsonl, path).line == 4


def test_iter_jsonl_non_utf8_bytes(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_bytes(b'{"n": 1}\n{"n": 2}\n{"note": "caf\xe9"}\n')  # latin-1 e-acute
    exc = _error(iter_jsonl, path)
    assert exc.line == 3
    assert str(exc).startswith(f"{path}:3:")


def test_iter_jsonl_accepts_multibyte_utf8(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"note": "fièvre à 39°C — ça"}\n', encoding="utf-8")
    assert list(iter_jsonl(path)) == [(1, {"note": "fièvre à 39°C — ça"})]


def test_iter_jsonl_missing_file(tmp_path):
    path = tmp_path / "nope.jsonl"
    exc = _error(iter_jsonl, path)
    assert exc.line is None
    assert str(exc).startswith(f"{path}: cannot open")


# ----------------------------------------------------------------------------- CSV


def test_iter_csv_multiline_quoted_cell_reports_record_start_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        b"task_id,prompt,comment\n"  # 1
        b't1,"line one\nline two\nline three",ok\n'  # 2-4
        b"t2,short,\n"  # 5
        b"\n"  # 6 blank
        b't3,"a\r\nb",x\n'  # 7-8
        b"t4,last,y\n"  # 9
    )
    rows = list(iter_csv(path))
    assert [line for line, _ in rows] == [2, 5, 7, 9]
    assert rows[0][1] == {"task_id": "t1", "prompt": "line one\nline two\nline three", "comment": "ok"}
    assert rows[1][1]["comment"] is None  # blank cells become None
    assert rows[2][1]["prompt"] == "a\r\nb"  # newline="" keeps embedded line endings intact


def test_iter_csv_strips_header_names(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(" task_id , prompt\nt1,hi\n")
    assert list(iter_csv(path)) == [(2, {"task_id": "t1", "prompt": "hi"})]


def test_iter_csv_wrong_column_count_names_record_start_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('task_id,prompt,comment\nt1,"multi\nline",ok\nt2,only-two\n')
    exc = _error(iter_csv, path)
    assert exc.line == 4
    assert str(exc) == f"{path}:4: expected 3 columns, found 2"


def test_iter_csv_too_many_columns(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("task_id,prompt\nt1,hi\nt2,hi,extra\n")
    assert _error(iter_csv, path).line == 3


@pytest.mark.parametrize("header", ["task_id,prompt,task_id", "task_id, prompt ,prompt", "task_id,,prompt"])
def test_iter_csv_duplicate_or_empty_header(tmp_path, header):
    path = tmp_path / "export.csv"
    path.write_text(header + "\nt1,a,b\n")
    exc = _error(iter_csv, path)
    assert exc.line == 1
    assert "duplicate" in str(exc)


def test_iter_csv_unterminated_quote_is_a_format_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('task_id,prompt\nt1,hi\nt2,"never closed\nt3,x\n')
    exc = _error(iter_csv, path)
    assert str(exc).startswith(f"{path}:")
    assert "invalid CSV" in str(exc)


def test_iter_csv_empty_file_yields_nothing(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("")
    assert list(iter_csv(path)) == []


def test_iter_csv_non_utf8_is_a_format_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"task_id,prompt\nt1,hi\nt2,caf\xe9\n")
    exc = _error(iter_csv, path)
    assert "not UTF-8" in str(exc)


def test_iter_csv_non_utf8_names_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"task_id,prompt\nt1,hi\nt2,caf\xe9\n")
    assert _error(iter_csv, path).line == 3


def test_iter_csv_utf8_bom_is_not_part_of_first_column_name(tmp_path):
    # Excel's "CSV UTF-8" export starts with a byte-order mark.
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbftask_id,prompt\nt1,hi\n")
    assert list(iter_csv(path)) == [(2, {"task_id": "t1", "prompt": "hi"})]


def test_iter_csv_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    exc = _error(iter_csv, path)
    assert exc.line is None and "cannot open" in str(exc)


# ----------------------------------------------------------------------------- JSON


def test_load_json_parses_whole_document(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[{"a": 1},\n {"b": [2, 3]}]\n')
    assert load_json(path) == [{"a": 1}, {"b": [2, 3]}]


def test_load_json_error_line_number(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[\n  {"a": 1},\n  {"b": 2},\n  {"c": 3}\n  {"d": 4}\n]\n')  # missing comma after line 4
    exc = _error(load_json, path)
    assert exc.line == 5
    assert str(exc).startswith(f"{path}:5: invalid JSON")


def test_load_json_error_line_number_after_multibyte_text(tmp_path):
    # Non-ASCII clinical text before the error must not shift the reported line.
    path = tmp_path / "export.json"
    notes = ", ".join(f'"fièvre élevée à 39°C n°{i}"' for i in range(20))
    path.write_text(f'[\n  [{notes}],\n  "ok",\n  "x"\n  "y"\n]\n', encoding="utf-8")
    assert _error(load_json, path).line == 5


def test_load_json_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    exc = _error(load_json, path)
    assert exc.line is None and str(exc).startswith(f"{path}: cannot open")
