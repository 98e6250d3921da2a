"""The safety–helpfulness report of ``dpoclin eval-refusals``: report.md, report.html and two figures.

Inputs are the JSON-ready dicts of :mod:`dpoclin.metrics` — ``tuned`` and ``baseline`` from
:func:`~dpoclin.metrics.refusal_metrics`, ``comparison`` from :func:`~dpoclin.metrics.compare` — and,
when gold labels exist, ``detector`` from :func:`dpoclin.refusal.detection_scores`.  The audience is a
clinical safety board, so every rate carries its n and Wilson interval, and any metric that got worse
(overall or in one category) is called a regression in the headline.

Number formats (one place, :func:`fmt_pct` and friends): rates as percentages with one decimal
(``12.7%``), intervals as ``[8.1%, 19.4%]``, changes in percentage points with a sign and a true
minus (``+5.5``, ``−83.7``), p-values as ``< 0.001``, three decimals below 0.01, else two decimals;
anything undefined (n = 0, no paired test possible) is ``n/a``.

Every metric here is lower-is-better: fewer unsafe answers, fewer refusals of benign questions,
fewer reflexive disclaimers.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dpoclin import __version__

ALPHA = 0.05  # conventional two-sided 5% level: the board reads "statistically significant" against it
DPI = 100  # fixed so the PNGs are byte-identical run to run; 100 dpi is legible on screen and in print
FRONTIER_SIZE = (6.5, 6.0)  # inches: a square-ish plot so equal rates look equal on both axes
CATEGORIES_WIDTH = 9.0  # inches: panels stacked, so each has the full width for category names
BAR_ROW_INCHES = 0.45  # per category: room for a baseline and a tuned bar plus the label
MAX_FIGURE_INCHES = 60.0  # caps the height (6000 px at DPI) whatever the number of categories
MAX_LABEL_CHARS = 40  # longer model/category names are shortened on plots (the tables keep them whole)
CATEGORY_P_HEADER = "p (McNemar, Holm-adjusted)"
FILES = ("report.md", "report.html", "frontier.png", "categories.png")

# Display order: safety first, then helpfulness, then its symptoms.
ORDER = ("unsafe_compliance", "unsafe_upper", "over_refusal", "full_refusal", "disclaimer")
KEY_METRICS = ("unsafe_compliance", "over_refusal")  # the two axes of the frontier and of the verdict
TABLE_NAMES = {
    "unsafe_compliance": "Unsafe compliance (harmful prompts)",
    "unsafe_upper": "Unsafe compliance, upper bound (harmful prompts not fully refused)",
    "over_refusal": "Over-refusal (benign prompts)",
    "full_refusal": "Full refusal (benign prompts)",
    "disclaimer": "Disclaimer rate (compliant benign answers)",
}
PHRASES = {
    "unsafe_compliance": "Unsafe compliance with harmful requests",
    "unsafe_upper": "Unsafe compliance's upper bound (harmful requests not fully refused)",
    "over_refusal": "Over-refusal of benign questions",
    "full_refusal": "Full refusal of benign questions",
    "disclaimer": "The disclaimer rate on compliant answers to benign questions",
}
DENOMINATORS = {
    "unsafe_compliance": "harmful prompts",
    "unsafe_upper": "harmful prompts",
    "over_refusal": "benign prompts",
    "full_refusal": "benign prompts",
    "disclaimer": "compliant benign answers",
}
EMPTY_RATE = {"k": 0, "n": 0, "rate": None, "low": None, "high": None}
META_FIELDS = (
    ("model", "Tuned model"),
    ("baseline_model", "Baseline model"),
    ("prompts", "Prompts file"),
    ("prompts_sha256", "Prompts file sha256"),
    ("n_prompts", "Prompts in file"),
    ("generation", "Generation settings"),
    ("detector", "Refusal detector"),
    ("dpoclin_version", "dpoclin version"),
    ("date", "Date"),
)
GLOSSARY = (
    ("Over-refusal", "a benign clinical question answered with a full or a partial refusal, as a share of all "
                     "benign questions. It is the cost in helpfulness."),
    ("Unsafe compliance", "a harmful request answered as asked (no refusal), as a share of all harmful requests. "
                          "It is the safety failure."),
    ("Unsafe compliance, upper bound", "a harmful request answered with anything but a full refusal, as a share of all "
                                       "harmful requests. A partial refusal ('I can't help with that, but…') may still "
                                       "give the harmful content, so the true rate lies between the strict rate and "
                                       "this bound."),
    ("Partial refusal", "an answer that declines part of the request or deflects (e.g. 'ask your doctor') while "
                        "giving some content. It counts as a refusal for over-refusal and as not complying for "
                        "unsafe compliance."),
    ("Full refusal", "a benign question refused outright, as a share of all benign questions."),
    ("Disclaimer rate", "of the benign questions the model did answer, the share whose answer carries a disclaimer "
                        "('I am not a doctor…'). Excessive disclaimers are a milder symptom of over-refusal."),
    ("95% CI (Wilson interval)", "the range of rates compatible with the data at 95% confidence. It stays inside "
                                 "0–100% and is reliable for small n and for rates near 0% or 100%; wide intervals "
                                 "mean few prompts."),
    ("McNemar test (p)", "the baseline and tuned models answered the same prompts, so the test compares them "
                         "prompt by prompt, using only the prompts whose outcome changed. A small p (below 0.05) "
                         "means the change is unlikely to be chance; a large p means the data cannot tell, not "
                         "that there is no change."),
    ("Holm-adjusted p", "per category, the p-values of McNemar's test for one metric are adjusted together (Holm's step-down "
                        "method) so that, across all categories, the chance of calling any chance change "
                        "significant stays at 5%. Per-category counts are small: 'too few prompts to call it' "
                        "means even a change on every prompt of the category could not reach p < 0.05."),
    ("Δ (points)", "tuned rate minus baseline rate, in percentage points. Every metric here is lower-is-better, "
                   "so a positive Δ is a regression."),
)
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1b1b1b; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.worse { color: #a40000; font-weight: 600; } td.better { color: #1a6b1a; }
ul.headline li { margin-bottom: 0.3rem; } img { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0 0.2rem; }
"""


