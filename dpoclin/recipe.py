"""Training recipes for ``dpoclin train``: YAML data, strictly checked against the dataclasses below.

Unknown keys (any level), wrong types and duplicate YAML keys are a DpoclinError naming the file, the dotted
key and the nearest valid key; nothing is dropped silently. ``validate`` adds cross-field rules: contradictions
are errors naming the fix, hardware mismatches only warnings (recipes are checked on one machine, run on another).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, Optional, Union

import yaml

from dpoclin.errors import DpoclinError
from dpoclin.validate import AT_LEAST_ONE, NON_NEGATIVE, POSITIVE, Range, field_problems, ranged

RECIPES_DIR = resources.files("dpoclin") / "recipes"
MAX_RECIPE_BYTES = 1 << 20  # 1 MiB: the largest shipped recipe is ~3 KiB; anything near this is not a recipe
MAX_RECIPE_DEPTH = 16  # sections are 2 levels deep (lists of target modules 3); deeper input is refused, not recursed
ACCELERATE_CONFIGS = ("single_gpu", "multi_gpu", "zero2", "zero3", "fsdp")
Scheduler = Literal["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
                    "inverse_sqrt", "cosine_with_min_lr", "warmup_stable_decay"]
Auto = Union[bool, Literal["auto"]]
SEED = Range(0, 2**32 - 1, integer=True)  # numpy's seed range (transformers.set_seed seeds numpy too)


def _f(default, help: str, spec: Range | None = None):
    """A documented field (TRL-config style: the help text, and the allowed range, travel with the schema).
    Defaults are immutable."""
    return ranged(default, help, spec)


@dataclass
class ModelConfig:
    name: str = _f("embedded:smollm2-135m-instruct", "Hub id, local path, or 'embedded:NAME' (a model installed by `make setup`).")  # runs offline on any CPU
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = _f("auto", "Weight dtype at load time.")  # auto: the checkpoint's stored dtype, no silent cast
    trust_remote_code: bool = _f(False, "Allow code shipped with the model (config auto_map) to run; off, such a model is refused.")  # never execute downloaded code unless asked
    max_length: int = _f(512, "Max tokens of prompt + completion; the prompt loses the middle of its user text (never the template), the completion its end; the completion keeps at least half; a prompt that cannot fit is dropped.", AT_LEAST_ONE)  # one clinical question plus a full answer; cost grows with it
    max_prompt_length: Optional[int] = _f(None, "Max prompt tokens (cut in the middle of the user text, both sides of a pair alike) before max_length applies.")  # null: TRL 1.x only caps the whole sequence


@dataclass
class DataConfig:
    path: str = _f("runs/demo/data", "The build-pairs output directory (`train --data` overrides it).")  # where `make demo` writes
    pairs: str = _f("pairs.jsonl", "DPO pairs file inside `path`.")  # build-pairs' file name
    kto: str = _f("kto.jsonl", "KTO examples file inside `path`.")  # build-pairs' file name
    train_split: str = _f("train", "Value of the `split` column used for training.")  # build-pairs' name
    eval_split: Optional[str] = _f("test", "Value of the `split` column for eval loss/rewards; null: none.")  # build-pairs holds out whole tasks under 'test'


@dataclass
class ObjectiveConfig:
    recipe: Literal["dpo", "kto", "kto-dpo"] = _f("dpo", "dpo (pairs), kto (unpaired labels) or kto-dpo (weighted sum).")  # the standard paired objective
    beta_dpo: float = _f(0.1, "DPO beta: strength of the pull back to the reference model.", POSITIVE)  # DPO paper's and TRL's default
    beta_kto: float = _f(0.1, "KTO beta.", POSITIVE)  # KTO paper's and TRL's default
    w_dpo: float = _f(1.0, "Weight of the DPO loss (kto-dpo).", NON_NEGATIVE)  # equal weights: neither signal preferred a priori
    w_kto: float = _f(1.0, "Weight of the KTO loss (kto-dpo).", NON_NEGATIVE)  # equal weights: neither signal preferred a priori
    w_sft: float = _f(0.0, "Weight of an RPO-style NLL term on chosen answers.", NON_NEGATIVE)  # off: enable (~1.0) only if chosen log-probs fall
    desirable_weight: Optional[float] = _f(None, "KTO weight of desirable examples; null: from data.", POSITIVE)  # null: paper's rule, lambda_D*n_D / (lambda_U*n_U) in [1, 4/3]
    undesirable_weight: Optional[float] = _f(None, "KTO weight of undesirable examples; null: from data.", POSITIVE)  # null: set together with desirable_weight
    use_pair_weights: bool = _f(True, "Scale each pair's loss by build-pairs' `weight` column (agreement).")  # contested judgments pull less
    kl_samples: Optional[int] = _f(None, "Mismatched (prompt, answer) rows per micro-batch for KTO's z0; null: one per labelled row.", AT_LEAST_ONE)  # null: TRL's KTO estimate, exact equivalence
    precompute_ref: bool = _f(True, "Score every sequence with the reference model once before training and cache it on disk.")  # one reference pass per run instead of per epoch; reruns skip it


@dataclass
class PeftConfig:
    method: Literal["lora", "qlora", "none"] = _f("lora", "lora, qlora (4-bit NF4 base through bitsandbytes, CUDA only) or none (full fine-tune).")  # ~1% of weights; reference = adapter off
    r: int = _f(16, "LoRA rank.")  # common default; capacity is ample for preference tuning
    alpha: int = _f(32, "LoRA alpha (scale = alpha / r).")  # 2 x r, the usual scale
    dropout: float = _f(0.05, "LoRA dropout (applies only with training.disable_dropout: false).", Range(0, 1, hi_open=True))  # light regularisation for small preference sets
    target_modules: Union[str, list[str]] = _f("all-linear", "Modules given adapters.")  # every linear layer but lm_head (TRL's KTO refuses lm_head)


@dataclass
class TrainingConfig:
    epochs: float = _f(1.0, "Passes over the training data (ignored when max_steps > 0).", NON_NEGATIVE)  # preference data overfits fast
    max_steps: int = _f(-1, "Optimizer steps; -1: run `epochs`; > 0 overrides epochs.")  # -1: epochs decide
    per_device_batch_size: int = _f(4, "Examples (pairs for DPO) per device per micro-step.", AT_LEAST_ONE)  # KTO's KL term needs >= 2; 4 fits CPU memory
    gradient_accumulation_steps: int = _f(1, "Micro-steps per optimizer step.", AT_LEAST_ONE)  # no accumulation unless memory forces it
    learning_rate: float = _f(2e-4, "Peak learning rate.", POSITIVE)  # LoRA needs ~1e-4..5e-4; TRL's 1e-6 default is a full-fine-tune value
    lr_scheduler: Scheduler = _f("cosine", "transformers scheduler name.")  # smooth decay to 0, the usual DPO/KTO choice
    warmup_ratio: float = _f(0.1, "Share of steps spent warming up.", Range(0, 1, hi_open=True))  # no large updates before Adam's moments settle
    seed: int = _f(42, "Seed for init, shuffling and dropout.", SEED)  # same as build-pairs' split seed
    group_by_length: bool = _f(True, "Micro-batches of similar length (shuffled in megabatches of 50).")  # less padding: ~25% less compute on clinical answers of mixed length
    bf16: Auto = _f("auto", "bf16 mixed precision; auto: on for bf16-capable GPUs.")  # never on CPU: ~15x slower there
    fp16: Auto = _f("auto", "fp16 mixed precision; auto: only on GPUs without bf16.")  # V100/T4 fallback
    disable_dropout: bool = _f(True, "Dropout off (p = 0, LoRA dropout included) in every training forward; false keeps peft.dropout and the model's own.")  # TRL's default: the policy log-probs DPO/KTO compare, and z0's policy pass, are then not random
    gradient_checkpointing: bool = _f(False, "Recompute activations to save memory.")  # off: +50% time on CPU, small models fit anyway
    logging_steps: int = _f(10, "Log every N optimizer steps.", AT_LEAST_ONE)  # readable logs without flooding
    save_steps: int = _f(0, "Checkpoint every N steps; 0: only the final model.", Range(0, integer=True))  # checkpoints cost disk and time on short runs
    save_total_limit: Optional[int] = _f(2, "Checkpoints kept (oldest deleted); null: all.", AT_LEAST_ONE)  # two: a kill during a save still leaves one complete
    report_to: Union[str, list[str]] = _f("none", "Experiment trackers (wandb, tensorboard, ...).")  # clinical text leaves the machine only if asked
    output_dir: Optional[str] = _f(None, "Run directory; null: runs/<recipe name>.")  # two recipes never overwrite each other


@dataclass
class DistributedConfig:
    num_processes: int = _f(1, "Training processes (one per GPU).", AT_LEAST_ONE)  # CPU or one GPU
    accelerate_config: Optional[str] = _f(None, "null, single_gpu, multi_gpu, zero2, zero3, fsdp, or a path to an accelerate YAML.")  # null: in place for 1 process, multi_gpu (DDP) for more


@dataclass
class EvalConfig:
    prompts: str = _f("embedded:eval-prompts", "Held-out prompts for the before/after comparison (a file, or embedded:eval-prompts).")  # the 110 synthetic prompts shipped in the wheel
    enabled: bool = _f(True, "Run the comparison after training.")  # the report is the point of the run
    max_new_tokens: int = _f(256, "Generation length per prompt.", AT_LEAST_ONE)  # one complete clinical answer
    batch_size: int = _f(16, "Prompts per generation batch.", AT_LEAST_ONE)  # measured 6-10x the tokens/s of one at a time on CPU; fits any GPU
    allow_prompt_overlap: bool = _f(False, "Train even when eval prompts duplicate training prompts (the comparison then measures recall).")  # a before/after on trained-on prompts flatters the run


@dataclass
class Recipe:
    description: str = _f("", "One line shown by `dpoclin recipes list`.")  # optional
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    peft: PeftConfig = field(default_factory=PeftConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    distributed: DistributedConfig = field(default_factory=DistributedConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)


def _keys(cls, prefix: str = "") -> list[str]:
    return [key for name, tp in typing.get_type_hints(cls).items()
            for key in [prefix + name, *(_keys(tp, f"{prefix}{name}.") if dataclasses.is_dataclass(tp) else [])]]


ALL_KEYS = _keys(Recipe)
SECTIONS = [name for name, tp in typing.get_type_hints(Recipe).items() if dataclasses.is_dataclass(tp)]
TRL_NAMES = {"lr": "training.learning_rate", "num_train_epochs": "training.epochs", "lr_scheduler_type": "training.lr_scheduler",
             "per_device_train_batch_size": "training.per_device_batch_size", "lora_r": "peft.r", "lora_alpha": "peft.alpha",
             "lora_dropout": "peft.dropout", "beta": "objective.beta_dpo", "loss_type": "objective.recipe",
             "model_name_or_path": "model.name", "torch_dtype": "model.dtype", "num_gpus": "distributed.num_processes"}
_NO = object()


def _coerce(value, tp):
    """``value`` as type ``tp`` or ``_NO``. Ints pass for floats; bools never pass for numbers; None only for Optional."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return next((out for out in (_coerce(value, arm) for arm in args) if out is not _NO), _NO)
    if tp is type(None):
        return None if value is None else _NO
    if origin is Literal:
        return value if any(value == a and type(value) is type(a) for a in args) else _NO
    if origin is list:
        items = [_coerce(v, args[0]) for v in value] if isinstance(value, list) else [_NO]
        return _NO if _NO in items else items
    if tp is float:
        return float(value) if type(value) in (int, float) else _NO
    return value if type(value) is tp else _NO


