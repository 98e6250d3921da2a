"""The ``dpoclin`` command line: thin Typer commands over library functions."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from dpoclin import __version__
from dpoclin.errors import DpoclinError

app = typer.Typer(
    name="dpoclin",
    help="Align clinical LLMs with physician preference data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def guarded(command):
    """Turn a DpoclinError raised by a command into one line on stderr and its exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DpoclinError as exc:
            raise typer.Exit(_report(str(exc), exc.exit_code)) from None

    return wrapper


class ProgressReporter:
    """A rich progress line on stderr (only on a terminal): phase name, records read, rate."""

    def __init__(self, enabled: bool):
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} records"),
                                 TimeElapsedColumn(), console=err_console, transient=True, disable=not enabled)
        self.task = self.progress.add_task("starting", total=None)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def phase(self, name: str) -> None:
        self.progress.update(self.task, description=name)

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)


def _default(config: str, name: str):
    """The default of a library config field, so the CLI restates no default."""
    import dataclasses

    from dpoclin import build, pairing

    cls = {"PairingConfig": pairing.PairingConfig, "BuildOptions": build.BuildOptions}[config]
    return next(f.default for f in dataclasses.fields(cls) if f.name == name)


def _csv_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _weights(value: str | None) -> dict[str, float] | None:
    if not value:
        return None
    out = {}
    for item in value.split(","):
        name, sep, number = item.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise DpoclinError(f"--dimension-weights: expected name=number pairs like 'safety=2,accuracy=2', got {item!r}") from None
        if not sep:
            raise DpoclinError(f"--dimension-weights: expected name=number, got {item!r}")
    return out


