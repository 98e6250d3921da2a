"""Held-out metrics of a run: how the tuned model and the reference rank the physicians' pairs.

On the test split (tasks never seen in training), per pair type and overall:
- reward accuracy / margin: the tuned model's implicit DPO reward beta * log(pi / ref) puts the
  physicians' choice first (the reference's own reward is 0 by definition, so it has no accuracy);
- log-prob accuracy, tuned vs reference: the share of pairs where each model gives the chosen
  answer the higher log-probability — the before/after comparison on the same pairs.
over_refusal pairs measure helpfulness, unsafe_compliance pairs measure safety.
"""

from __future__ import annotations

from collections import Counter

from dpoclin.data import PAIR_TYPE_IDS, PairExample

COLUMNS = {  # report column -> eval metric (without the "eval_" prefix and the "/<pair type>" suffix)
    "reward_accuracy": "rewards/accuracies",
    "reward_margin": "rewards/margins",
    "logp_accuracy_tuned": "logps/accuracies",
    "logp_accuracy_reference": "ref_logps/accuracies",
}


def pair_type_counts(dataset) -> Counter:
    return Counter(it.pair_type for it in getattr(dataset, "items", []) if isinstance(it, PairExample))


def heldout_report(metrics: dict, counts: Counter) -> dict:
    """{"overall": {...}, "by_pair_type": {type: {...}}, "kto": {...}} from ``trainer.evaluate`` metrics."""
    def row(suffix: str, n: int) -> dict:
        return {"n": n, **{col: metrics.get(f"eval_{key}{suffix}") for col, key in COLUMNS.items()}}

    report = {"overall": row("", sum(counts.values())),
              "by_pair_type": {t: row(f"/{t}", counts[t]) for t in PAIR_TYPE_IDS if counts.get(t)}}
    kto = {k.removeprefix("eval_kto/"): v for k, v in metrics.items() if k.startswith("eval_kto/")}
    if kto:
        report["kto"] = {**kto, "kl": metrics.get("eval_kl")}
    return report


def _fmt(value, pct: bool = True) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.1f}%" if pct else f"{value:+.3f}"


def report_rows(report: dict) -> list[tuple[str, ...]]:
    """Table rows: pair type, n, reward accuracy, reward margin, log-prob accuracy tuned, reference."""
    rows = []
    for name, r in [*report["by_pair_type"].items(), ("all", report["overall"])]:
        rows.append((name, str(r["n"]), _fmt(r["reward_accuracy"]), _fmt(r["reward_margin"], pct=False),
                     _fmt(r["logp_accuracy_tuned"]), _fmt(r["logp_accuracy_reference"])))
    return rows


HEADER = ("pair type", "n", "reward acc.", "reward margin", "log-prob acc. tuned", "log-prob acc. reference")


def markdown_table(report: dict) -> str:
    if not report["overall"]["n"]:
        return "_No held-out pairs were evaluated._\n"
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---:|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in report_rows(report)]
    return "\n".join(lines) + "\n"