def _describe(tp) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin is Literal:
        return ("one of " if len(args) > 1 else "") + ", ".join(f"'{a}'" for a in args)
    if origin is list:
        return f"a list of {_describe(args[0]).split(' ', 1)[-1]}s"
    return {type(None): "null", int: "an integer", float: "a number", bool: "true or false", str: "a string"}[tp]


def _show(value) -> str:
    kind = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}
    return "null" if value is None else f"{kind.get(type(value), type(value).__name__)} {value!r}"


def _suggest(word: str, choices) -> str:
    """' — did you mean X?' by the closest leaf name, preferring ``word``'s own section: 'training.learnig_rate' ->
    'training.learning_rate', 'training.beta_dpo' -> 'objective.beta_dpo', 'trainig' -> 'training'."""
    parent, _, leaf = word.rpartition(".")
    by_leaf: dict[str, str] = {}
    for key in sorted(choices, key=lambda k: k.rpartition(".")[0] != parent):
        by_leaf.setdefault(key.rpartition(".")[2], key)
    match = difflib.get_close_matches(leaf, list(by_leaf), n=1)
    return f" — did you mean '{by_leaf[match[0]]}'?" if match and by_leaf[match[0]] != word else ""


def _unknown(dotted: str) -> str:
    parent, _, leaf = dotted.rpartition(".")
    siblings = [k.rpartition(".")[2] for k in ALL_KEYS if k.rpartition(".")[0] == parent]
    choices = [k for k in ALL_KEYS if k not in SECTIONS] if parent else ALL_KEYS
    hint = f" — did you mean '{TRL_NAMES[leaf]}'?" if leaf in TRL_NAMES else _suggest(dotted, choices)
    return f"unknown key '{dotted}'" + (hint or f" (valid here: {', '.join(siblings)})")