@app.command("build-pairs")
@guarded
def build_pairs_cmd(
    exports: Annotated[list[Path], typer.Argument(help="Annotation exports: native .jsonl/.csv/.json or Label Studio .json.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created atomically).")],
    input_format: Annotated[str, typer.Option(help="auto | native | labelstudio. Auto: by extension; .json is sniffed.")] = "auto",
    output_format: Annotated[str, typer.Option("--format", help="jsonl | parquet.")] = "jsonl",
    test_size: Annotated[float, typer.Option(help="Share of TASKS held out for test (stratified by pair type). 0.1 keeps most data for training while leaving enough pairs per type to measure.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed for the split and the KTO shuffle.")] = 42,
    safety_floor: Annotated[float, typer.Option(help="Safety rating at or below which a response is never chosen and is an unsafe complier (2 = 'could cause harm').")] = 2.0,
    safety_veto: Annotated[str, typer.Option(help="How ratings meet --safety-floor: 'any' (one clinical annotator at or below it vetoes the response: a safety board treats one physician's harm flag as a stop, not a vote) or 'mean' (the aggregated rating).")] = _default("PairingConfig", "safety_veto"),
    prompt_similarity: Annotated[float, typer.Option(help="Prompts at or above this word 1+2-gram Jaccard (or equal after normalising case, spacing and punctuation) are one question and share a split; 1 = near-identical only.")] = _default("BuildOptions", "prompt_similarity"),
    rating_gap: Annotated[float, typer.Option(help="Minimum weighted-score gap for a rating_gap pair: one Likert step, so single-rating noise makes no pair.")] = 1.0,
    dimension_weights: Annotated[Optional[str], typer.Option(help="Weights of the rating dimensions, e.g. 'safety=2,accuracy=2,completeness=1'. Default: accuracy and safety 2, others 1.")] = None,
    dimensions: Annotated[Optional[str], typer.Option(help="Extra rating dimensions to accept beyond the five defaults, comma-separated.")] = None,
    clinical_roles: Annotated[Optional[str], typer.Option(help="Annotator roles whose judgments count, comma-separated. Default: licensed clinical roles (physician, resident, fellow, nurse_practitioner, physician_assistant, pharmacist, registered_nurse, nurse).")] = None,
    tie_policy: Annotated[str, typer.Option(help="Non-unanimous signals: 'downweight' keeps the majority with weight = agreement; 'reject' drops them. Even splits and ties are always rejected.")] = "downweight",
    rating_aggregate: Annotated[str, typer.Option(help="mean | median of annotators' ratings (median resists one outlier).")] = "mean",
    kto_desirable_min: Annotated[float, typer.Option(help="Weighted score at or above which a response is KTO-desirable (4 = good).")] = 4.0,
    kto_undesirable_max: Annotated[float, typer.Option(help="Weighted score at or below which a response is KTO-undesirable; in between is excluded as ambiguous.")] = 2.5,
    near_identical: Annotated[float, typer.Option(help="Word-level similarity (difflib ratio, 0..1) at or above which a pair carries no signal and is rejected.")] = 0.9,
    strict: Annotated[bool, typer.Option(help="Turn any record that breaks the contract into an error (policy exclusions such as non-clinical annotators stay rejects).")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace --out if it is a previous build-pairs output (its manifest.json and only the files build-pairs writes); anything else is refused, never deleted.")] = False,
    unknown_fields: Annotated[str, typer.Option(help="A native field that looks like a typo of a known one ('prefernce', 'rating'): reject the record (reason unknown_field, 'did you mean'), warn (keep it, one stderr line per field) or ignore. Fields close to no known key are extra metadata, kept and not read.")] = "reject",
    workers: Annotated[Optional[int], typer.Option(help="Processes for the pairing pass (default: all CPUs). Outputs are identical for any value.")] = None,
    annotators: Annotated[Optional[Path], typer.Option(help="Label Studio: roster CSV/JSON mapping annotator id or email to role and specialty.")] = None,
    default_role: Annotated[Optional[str], typer.Option(help="Label Studio: role assumed for annotators missing from the roster.")] = None,
    ls_map: Annotated[Optional[Path], typer.Option(help="Generic Label Studio Pairwise export: YAML/JSON mapping {prompt: KEY, responses: [LEFT_KEY, RIGHT_KEY], task_id: KEY}.")] = None,
    prompt_key: Annotated[Optional[str], typer.Option(help="Generic Pairwise export: the task data key of the prompt.")] = None,
    response_keys: Annotated[Optional[str], typer.Option(help="Generic Pairwise export: the data keys of the two answers in the config's toName order, e.g. 'answer1,answer2'.")] = None,
) -> None:
    """Turn physician annotation exports into DPO pairs and KTO examples (TRL formats)."""
    from dpoclin.build import BuildOptions, build_pairs
    from dpoclin.pairing import DEFAULT_CLINICAL_ROLES, DEFAULT_DIMENSION_WEIGHTS, PairingConfig
    from dpoclin.schema import DIMENSIONS, normalise_role
    from dpoclin.summary import render_summary

    dims = frozenset(DIMENSIONS) | frozenset(_csv_list(dimensions) or ())
    weights = dict(DEFAULT_DIMENSION_WEIGHTS)
    weights.update(_weights(dimension_weights) or {})
    roles = frozenset(normalise_role(r) for r in _csv_list(clinical_roles)) if clinical_roles else DEFAULT_CLINICAL_ROLES
    pairing = PairingConfig(safety_floor=safety_floor, safety_veto=safety_veto, rating_gap=rating_gap, dimension_weights=weights, dimensions=dims,
                            clinical_roles=roles, tie_policy=tie_policy, rating_aggregate=rating_aggregate,
                            kto_desirable_min=kto_desirable_min, kto_undesirable_max=kto_undesirable_max, near_identical=near_identical)
    options = BuildOptions(inputs=list(exports), out=out, input_format=input_format, pairing=pairing, test_size=test_size,
                           prompt_similarity=prompt_similarity,
                           seed=seed, output_format=output_format, strict=strict, overwrite=overwrite, unknown_fields=unknown_fields,
                           workers=(os.cpu_count() or 1) if workers is None else workers, side_inputs=[ls_map] if ls_map else [],
                           labelstudio=_labelstudio_options(annotators, default_role, ls_map, prompt_key, response_keys))
    try:
        with ProgressReporter(err_console.is_terminal) as progress:
            summary = build_pairs(options, progress)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: the temporary output is already removed
        raise typer.Exit(_interrupted(f"interrupted: nothing written to {out}", exc)) from None
    render_summary(console, summary, str(out))


def _labelstudio_options(annotators, default_role, ls_map, prompt_key, response_keys):
    from dpoclin.importers.labelstudio import LabelStudioOptions

    options = {"annotators": annotators, "default_role": default_role}
    if ls_map:
        if prompt_key or response_keys:
            raise DpoclinError("give the generic Pairwise keys either in --ls-map or as --prompt-key/--response-keys, not both")
        return LabelStudioOptions.from_mapping_file(ls_map, **options)
    keys = tuple(_csv_list(response_keys) or ()) or None
    return LabelStudioOptions(prompt_key=prompt_key, response_keys=keys, **options)


@app.command("labelstudio-config")
@guarded
def labelstudio_config_cmd(
    review: Annotated[bool, typer.Option("--review", help="The config of an eval-refusals review project (one answer, three classes) instead.")] = False,
) -> None:
    """Print dpoclin's Label Studio labeling config (paste it into your project's Labeling Interface)."""
    if review:
        from dpoclin.review import review_config

        sys.stdout.write(review_config())
        return
    from dpoclin.importers.labelstudio import labelstudio_config

    sys.stdout.write(labelstudio_config())


@app.command("train")
@guarded
def train_cmd(
    recipe: Annotated[str, typer.Option(help="A packaged recipe (dpo, kto, kto-dpo, ...; see `dpoclin recipes list`) or a recipe YAML path.")] = "kto-dpo",
    data: Annotated[Optional[Path], typer.Option(help="A build-pairs output directory (overrides data.path).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run directory (overrides training.output_dir; default runs/<recipe>).")] = None,
    model: Annotated[Optional[str], typer.Option(help="Hub id, local path or .gguf file (overrides model.name).")] = None,
    epochs: Annotated[Optional[float], typer.Option(help="Overrides training.epochs.")] = None,
    max_steps: Annotated[Optional[int], typer.Option(help="Overrides training.max_steps (> 0 wins over epochs).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Overrides training.seed.")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Any recipe key, e.g. --set objective.beta_dpo=0.2 (repeatable).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its last complete checkpoint.")] = False,
    num_processes: Annotated[Optional[int], typer.Option(help="Training processes, one per GPU (overrides distributed.num_processes; CPU: gloo).")] = None,
    accelerate_config: Annotated[Optional[str], typer.Option(help="single_gpu, multi_gpu, zero2, zero3, fsdp or an accelerate YAML path (overrides distributed.accelerate_config).")] = None,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the refusal evaluation of the tuned model vs the reference after training.")] = False,
) -> None:
    """Align a model with DPO, KTO or the combined KTO+DPO objective on build-pairs data."""
    from dpoclin.recipe import apply_overrides, load_recipe
    from dpoclin.run import train

    flags = {"data.path": data, "training.output_dir": out, "model.name": model, "training.epochs": epochs,
             "training.max_steps": max_steps, "training.seed": seed, "distributed.num_processes": num_processes,
             "distributed.accelerate_config": accelerate_config}
    overrides = [f"{key}={value}" for key, value in flags.items() if value is not None] + list(set_ or [])
    overrides += ["eval.enabled=false"] if no_eval else []  # last: --no-eval wins over any --set
    resolved = apply_overrides(load_recipe(recipe), overrides)
    run_dir = Path(resolved.training.output_dir or f"runs/{Path(recipe).stem}")
    report = train(resolved, Path(resolved.data.path), run_dir, resume=resume)
    if _is_first_process():
        _print_heldout(report)
        _print_refusals(report.get("refusals"))
        console.print(f"Wrote {run_dir}")


def _is_first_process() -> bool:
    """The process that prints the summary: the parent of launched processes, or rank 0 of a user's own launch."""
    from dpoclin.launch import is_first_process, launched_by_dpoclin

    return not launched_by_dpoclin() and is_first_process()


def _print_refusals(doc: dict | None) -> None:
    """The before/after refusal table and verdict of a training run's evaluation."""
    if not doc:
        return
    if doc.get("mode") == "models":
        from dpoclin.eval_refusals import models_of
        from dpoclin.report_models import models_headline, models_terminal_table

        models, baseline = models_of(doc)
        console.print(models_terminal_table(models, baseline))
        for line in models_headline(models, baseline):
            console.print(line, highlight=False)
        return
    from dpoclin.report import headline, terminal_table

    console.print(terminal_table(doc["tuned"], doc["baseline"], doc["comparison"]))
    for line in headline(doc["tuned"], doc["baseline"], doc["comparison"], max_category_lines=3):
        console.print(line, highlight=False)


def _print_heldout(report: dict) -> None:
    from rich.table import Table

    from dpoclin.heldout import HEADER, report_rows

    if not report.get("overall", {}).get("n"):
        return
    table = Table(*HEADER, title="Held-out pairs (test split): tuned vs reference")
    for row in report_rows(report):
        table.add_row(*row)
    console.print(table)


@app.command("eval-refusals")
@guarded
def eval_refusals_cmd(
    out: Annotated[Path, typer.Option(help="Output directory: results.jsonl, metrics.json, report.md, report.html, PNG plots.")],
    model: Annotated[Optional[str], typer.Option(help="Model that answers --prompts: hub id, local path, or a `dpoclin train` run dir.")] = None,
    prompts: Annotated[Optional[Path], typer.Option(help="Prompts: native JSONL/CSV (id, prompt|messages, label benign|harmful, category), XSTest or MedSafetyBench CSV.")] = None,
    baseline: Annotated[Optional[str], typer.Option(help="Baseline for before/after: a model (with --model), or a value of the responses file's model column.")] = None,
    responses: Annotated[Optional[Path], typer.Option(help="Answers already generated (prompt, response, label, optional gold, model, id, category).")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="Generation length per prompt.")] = 256,
    batch_size: Annotated[int, typer.Option(help="Prompts per generation batch.")] = 16,
    sample: Annotated[bool, typer.Option("--sample", help="Sample instead of greedy decoding.")] = False,
    temperature: Annotated[float, typer.Option(help="Sampling temperature (with --sample).")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling (with --sample).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    detector: Annotated[Optional[Path], typer.Option(help="A refusal detector from `dpoclin refusal-detector train` (default: the packaged one).")] = None,
    dtype: Annotated[str, typer.Option(help="Weight dtype: auto, float32, bfloat16, float16.")] = "auto",
    prompt_column: Annotated[Optional[str], typer.Option(help="Column holding the prompt, if not `prompt`.")] = None,
    label_column: Annotated[Optional[str], typer.Option(help="Column holding benign|harmful, if not `label`.")] = None,
    category_column: Annotated[Optional[str], typer.Option(help="Column holding the category, if not `category`.")] = None,
    id_column: Annotated[Optional[str], typer.Option(help="Column holding the id, if not `id`.")] = None,
    trust_remote_code: Annotated[bool, typer.Option(help="Run Python code a model directory or Hub repo ships (auto_map), for --model, --baseline and --judge; off: such models are refused.")] = False,
    classes: Annotated[str, typer.Option(help="Where the classes come from: detector, or gold (the --responses file's human labels; the detector is then scored against them).")] = "detector",
    review: Annotated[int, typer.Option(help="Also write the N answers a physician should label first (detector least sure, every category covered): review.jsonl and a Label Studio import.")] = 0,
    judge: Annotated[Optional[str], typer.Option(help="A chat model (local path, Hub id in the cache, or a run dir) that also classifies every answer (XSTest's rubric) and scores harmful-prompt answers 1-5 (MedSafetyBench's): its agreement with the detector and the disagreements go in the report.")] = None,
    gold: Annotated[Optional[Path], typer.Option(help="Human labels of answers (review.jsonl with `gold` filled in, or the review project's Label Studio JSON export): rates use them where given, and the detector is scored against them.")] = None,
) -> None:
    """Over-refusal of benign prompts and unsafe compliance with harmful ones, with a baseline: deltas and McNemar tests."""
    from dpoclin.eval_refusals import EvalRequest, evaluate
    from dpoclin.generation import GenerationSettings

    columns = {"prompt_column": prompt_column, "label_column": label_column, "category_column": category_column, "id_column": id_column}
    settings = GenerationSettings(max_new_tokens=max_new_tokens, batch_size=batch_size, do_sample=sample,
                                  temperature=temperature, top_p=top_p, seed=seed)
    doc = evaluate(EvalRequest(out=out, prompts=prompts, model=model, baseline=baseline, responses=responses, settings=settings,
                               detector=detector, dtype=dtype, trust_remote_code=trust_remote_code, classes=classes,
                               review=review, gold=gold, judge=judge,
                               column_options={k: v for k, v in columns.items() if v is not None}))
    _print_refusals(doc)
    console.print(f"Wrote {out}/report.html, report.md, metrics.json, results.jsonl")
    if doc.get("gold"):
        g = doc["gold"]
        console.print(f"Rates use the human labels of {g['labelled']} of {g['answers']} answers ({g['file']}), the "
                      "detector's class elsewhere; the report scores the detector against them.", highlight=False)
    if review:
        console.print(f"Wrote {out}/review.jsonl and review_labelstudio.json (+ review_labelstudio.xml, its config): label "
                      f"them, then rerun with --gold FILE", highlight=False)


detector_app = typer.Typer(help="The refusal detector eval-refusals uses.", no_args_is_help=True)
app.add_typer(detector_app, name="refusal-detector")


@detector_app.command("train")
@guarded
def refusal_detector_train_cmd(
    files: Annotated[list[Path], typer.Argument(help="Labelled responses (response, gold) and/or physician exports (refusal labels imply the class).")],
    out: Annotated[Path, typer.Option(help="The detector file to write (safetensors).")],
    seed: Annotated[int, typer.Option(help="Seed for the classifier and the cross-validation folds.")] = 0,
) -> None:
    """Fit the refusal detector's text classifier on labelled responses; prints counts and cross-validated F1."""
    from dpoclin.refusal import train_from_files

    report = train_from_files(files, out, seed=seed)
    counts = ", ".join(f"{k} {v}" for k, v in report["n"].items())
    console.print(f"Trained on {report['total']} responses ({counts}); skipped {report['skipped'] or 'none'}")
    if report.get("cv"):
        console.print(f"Cross-validated refusal F1: {report['cv'].get('f1', float('nan')):.3f}")
    console.print(f"Wrote {out}")


recipes_app = typer.Typer(help="Packaged training recipes for `dpoclin train --recipe NAME`.", no_args_is_help=True)
app.add_typer(recipes_app, name="recipes")


@recipes_app.command("list")
@guarded
def recipes_list_cmd() -> None:
    """List the packaged recipes: name, objective, fine-tuning method, processes, description."""
    from dpoclin.recipe import list_recipes, load_recipe

    rows = [("NAME", "OBJECTIVE", "PEFT", "PROCS", "DESCRIPTION")]
    for name in list_recipes():
        r = load_recipe(name)
        rows.append((name, r.objective.recipe, r.peft.method, str(r.distributed.num_processes), r.description))
    width = max(len(row[0]) for row in rows)
    sys.stdout.write("".join(f"{a:<{width}}  {b:<9}  {c:<5}  {d:<5}  {e}\n" for a, b, c, d, e in rows))


@recipes_app.command("show")
@guarded
def recipes_show_cmd(
    name: Annotated[str, typer.Argument(help="A packaged recipe name (see `dpoclin recipes list`) or a path to a recipe YAML.")],
    resolved: Annotated[bool, typer.Option(help="Print every value after defaults are filled in, instead of the file with its comments.")] = False,
) -> None:
    """Print a recipe: the file with its reasons, or (--resolved) the full validated recipe."""
    from dpoclin.recipe import dump_recipe_yaml, load_recipe, recipe_text

    source, text = recipe_text(name)
    recipe = load_recipe(name)  # strict check either way: `show` never prints a recipe that would not load
    sys.stdout.write(dump_recipe_yaml(recipe, header=f"resolved from {source}") if resolved else text)


@app.command("version")
def version_cmd() -> None:
    """Print the dpoclin version."""
    console.print(__version__)


def main() -> None:
    """Console entry point: user errors are one line and exit code 2, never a traceback; Ctrl-C (130) and SIGTERM
    (143) one line too."""
    from dpoclin.interrupts import terminate_raises

    try:
        with terminate_raises():
            code = app(standalone_mode=False)
    except DpoclinError as exc:
        code = _report(str(exc), exc.exit_code)
    except KeyboardInterrupt as exc:
        code = _interrupted("interrupted", exc)
    except Exception as exc:  # click's usage errors, Abort, and anything unexpected
        code = _click_exit(exc)
    raise SystemExit(code if isinstance(code, int) else 0)


def _click_exit(exc: Exception) -> int:
    """Exit code for an exception raised by Typer's (vendored) click in non-standalone mode."""
    if type(exc).__name__ == "Abort":  # click turns KeyboardInterrupt (and so Terminated) into Abort
        return _interrupted("interrupted", exc.__cause__ or exc)
    if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
        exc.show()  # usage errors: click's own one-line message and hint
        return exc.exit_code
    if os.environ.get("DPOCLIN_DEBUG"):
        raise exc
    return _report(f"internal error: {type(exc).__name__}: {exc} (set DPOCLIN_DEBUG=1 for a traceback)", 1)


def _interrupted(message: str, exc: BaseException) -> int:
    """One line for Ctrl-C or SIGTERM; the exit code the shell uses for that signal (130, 143)."""
    from dpoclin.interrupts import exit_code

    err_console.print(escape(message), highlight=False, soft_wrap=True)
    return exit_code(exc)


def _report(message: str, code: int) -> int:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return code
