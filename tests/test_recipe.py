"""Training recipes: packaged files load and validate; strict schema errors name file, dotted key and fix; CLI."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dpoclin.cli import app
from dpoclin.errors import DpoclinError
from dpoclin.recipe import (Recipe, apply_overrides, dump_recipe_yaml, list_recipes, load_recipe, recipe_from_dict,
                            recipe_to_dict, validate)

REPO = Path(__file__).resolve().parents[1]
PACKAGED = REPO / "dpoclin" / "recipes"
CPU_RECIPES = {"dpo", "kto", "kto-dpo"}
# Planning measurements on a 2-core CPU (SmolLM2-135M, LoRA, 4 examples/step, 256 tokens); kto-dpo runs one batch of each.
LEARNING_RATE = {"dpo": 5e-4, "kto": 1e-4, "kto-dpo": 5e-4}  # measured: kto alone collapses at 5e-4 (kto.yaml header)
SECONDS_PER_STEP = {"dpo": 9.8, "kto": 6.5, "kto-dpo": 10.0}  # measured on the 2-core CI machine (benchmarks/results/train_step.md)


def write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(DpoclinError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message  # one line on the terminal
    return message


# --- packaged recipes ---------------------------------------------------------------------------------------------

def test_packaged_recipes_are_the_expected_set():
    assert set(list_recipes()) == {"dpo", "kto", "kto-dpo", "llama3-8b-lora-1gpu", "llama3-8b-full-zero3"}


@pytest.mark.parametrize("name", list_recipes())
def test_packaged_recipe_loads_and_validates(name):
    recipe = load_recipe(name)
    gpus = recipe.distributed.num_processes if name not in CPU_RECIPES else 0
    assert validate(recipe, gpus=gpus) == []  # no errors and, on the hardware it was sized for, no warnings
    validate(recipe, gpus=0)  # any hardware mismatch is a warning only: a recipe can be checked on a laptop
    assert recipe.description


@pytest.mark.parametrize("name", list_recipes())
def test_packaged_recipe_file_documents_itself(name):
    text = (PACKAGED / f"{name}.yaml").read_text()
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    assert f"dpoclin train --recipe {name} --data runs/demo/data" in header
    assert "Hardware:" in header and "effective batch =" in header and "per epoch" in header
    values = [line for line in text.splitlines() if re.match(r"^\s*\w+:\s*[^\s#]", line)]
    undocumented = [line for line in values if " # " not in line]
    assert values and not undocumented, undocumented  # every value carries a reason


@pytest.mark.parametrize("name", sorted(CPU_RECIPES))
def test_cpu_recipes_fit_the_20_minute_budget(name):
    recipe = load_recipe(name)
    t = recipe.training
    assert (t.per_device_batch_size, recipe.model.max_length, recipe.peft.method) == (4, 256, "lora")  # the measured setting
    assert (recipe.peft.r, recipe.peft.alpha) == (32, 64) and t.learning_rate == LEARNING_RATE[name]
    assert t.max_steps > 0 and t.max_steps * SECONDS_PER_STEP[name] <= 16 * 60  # + ~2 min load, reference pass, eval loss, save < 20 min
    assert t.bf16 != True and not t.gradient_checkpointing  # noqa: E712 — never bf16 on CPU; checkpointing costs +50%


def test_top_level_recipes_dir_holds_the_packaged_files():
    top = REPO / "recipes"
    assert top.is_dir()
    assert sorted(p.name for p in top.glob("*.yaml")) == sorted(p.name for p in PACKAGED.glob("*.yaml"))
    for path in PACKAGED.glob("*.yaml"):
        assert (top / path.name).read_bytes() == path.read_bytes()


def test_load_by_path_and_unknown_name(tmp_path):
    path = write(tmp_path, "objective:\n  recipe: kto\n")
    assert load_recipe(path).objective.recipe == "kto"
    assert load_recipe(str(path)) == load_recipe(path)
    message = error_of(load_recipe, "kto-dp")
    assert "unknown recipe 'kto-dp'" in message and "did you mean 'kto-dpo'?" in message
    assert all(name in message for name in list_recipes())
    assert "cannot read recipe" in error_of(load_recipe, tmp_path / "missing.yaml")


def test_defaults_and_empty_recipe(tmp_path):
    recipe = load_recipe(write(tmp_path, ""))
    assert recipe == Recipe()
    assert recipe.model.name == "embedded:smollm2-135m-instruct" and recipe.training.seed == 42
    assert recipe.objective.w_sft == 0 and recipe.objective.desirable_weight is None and recipe.training.report_to == "none"
    assert all(f.metadata.get("help") for section in ("model", "data", "objective", "peft", "training", "distributed", "eval")
               for f in dataclasses.fields(getattr(recipe, section)))


# --- strict schema ------------------------------------------------------------------------------------------------

def test_unknown_key_top_level_names_file_key_and_suggestion(tmp_path):
    path = write(tmp_path, "trainig:\n  epochs: 1\n")
    message = error_of(load_recipe, path)
    assert message.startswith(f"{path}: ")
    assert "unknown key 'trainig' — did you mean 'training'?" in message


def test_unknown_nested_key_names_dotted_key_and_suggestion(tmp_path):
    path = write(tmp_path, "training:\n  learnig_rate: 2.0e-4\n")
    message = error_of(load_recipe, path)
    assert message == f"{path}: unknown key 'training.learnig_rate' — did you mean 'training.learning_rate'?"


def test_unknown_key_suggests_other_section_and_trl_names(tmp_path):
    message = error_of(load_recipe, write(tmp_path, "training:\n  beta_dpo: 0.2\n  num_train_epochs: 3\nlearning_rate: 1.0e-4\n"))
    assert "unknown key 'training.beta_dpo' — did you mean 'objective.beta_dpo'?" in message
    assert "unknown key 'training.num_train_epochs' — did you mean 'training.epochs'?" in message
    assert "unknown key 'learning_rate' — did you mean 'training.learning_rate'?" in message  # every problem, not the first
    assert "valid here: num_processes, accelerate_config" in error_of(recipe_from_dict, {"distributed": {"gpus_per_node": 8}})


@pytest.mark.parametrize("section, key, value, expected", [
    ("training", "epochs", "'three'", "expected a number, got string 'three'"),
    ("training", "per_device_batch_size", "'4'", "expected an integer, got string '4'"),
    ("training", "per_device_batch_size", "true", "expected an integer, got boolean True"),
    ("training", "learning_rate", "[1.0e-4]", "expected a number, got list [0.0001]"),
    ("training", "max_steps", "10.5", "expected an integer, got number 10.5"),
    ("model", "max_length", "null", "expected an integer, got null"),
    ("model", "trust_remote_code", "1", "expected true or false, got integer 1"),
    ("objective", "recipe", "kto_dpo", "expected one of 'dpo', 'kto', 'kto-dpo', got string 'kto_dpo' — did you mean 'kto-dpo'?"),
    ("training", "bf16", "atuo", "expected true or false or 'auto', got string 'atuo' — did you mean 'auto'?"),
    ("peft", "target_modules", "[q_proj, 3]", "expected a string or a list of strings, got list ['q_proj', 3]"),
])
def test_wrong_type_names_the_key(tmp_path, section, key, value, expected):
    path = write(tmp_path, f"{section}:\n  {key}: {value}\n")
    assert error_of(load_recipe, path) == f"{path}: wrong type for '{section}.{key}': {expected}"


def test_accepted_types(tmp_path):
    recipe = load_recipe(write(tmp_path, "training:\n  learning_rate: 5e-4\n  epochs: 2\n  bf16: false\n"
                                         "objective:\n  desirable_weight: 1\n  undesirable_weight: 1.2\n"
                                         "peft:\n  target_modules: [q_proj, v_proj]\n"))
    assert recipe.training.learning_rate == 5e-4 and isinstance(recipe.training.learning_rate, float)  # YAML 1.2 float
    assert recipe.training.epochs == 2.0 and isinstance(recipe.training.epochs, float)  # int accepted for a float
    assert recipe.training.bf16 is False and recipe.objective.desirable_weight == 1.0
    assert recipe.peft.target_modules == ["q_proj", "v_proj"]


def test_section_must_be_a_mapping_and_duplicate_keys_are_refused(tmp_path):
    assert "'training' must be a mapping of keys, got integer 3" in error_of(load_recipe, write(tmp_path, "training: 3\n"))
    path = write(tmp_path, "training:\n  epochs: 1\n  epochs: 2\n")
    assert error_of(load_recipe, path) == f"{path}:3: invalid YAML: duplicate key 'epochs' (one value would be lost)"
    assert f"{path}:" in error_of(load_recipe, write(tmp_path, "training: [1\n"))


# --- overrides ----------------------------------------------------------------------------------------------------

def test_overrides_apply_and_parse_types():
    base = load_recipe("kto-dpo")
    recipe = apply_overrides(base, ["training.learning_rate=2e-4", "training.epochs=1", "training.bf16=auto",
                                    "objective.desirable_weight=1.33", "objective.undesirable_weight=1",
                                    "data.eval_split=null", "peft.target_modules=[q_proj, v_proj]", "description=a b"])
    assert recipe.training.learning_rate == 2e-4 and recipe.training.epochs == 1.0
    assert recipe.objective.desirable_weight == 1.33 and recipe.objective.undesirable_weight == 1.0
    assert recipe.data.eval_split is None and recipe.peft.target_modules == ["q_proj", "v_proj"] and recipe.description == "a b"
    assert base.training.learning_rate == 5e-4 and base.data.eval_split == "test"  # the original is untouched
    assert apply_overrides(base, []) == base


def test_overrides_reject_unknown_keys_and_wrong_types():
    base = Recipe()
    assert error_of(apply_overrides, base, ["training.learnig_rate=1e-4"]) == \
        "--set: unknown key 'training.learnig_rate' — did you mean 'training.learning_rate'?"
    assert "unknown key 'lr' — did you mean 'training.learning_rate'?" in error_of(apply_overrides, base, ["lr=1e-4"])
    assert error_of(apply_overrides, base, ["training.epochs=three"]) == \
        "--set: wrong type for 'training.epochs': expected a number, got string 'three'"
    assert "expected an integer, got boolean True" in error_of(apply_overrides, base, ["training.seed=true"])
    assert "expected KEY=VALUE" in error_of(apply_overrides, base, ["training.epochs"])
    assert "'training' is a section" in error_of(apply_overrides, base, ["training=1"])


# --- cross-field validation ---------------------------------------------------------------------------------------

def invalid(overrides: list[str], base: str = "kto-dpo") -> str:
    return error_of(validate, apply_overrides(load_recipe(base), overrides), gpus=0)


def test_kto_dpo_with_both_weights_zero_names_the_fix():
    message = invalid(["objective.w_dpo=0", "objective.w_kto=0"])
    assert "kto-dpo trains nothing" in message and "objective.w_dpo=1.0" in message
    validate(apply_overrides(load_recipe("kto-dpo"), ["objective.w_kto=0"]), gpus=0)  # one of them is enough


@pytest.mark.parametrize("base", ["kto", "kto-dpo"])
def test_kto_needs_two_examples_per_device(base):
    message = invalid(["training.per_device_batch_size=1"], base)
    assert "per_device_batch_size >= 2" in message and "KL" in message and "gradient_accumulation_steps" in message
    validate(apply_overrides(load_recipe("dpo"), ["training.per_device_batch_size=1"]), gpus=0)  # DPO has no KL term


def test_kto_class_weights_both_or_neither():
    message = invalid(["objective.desirable_weight=1.2"])
    assert "both be set or both null" in message and "set the other one too" in message
    validate(apply_overrides(load_recipe("kto"), ["objective.desirable_weight=1.2", "objective.undesirable_weight=1"]), gpus=0)


def test_other_contradictions_name_the_fix():
    assert "pick one" in invalid(["training.bf16=true", "training.fp16=true"])
    assert "lower it or set it to null" in invalid(["model.max_prompt_length=256"])
    assert "did you mean 'zero3'?" in invalid(["distributed.accelerate_config=zer03"])
    assert "use multi_gpu" in invalid(["distributed.num_processes=8", "distributed.accelerate_config=single_gpu"])
    # N > 1 processes without a named config run under multi_gpu (plain DDP): valid
    validate(apply_overrides(load_recipe("kto-dpo"), ["distributed.num_processes=2"]), gpus=2)
    assert "TRL's KTO trainer refuses" in invalid(["peft.target_modules=[q_proj, lm_head]"])
    message = invalid(["training.warmup_ratio=1.5", "objective.beta_dpo=0"])  # every contradiction at once
    assert "training.warmup_ratio: must be a finite number in [0, 1)" in message and "objective.beta_dpo: must be a finite number > 0" in message
    validate(apply_overrides(load_recipe("kto-dpo"), ["distributed.accelerate_config=configs/my_accelerate.yaml"]), gpus=0)


def test_hardware_mismatches_are_warnings():
    recipe = apply_overrides(load_recipe("dpo"), ["training.bf16=true", "training.gradient_checkpointing=true"])
    warnings = validate(recipe, gpus=0)
    assert any("bf16" in w and "15x slower" in w and "training.bf16=auto" in w for w in warnings)
    assert any("gradient_checkpointing" in w for w in warnings)
    assert validate(recipe, gpus=1) == []
    assert any("num_processes is 8" in w for w in validate(load_recipe("llama3-8b-full-zero3"), gpus=1))
    assert any("LoRA usually needs 1e-4..5e-4" in w for w in validate(apply_overrides(recipe, ["training.learning_rate=1e-6"]), gpus=1))


# --- dump / round trip --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list_recipes())
def test_dump_then_load_round_trips(tmp_path, name):
    recipe = apply_overrides(load_recipe(name), ["training.learning_rate=3e-6", "peft.target_modules=[q_proj]"])
    text = dump_recipe_yaml(recipe, header=f"resolved from {name}\nsecond line")
    assert text.startswith(f"# resolved from {name}\n# second line\n")
    assert load_recipe(write(tmp_path, text, "run.yaml")) == recipe
    assert recipe_from_dict(recipe_to_dict(recipe)) == recipe


# --- CLI ----------------------------------------------------------------------------------------------------------

def test_cli_recipes_list():
    result = CliRunner().invoke(app, ["recipes", "list"])
    assert result.exit_code == 0, result.output
    for name in list_recipes():
        assert re.search(rf"^{re.escape(name)}\s", result.stdout, re.M), name
    assert "kto-dpo" in result.stdout and "zero3" in result.stdout.lower()


def test_cli_recipes_show():
    result = CliRunner().invoke(app, ["recipes", "show", "kto-dpo"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (PACKAGED / "kto-dpo.yaml").read_text()  # the file, reasons included
    assert "dpoclin train --recipe kto-dpo" in result.stdout and "recipe: kto-dpo" in result.stdout
    resolved = CliRunner().invoke(app, ["recipes", "show", "kto-dpo", "--resolved"])
    assert resolved.exit_code == 0, resolved.output
    assert "max_prompt_length: null" in resolved.stdout and "dropout: 0.05" in resolved.stdout


def test_cli_recipes_show_unknown_is_one_line_listing_available():
    result = CliRunner().invoke(app, ["recipes", "show", "nope"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown recipe 'nope'"), result.stderr
    assert all(name in lines[0] for name in list_recipes())


SUGGESTED = re.compile(r"--set\s+(\S+)")


def suggested_overrides(name: str) -> list[str]:
    """Every ``--set KEY=VALUE`` a packaged recipe's comments suggest."""
    comments = [line.split("#", 1)[1] for line in (PACKAGED / f"{name}.yaml").read_text().splitlines() if "#" in line]
    return [item.rstrip(").,:;") for item in SUGGESTED.findall("\n".join(comments))]


