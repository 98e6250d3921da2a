"""Numbers and options: finite, in range, the allowed range in a one-line message (CLI, recipes, --set, files)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from dpoclin.errors import DpoclinError
from dpoclin.generation import GenerationSettings
from dpoclin.recipe import apply_overrides, load_recipe, validate

from .helpers import assert_one_line_error, cli, judgment, write_jsonl

BAD_BUILD_OPTIONS = {
    "workers_0": (["--workers", "0"], ["--workers", "integer >= 1", "got 0"]),
    "rating_gap_negative": (["--rating-gap", "-1"], ["--rating-gap", "[0, 4]", "got -1"]),
    "rating_gap_nan": (["--rating-gap", "nan"], ["--rating-gap", "finite", "got nan"]),
    "weights_negative": (["--dimension-weights", "safety=-1"], ["--dimension-weights safety", ">= 0", "got -1"]),
    "weights_nan": (["--dimension-weights", "accuracy=nan"], ["--dimension-weights accuracy", "got nan"]),
    "weights_all_zero": (["--dimension-weights", "accuracy=0,safety=0,completeness=0,reasoning=0,communication=0"],
                         ["--dimension-weights", "at least one > 0"]),
    "kto_min_off_scale": (["--kto-desirable-min", "7"], ["--kto-desirable-min", "[1, 5]", "got 7"]),
    "kto_max_inf": (["--kto-undesirable-max", "-inf"], ["--kto-undesirable-max", "got -inf"]),
    "near_identical_nan": (["--near-identical", "nan"], ["--near-identical", "(0, 1]"]),
    "test_size_nan": (["--test-size", "nan"], ["--test-size", "[0, 1)"]),
}


@pytest.mark.parametrize("args,fragments", BAD_BUILD_OPTIONS.values(), ids=BAD_BUILD_OPTIONS.keys())
def test_bad_build_pairs_number_is_one_line_exit_2_and_writes_nothing(tmp_path, args, fragments):
    export = write_jsonl(tmp_path / "export.jsonl", [judgment("t1")])
    before = export.read_bytes()
    out = tmp_path / "out"
    assert_one_line_error(cli("build-pairs", export, "--out", out, *args), *fragments)
    assert not out.exists() and export.read_bytes() == before


BAD_RECIPE_VALUES = {
    "lr_nan": ("training.learning_rate=.nan", "training.learning_rate: must be a finite number > 0, got nan"),
    "lr_overflow": ("training.learning_rate=1e999", "training.learning_rate: must be a finite number > 0, got inf"),
    "epochs_inf": ("training.epochs=.inf", "training.epochs: must be a finite number >= 0, got inf"),
    "beta_dpo_nan": ("objective.beta_dpo=.nan", "objective.beta_dpo: must be a finite number > 0, got nan"),
    "w_dpo_inf": ("objective.w_dpo=.inf", "objective.w_dpo: must be a finite number >= 0, got inf"),
    "desirable_weight_nan": ("objective.desirable_weight=.nan", "objective.desirable_weight: must be a finite number > 0"),
    "seed_negative": ("training.seed=-1", "training.seed: must be an integer in [0, 4294967295], got -1"),
    "batch_0": ("eval.batch_size=0", "eval.batch_size: must be an integer >= 1, got 0"),
}


@pytest.mark.parametrize("override,message", BAD_RECIPE_VALUES.values(), ids=BAD_RECIPE_VALUES.keys())
def test_bad_recipe_number_through_set_names_the_key_and_range(override, message):
    with pytest.raises(DpoclinError) as info:
        validate(apply_overrides(load_recipe("kto-dpo"), [override]), gpus=0)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_learning_rate_in_a_recipe_file_stops_train_before_any_model(tmp_path, value):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"objective:\n  recipe: dpo\ntraining:\n  learning_rate: {value}\n")
    result = cli("train", "--recipe", recipe, "--data", tmp_path / "nodata", "--out", tmp_path / "run", "--no-eval")
    assert_one_line_error(result, "training.learning_rate: must be a finite number > 0")
    assert not (tmp_path / "run").exists()


def test_train_set_nan_beta_is_one_line_exit_2(tmp_path):
    result = cli("train", "--recipe", "dpo", "--data", tmp_path, "--out", tmp_path / "run", "--no-eval",
                    "--set", "objective.beta_dpo=.nan", "--set", "objective.w_dpo=-.inf")
    assert_one_line_error(result, "objective.beta_dpo: must be a finite number > 0, got nan", "objective.w_dpo")


def test_range_descriptions_and_bounds():
    from dpoclin.validate import Range, problem

    assert problem("x", 1.0, Range(0, 1, hi_open=True)) == "x: must be a finite number in [0, 1), got 1"
    assert problem("x", 0, Range(0, lo_open=True)) == "x: must be a finite number > 0, got 0"
    assert problem("x", True, Range()) is not None  # a boolean is not a number
    assert problem("x", 2.5, Range(1, integer=True)) == "x: must be an integer >= 1, got 2.5"
    assert problem("x", 0.5, Range(0, 1)) is None and problem("x", 1, Range(1, 5)) is None


@pytest.mark.parametrize("kwargs,fragment", [
    ({"max_new_tokens": 0}, "max_new_tokens: must be an integer >= 1, got 0"),
    ({"do_sample": True, "temperature": float("nan")}, "temperature: must be a finite number > 0, got nan"),
    ({"do_sample": True, "top_p": 1.5}, "top_p: must be a finite number in (0, 1], got 1.5"),
    ({"temperature": float("inf")}, "temperature: must be a finite number, got inf"),
])
def test_generation_settings_reject_bad_numbers(kwargs, fragment):
    with pytest.raises(DpoclinError) as info:
        GenerationSettings(**kwargs)
    assert fragment in str(info.value)


def test_greedy_generation_accepts_temperature_0():  # the common "greedy" idiom; ignored when not sampling
    assert GenerationSettings(temperature=0.0).key()["do_sample"] is False


@pytest.mark.parametrize("tensor", ["intercept", "dense_weight", "hashed_weight"])
def test_detector_file_with_non_finite_weights_is_refused_at_load(tmp_path, tensor):
    from safetensors import safe_open
    from safetensors.numpy import save_file

    from dpoclin.refusal import DEFAULT_MODEL, RefusalDetector

    packaged = Path(__file__).resolve().parents[2] / "dpoclin" / "resources" / DEFAULT_MODEL
    with safe_open(str(packaged), framework="numpy") as fh:
        meta, tensors = fh.metadata(), {k: fh.get_tensor(k).copy() for k in fh.keys()}
    tensors[tensor].reshape(-1)[0] = np.nan if tensor != "dense_weight" else np.inf
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(DpoclinError) as info:
        RefusalDetector.load(bad)
    assert str(bad) in str(info.value) and tensor in str(info.value) and "finite" in str(info.value)


# --- YAML bombs and huge recipes ----------------------------------------------------------------------------------

BILLION_LAUGHS = "".join(
    [f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9 if i else ['"lol"'] * 9) + "]\n" for i in range(9)])


@pytest.mark.parametrize("command", [["recipes", "show"], ["recipes", "show", "--resolved"], ["train", "--no-eval", "--recipe"]])
def test_alias_bomb_is_refused_fast_with_one_line(tmp_path, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    start = time.perf_counter()
    result = cli(*command, bomb)
    assert time.perf_counter() - start < 2
    assert_one_line_error(result, str(bomb), "aliases")


def test_huge_recipe_file_is_refused_without_parsing(tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_text("description: x\n" + "# padding\n" * 200_000)
    start = time.perf_counter()
    result = cli("recipes", "show", huge)
    assert time.perf_counter() - start < 2
    assert_one_line_error(result, str(huge), "limit for a recipe")


def test_deeply_nested_recipe_is_refused_with_one_line(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("description: " + "[" * 5000 + "]" * 5000 + "\n")
    assert_one_line_error(cli("recipes", "show", deep), str(deep), "nested deeper")


def test_anchors_without_aliases_and_plain_recipes_still_load(tmp_path):
    plain = tmp_path / "ok.yaml"
    plain.write_text("objective:\n  recipe: dpo\ntraining:\n  learning_rate: 1e-4\n")
    assert load_recipe(plain).training.learning_rate == 1e-4
