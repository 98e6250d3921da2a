"""Outputs never touch inputs: every command refuses an --out that is, contains or sits inside an input, an --out of
the wrong kind or under a file, and replaces only what it wrote itself. One line, exit 2, inputs byte-identical."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from .helpers import SAMPLE_EXPORT, assert_one_line_error, cli, tree_hashes, write_labelled, write_responses


@pytest.fixture
def export_dir(tmp_path) -> Path:
    """data/export.jsonl (the shipped sample) beside data/notes.txt (a user's unrelated file)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE_EXPORT, data / "export.jsonl")
    (data / "notes.txt").write_text("physician notes: not dpoclin's\n")
    return data


def _refused(tmp_path: Path, args: list, *fragments: str) -> str:
    """Run the command; it must fail with one line and leave every file under tmp_path as it was."""
    before = tree_hashes(tmp_path)
    message = assert_one_line_error(cli(*args), *fragments)
    assert tree_hashes(tmp_path) == before
    assert not [p for p in tmp_path.rglob(".*dpoclin-tmp*")]
    return message


# --- build-pairs --------------------------------------------------------------------------------

def test_build_pairs_overwrite_into_the_inputs_dir_deletes_nothing(tmp_path, export_dir):
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", export_dir, "--overwrite"],
             "--out", "contains the input", "export.jsonl")


def test_build_pairs_out_equal_to_the_export_is_refused(tmp_path, export_dir):
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", export_dir / "export.jsonl", "--overwrite"],
             "is the input")


def test_build_pairs_out_through_a_symlink_to_the_inputs_dir_is_refused(tmp_path, export_dir):
    (tmp_path / "alias").symlink_to(export_dir, target_is_directory=True)
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", tmp_path / "alias", "--overwrite"],
             "contains the input")


def test_build_pairs_out_containing_the_roster_is_refused(tmp_path, export_dir):
    out = tmp_path / "out"
    out.mkdir()
    roster = out / "roster.csv"
    roster.write_text("id,role\n1,physician\n")
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--annotators", roster, "--out", out, "--overwrite"],
             "roster.csv")


def test_build_pairs_overwrite_refuses_a_directory_it_did_not_write(tmp_path, export_dir):
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.docx").write_text("years of work")
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", other, "--overwrite"],
             str(other), "manifest.json")


def test_build_pairs_overwrite_refuses_its_own_output_holding_a_foreign_file(tmp_path, export_dir):
    out = tmp_path / "out"
    assert cli("build-pairs", export_dir / "export.jsonl", "--out", out).exit_code == 0
    (out / "my_analysis.ipynb").write_text("{}")
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", out, "--overwrite"], "my_analysis.ipynb")


