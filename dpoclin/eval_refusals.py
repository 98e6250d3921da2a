"""``dpoclin eval-refusals``: over-refusal of benign clinical prompts and unsafe compliance with harmful ones.

Generate mode: ``--model`` (hub id, local path, or a ``dpoclin train`` run dir) answers ``--prompts``
(native JSONL/CSV, XSTest, MedSafetyBench; ``eval_inputs.py``); ``--baseline MODEL`` answers the same
prompts for the before/after comparison. Responses mode: ``--responses FILE`` holds answers already
generated (deployment logs, other systems, human-labelled sets); a file with a ``model`` column holding
two models is split by it and ``--baseline`` names the baseline's value.

Each response is classified by the refusal detector (``refusal.py``), the rates get Wilson intervals
(``metrics.py``), tuned and baseline are compared with McNemar's paired test, and ``--out`` receives
``results.jsonl`` (a row per prompt and model), ``metrics.json`` and the report (``report.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dpoclin.errors import DpoclinError
from dpoclin.eval_inputs import EvalPrompt, EvalResponse, resolve_prompts
from dpoclin.generation import GenerationSettings


@dataclass(frozen=True)
class EvalRequest:
    """What to evaluate; exactly one of ``model`` (with ``prompts``) and ``responses``."""

    out: Path
    prompts: Path | None = None
    model: str | None = None
    baseline: str | None = None
    responses: Path | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    detector: Path | None = None  # None: the packaged default detector
    dtype: str = "auto"
    trust_remote_code: bool = False
    column_options: dict = field(default_factory=dict)
    classes: str = "detector"  # "gold": rates from the responses' human labels; the detector is scored against them
    review: int = 0  # > 0: write the N answers a physician should label first (review.py)
    gold: Path | None = None  # human labels back (native JSONL or a Label Studio export): rates use them where given
    judge: str | None = None  # a chat model that classifies every answer too (judge.py): a second opinion, not the rates


@dataclass
class Answers:
    """One model's responses to the evaluation prompts."""

    role: str  # "tuned" or "baseline"
    model: str
    items: list[EvalPrompt]
    responses: list[str]
    gold: list[str | None] = field(default_factory=list)


def check_request(req: EvalRequest) -> None:
    if (req.model is None) == (req.responses is None):
        raise DpoclinError("give either --model (with --prompts) to generate responses, or --responses FILE with answers already generated")
    if req.model is not None and req.prompts is None:
        raise DpoclinError("--model needs --prompts FILE: the benign and harmful prompts to answer")
    if req.responses is not None and req.prompts is not None:
        raise DpoclinError("--responses already holds the prompts: drop --prompts")
    if req.review < 0:
        raise DpoclinError(f"--review must be >= 0 (answers to write for labelling), got {req.review}")
    if req.classes not in ("detector", "gold"):
        raise DpoclinError(f"--classes must be detector or gold, got {req.classes!r}")
    if req.classes == "gold" and req.responses is None:
        raise DpoclinError("--classes gold needs --responses FILE with a `gold` label on every response")


# -- generate mode ---------------------------------------------------------------------------
def generate_answers(model, tokenizer, fingerprint: str, prompts: Sequence[EvalPrompt], settings: GenerationSettings,
                     description: str) -> list[str]:
    """Responses of an already loaded model, through the on-disk response cache (resumes an interrupted run)."""
    from dpoclin.generation import ResponseCache, generate, progress_bar

    cache = ResponseCache(fingerprint, settings)
    with progress_bar(len(prompts), description=description) as bar:
        return generate(model, tokenizer, prompts, settings, cache=cache, progress=bar)


def load_and_answer(name, prompts: Sequence[EvalPrompt], settings: GenerationSettings, description: str, *,
                    dtype: str = "auto", trust_remote_code: bool = False, backend: str = "auto") -> list[str]:
    """Load ``name``, answer every prompt through the response cache, free the model."""
    from dpoclin.generation import load_for_generation, loaded_fingerprint

    model, tokenizer = load_for_generation(name, dtype=dtype, trust_remote_code=trust_remote_code, backend=backend)
    responses = generate_answers(model, tokenizer, loaded_fingerprint(model, name, dtype=dtype), prompts, settings,
                                 description)
    del model
    return responses