@pytest.mark.parametrize("name", list_recipes())
def test_overrides_suggested_in_a_recipes_comments_validate(name):
    recipe = load_recipe(name)
    overrides = suggested_overrides(name)
    for item in overrides:  # each one alone, and all together
        validate(apply_overrides(recipe, [item]), gpus=recipe.distributed.num_processes)
    validate(apply_overrides(recipe, overrides), gpus=recipe.distributed.num_processes)


def test_the_zero3_header_suggests_a_batch_kto_dpo_accepts():
    overrides = suggested_overrides("llama3-8b-full-zero3")
    assert "model.max_length=512" in overrides and not any(o.startswith("training.per_device_batch_size=1") for o in overrides)


# --- header arithmetic matches the sample data ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_counts(tmp_path_factory):
    """Train-split counts of the shipped sample export, as `dpoclin train` computes them (run._split)."""
    from dpoclin.build import BuildOptions, build_pairs
    from dpoclin.data import link_kto, load_rows

    out = tmp_path_factory.mktemp("sample") / "data"
    build_pairs(BuildOptions(inputs=[REPO / "data_samples" / "clinical_export.jsonl"], out=out, workers=1))
    pairs, kto = load_rows(out / "pairs.jsonl", "train"), load_rows(out / "kto.jsonl", "train")
    linked, standalone = link_kto(pairs, kto)
    desirable = sum(bool(r["label"]) for r in kto)
    return {"pairs": len(pairs), "kto": len(kto), "on_pairs": len(kto) - len(standalone), "standalone": len(standalone),
            "desirable": desirable, "undesirable": len(kto) - desirable}


