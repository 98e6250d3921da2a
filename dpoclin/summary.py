"""The build-pairs summary: counts that reconcile, KTO weights, agreement, timing, warnings.

``build_summary`` makes the JSON-ready dict written to ``summary.json``;
``render_summary`` prints the same as rich tables.
"""

from __future__ import annotations

import statistics
from collections import Counter

from dpoclin import __version__
from dpoclin.pairing import PAIR_TYPES

# Fewer training pairs than this and DPO tends to fit annotator idiosyncrasies rather
# than clinical judgment (the guide's "insufficient volume" pitfall).
MIN_STABLE_PAIRS = 1000
# A desirable:undesirable (or over_refusal:unsafe_compliance) ratio beyond this is "heavy" imbalance.
IMBALANCE_RATIO = 4.0
# Landis & Koch: kappa < 0.4 is at best "fair" agreement.
LOW_KAPPA = 0.4
# Tasks that take longer than this are the guide's "poorly designed tasks".
SLOW_TASK_MINUTES = 10


def recommended_kto_weights(n_desirable: int, n_undesirable: int) -> dict | None:
    """Ethayarajh et al. (2024), sec. 4: pick lambda_D, lambda_U with
    lambda_D * n_D / (lambda_U * n_U) in [1, 4/3]. One weight stays 1.0; the other moves the
    ratio to the nearest edge of the band (unchanged when already inside it)."""
    if n_desirable == 0 or n_undesirable == 0:
        return None
    ratio = n_desirable / n_undesirable
    desirable, undesirable = 1.0, 1.0
    if ratio < 1:
        desirable = 1 / ratio
    elif ratio > 4 / 3:
        undesirable = ratio * 3 / 4
    return {
        "desirable_weight": round(desirable, 4),
        "undesirable_weight": round(undesirable, 4),
        "weighted_ratio": round(desirable * n_desirable / (undesirable * n_undesirable), 4),
        "raw_ratio": round(ratio, 4),
    }


def _by_split(counter: Counter, keys) -> dict:
    out = {}
    for key in keys:
        train, test = counter[(key, "train")], counter[(key, "test")]
        out[str(key)] = {"train": train, "test": test, "total": train + test}
    return out


def _timing(durations) -> dict:
    if not durations:
        return {"judgments_with_duration": 0, "median_minutes": None, "share_over_10_min": None}
    over = sum(1 for d in durations if d > SLOW_TASK_MINUTES * 60)
    return {
        "judgments_with_duration": len(durations),
        "median_minutes": round(statistics.median(durations) / 60, 2),
        "share_over_10_min": round(over / len(durations), 4),
    }


def _kto_section(stats) -> dict:
    n_d = sum(v for (label, _), v in stats.kto.items() if label)
    n_u = sum(v for (label, _), v in stats.kto.items() if not label)
    return {
        "desirable": n_d,
        "undesirable": n_u,
        "by_split": {s: {"desirable": stats.kto[(True, s)], "undesirable": stats.kto[(False, s)]} for s in ("train", "test")},
        "by_reason": dict(sorted(stats.kto_reasons.items())),
        "excluded": dict(sorted(stats.kto_rejects.items())),
        "recommended_weights": recommended_kto_weights(n_d, n_u),
    }