def test_build_pairs_overwrite_replaces_its_own_output(tmp_path, export_dir):
    out = tmp_path / "out"
    assert cli("build-pairs", export_dir / "export.jsonl", "--out", out, "--seed", "1").exit_code == 0
    inputs = tree_hashes(export_dir)
    result = cli("build-pairs", export_dir / "export.jsonl", "--out", out, "--overwrite", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert tree_hashes(export_dir) == inputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


@pytest.mark.parametrize("make", ["file", "under_file"])
def test_build_pairs_out_that_is_or_sits_under_a_file(tmp_path, export_dir, make):
    (tmp_path / "afile").write_text("keep me")
    out = tmp_path / "afile" if make == "file" else tmp_path / "afile" / "sub"
    _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", out], str(out), "file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_build_pairs_out_in_a_read_only_directory(tmp_path, export_dir):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _refused(tmp_path, ["build-pairs", export_dir / "export.jsonl", "--out", locked / "out"], "permission denied")
    finally:
        locked.chmod(0o755)


# --- refusal-detector train -----------------------------------------------------------------------

def test_detector_out_equal_to_the_labelled_file_is_refused(tmp_path):
    labels = write_labelled(tmp_path / "labels.jsonl")
    _refused(tmp_path, ["refusal-detector", "train", labels, "--out", labels], "--out", "is the input", "labels.jsonl")


def test_detector_out_through_a_symlink_to_an_input_is_refused(tmp_path):
    labels = write_labelled(tmp_path / "labels.jsonl")
    (tmp_path / "model.safetensors").symlink_to(labels)
    _refused(tmp_path, ["refusal-detector", "train", labels, "--out", tmp_path / "model.safetensors"], "is the input")


def test_detector_out_over_a_foreign_file_is_refused(tmp_path):
    labels = write_labelled(tmp_path / "labels.jsonl")
    (tmp_path / "results.csv").write_text("a,b\n1,2\n")
    _refused(tmp_path, ["refusal-detector", "train", labels, "--out", tmp_path / "results.csv"],
             "results.csv", "not a dpoclin refusal-detector file")


@pytest.mark.parametrize("make", ["dir", "under_file"])
def test_detector_out_that_is_a_dir_or_sits_under_a_file(tmp_path, make):
    labels = write_labelled(tmp_path / "labels.jsonl")
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "adir" if make == "dir" else tmp_path / "afile" / "d.safetensors"
    _refused(tmp_path, ["refusal-detector", "train", labels, "--out", out], str(out))


def test_detector_is_written_whole_and_replaces_its_own_file(tmp_path):
    labels = write_labelled(tmp_path / "labels.jsonl")
    out = tmp_path / "det.safetensors"
    for _ in range(2):  # the second run replaces the detector the first wrote
        result = cli("refusal-detector", "train", labels, "--out", out)
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["det.safetensors", "labels.jsonl"]  # no temp file left


# --- eval-refusals -------------------------------------------------------------------------------

def test_eval_out_containing_the_responses_is_refused(tmp_path):
    (tmp_path / "ev").mkdir()
    responses = write_responses(tmp_path / "ev" / "responses.jsonl")
    _refused(tmp_path, ["eval-refusals", "--responses", responses, "--out", tmp_path / "ev"], "contains the input")


def test_eval_out_equal_to_the_responses_file_is_refused(tmp_path):
    responses = write_responses(tmp_path / "responses.jsonl")
    _refused(tmp_path, ["eval-refusals", "--responses", responses, "--out", responses], "is the input")


def test_eval_out_containing_the_detector_is_refused(tmp_path):
    responses = write_responses(tmp_path / "responses.jsonl")
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "det.safetensors").write_bytes(b"\0" * 16)
    _refused(tmp_path, ["eval-refusals", "--responses", responses, "--detector", tmp_path / "ev" / "det.safetensors",
                        "--out", tmp_path / "ev"], "det.safetensors")


def test_eval_out_holding_a_users_results_file_is_refused(tmp_path):
    responses = write_responses(tmp_path / "responses.jsonl")
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "results.jsonl").write_text('{"mine": true}\n')
    _refused(tmp_path, ["eval-refusals", "--responses", responses, "--out", tmp_path / "ev"], "results.jsonl")


def test_eval_out_that_is_an_existing_file_is_refused(tmp_path):
    responses = write_responses(tmp_path / "responses.jsonl")
    (tmp_path / "report").write_text("x")
    _refused(tmp_path, ["eval-refusals", "--responses", responses, "--out", tmp_path / "report"], "existing file")


def test_eval_rerun_replaces_its_own_outputs_and_keeps_other_files(tmp_path):
    responses = write_responses(tmp_path / "responses.jsonl")
    out = tmp_path / "ev"
    assert cli("eval-refusals", "--responses", responses, "--out", out).exit_code == 0
    (out / "notes.md").write_text("mine")
    result = cli("eval-refusals", "--responses", responses, "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "notes.md").read_text() == "mine"


# --- train ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["same", "inside"])
def test_train_out_equal_to_or_inside_the_data_dir_is_refused(tmp_path, tiny_data_dir, where):
    out = tiny_data_dir if where == "same" else tiny_data_dir / "run"
    _refused(tmp_path, ["train", "--recipe", "dpo", "--data", tiny_data_dir, "--out", out, "--no-eval"], "--out", "the input")


def test_train_out_that_is_an_existing_file_is_refused(tmp_path, tiny_data_dir):
    (tmp_path / "run").write_text("x")
    _refused(tmp_path, ["train", "--recipe", "dpo", "--data", tiny_data_dir, "--out", tmp_path / "run", "--no-eval"], "existing file")


def test_train_out_inside_a_local_model_dir_is_refused(tmp_path, tiny_data_dir):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    _refused(tmp_path, ["train", "--recipe", "dpo", "--data", tiny_data_dir, "--model", model, "--out", model / "run", "--no-eval"],
             "is inside the input")