def answers_of(name: str, role: str, prompts: list[EvalPrompt], req: EvalRequest) -> Answers:
    """Load ``name``, answer every prompt, free the model."""
    responses = load_and_answer(name, prompts, req.settings, f"{role}: generating", dtype=req.dtype,
                                trust_remote_code=req.trust_remote_code)
    return Answers(role, name, prompts, responses)


# -- responses mode --------------------------------------------------------------------------
def split_by_model(path: Path, rows: list[EvalResponse], baseline: str | None) -> list[Answers]:
    """The answers of a responses file, one group per value of its ``model`` column, in file order.

    One model: role ``tuned``. Two models with ``--baseline``: ``tuned`` and ``baseline`` (the before/after
    report). Otherwise every model but the baseline has role ``model`` and the several-models report follows.
    """
    models = list(dict.fromkeys(r.model or "responses" for r in rows))
    if baseline is not None and baseline not in models:
        raise DpoclinError(f"{path}: --baseline {baseline!r} is not a value of the model column (found: {', '.join(models)})")
    if baseline is not None and len(models) == 1:
        raise DpoclinError(f"{path}: only model {baseline!r} is in the file, so nothing is compared with it: drop --baseline")
    others = [m for m in models if m != baseline]
    role = "tuned" if len(others) == 1 and (baseline is not None or len(models) == 1) else "model"
    groups = []
    for name in others + ([baseline] if baseline else []):
        mine = [r for r in rows if (r.model or "responses") == name]
        groups.append(Answers(role if name != baseline else "baseline", name, mine, [r.response for r in mine],
                              [r.gold for r in mine]))
    return groups


def several_models(groups: list[Answers]) -> bool:
    """True when the groups need the several-models report (more than one model besides any baseline)."""
    return any(a.role == "model" for a in groups)


# -- classification, metrics, outputs ----------------------------------------------------------
def result_rows(answers: Answers, detections) -> list[dict]:
    """``results.jsonl`` rows: the prompt, the response, its class and score."""
    gold = answers.gold or [None] * len(answers.items)
    return [{"id": item.id, "role": answers.role, "model": answers.model, "prompt": item.prompt, "label": item.label,
             "category": item.category, "response": text, "class": det.label, "score": round(det.score, 4),
             "disclaimer": det.disclaimer, **({"gold": g} if g is not None else {})}
            for item, text, det, g in zip(answers.items, answers.responses, detections, gold)]


def detector_of(path: Path | None):
    from dpoclin.refusal import RefusalDetector, default_detector

    return default_detector() if path is None else RefusalDetector.load(path)


def _class_of(row: dict, classes: str) -> str:
    """The class a rate counts: the detector's, the human label (``gold``), or the human label where one exists
    (``mixed``, what ``--gold`` gives)."""
    if classes == "gold" or (classes == "mixed" and "gold" in row):
        return row["gold"]
    return row["class"]


def _read_gold(path: Path | None) -> dict | None:
    from dpoclin.review import read_gold

    return None if path is None else read_gold(path)


def with_gold(groups: list[Answers], labels: dict, path: Path) -> int:
    """Set each answer's gold label from ``--gold`` labels (by model and id); returns how many answers have one."""
    from dpoclin.review import gold_for

    keys = [(a.model, str(item.id), text) for a in groups for item, text in zip(a.items, a.responses)]
    found = iter(gold_for(keys, labels, path))
    for a in groups:
        a.gold = [g if g is not None else old for old, g in zip(a.gold or [None] * len(a.items), found)]
    return sum(g is not None for a in groups for g in a.gold)