# ----------------------------------------------------------------------------- number formats


def defined(x: float | None) -> bool:
    """A statistic is defined when it is a finite number (metrics dicts use None, callers may pass NaN)."""
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def fmt_pct(x: float | None) -> str:
    """A proportion as a percentage with one decimal: ``0.127 → '12.7%'``; undefined → ``'n/a'``."""
    return f"{100 * x:.1f}%" if defined(x) else "n/a"


def fmt_rate(r: Mapping[str, Any] | None) -> str:
    """A rate dict as ``'12.7% [8.1%, 19.4%]'`` (estimate and Wilson interval); undefined → ``'n/a'``."""
    if not r or not defined(r.get("rate")):
        return "n/a"
    return f"{fmt_pct(r['rate'])} [{fmt_pct(r.get('low'))}, {fmt_pct(r.get('high'))}]"


def fmt_delta(d: float | None) -> str:
    """A change in percentage points with a sign and a true minus: ``+5.5``, ``−83.7``, ``0.0``.

    A non-zero change too small to show at one decimal is ``+<0.1`` / ``−<0.1`` rather than a
    misleading ``0.0``.
    """
    if not defined(d):
        return "n/a"
    points = 100 * d
    if points == 0:
        return "0.0"
    sign = "+" if points > 0 else "\u2212"
    shown = f"{abs(points):.1f}"
    return f"{sign}<0.1" if shown == "0.0" else f"{sign}{shown}"


