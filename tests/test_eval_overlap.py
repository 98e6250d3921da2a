"""`dpoclin train` refuses to train on prompts its post-train evaluation asks again."""

from __future__ import annotations

import pytest
from conftest import TINY_PROMPTS, write_jsonl
from typer.testing import CliRunner

from dpoclin.cli import app
from dpoclin.errors import DpoclinError


def _recipe(data_dir, prompts, *overrides):
    from dpoclin.recipe import apply_overrides, load_recipe

    return apply_overrides(load_recipe("kto-dpo"), [f"data.path={data_dir}", f"eval.prompts={prompts}", *overrides])


def _prompts(path, texts):
    write_jsonl(path, [{"id": f"e{i}", "prompt": t, "label": "benign", "category": "x"} for i, t in enumerate(texts)])
    return path


@pytest.mark.parametrize("variant", [
    lambda t: t,                                # the same prompt
    lambda t: "  " + t.upper() + "  ",          # case and spacing
    lambda t: t.rstrip("?") + " , please?",     # punctuation and one word added
])
def test_an_eval_prompt_that_duplicates_a_training_prompt_stops_train(tiny_data_dir, tmp_path, variant):
    from dpoclin.run import check_eval_overlap

    train_prompt = TINY_PROMPTS[0][0]  # split train in tiny_rows
    prompts = _prompts(tmp_path / "eval.jsonl", ["What is the half-life of amiodarone?", variant(train_prompt)])
    with pytest.raises(DpoclinError, match=r"1 training prompt\(s\) duplicate eval prompts.*task 't0'.*eval.jsonl:2 \(e1\)"
                       r".*eval.allow_prompt_overlap=true"):
        check_eval_overlap(_recipe(tiny_data_dir, prompts), tiny_data_dir)


def test_unrelated_eval_prompts_and_test_split_prompts_pass(tiny_data_dir, tmp_path):
    from dpoclin.run import check_eval_overlap

    test_prompt = TINY_PROMPTS[7][0]  # split test in tiny_rows: held out of training, so asking it again is fine
    prompts = _prompts(tmp_path / "eval.jsonl", ["What is the half-life of amiodarone?", test_prompt])
    check_eval_overlap(_recipe(tiny_data_dir, prompts), tiny_data_dir)


def test_the_cli_says_so_in_one_line_and_the_override_lets_it_pass_the_check(tiny_data_dir, tmp_path):
    from dpoclin.run import preflight

    prompts = _prompts(tmp_path / "eval.jsonl", [TINY_PROMPTS[1][0]])
    result = CliRunner().invoke(app, ["train", "--recipe", "kto-dpo", "--data", str(tiny_data_dir), "--out",
                                      str(tmp_path / "run"), "--set", f"eval.prompts={prompts}"])
    assert result.exit_code == 2
    assert "duplicate eval prompts" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()
    preflight(_recipe(tiny_data_dir, prompts, "eval.allow_prompt_overlap=true"), tiny_data_dir, tmp_path / "run", False)