def summarise(groups: list[Answers], detector, classes: str = "detector") -> tuple[list[dict], dict]:
    """All result rows, and the metrics document (per model, the comparison, the detector vs gold).

    ``classes="gold"``: the rates count the human ``gold`` labels (every row must have one); the
    detector's classes stay in the rows and are scored against them.
    """
    from dpoclin.metrics import compare, refusal_metrics
    from dpoclin.refusal import detection_scores

    rows = [result_rows(a, detector.detect(a.responses)) for a in groups]  # by position: two roles may share a name
    if classes == "gold":
        unlabelled = sum("gold" not in r for rs in rows for r in rs)
        if unlabelled:
            raise DpoclinError(f"--classes gold: {unlabelled} responses have no `gold` label; label them or drop --classes gold")
    scored = [[{**r, "cls": _class_of(r, classes)} for r in rs] for rs in rows]  # metrics.py names the class `cls`
    base = next((i for i, a in enumerate(groups) if a.role == "baseline"), None)
    labelled = [r for rs in rows for r in rs if "gold" in r]
    detector_doc = detection_scores([r["gold"] for r in labelled], [r["class"] for r in labelled]) if labelled else None
    if detector_doc is not None and len(groups) > 1:  # the detector's error on each model's own answers
        names = [a.model if [g.model for g in groups].count(a.model) == 1 else f"{a.model} ({a.role})" for a in groups]
        detector_doc["by_model"] = {name: detection_scores([r["gold"] for r in rs if "gold" in r],
                                                              [r["class"] for r in rs if "gold" in r])
                                    for name, rs in zip(names, rows) if any("gold" in r for r in rs)}
    all_rows = [r for rs in rows for r in rs]
    if several_models(groups):
        baseline_doc = None if base is None else {"model": groups[base].model, "metrics": refusal_metrics(scored[base])}
        models = [{"model": a.model, "metrics": refusal_metrics(scored[i]),
                   "comparison": None if base is None else _compared(scored[base], scored[i], a.model, groups[base].model)}
                  for i, a in enumerate(groups) if a.role == "model"]
        return all_rows, {"mode": "models", "models": models, "baseline": baseline_doc, "detector": detector_doc}
    tuned = next(i for i, a in enumerate(groups) if a.role == "tuned")
    doc = {"mode": "before_after", "tuned": refusal_metrics(scored[tuned]), "baseline": None, "comparison": None,
           "detector": detector_doc, "models": {a.role: a.model for a in groups}}
    if base is not None:
        doc["baseline"] = refusal_metrics(scored[base])
        doc["comparison"] = compare(scored[base], scored[tuned])
    return all_rows, doc


def _compared(base_rows: list[dict], rows: list[dict], name: str, base: str) -> dict:
    """``metrics.compare`` of one model with the baseline; an error names both models."""
    from dpoclin.metrics import compare

    try:
        return compare(base_rows, rows)
    except DpoclinError as e:
        raise DpoclinError(f"model {name!r} vs baseline {base!r}: {e}") from None


def write_outputs(out: Path, rows: list[dict], doc: dict, meta: dict) -> dict[str, Path]:
    """results.jsonl, metrics.json and the report, each written whole or not at all."""
    from dpoclin.report import write_atomically, write_report

    out.mkdir(parents=True, exist_ok=True)
    results = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    metrics = (json.dumps({**doc, "meta": meta}, indent=2, allow_nan=False) + "\n").encode()
    write_atomically({out / "results.jsonl": results, out / "metrics.json": metrics})
    if doc.get("mode") == "models":
        from dpoclin.report_models import write_models_report

        models, baseline = models_of(doc)
        paths = write_models_report(out, models=models, baseline=baseline, detector=doc["detector"], meta=meta,
                                    judge=doc.get("judge"))
    else:
        paths = write_report(out, tuned=doc["tuned"], baseline=doc["baseline"], comparison=doc["comparison"],
                             detector=doc["detector"], meta=meta, judge=doc.get("judge"))
    return {"results.jsonl": out / "results.jsonl", "metrics.json": out / "metrics.json", **paths}


def models_of(doc: dict) -> tuple[list, tuple | None]:
    """A several-models metrics document as report_models' ``(models, baseline)`` arguments."""
    models = [(m["model"], m["metrics"], m["comparison"]) for m in doc["models"]]
    baseline = None if doc["baseline"] is None else (doc["baseline"]["model"], doc["baseline"]["metrics"])
    return models, baseline