def build_summary(stats, options, inputs: list[dict], tasks_with_output: int, test_tasks: int,
                  prompt_groups: int | None = None) -> dict:
    rejected = sum(stats.record_rejects.values())
    by_type = _by_split(stats.pairs, PAIR_TYPES)
    summary = {
        "dpoclin_version": __version__,
        "inputs": inputs,
        "records": {
            "in": stats.records_in, "used": stats.records_used, "rejected": rejected,
            "reconciles": stats.records_in == stats.records_used + rejected,
            "rejected_by_reason": dict(sorted(stats.record_rejects.items())),
        },
        "annotator_roles": dict(sorted(stats.roles.items())),
        "tasks": {
            "aggregated": stats.tasks, "with_output": tasks_with_output,
            "without_output": stats.tasks - tasks_with_output,
            "train": tasks_with_output - test_tasks, "test": test_tasks,
            "prompt_groups": prompt_groups,  # tasks sharing a (near-)duplicate prompt share a split
        },
        "pairs": {
            "total": sum(stats.pairs.values()),
            "train": sum(v for (_, s), v in stats.pairs.items() if s == "train"),
            "test": sum(v for (_, s), v in stats.pairs.items() if s == "test"),
            "by_type": by_type,
            "rejected_candidates": dict(sorted(stats.pair_rejects.items())),
        },
        "kto": _kto_section(stats),
        "conflicts": dict(sorted(stats.conflicts.items())),
        "agreement": {
            "preference": stats.preference_agreement.result(),
            "ratings": stats.rating_agreement.result(),
        },
        "timing": _timing(stats.durations),
        "conversational": stats.conversational,
        "seed": options.seed,
        "test_size": options.test_size,
    }
    summary["warnings"] = build_warnings(summary, options.pairing.clinical_roles)
    return summary


def _imbalanced(a: int, b: int) -> bool:
    return a > 0 and b > 0 and max(a / b, b / a) > IMBALANCE_RATIO


def build_warnings(summary: dict, clinical_roles) -> list[str]:
    warnings = []
    pairs, kto, records = summary["pairs"], summary["kto"], summary["records"]
    if pairs["train"] < MIN_STABLE_PAIRS:
        warnings.append(f"only {pairs['train']} training pairs: fewer than {MIN_STABLE_PAIRS} tends to overfit annotator idiosyncrasies; collect more judgments")
    over, unsafe = pairs["by_type"]["over_refusal"]["total"], pairs["by_type"]["unsafe_compliance"]["total"]
    if over == 0:
        warnings.append("no over_refusal pairs: training will only push toward refusing; label unhelpful refusals of benign prompts")
    if unsafe == 0:
        warnings.append("no unsafe_compliance pairs: nothing teaches the model to decline harmful requests; label appropriate refusals")
    if _imbalanced(over, unsafe):
        warnings.append(f"over_refusal:unsafe_compliance pairs = {over}:{unsafe}: one side of the safety-helpfulness tradeoff dominates")
    if _imbalanced(kto["desirable"], kto["undesirable"]):
        warnings.append(f"KTO desirable:undesirable = {kto['desirable']}:{kto['undesirable']} is heavily imbalanced; use the recommended weights")
    if kto["desirable"] + kto["undesirable"] and (kto["desirable"] == 0 or kto["undesirable"] == 0):
        warnings.append("KTO examples have only one label: KTO needs both desirable and undesirable examples")
    kappa = summary["agreement"]["preference"].get("fleiss_kappa")
    if kappa is not None and kappa < LOW_KAPPA:
        warnings.append(f"preference agreement is low (Fleiss' kappa {kappa:.2f} < {LOW_KAPPA}): review the rubric or the annotators")
    if records["in"] and records["rejected"] / records["in"] > 0.1:
        warnings.append(f"{records['rejected']} of {records['in']} records rejected: see rejects.jsonl")
    unknown = summary["annotator_roles"].get("unknown", 0)
    if unknown:
        warnings.append(f"{unknown} judgments have no annotator role (Label Studio without a roster): pass --annotators ROSTER.csv or --default-role")
    share = summary["timing"]["share_over_10_min"]
    if share is not None and share > 0.25:
        warnings.append(f"{share:.0%} of judgments took over {SLOW_TASK_MINUTES} minutes: the task design may be too heavy")
    return warnings