def _wrong(dotted: str, value, tp) -> str:
    choices = re.findall(r"'([^']*)'", _describe(tp))  # the Literal strings, for 'kto_dpo' -> 'kto-dpo'
    hint = _suggest(value, choices) if isinstance(value, str) else ""
    return f"wrong type for '{dotted}': expected {_describe(tp)}, got {_show(value)}{hint}"


def _build(cls, data, prefix: str, problems: list[str]):
    data = {} if data is None else data  # a section header with everything under it commented out
    if not isinstance(data, dict):
        problems.append(f"'{prefix[:-1] or 'recipe'}' must be a mapping of keys, got {_show(data)}")
        return cls()
    hints, kwargs = typing.get_type_hints(cls), {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        tp = hints.get(key) if isinstance(key, str) else None
        if tp is None:
            problems.append(_unknown(dotted))
        elif dataclasses.is_dataclass(tp):
            kwargs[key] = _build(tp, value, dotted + ".", problems)
        elif (out := _coerce(value, tp)) is _NO:
            problems.append(_wrong(dotted, value, tp))
        else:
            kwargs[key] = out
    return cls(**kwargs)


def recipe_from_dict(data, source: str = "recipe") -> Recipe:
    """Build a Recipe from parsed YAML, strictly: every problem is reported, prefixed with ``source``."""
    recipe = _build(Recipe, data, "", problems := [])
    if problems:
        raise DpoclinError(f"{source}: " + "; ".join(problems))
    return recipe


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``5e-4`` as a float (YAML 1.2, not the string of YAML 1.1) and refuses duplicate keys,
    aliases (``*name``: a billion-laughs bomb expands a few lines into gigabytes) and nesting deeper than a recipe's."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed in a recipe: write the value out",
                                              self.peek_event().start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_RECIPE_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_RECIPE_DEPTH} levels; a recipe has 2",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, typing.Hashable):
                continue  # SafeLoader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}' (one value would be lost)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789"))


