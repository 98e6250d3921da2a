"""Empty and unusable inputs (empty, whitespace-only, header-only CSV, `[]`, a CSV without the required columns)
stop with one line naming the file, exit 2, no output left, inputs byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from .helpers import SAMPLE_EXPORT, assert_one_line_error, cli, tree_hashes, write_labelled

EMPTY_CASES = {
    "empty.jsonl": "",
    "blank.jsonl": "  \n\n\t\n",
    "header_only.csv": "task_id,prompt,responses,annotator,preference\n",
    "empty_array.json": "[]",
    "empty_array_ws.json": "  [ ]\n",
}


def _assert_refused(tmp_path: Path, args: list, bad: Path, out: Path) -> None:
    before = tree_hashes(tmp_path)
    assert_one_line_error(cli(*args), bad.name)
    assert tree_hashes(tmp_path) == before
    assert not out.exists()
    assert not list(tmp_path.glob(f".{out.name}*"))


@pytest.mark.parametrize("name", sorted(EMPTY_CASES))
def test_build_pairs_empty_export_stops(tmp_path, name):
    bad = tmp_path / name
    bad.write_text(EMPTY_CASES[name])
    _assert_refused(tmp_path, ["build-pairs", bad, "--out", tmp_path / "out"], bad, tmp_path / "out")


def test_build_pairs_one_empty_export_among_good_ones_stops(tmp_path):
    good, bad = tmp_path / "good.jsonl", tmp_path / "empty.jsonl"
    good.write_bytes(SAMPLE_EXPORT.read_bytes())
    bad.write_text("")
    _assert_refused(tmp_path, ["build-pairs", good, bad, "--out", tmp_path / "out"], bad, tmp_path / "out")


@pytest.mark.parametrize("header", ["foo,bar", "task_id,prompt,annotator", "id,question,answer_a,answer_b"])
def test_build_pairs_csv_without_required_columns_stops(tmp_path, header):
    bad = tmp_path / "export.csv"
    bad.write_text(header + "\n" + ",".join(["x"] * len(header.split(","))) + "\n")
    _assert_refused(tmp_path, ["build-pairs", bad, "--out", tmp_path / "out"], bad, tmp_path / "out")
    assert "responses" in cli("build-pairs", bad, "--out", tmp_path / "out").stderr


@pytest.mark.parametrize("name", ["empty.jsonl", "blank.jsonl", "header_only.csv", "empty_array.json"])
def test_eval_refusals_empty_responses_stop(tmp_path, name):
    bad = tmp_path / name
    bad.write_text(EMPTY_CASES[name].replace("task_id,prompt,responses,annotator,preference", "prompt,response,label"))
    _assert_refused(tmp_path, ["eval-refusals", "--responses", bad, "--out", tmp_path / "ev"], bad, tmp_path / "ev")


@pytest.mark.parametrize("name", ["empty.jsonl", "blank.jsonl", "header_only.csv"])
def test_eval_refusals_empty_prompts_stop(tmp_path, name):
    bad = tmp_path / name
    bad.write_text(EMPTY_CASES[name].replace("task_id,prompt,responses,annotator,preference", "id,prompt,label"))
    _assert_refused(tmp_path, ["eval-refusals", "--model", "embedded:smollm2-135m-instruct", "--prompts", bad,
                               "--out", tmp_path / "ev"], bad, tmp_path / "ev")


@pytest.mark.parametrize("name", ["empty.jsonl", "blank.jsonl", "empty_array.json"])
def test_refusal_detector_empty_file_stops(tmp_path, name):
    bad = tmp_path / name
    bad.write_text(EMPTY_CASES[name])
    _assert_refused(tmp_path, ["refusal-detector", "train", bad, "--out", tmp_path / "d.safetensors"], bad,
                    tmp_path / "d.safetensors")


def test_refusal_detector_header_only_csv_stops(tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("response,gold\n")
    _assert_refused(tmp_path, ["refusal-detector", "train", bad, "--out", tmp_path / "d.safetensors"], bad,
                    tmp_path / "d.safetensors")


def test_refusal_detector_empty_file_beside_a_good_one_stops(tmp_path):
    good = write_labelled(tmp_path / "good.jsonl")
    bad = tmp_path / "empty.json"
    bad.write_text("[]")
    _assert_refused(tmp_path, ["refusal-detector", "train", good, bad, "--out", tmp_path / "d.safetensors"], bad,
                    tmp_path / "d.safetensors")


@pytest.mark.parametrize("which", ["pairs.jsonl", "kto.jsonl"])
@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_train_empty_data_file_stops_before_any_model_loads(tmp_path, which, content):
    from conftest import tiny_rows, write_jsonl

    pairs, kto = tiny_rows()
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "pairs.jsonl", pairs)
    write_jsonl(data / "kto.jsonl", kto)
    (data / which).write_text(content)
    recipe = "dpo" if which == "pairs.jsonl" else "kto"
    _assert_refused(tmp_path, ["train", "--recipe", recipe, "--data", data, "--out", tmp_path / "run", "--no-eval"],
                    data / which, tmp_path / "run")