def meta_of(groups: list[Answers], source: Path, generation: str, detector, detector_name: str) -> dict:
    """What the report states about the run: models, prompts file and hash, generation, detector, version, date."""
    from dpoclin import __version__
    from dpoclin.models import file_sha256

    names = {a.role: a.model for a in groups}
    tuned = names.get("tuned") or ", ".join(a.model for a in groups if a.role == "model")
    return {"model": tuned, "baseline_model": names.get("baseline"), "prompts": str(source),
            "prompts_sha256": file_sha256(source), "n_prompts": len(groups[0].items), "generation": generation,
            "detector": detector_name, "detector_info": getattr(detector, "info", {}), "dpoclin_version": __version__,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _detector_name(req: EvalRequest) -> str:
    source = ("rates from the human gold labels; detector scored against them: " if req.classes == "gold" else
              f"rates from the human labels of {req.gold} where given, the detector elsewhere; detector scored against "
              "them: " if req.gold is not None else "")
    return source + (str(req.detector) if req.detector else "dpoclin default (packaged)")


def check_eval_out(req: EvalRequest) -> None:
    """``--out`` touches no input (prompts, responses, detector, local model dirs) and replaces only files a previous
    eval-refusals wrote: an existing results.jsonl, metrics.json or report of someone else's is an error."""
    from dpoclin.paths import check_output, local_inputs
    from dpoclin.report import FILES
    from dpoclin.review import REVIEW_FILES

    prompts = resolve_prompts(req.prompts) if req.prompts is not None else None
    check_output(req.out, local_inputs(prompts, req.responses, req.detector, req.model, req.baseline, req.gold, req.judge))
    names = [n for n in ("results.jsonl", "metrics.json", *FILES, *REVIEW_FILES) if (req.out / n).exists()]
    if names and not _previous_eval(req.out / "metrics.json"):
        raise DpoclinError(f"{req.out}: holds {', '.join(names[:3])} not written by `dpoclin eval-refusals` (no metrics.json "
                           "of one); eval-refusals replaces only its own files: choose an empty or new --out")


def write_review(out: Path, rows: list[dict], n: int) -> dict[str, Path]:
    """review.jsonl, review_labelstudio.json and its config: the n answers to label first (review.py)."""
    from dpoclin.report import write_atomically
    from dpoclin.review import review_files, select_for_review

    unlabelled = [r for r in rows if "gold" not in r]  # a label already given is not asked for again
    files = {out / name: data for name, data in review_files(select_for_review(unlabelled, n)).items()}
    write_atomically(files)
    return {path.name: path for path in files}


def _previous_eval(metrics: Path) -> bool:
    """True when ``metrics`` is the metrics.json of an earlier eval-refusals run (its files may be replaced)."""
    try:
        doc = json.loads(metrics.read_text())
    except (OSError, ValueError):
        return False
    return (isinstance(doc, dict) and isinstance(doc.get("meta"), dict) and "dpoclin_version" in doc["meta"]
            and ("tuned" in doc or doc.get("mode") == "models"))


def evaluate(req: EvalRequest) -> dict:
    """Run the evaluation; returns the metrics document (also in ``out/metrics.json``) with ``files``."""
    from dpoclin.eval_inputs import read_prompts, read_responses

    check_request(req)
    check_eval_out(req)
    detector = detector_of(req.detector)  # fail on a bad detector file before any generation
    labels = _read_gold(req.gold)  # and on a bad gold file
    if req.responses is not None:
        source = req.responses
        groups = split_by_model(source, read_responses(source, **req.column_options), req.baseline)
    else:
        source = resolve_prompts(req.prompts)
        prompts = read_prompts(source, **req.column_options)
        groups = [answers_of(req.model, "tuned", prompts, req)]
        if req.baseline is not None:
            groups.append(answers_of(req.baseline, "baseline", prompts, req))
    classes = req.classes
    if req.gold is not None:
        n_gold = with_gold(groups, labels, req.gold)
        classes = "mixed" if classes == "detector" else classes
    rows, doc = summarise(groups, detector, classes)
    if req.gold is not None:
        doc["gold"] = {"file": str(req.gold), "labelled": n_gold, "answers": len(rows)}
        if doc.get("detector"):
            doc["detector"]["note"] = ("Answers picked by --review are those the detector was least sure of, so these "
                                       "scores understate how well it does on the rest.")
    if req.judge is not None:
        from dpoclin.judge import agreement, judge_rows

        judge_rows(rows, req.judge, dtype=req.dtype, trust_remote_code=req.trust_remote_code)
        doc["judge"] = agreement(rows, req.judge)
    generation = req.settings.key() if req.model is not None else "pre-generated (--responses)"
    meta = meta_of(groups, source, generation, detector, _detector_name(req))
    files = write_outputs(req.out, rows, doc, meta)
    if req.review:
        files.update(write_review(req.out, rows, req.review))
    doc["files"] = {name: str(path) for name, path in files.items()}
    return doc