def _parse_yaml(text: str, source: str):
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 — a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None) or exc
        raise DpoclinError(f"{source}{f':{mark.line + 1}' if mark else ''}: invalid YAML: {problem}") from None


def list_recipes() -> list[str]:
    """Names of the packaged recipes (``dpoclin/recipes/NAME.yaml``), sorted."""
    return sorted(p.name[:-5] for p in RECIPES_DIR.iterdir() if p.name.endswith(".yaml"))


def recipe_text(name_or_path: str | Path) -> tuple[str, str]:
    """``(source, text)`` of a packaged recipe (bare name) or of a YAML file (a path)."""
    spec = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in spec or "\\" in spec or spec.endswith((".yaml", ".yml")):
        try:
            path = Path(spec).expanduser()
            if path.is_file() and path.stat().st_size > MAX_RECIPE_BYTES:
                raise DpoclinError(f"{spec}: recipe file is {path.stat().st_size:,} bytes, over the {MAX_RECIPE_BYTES:,}-byte "
                                   "limit for a recipe (a recipe is a few KiB): is this the right file?")
            return spec, path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DpoclinError(f"{spec}: cannot read recipe: {getattr(exc, 'strerror', None) or exc}") from None
    entry = RECIPES_DIR / f"{spec}.yaml"
    if not entry.is_file():
        names = list_recipes()
        raise DpoclinError(f"unknown recipe '{spec}' (available: {', '.join(names)}; or a path to a .yaml file){_suggest(spec, names)}")
    return f"dpoclin/recipes/{spec}.yaml", entry.read_text(encoding="utf-8")