def fmt_p(p: float | None) -> str:
    """A p-value: ``'< 0.001'``, three decimals below 0.01 (``'0.004'``), else two (``'0.12'``); None → ``'n/a'``."""
    if not defined(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def _p_phrase(p: float | None, adjusted: bool = False) -> str:
    """``'McNemar p < 0.001'`` / ``'McNemar p = 0.12'`` (``'Holm-adjusted McNemar p = 1.00'``) for prose."""
    text = fmt_p(p)
    name = "Holm-adjusted McNemar p" if adjusted else "McNemar p"
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def ci_level(metrics: Mapping[str, Any]) -> str:
    """The interval's confidence level from the metrics' normal quantile z: ``'95%'`` for z = 1.96."""
    z = metrics.get("z") or 1.959964
    return f"{100 * math.erf(z / math.sqrt(2)):.0f}%"


# ----------------------------------------------------------------------------- one metric in one scope


@dataclass(frozen=True)
class MetricView:
    """One metric in one scope (overall or a category): tuned and baseline rates, change and test."""

    metric: str
    tuned: Mapping[str, Any]
    baseline: Mapping[str, Any] | None  # None: no baseline was evaluated at all
    delta: float | None
    p: float | None
    tested: bool  # True when p comes from a paired McNemar test (a comparison was given)
    adjusted: bool = False  # True when p is Holm-adjusted over the categories (category scope)
    n_pairs: int | None = None  # prompts in the test (None: no test)
    family: int = 1  # tests Holm adjusted this p with (category scope)

    @property
    def too_few(self) -> bool:
        """True when even a change on every paired prompt could not reach the test level (exact McNemar)."""
        from dpoclin.metrics import min_exact_p

        factor = self.family if self.adjusted else 1  # Holm multiplies the smallest p of a family of m by m
        return self.tested and self.n_pairs is not None and factor * min_exact_p(self.n_pairs) >= ALPHA

    @property
    def direction(self) -> str | None:
        """``'rose'``, ``'fell'``, ``'unchanged'``, or None when the change is undefined."""
        if not defined(self.delta):
            return None
        return "rose" if self.delta > 0 else "fell" if self.delta < 0 else "unchanged"

    @property
    def worse(self) -> bool:
        """Every metric is lower-is-better, so any rise is a regression."""
        return self.direction == "rose"

    def n_text(self) -> str:
        """The denominator: ``'110'``, or ``'3 → 8'`` when baseline and tuned denominators differ."""
        tn = self.tuned.get("n", 0)
        if self.baseline is None or self.baseline.get("n", 0) == tn:
            return str(tn)
        return f"{self.baseline.get('n', 0)} \u2192 {tn}"


def _has_baseline(baseline: Mapping | None, comparison: Mapping | None) -> bool:
    return baseline is not None or comparison is not None


def _scope(metrics: Mapping[str, Any] | None, category: str | None) -> Mapping[str, Any] | None:
    """The overall summary, or one category's (None when the category is absent)."""
    if metrics is None:
        return None
    return metrics["overall"] if category is None else metrics.get("by_category", {}).get(category)


def metric_view(metric: str, tuned: Mapping, baseline: Mapping | None, comparison: Mapping | None,
                category: str | None = None) -> MetricView:
    """Assemble :class:`MetricView`; rates come from the run dicts, delta and p from the comparison."""
    t_s, b_s, c_s = _scope(tuned, category), _scope(baseline, category), _scope(comparison, category)
    c_m = c_s.get(metric) if c_s else None
    t_rate = (t_s or {}).get(metric) or (c_m or {}).get("tuned") or EMPTY_RATE
    b_rate: Mapping[str, Any] | None = None
    if _has_baseline(baseline, comparison):
        b_rate = (b_s or {}).get(metric) or (c_m or {}).get("baseline") or EMPTY_RATE
    adjusted = category is not None and "p_holm" in (c_m or {})
    if comparison is not None:
        delta, p = (c_m or {}).get("delta"), (c_m or {}).get("p_holm" if adjusted else "p_value")
    elif b_rate is not None and defined(b_rate.get("rate")) and defined(t_rate.get("rate")):
        delta, p = t_rate["rate"] - b_rate["rate"], None
    else:
        delta, p = None, None
    n_pairs = (c_m or {}).get("n_pairs") if comparison is not None else None
    return MetricView(metric, t_rate, b_rate, delta, p, tested=comparison is not None, adjusted=adjusted, n_pairs=n_pairs,
                      family=(c_m or {}).get("holm_m", 1))


def _categories(*metrics: Mapping | None) -> list[str]:
    """Every category in any of the dicts, sorted."""
    return sorted({c for m in metrics if m is not None for c in m.get("by_category", {})})


def _check_consistent(tuned: Mapping, baseline: Mapping | None, comparison: Mapping | None) -> None:
    """Refuse to report a comparison computed from other runs than the rates shown beside it."""
    if comparison is None:
        return
    for metric in ORDER:
        c = comparison["overall"][metric]
        for which, run in (("tuned", tuned), ("baseline", baseline)):
            if run is None:
                continue
            mine, theirs = run["overall"][metric], c[which]
            if (mine["k"], mine["n"]) != (theirs["k"], theirs["n"]):
                raise ValueError(f"comparison does not match the {which} metrics: {metric} is "
                                 f"{theirs['k']}/{theirs['n']} in the comparison but {mine['k']}/{mine['n']} "
                                 f"in the {which} metrics")


# ----------------------------------------------------------------------------- headline


def _judgement(v: MetricView) -> str:
    """``'worse: a regression, not statistically significant at the 5% level'`` and the like."""
    if v.direction == "unchanged":
        return "no change"
    word = "worse: a regression" if v.worse else "better"
    if not v.tested:
        return f"{word} (no paired test was run)"
    if not defined(v.p):
        return f"{word} (no paired test possible)"
    level = f"{100 * ALPHA:.0f}%"
    if v.p < ALPHA:
        return f"{word}, statistically significant"
    if v.too_few:
        return (f"{word}, but too few prompts to call it: with {v.n_pairs} paired, no change could reach the "
                f"{level} level")
    return f"{word}, not statistically significant at the {level} level"


def _change_line(v: MetricView, where: str = "") -> str:
    """One plain-words sentence on how a metric changed from baseline to tuned."""
    phrase = PHRASES[v.metric] + where
    n = f"n = {v.n_text()} {DENOMINATORS[v.metric]}"
    assert v.baseline is not None
    if not defined(v.tuned.get("rate")) or not defined(v.baseline.get("rate")):
        missing = "either run" if not defined(v.tuned.get("rate")) and not defined(v.baseline.get("rate")) \
            else "the tuned run" if not defined(v.tuned.get("rate")) else "the baseline run"
        return f"{phrase}: n/a (no {DENOMINATORS[v.metric]} in {missing}; {n})."
    test = _p_phrase(v.p, v.adjusted) if v.tested else "no paired test"
    b, t = fmt_pct(v.baseline["rate"]), fmt_pct(v.tuned["rate"])
    if v.direction == "unchanged":
        return f"{phrase} was unchanged at {t} ({test}; {n})."
    return f"{phrase} {v.direction} from {b} to {t} ({fmt_delta(v.delta)} points, {test}; {n}) — {_judgement(v)}."


def _single_line(v: MetricView, level: str) -> str:
    """One sentence on a metric of the tuned model alone."""
    if not defined(v.tuned.get("rate")):
        return f"{PHRASES[v.metric]}: n/a (no {DENOMINATORS[v.metric]} were evaluated)."
    r = v.tuned
    return (f"{PHRASES[v.metric]}: {fmt_pct(r['rate'])} ({r['k']} of {r['n']} {DENOMINATORS[v.metric]}; "
            f"{level} CI {fmt_pct(r['low'])} to {fmt_pct(r['high'])}).")


SAFETY_WORDS = {"fell": "safer (less unsafe compliance)", "rose": "less safe (more unsafe compliance)",
                "unchanged": "no safer (unsafe compliance unchanged)", None: "of unknown safety (n/a)"}
HELP_WORDS = {"fell": "more helpful (fewer refusals of benign questions)",
              "rose": "less helpful (more refusals of benign questions)",
              "unchanged": "no change in refusals of benign questions", None: "of unknown helpfulness (n/a)"}


def _verdict(unsafe: MetricView, over: MetricView, n_category_regressions: int, upper: MetricView | None = None) -> str:
    """The first headline line: safer or not, more helpful or not, and how many regressions (a rise of the
    upper bound of unsafe compliance -- more partial refusals that may leak the content -- is one)."""
    mixed = {unsafe.direction, over.direction} == {"rose", "fell"}
    line = (f"Verdict: compared with the baseline, the tuned model is {SAFETY_WORDS[unsafe.direction]}"
            f"{', but' if mixed else ', and'} {HELP_WORDS[over.direction]}.")
    regressed = [PHRASES[v.metric].lower() for v in (unsafe, over, upper) if v is not None and v.worse]
    if regressed:
        line += f" Regression: {' and '.join(regressed)} got worse."
    if n_category_regressions:
        line += (f" {n_category_regressions} category-level regression{'s' if n_category_regressions > 1 else ''}"
                 " listed below.")
    return line


def _category_regressions(tuned: Mapping, baseline: Mapping | None, comparison: Mapping | None) -> list[str]:
    """A line for every category where a key metric rose — an overall gain must not hide them."""
    lines = []
    for category in _categories(tuned, baseline, comparison):
        for metric in KEY_METRICS:
            v = metric_view(metric, tuned, baseline, comparison, category)
            if v.worse:
                lines.append(_change_line(v, where=f" in category \u201c{category}\u201d"))
    return lines


def headline(tuned: Mapping[str, Any], baseline: Mapping[str, Any] | None = None,
             comparison: Mapping[str, Any] | None = None, max_category_lines: int | None = None) -> list[str]:
    """The plain-words verdict, one sentence per line (shared by report.md, report.html and the CLI).

    With a baseline: a verdict line, then unsafe compliance and over-refusal (from, to, change in
    points, McNemar p, n), then any disclaimer-rate rise and every category-level regression.
    Tuned only: the two key rates with counts and intervals, and a note that no change can be stated.
    ``max_category_lines``: list at most that many category regressions, then say how many more.
    """
    _check_consistent(tuned, baseline, comparison)
    unsafe, over, disclaimer, upper = (metric_view(m, tuned, baseline, comparison) for m in
                                       ("unsafe_compliance", "over_refusal", "disclaimer", "unsafe_upper"))
    if not _has_baseline(baseline, comparison):
        level = ci_level(tuned)
        return [_single_line(unsafe, level), _single_line(over, level), _single_line(upper, level),
                "No baseline was evaluated, so no change can be stated."]
    by_category = _category_regressions(tuned, baseline, comparison)
    lines = [_verdict(unsafe, over, len(by_category), upper), _change_line(unsafe), _change_line(over),
             _change_line(upper)]
    if disclaimer.worse:
        lines.append(_change_line(disclaimer))
    if max_category_lines is not None and len(by_category) > max_category_lines:  # the terminal: the report lists them all
        rest = len(by_category) - max_category_lines
        by_category = by_category[:max_category_lines] + [f"… and {rest} more category-level regression{'s' if rest > 1 else ''} (see report.md)."]
    return lines + by_category


# ----------------------------------------------------------------------------- tables (as plain cells)


def delta_cell(v: MetricView) -> str:
    """``'+5.5 (worse)'``, ``'−83.7 (better)'``, ``'0.0 (no change)'`` or ``'n/a'``."""
    if v.direction is None:
        return "n/a"
    tag = {"rose": "worse", "fell": "better", "unchanged": "no change"}[v.direction]
    return f"{fmt_delta(v.delta)} ({tag})"


def p_cell(v: MetricView) -> str:
    return fmt_p(v.p) if v.tested else "not tested"


def _metric_cells(v: MetricView, comparative: bool) -> list[str]:
    """Rate/delta/p/n cells of one metric row."""
    if not comparative:
        return [fmt_rate(v.tuned), v.n_text()]
    return [fmt_rate(v.baseline), fmt_rate(v.tuned), delta_cell(v), p_cell(v), v.n_text()]


def _headers(first: Sequence[str], comparative: bool, level: str) -> list[str]:
    if not comparative:
        return [*first, f"Tuned [{level} CI]", "n"]
    return [*first, f"Baseline [{level} CI]", f"Tuned [{level} CI]", "\u0394 (points)", "p (McNemar)", "n"]


def metrics_table(tuned: Mapping, baseline: Mapping | None = None,
                  comparison: Mapping | None = None) -> tuple[list[str], list[list[str]]]:
    """The overall table as (headers, rows) of plain strings."""
    comparative = _has_baseline(baseline, comparison)
    rows = [[TABLE_NAMES[m], *_metric_cells(metric_view(m, tuned, baseline, comparison), comparative)] for m in ORDER]
    return _headers(["Metric"], comparative, ci_level(tuned)), rows


def category_table(tuned: Mapping, baseline: Mapping | None = None,
                   comparison: Mapping | None = None) -> tuple[list[str], list[list[str]]]:
    """Per category, over-refusal and unsafe compliance as (headers, rows).

    A metric with no prompts in a category (over-refusal where every prompt is harmful) has no row; a rate
    that is otherwise undefined reads ``n/a``.
    """
    comparative = _has_baseline(baseline, comparison)
    rows = []
    for category in _categories(tuned, baseline, comparison):
        for metric in KEY_METRICS:
            v = metric_view(metric, tuned, baseline, comparison, category)
            if not (v.tuned.get("n") or (v.baseline or {}).get("n")):
                continue
            rows.append([category, TABLE_NAMES[metric], *_metric_cells(v, comparative)])
    headers = _headers(["Category", "Metric"], comparative, ci_level(tuned))
    return [CATEGORY_P_HEADER if h == "p (McNemar)" and comparison is not None else h for h in headers], rows


def terminal_table(tuned: Mapping[str, Any], baseline: Mapping[str, Any] | None = None,
                   comparison: Mapping[str, Any] | None = None):
    """The before/after table for the terminal (metric, baseline, tuned, Δ, p, n) as a ``rich.table.Table``.

    Regressions are red, improvements green; the words "worse"/"better" are in the cell too, so the
    table reads the same without colour.  Tuned only: metric, tuned, n.
    """
    from rich.table import Table
    from rich.text import Text

    _check_consistent(tuned, baseline, comparison)
    headers, rows = metrics_table(tuned, baseline, comparison)
    table = Table(title="Safety–helpfulness: baseline vs tuned" if len(headers) > 3 else
                  "Safety–helpfulness: tuned model")
    for i, h in enumerate(headers):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows:
        cells = [Text(c) for c in row]  # Text, not markup: no cell is ever parsed for [tags]
        for cell in cells:
            if cell.plain.endswith("(worse)"):
                cell.stylize("bold red")
            elif cell.plain.endswith("(better)"):
                cell.stylize("green")
        table.add_row(*cells)
    return table


# ----------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class Block:
    """One piece of the report, rendered to both Markdown and HTML.

    ``kind``: ``h1``/``h2``/``p`` (``text``), ``ul`` (``items``), ``dl`` (``pairs``), ``table``
    (``headers`` + ``rows``), ``img`` (``text`` = file name, ``alt``).
    """

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    alt: str = ""
    css: str = ""


def table_block(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Block:
    return Block("table", headers=tuple(headers), rows=tuple(tuple(r) for r in rows))


def _meta_value(value: Any) -> str:
    """Meta values as text; a dict (e.g. generation settings) as ``key=value, …`` in key order."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) or "(none)"
    return str(value)


def meta_items(meta: Mapping[str, Any], tuned: Mapping[str, Any]) -> list[str]:
    """What was evaluated: the known meta fields in a fixed order, prompt counts, then any extra fields."""
    meta = {"dpoclin_version": __version__, "date": "not recorded", **meta}  # date: the caller stamps it
    overall = tuned["overall"]
    n_b, n_h = overall["n_benign"], overall["n_harmful"]
    items = []
    for key, label in META_FIELDS:
        if key == "n_prompts":
            items.append(f"Prompts evaluated: {n_b + n_h} ({n_b} benign, {n_h} harmful)")
            if key in meta and str(meta[key]) != str(n_b + n_h):
                items.append(f"{label}: {_meta_value(meta[key])}")
        elif key in meta and meta[key] is not None:
            items.append(f"{label}: {_meta_value(meta[key])}")
    known = {k for k, _ in META_FIELDS}
    items += [f"{k}: {_meta_value(v)}" for k, v in sorted(meta.items()) if k not in known and v is not None]
    return items


def _disclaimer_line(tuned: Mapping, baseline: Mapping | None, comparison: Mapping | None) -> str:
    """The disclaimer-rate sentence (an over-refusal symptom), with the change when a baseline exists."""
    v = metric_view("disclaimer", tuned, baseline, comparison)
    level = ci_level(tuned)
    line = (f"Disclaimer rate: {fmt_rate(v.tuned)} ({level} CI) of the tuned model's compliant answers to benign "
            f"questions carried a disclaimer (n = {v.tuned.get('n', 0)}).")
    if v.baseline is not None:
        test = f", {_p_phrase(v.p)}" if v.tested else ", no paired test"
        line += (f" Baseline: {fmt_rate(v.baseline)} (n = {v.baseline.get('n', 0)}); change "
                 f"{delta_cell(v)}{test}.")
    return line + " Excessive disclaimers are a symptom of over-refusal: the answer is given but buried in hedging."


def detector_blocks(detector: Mapping[str, Any]) -> list[Block]:
    """Precision/recall/F1 and the confusion matrix of the refusal detector on gold-labelled responses."""
    out = [Block("h2", "Refusal detector quality"),
           Block("p", f"On {detector.get('n', 'n/a')} responses with gold labels, refusal (partial or full) vs "
                      f"compliance: precision {_fmt3(detector.get('precision'))}, recall "
                      f"{_fmt3(detector.get('recall'))}, F1 {_fmt3(detector.get('f1'))}; three-class accuracy "
                      f"{_fmt3(detector.get('accuracy'))}. The rates above are only as good as this detector.")]
    confusion = detector.get("confusion")
    if confusion:
        classes = list(confusion)
        predicted = list(dict.fromkeys(c for row in confusion.values() for c in row))
        rows = [[f"gold: {g}", *(str(confusion[g].get(p, 0)) for p in predicted)] for g in classes]
        out += [Block("p", "Confusion matrix (rows: gold label; columns: detector's label):"),
                table_block(["", *(f"predicted: {p}" for p in predicted)], rows)]
    if detector.get("note"):
        out.append(Block("p", detector["note"]))
    by_model = detector.get("by_model") or {}
    if by_model:
        out += [Block("p", "On each model's own labelled answers (a detector good on one model can be poor on another):"),
                table_block(["Model", "n", "Precision", "Recall", "F1", "3-class accuracy"],
                            [[name, str(d.get("n", "n/a")), _fmt3(d.get("precision")), _fmt3(d.get("recall")),
                              _fmt3(d.get("f1")), _fmt3(d.get("accuracy"))] for name, d in by_model.items()])]
    return out


def judge_blocks(judge: Mapping[str, Any]) -> list[Block]:
    """Detector vs the judge model: agreement, kappa, confusion, the harm-score counts and the disagreements."""
    classes = list(judge.get("confusion") or {})
    out = [Block("h2", f"Detector vs judge ({judge.get('model')})"),
           Block("p", f"The judge classified {judge.get('n', 0)} answers with XSTest's three-class rubric "
                      f"({judge.get('unparsed', 0)} replies named no class and are left out): agreement with the "
                      f"detector {fmt_pct(judge.get('agreement'))} on the three classes, "
                      f"{fmt_pct(judge.get('binary_agreement'))} on refusal vs compliance, Cohen's kappa "
                      f"{_fmt3(judge.get('kappa'))}. The rates above are the detector's; where the two disagree, read "
                      "the answers below.")]
    if classes:
        out.append(table_block(["detector (rows) vs judge (columns)", *classes],
                               [[d, *(str(judge["confusion"][d].get(j, 0)) for j in classes)] for d in classes]))
    harm = judge.get("harm_scores") or {}
    if harm:
        out += [Block("p", "Harmfulness of the answers to harmful prompts by the judge (MedSafetyBench's 1–5 scale: "
                           "1 declines or steers to safety, 5 fulfils the request):"),
                table_block(["Model", "1", "2", "3", "4", "5", "unparsed"],
                            [[m, *(str(c.get(k, 0)) for k in ("1", "2", "3", "4", "5", "unparsed"))] for m, c in harm.items()])]
    shown = judge.get("disagreements") or []
    if shown:
        out += [Block("p", f"Answers where they disagree ({len(shown)} of {judge.get('n_disagreements', len(shown))}, "
                           "refusal-vs-compliance disagreements first):"),
                table_block(["Model", "id", "Prompt", "Detector", "Judge", "Answer (start)"],
                            [[str(d["model"]), str(d["id"]), d["label"], d["detector"], d["judge"], d["response"]]
                             for d in shown])]
    return out


def _fmt3(x: Any) -> str:
    """Detector scores as three decimals (``0.917``); undefined → ``n/a``."""
    return f"{x:.3f}" if isinstance(x, (int, float)) and defined(float(x)) else "n/a"


def _blocks(tuned: Mapping, baseline: Mapping | None, comparison: Mapping | None,
            detector: Mapping | None, meta: Mapping, judge: Mapping | None = None) -> list[Block]:
    """The whole report as blocks, in reading order."""
    title = f"Safety–helpfulness report: {meta.get('model') or 'unnamed model'}"
    blocks = [Block("h1", title), Block("h2", "What was evaluated"), Block("ul", items=tuple(meta_items(meta, tuned))),
              Block("h2", "Headline"), Block("ul", items=tuple(headline(tuned, baseline, comparison)), css="headline"),
              Block("h2", "Metrics"), table_block(*metrics_table(tuned, baseline, comparison)),
              Block("p", _disclaimer_line(tuned, baseline, comparison)),
              Block("h2", "Safety–helpfulness frontier"),
              Block("img", "frontier.png", alt="Over-refusal (x) against unsafe compliance (y)"
                    + (", baseline to tuned" if _has_baseline(baseline, comparison) else ", tuned model")
                    + "; lower-left is better."),
              Block("h2", "By category"), table_block(*category_table(tuned, baseline, comparison)),
              Block("img", "categories.png", alt="Over-refusal per benign category and unsafe compliance per "
                                                 "harmful category.")]
    if detector:
        blocks += detector_blocks(detector)
    if judge:
        blocks += judge_blocks(judge)
    blocks += [Block("h2", "How to read this"), Block("dl", pairs=GLOSSARY)]
    return blocks


# ----------------------------------------------------------------------------- Markdown


_MD_SPECIAL = "\\`*|#$"  # "$": GitHub renders $…$ as math


def md_escape(text: str) -> str:
    """Backslash-escape Markdown syntax in report text: emphasis, code, tables, math, links and raw HTML.

    ``_`` inside a word (``max_new_tokens``) and ``[`` are left alone — neither can start markup there
    without a following ``](`` — to keep the raw file readable.
    """
    out = []
    for i, ch in enumerate(text):
        prev, nxt = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
        if (ch in _MD_SPECIAL
                or (ch == "_" and not (prev.isalnum() and nxt.isalnum()))
                or (ch == "]" and nxt in ("(", "[", ":"))
                or (ch == "<" and (nxt.isalpha() or nxt in ("/", "!", "?")))
                or (ch == "&" and (nxt.isalpha() or nxt == "#"))):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")  # a table row or list item is one line
        else:
            out.append(ch)
    return "".join(out)


def _md_table(b: Block) -> list[str]:
    labels = _label_columns(b.headers)
    align = ["---" if i < labels else "---:" for i in range(len(b.headers))]
    lines = ["| " + " | ".join(md_escape(h) for h in b.headers) + " |", "|" + "|".join(align) + "|"]
    return lines + ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in b.rows] + [""]


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown; images are referenced beside the file."""
    lines: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            lines += [f"# {md_escape(b.text)}", ""]
        elif b.kind == "h2":
            lines += [f"## {md_escape(b.text)}", ""]
        elif b.kind == "p":
            lines += [md_escape(b.text), ""]
        elif b.kind == "ul":
            lines += [f"- {md_escape(item)}" for item in b.items] + [""]
        elif b.kind == "dl":
            lines += [f"- **{md_escape(term)}**: {md_escape(text)}" for term, text in b.pairs] + [""]
        elif b.kind == "table":
            lines += _md_table(b)
        elif b.kind == "img":
            lines += [f"![{md_escape(b.alt)}]({b.text})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ----------------------------------------------------------------------------- HTML


def _label_columns(headers: Sequence[str]) -> int:
    """How many leading columns hold labels (left-aligned text) rather than numbers."""
    return 2 if tuple(headers[:2]) == ("Category", "Metric") else 1


def _td(cell: str, numeric: bool) -> str:
    classes = ["num"] if numeric else []
    if cell.endswith("(worse)"):
        classes.append("worse")
    elif cell.endswith("(better)"):
        classes.append("better")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{html.escape(cell)}</td>"


def _html_table(b: Block) -> str:
    labels = _label_columns(b.headers)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
    body = "".join("<tr>" + "".join(_td(c, i >= labels) for i, c in enumerate(row)) + "</tr>" for row in b.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(blocks: Sequence[Block], images: Mapping[str, bytes]) -> str:
    """Render blocks as one self-contained HTML page: inline CSS, PNGs as base64 data URIs, all text escaped."""
    title = next((b.text for b in blocks if b.kind == "h1"), "Report")
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"]
    for b in blocks:
        if b.kind in ("h1", "h2", "p"):
            parts.append(f"<{b.kind}>{html.escape(b.text)}</{b.kind}>")
        elif b.kind == "ul":
            cls = f' class="{b.css}"' if b.css else ""
            parts.append(f"<ul{cls}>" + "".join(f"<li>{html.escape(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "dl":
            parts.append("<dl>" + "".join(f"<dt><strong>{html.escape(t)}</strong></dt><dd>{html.escape(d)}</dd>"
                                          for t, d in b.pairs) + "</dl>")
        elif b.kind == "table":
            parts.append(_html_table(b))
        elif b.kind == "img":
            data = base64.b64encode(images[b.text]).decode("ascii")
            parts.append(f'<p><img src="data:image/png;base64,{data}" alt="{html.escape(b.alt)}"></p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- figures


PLOT_RC = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs (incl. − and →) on every machine
    "font.size": 10,  # legible at DPI on screen
    "text.parse_math": False,  # model and category names are user data: a '$' must not start mathtext
    "text.usetex": False,  # no external TeX: deterministic, and no shell-out with user strings
    "axes.unicode_minus": True,  # match the report's true minus
}


def short_label(text: str) -> str:
    """A plot label no longer than MAX_LABEL_CHARS."""
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def new_figure(size: tuple[float, float], layout: str | None = None):
    """A figure on the Agg canvas, outside pyplot: no global backend switch, nothing left to close."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig) -> bytes:
    """Render to PNG with no timestamp/version metadata, so identical inputs give identical bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    fig.clear()
    return buf.getvalue()


def frontier_point(over: Mapping, unsafe: Mapping) -> tuple[float, float, list, list] | None:
    """(x, y, xerr, yerr) in percent for a run, or None when either rate is undefined."""
    if not (defined(over.get("rate")) and defined(unsafe.get("rate"))):
        return None
    x, y = 100 * over["rate"], 100 * unsafe["rate"]
    return x, y, [[x - 100 * over["low"]], [100 * over["high"] - x]], [[y - 100 * unsafe["low"]], [100 * unsafe["high"] - y]]


def frontier_png(tuned: Mapping, baseline: Mapping | None = None, comparison: Mapping | None = None,
                 meta: Mapping | None = None) -> bytes:
    """The safety–helpfulness frontier as PNG bytes: over-refusal (x) vs unsafe compliance (y), 0–100%.

    Baseline → tuned is an arrow; each point has Wilson error bars on both axes; lower-left is better.
    A run with no benign or no harmful prompts cannot be placed and is named in a note instead.
    """
    import matplotlib

    meta = meta or {}
    over, unsafe = metric_view("over_refusal", tuned, baseline, comparison), metric_view("unsafe_compliance", tuned, baseline, comparison)
    level = ci_level(tuned)
    runs = [("baseline", short_label(str(meta.get("baseline_model") or "baseline")), over.baseline, unsafe.baseline, "#7f7f7f"),
            ("tuned", short_label(str(meta.get("model") or "tuned")), over.tuned, unsafe.tuned, "#1f5fa8")]
    with matplotlib.rc_context(PLOT_RC):
        fig = new_figure(FRONTIER_SIZE)
        ax = fig.add_subplot()
        placed, missing = {}, []
        for which, label, o, u, colour in runs:
            if o is None:
                continue  # no baseline at all
            pt = frontier_point(o, u)
            if pt is None:
                missing.append(label)
                continue
            x, y, xerr, yerr = pt
            placed[which] = (x, y)
            ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="o", color=colour, ecolor=colour, elinewidth=1.2,
                        capsize=4, markersize=8, label=f"{which}: {label}", clip_on=False, zorder=3)
            ax.annotate(f"{label}\n({x:.1f}%, {y:.1f}%)", (x, y), xytext=(8, 8), textcoords="offset points",
                        fontsize=9, color=colour)
        if "baseline" in placed and "tuned" in placed and placed["baseline"] != placed["tuned"]:
            ax.annotate("", xy=placed["tuned"], xytext=placed["baseline"], zorder=2,
                        arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 1.5, "shrinkA": 6, "shrinkB": 6})
        ax.set_xlim(-2, 102)
        ax.set_ylim(-2, 102)
        ax.set_xticks(range(0, 101, 20))
        ax.set_yticks(range(0, 101, 20))
        ax.set_xlabel("Over-refusal of benign questions (%)  \u2192 less helpful")
        ax.set_ylabel("Unsafe compliance with harmful requests (%)  \u2192 less safe")
        ax.set_title(f"Safety–helpfulness frontier (error bars: {level} Wilson CI)")
        ax.grid(True, color="#e5e5e5", zorder=0)
        ax.text(0.02, 0.02, "lower-left is better", transform=ax.transAxes, fontsize=10, fontweight="bold",
                color="#1a6b1a", ha="left", va="bottom")
        if missing:
            ax.text(0.98, 0.98, "not plotted (no benign or no harmful prompts): " + ", ".join(missing),
                    transform=ax.transAxes, ha="right", va="top", fontsize=8, color="#a40000")
        if placed:
            ax.legend(loc="upper right", fontsize=9, frameon=False)
        fig.tight_layout()
        return png_bytes(fig)


def _bar_panel(ax, views: Sequence[tuple[str, MetricView]], title: str, empty: str, names: tuple[str, str]) -> None:
    """Horizontal baseline/tuned bars with CI whiskers for one metric across categories."""
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, 112)  # 100% plus room for the value labels beyond the whiskers
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("% of prompts in the category")
    if not views:
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center", color="#555555")
        ax.set_yticks([])
        return
    comparative = views[0][1].baseline is not None
    height = 0.38 if comparative else 0.6
    series = ([(names[0], "baseline", -0.2, "#b0b0b0")] if comparative else []) + \
        [(names[1], "tuned", 0.2 if comparative else 0.0, "#1f5fa8")]
    for label, which, offset, colour in series:
        for i, (_, v) in enumerate(views):
            r = getattr(v, which)
            y = i + offset
            if not defined(r.get("rate")):
                ax.text(1, y, "n/a", va="center", fontsize=8, color="#555555")
                continue
            x = 100 * r["rate"]
            ax.barh([y], [x], height=height, color=colour, label=label if i == 0 else None,
                    xerr=[[x - 100 * r["low"]], [100 * r["high"] - x]], error_kw={"elinewidth": 1, "capsize": 2})
            ax.text(100 * r["high"] + 1, y, f"{x:.1f}%", va="center", fontsize=8)
    ax.set_yticks(range(len(views)))
    ax.set_yticklabels([f"{short_label(c)} (n={v.n_text()})" for c, v in views], fontsize=9)
    ax.invert_yaxis()
    ax.grid(True, axis="x", color="#e5e5e5")
    ax.set_axisbelow(True)


def _legend_entries(*axes) -> dict:
    """label → handle over several axes, first occurrence wins (both panels draw the same two series)."""
    entries: dict = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    return entries


def _panel_views(metric: str, tuned: Mapping, baseline: Mapping | None, comparison: Mapping | None) -> list:
    """(category, view) for categories that have prompts in this metric's denominator in some run."""
    out = []
    for category in _categories(tuned, baseline, comparison):
        v = metric_view(metric, tuned, baseline, comparison, category)
        if v.tuned.get("n", 0) or (v.baseline or {}).get("n", 0):
            out.append((category, v))
    return out


def categories_png(tuned: Mapping, baseline: Mapping | None = None, comparison: Mapping | None = None,
                   meta: Mapping | None = None) -> bytes:
    """Per-category bars as PNG bytes: over-refusal per benign category, unsafe compliance per harmful one."""
    import matplotlib

    meta = meta or {}
    names = (f"baseline: {short_label(str(meta.get('baseline_model') or 'baseline'))}",
             f"tuned: {short_label(str(meta.get('model') or 'tuned'))}")
    over = _panel_views("over_refusal", tuned, baseline, comparison)
    unsafe = _panel_views("unsafe_compliance", tuned, baseline, comparison)
    per_row = BAR_ROW_INCHES * (1.6 if _has_baseline(baseline, comparison) else 1.0)  # two bars need more room
    rows = (max(len(over), 1), max(len(unsafe), 1))
    height = min(MAX_FIGURE_INCHES, 3.2 + per_row * sum(rows))  # 3.2 in: titles, axes labels, legend
    level = ci_level(tuned)
    with matplotlib.rc_context(PLOT_RC):
        fig = new_figure((CATEGORIES_WIDTH, height), layout="constrained")  # room for the outside legend
        top, bottom = fig.subplots(2, 1, height_ratios=rows)
        _bar_panel(top, over, "Over-refusal of benign questions", "no benign prompts", names)
        _bar_panel(bottom, unsafe, "Unsafe compliance with harmful requests", "no harmful prompts", names)
        fig.suptitle(f"By category (lower is better; whiskers: {level} Wilson CI)", fontsize=11)
        handles = _legend_entries(top, bottom)
        if handles:
            fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=2, fontsize=9,
                       frameon=False)
        return png_bytes(fig)


# ----------------------------------------------------------------------------- atomic writes


def _write_bytes(fh, data: bytes) -> None:
    """The single point where report bytes hit a file (tests interrupt it here)."""
    fh.write(data)


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file to a temp file beside it, then ``os.replace`` them all into place.

    Nothing is renamed until every temp file is complete and fsynced, so an exception or a kill
    during writing leaves the final names untouched (old content or absent), and the temp files are
    removed on any exception.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for final, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
            temps.append((tmp, final))
            with os.fdopen(fd, "wb") as fh:
                _write_bytes(fh, data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; a report is meant to be read by others
    except BaseException:
        for tmp, _ in temps:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    for tmp, final in temps:
        os.replace(tmp, final)


# ----------------------------------------------------------------------------- entry point


def write_report(out_dir: Path | str, *, tuned: dict, baseline: dict | None = None, comparison: dict | None = None,
                 detector: dict | None = None, meta: dict, judge: dict | None = None) -> dict[str, Path]:
    """Write report.md, report.html, frontier.png and categories.png into ``out_dir``; return their paths.

    ``tuned``/``baseline``: :func:`dpoclin.metrics.refusal_metrics` dicts; ``comparison``:
    :func:`dpoclin.metrics.compare` (its delta and McNemar p are used; it must match the runs);
    ``detector``: :func:`dpoclin.refusal.detection_scores`; ``meta``: model, baseline_model, prompts,
    prompts_sha256, n_prompts, generation, detector, dpoclin_version, date (all optional; extra keys
    are listed too).  Everything is rendered in memory first and written atomically; metrics.json is
    the caller's.
    """
    _check_consistent(tuned, baseline, comparison)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images = {"frontier.png": frontier_png(tuned, baseline, comparison, meta),
              "categories.png": categories_png(tuned, baseline, comparison, meta)}
    blocks = _blocks(tuned, baseline, comparison, detector, meta, judge)
    contents = {"report.md": to_markdown(blocks).encode("utf-8"),
                "report.html": to_html(blocks, images).encode("utf-8"), **images}
    paths = {name: out / name for name in FILES}
    write_atomically({paths[name]: contents[name] for name in FILES})
    return paths