def _header(name: str) -> str:
    return (PACKAGED / f"{name}.yaml").read_text(encoding="utf-8")


def _steps_line(text: str, what: str) -> tuple[int, int, int]:
    m = re.search(rf"gives (\d+) {what} -> ceil\((\d+) / (\d+)\) = (\d+) steps per epoch", text)
    assert m, f"no '{what} -> ceil(N / B) = S steps per epoch' line"
    n, n_again, batch, steps = map(int, m.groups())
    assert n == n_again and steps == -(-n // batch)
    return n, batch, steps


def test_cpu_recipe_headers_state_the_sample_datas_counts(sample_counts):
    """The batch arithmetic in each CPU recipe's header is the shipped sample's, and max_steps matches it."""
    n, batch, steps = _steps_line(_header("dpo"), "train pairs")
    assert n == sample_counts["pairs"] and batch == load_recipe("dpo").training.per_device_batch_size
    assert load_recipe("dpo").training.max_steps == steps
    n, batch, _ = _steps_line(_header("kto"), "train examples")
    assert n == sample_counts["kto"] and batch == load_recipe("kto").training.per_device_batch_size
    text = _header("kto-dpo")
    m = re.search(r"gives (\d+) train pairs carrying (\d+) of the (\d+) KTO labels, and (\d+) standalone KTO examples"
                  r"\n#\s+-> (\d+) items -> ceil\((\d+) / (\d+)\) = (\d+) steps per epoch", text)
    assert m, "kto-dpo header: no pairs/KTO/items line"
    pairs, on_pairs, kto, standalone, items, items2, batch, steps = map(int, m.groups())
    c = sample_counts
    assert (pairs, on_pairs, kto, standalone) == (c["pairs"], c["on_pairs"], c["kto"], c["standalone"])
    assert items == items2 == pairs + standalone and steps == -(-items // batch)
    assert load_recipe("kto-dpo").training.max_steps == steps
    for name in ("kto", "kto-dpo"):
        m = re.search(r"the sample's (\d+) desirable / (\d+) undesirable", _header(name))
        assert m and tuple(map(int, m.groups())) == (c["desirable"], c["undesirable"]), name