def load_recipe(name_or_path: str | Path) -> Recipe:
    """Load a packaged recipe by bare name (``kto-dpo``) or any recipe file by path; strict schema check."""
    source, text = recipe_text(name_or_path)
    return recipe_from_dict(_parse_yaml(text, source), source)


def apply_overrides(recipe: Recipe, overrides: list[str], source: str = "--set") -> Recipe:
    """A copy of ``recipe`` with ``section.key=value`` overrides; values are YAML scalars, then type-checked."""
    data, problems = recipe_to_dict(recipe), []
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"expected KEY=VALUE like 'training.learning_rate=2e-4', got {item!r}")
        elif key in SECTIONS:
            problems.append(f"'{key}' is a section; set one of its keys, e.g. '{next(k for k in ALL_KEYS if k.startswith(key + '.'))}=...'")
        elif key not in ALL_KEYS:
            problems.append(_unknown(key))
        else:
            try:
                value = yaml.load(raw, Loader=_Loader)  # noqa: S506
            except yaml.YAMLError:
                value = raw
            *section, leaf = key.split(".")
            (data[section[0]] if section else data)[leaf] = value
    if problems:
        raise DpoclinError(f"{source}: " + "; ".join(problems))
    return recipe_from_dict(data, source)


def recipe_to_dict(recipe: Recipe) -> dict:
    """The resolved recipe as plain data (every field, defaults included)."""
    return dataclasses.asdict(recipe)


def dump_recipe_yaml(recipe: Recipe, header: str | None = None) -> str:
    """The resolved recipe as YAML (for ``run.yaml``); ``load_recipe`` reads it back to an equal Recipe."""
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines()) if header else ""
    return comment + yaml.safe_dump(recipe_to_dict(recipe), sort_keys=False, allow_unicode=True, width=120)


def _gpu_count() -> int:
    try:
        import torch

        return torch.cuda.device_count()
    except Exception:  # no torch or a broken CUDA install: treat as CPU-only
        return 0