def render_summary(console, summary: dict, out_dir: str) -> None:
    from rich.table import Table

    rec = summary["records"]
    t = Table(title="Records", show_header=True)
    for col in ("in", "used", "rejected", "reconciles"):
        t.add_column(col, justify="right")
    t.add_row(str(rec["in"]), str(rec["used"]), str(rec["rejected"]), "yes" if rec["reconciles"] else "NO")
    console.print(t)
    if rec["rejected_by_reason"]:
        console.print(_counter_table("Rejected records by reason", rec["rejected_by_reason"]))
    pairs = Table(title="Pairs", show_header=True)
    for col in ("pair type", "train", "test", "total"):
        pairs.add_column(col, justify="right" if col != "pair type" else "left")
    for name, row in summary["pairs"]["by_type"].items():
        pairs.add_row(name, str(row["train"]), str(row["test"]), str(row["total"]))
    pairs.add_row("[bold]all", str(summary["pairs"]["train"]), str(summary["pairs"]["test"]), str(summary["pairs"]["total"]))
    console.print(pairs)
    if summary["conflicts"]:
        console.print(_counter_table("Conflicting judgments (see rejects.jsonl)",
                                     summary["conflicts"]))
    tasks = summary["tasks"]
    if tasks.get("prompt_groups") is not None:
        console.print(f"Split by prompt: {tasks['with_output']} tasks in {tasks['prompt_groups']} prompt groups "
                      f"(duplicates share a split): {tasks['train']} train, {tasks['test']} test")
    console.print(_kto_table(summary["kto"]))
    console.print(_agreement_table(summary["agreement"]))
    annotators = _annotator_table(summary["agreement"]["preference"].get("per_annotator") or {})
    if annotators is not None:
        console.print(annotators)
    timing = summary["timing"]
    if timing["median_minutes"] is not None:
        console.print(f"Median minutes per judgment: {timing['median_minutes']}  ·  over {SLOW_TASK_MINUTES} min: {timing['share_over_10_min']:.1%}")
    for warning in summary["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"Wrote {out_dir}/pairs, kto, rejects.jsonl, summary.json, manifest.json")


def _counter_table(title: str, counts: dict):
    from rich.table import Table

    t = Table(title=title)
    t.add_column("reason")
    t.add_column("count", justify="right")
    for reason, n in counts.items():
        t.add_row(reason, str(n))
    return t


def _kto_table(kto: dict):
    from rich.table import Table

    t = Table(title="KTO examples")
    for col in ("split", "desirable", "undesirable"):
        t.add_column(col, justify="right" if col != "split" else "left")
    for split, row in kto["by_split"].items():
        t.add_row(split, str(row["desirable"]), str(row["undesirable"]))
    weights = kto["recommended_weights"]
    if weights:
        t.caption = (f"recommended desirable_weight={weights['desirable_weight']}, undesirable_weight={weights['undesirable_weight']} "
                     f"(weighted ratio {weights['weighted_ratio']}, target [1, 4/3])")
    return t


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def _agreement_table(agreement: dict):
    from rich.table import Table

    t = Table(title="Inter-annotator agreement (tasks with >= 2 clinical annotators)")
    for col in ("signal", "units", "agreement %", "kappa / alpha"):
        t.add_column(col, justify="right" if col != "signal" else "left")
    pref = agreement["preference"]
    t.add_row("preference", str(pref.get("n_tasks", 0)), _fmt(pref.get("pairwise_percent")), f"Fleiss κ {_fmt(pref.get('fleiss_kappa'))}")
    for dim, row in agreement["ratings"].items():
        t.add_row(f"rating: {dim}", str(row.get("n_units", 0)), "", f"ordinal α {_fmt(row.get('alpha_ordinal'))}")
    return t


def _annotator_table(per_annotator: dict, limit: int = 15):
    """Annotators ordered by agreement with the leave-one-out majority, lowest first."""
    from rich.table import Table

    rows = [(aid, r) for aid, r in per_annotator.items() if r.get("n")]
    if not rows:
        return None
    rows.sort(key=lambda item: (item[1].get("cohen_kappa_vs_majority") is None, item[1].get("cohen_kappa_vs_majority") or 0.0))
    t = Table(title=f"Preference agreement per annotator vs the others' majority (lowest {min(limit, len(rows))} of {len(rows)})")
    for col in ("annotator", "tasks", "agreement %", "Cohen κ"):
        t.add_column(col, justify="left" if col == "annotator" else "right")
    for aid, r in rows[:limit]:
        t.add_row(aid, str(r["n"]), _fmt(r.get("percent_vs_majority")), _fmt(r.get("cohen_kappa_vs_majority")))
    return t