def validate(recipe: Recipe, *, gpus: int | None = None, source: str = "recipe") -> list[str]:
    """Cross-field rules. Raises DpoclinError listing every contradiction with its fix; returns warnings.

    ``gpus``: GPUs the run will see (default: this machine's); hardware mismatches are only warnings.
    """
    m, d, o, p, t, dist = recipe.model, recipe.data, recipe.objective, recipe.peft, recipe.training, recipe.distributed
    gpus, acc, kto_w = _gpu_count() if gpus is None else gpus, dist.accelerate_config, (o.desirable_weight, o.undesirable_weight)
    errors = field_problems(recipe) + [f"peft.{k}: must be an integer >= 1 (method {p.method}), got {getattr(p, k)}"
                                       for k in ("r", "alpha") if p.method != "none" and getattr(p, k) < 1]
    errors += [msg for bad, msg in [
        (o.recipe == "kto-dpo" and o.w_dpo == 0 and o.w_kto == 0, "objective.w_dpo and objective.w_kto are both 0, so kto-dpo trains "
         "nothing: set one above 0 (e.g. objective.w_dpo=1.0), or use recipe dpo or kto"),
        (o.recipe != "dpo" and t.per_device_batch_size < 2, f"objective.recipe {o.recipe} needs training.per_device_batch_size >= 2 "
         "(KTO's KL term pairs mismatched completions within a batch): set it to 2 and raise gradient_accumulation_steps instead"),
        (kto_w.count(None) == 1, "objective.desirable_weight and objective.undesirable_weight must both be set or both null "
         "(null: computed from the data by the KTO paper's rule): set the other one too, or null both"),
        (m.max_prompt_length is not None and not 0 < m.max_prompt_length < m.max_length, f"model.max_prompt_length ({m.max_prompt_length}) "
         f"must be below model.max_length ({m.max_length}) to leave room for the answer: lower it or set it to null"),
        (t.max_steps == 0 or t.max_steps < -1, f"training.max_steps must be -1 (use epochs) or > 0, got {t.max_steps}"),
        (t.max_steps == -1 and t.epochs <= 0, f"training.epochs must be > 0 when max_steps is -1, got {t.epochs}"),
        (t.bf16 is True and t.fp16 is True, "training.bf16 and training.fp16 are both true: pick one (bf16 on Ampere or newer), or auto"),
        (d.eval_split == d.train_split, f"data.eval_split equals data.train_split ('{d.train_split}'): use 'test', or null for no eval"),
        (o.recipe != "dpo" and p.method != "none" and "lm_head" in ([p.target_modules] if isinstance(p.target_modules, str) else p.target_modules),
         "peft.target_modules includes lm_head, which TRL's KTO trainer refuses: drop it ('all-linear' already leaves it out)"),
        (acc is not None and acc not in ACCELERATE_CONFIGS and not ("/" in acc or acc.endswith((".yaml", ".yml", ".json"))),
         f"distributed.accelerate_config '{acc}' is neither {', '.join(ACCELERATE_CONFIGS)} nor a path to a .yaml file{_suggest(acc or '', ACCELERATE_CONFIGS)}"),
        (acc == "single_gpu" and dist.num_processes > 1, f"distributed.accelerate_config single_gpu runs one process, not {dist.num_processes}: "
         "use multi_gpu, zero2, zero3 or fsdp, or set distributed.num_processes=1"),
    ] if bad]
    if errors:
        raise DpoclinError(f"{source}: " + "; ".join(errors))
    return [msg for bad, msg in [
        (p.method != "none" and t.learning_rate < 1e-5, f"training.learning_rate {t.learning_rate:g} barely moves a LoRA adapter: "
         "LoRA usually needs 1e-4..5e-4 (TRL's 1e-6 default is for full fine-tuning)"),
        (p.method == "none" and t.learning_rate > 1e-5, f"training.learning_rate {t.learning_rate:g} is high for a full fine-tune (~5e-7..5e-6 is usual)"),
        (gpus == 0 and t.bf16 is True, "training.bf16 is true but no GPU is visible: bf16 on CPU is ~15x slower than float32; set training.bf16=auto"),
        (gpus == 0 and t.fp16 is True, "training.fp16 is true but no GPU is visible: fp16 training needs a GPU; set training.fp16=auto"),
        (gpus == 0 and t.gradient_checkpointing, "training.gradient_checkpointing on CPU adds ~50% time; set it to false unless memory runs out"),
        (gpus == 0 and p.method == "qlora", "peft.method qlora needs a CUDA GPU (bitsandbytes 4-bit): use lora on CPU"),
        (dist.num_processes > max(gpus, 1), f"distributed.num_processes is {dist.num_processes} but this machine sees {gpus} GPU(s)"),
    ] if bad]
