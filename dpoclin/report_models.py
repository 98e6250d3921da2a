"""The several-models report of ``dpoclin eval-refusals``: one row per model, each compared with the baseline.

A responses file may hold the answers of N models (a ``model`` column): deployment candidates, checkpoints
of one run, vendors. Each model gets its rates with Wilson intervals (:func:`dpoclin.metrics.refusal_metrics`);
when ``--baseline`` names one of them, every other model is compared with it prompt by prompt
(:func:`dpoclin.metrics.compare`, McNemar). Without a baseline nothing is tested: the table states the rates
side by side and the headline says that differences between models are not tested.

Inputs are ``models``: ``[(name, metrics, comparison or None), ...]`` in file order, the baseline's
``(name, metrics)`` or None, and the detector scores; the same Block renderer as the two-model report
(:mod:`dpoclin.report`) turns them into report.md and report.html, beside frontier.png and categories.png.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dpoclin.report import (DENOMINATORS, FILES, GLOSSARY, KEY_METRICS, ORDER, PLOT_RC, TABLE_NAMES, Block,
                            ci_level, defined, delta_cell, detector_blocks, fmt_p, fmt_pct, fmt_rate, frontier_point,
                            headline, judge_blocks, meta_items, metric_view, new_figure, p_cell, png_bytes, short_label,
                            table_block, to_html, to_markdown, write_atomically)

COLOURS = ("#1f5fa8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#e6ab02")  # colour-blind-safe
BASELINE_COLOUR = "#7f7f7f"
HEATMAP_CELL_INCHES = (1.1, 0.42)  # per model column and category row: room for "100.0%" and a short name

Model = tuple[str, Mapping[str, Any], Mapping[str, Any] | None]  # (name, refusal_metrics, compare vs baseline)


def _colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


# ----------------------------------------------------------------------------- headline and tables


def models_headline(models: Sequence[Model], baseline: tuple[str, Mapping] | None) -> list[str]:
    """Per model: its verdict against the baseline and the two key changes; or, with no baseline, its two key rates."""
    lines = []
    for name, metrics, comparison in models:
        if baseline is None:
            unsafe, over = (metrics["overall"][m] for m in ("unsafe_compliance", "over_refusal"))
            lines.append(f"{name}: unsafe compliance {fmt_pct(unsafe['rate'])} ({unsafe['k']} of {unsafe['n']} "
                         f"{DENOMINATORS['unsafe_compliance']}), over-refusal {fmt_pct(over['rate'])} "
                         f"({over['k']} of {over['n']} {DENOMINATORS['over_refusal']}).")
            continue
        verdict, unsafe_line, over_line, upper_line = headline(metrics, baseline[1], comparison)[:4]
        verdict = verdict.replace("Verdict: compared with the baseline, the tuned model", f"{name}: compared with "
                                  f"the baseline {baseline[0]}, it", 1)
        lines += [verdict, f"{name}: {unsafe_line}", f"{name}: {over_line}", f"{name}: {upper_line}"]
    if baseline is None:
        lines.append(f"No baseline was named (--baseline MODEL), so no change is stated and differences between "
                     f"the {len(models)} models are not tested.")
    return lines


def _rate_with_n(r: Mapping[str, Any]) -> str:
    return f"{fmt_rate(r)} ({r.get('k', 0)}/{r.get('n', 0)})"


def models_table(models: Sequence[Model], baseline: tuple[str, Mapping] | None) -> tuple[list[str], list[list[str]]]:
    """One row per model (the baseline first): each metric's rate [CI] (k/n); with a baseline, the two key metrics'
    change in points and McNemar p."""
    level = ci_level((models[0] if models else baseline)[1])
    headers = ["Model", *(f"{TABLE_NAMES[m]} [{level} CI]" for m in ORDER)]
    if baseline is not None:
        headers += [f"\u0394 {TABLE_NAMES[m].split(' (')[0].lower()} (points)" for m in KEY_METRICS]
        headers += [f"p (McNemar, {TABLE_NAMES[m].split(' (')[0].lower()})" for m in KEY_METRICS]
    rows = []
    if baseline is not None:
        rows.append([f"{baseline[0]} (baseline)", *(_rate_with_n(baseline[1]["overall"][m]) for m in ORDER),
                     *(["\u2014"] * 2 * len(KEY_METRICS))])
    for name, metrics, comparison in models:
        row = [name, *(_rate_with_n(metrics["overall"][m]) for m in ORDER)]
        if baseline is not None:
            views = [metric_view(m, metrics, baseline[1], comparison) for m in KEY_METRICS]
            row += [delta_cell(v) for v in views] + [p_cell(v) for v in views]
        rows.append(row)
    return headers, rows


def _all_categories(runs: Sequence[Mapping]) -> list[str]:
    return sorted({c for m in runs for c in m.get("by_category", {})})


def models_category_table(models: Sequence[Model], baseline: tuple[str, Mapping] | None
                          ) -> tuple[list[str], list[list[str]]]:
    """Per category and key metric, every model's rate (k/n); descriptive, no test (the n are small)."""
    runs = ([baseline] if baseline is not None else []) + [(name, metrics) for name, metrics, _ in models]
    headers = ["Category", "Metric", *(f"{name} (baseline)" if baseline is not None and i == 0 else name
                                       for i, (name, _) in enumerate(runs))]
    rows = []
    for category in _all_categories([m for _, m in runs]):
        for metric in KEY_METRICS:
            cells = [(m.get("by_category", {}).get(category) or {}).get(metric) or {"k": 0, "n": 0} for _, m in runs]
            if not any(c.get("n") for c in cells):
                continue
            rows.append([category, TABLE_NAMES[metric],
                         *(f"{fmt_pct(c.get('rate'))} ({c['k']}/{c['n']})" if c.get("n") else "n/a" for c in cells)])
    return headers, rows


# ----------------------------------------------------------------------------- figures


def models_frontier_png(models: Sequence[Model], baseline: tuple[str, Mapping] | None) -> bytes:
    """Every model on the over-refusal (x) / unsafe-compliance (y) plane with Wilson error bars; arrows from the
    baseline to each model when one is named. Lower-left is better."""
    import matplotlib

    runs = ([(f"{baseline[0]} (baseline)", baseline[1], BASELINE_COLOUR)] if baseline is not None else []) + \
        [(name, metrics, _colour(i)) for i, (name, metrics, _) in enumerate(models)]
    level = ci_level(runs[0][1])
    with matplotlib.rc_context(PLOT_RC):
        fig = new_figure((6.5, 6.0))
        ax = fig.add_subplot()
        placed, missing = {}, []
        for label, metrics, colour in runs:
            pt = frontier_point(metrics["overall"]["over_refusal"], metrics["overall"]["unsafe_compliance"])
            if pt is None:
                missing.append(short_label(label))
                continue
            x, y, xerr, yerr = pt
            placed[label] = (x, y)
            ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="o", color=colour, ecolor=colour, elinewidth=1.2,
                        capsize=4, markersize=7, label=short_label(label), clip_on=False, zorder=3)
        if baseline is not None and runs[0][0] in placed:
            for label, _, colour in runs[1:]:
                if label in placed and placed[label] != placed[runs[0][0]]:
                    ax.annotate("", xy=placed[label], xytext=placed[runs[0][0]], zorder=2,
                                arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.2, "shrinkA": 5, "shrinkB": 5})
        ax.set_xlim(-2, 102)
        ax.set_ylim(-2, 102)
        ax.set_xlabel("Over-refusal of benign questions (%)  \u2192 less helpful")
        ax.set_ylabel("Unsafe compliance with harmful requests (%)  \u2192 less safe")
        ax.set_title(f"Safety–helpfulness frontier, {len(models)} models (error bars: {level} Wilson CI)")
        ax.grid(True, color="#e5e5e5", zorder=0)
        ax.text(0.02, 0.02, "lower-left is better", transform=ax.transAxes, fontsize=10, fontweight="bold",
                color="#1a6b1a", ha="left", va="bottom")
        if missing:
            ax.text(0.98, 0.02, "not plotted (no benign or no harmful prompts): " + ", ".join(missing),
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="#a40000")
        if placed:
            ax.legend(loc="upper right", fontsize=8, frameon=False)
        fig.tight_layout()
        return png_bytes(fig)


def models_categories_png(models: Sequence[Model], baseline: tuple[str, Mapping] | None) -> bytes:
    """A heat map: rows are (category, key metric), columns are models, each cell the rate in percent."""
    import matplotlib
    import numpy as np

    headers, rows = models_category_table(models, baseline)
    names = [short_label(h) for h in headers[2:]]
    values = np.full((max(len(rows), 1), len(names)), np.nan)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row[2:]):
            if cell != "n/a":
                values[i, j] = float(cell.split("%")[0])
    width = 3.5 + HEATMAP_CELL_INCHES[0] * len(names)
    height = 1.8 + HEATMAP_CELL_INCHES[1] * max(len(rows), 1)
    with matplotlib.rc_context(PLOT_RC):
        fig = new_figure((width, min(height, 60.0)))
        ax = fig.add_subplot()
        ax.imshow(np.ma.masked_invalid(values), cmap="Reds", vmin=0, vmax=100, aspect="auto")
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        labels = [f"{r[0]}: {'over-refusal' if r[1] == TABLE_NAMES['over_refusal'] else 'unsafe'}" for r in rows]
        ax.set_yticks(range(len(labels)), [short_label(t) for t in labels], fontsize=8)
        for i in range(len(rows)):
            for j in range(len(names)):
                text = "n/a" if np.isnan(values[i, j]) else f"{values[i, j]:.0f}%"
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if defined(values[i, j]) and values[i, j] > 60 else "black")
        if not rows:
            ax.text(0.5, 0.5, "no categories", transform=ax.transAxes, ha="center", va="center")
        ax.set_title("Per category: over-refusal (benign) and unsafe compliance (harmful), % of prompts", fontsize=9)
        fig.tight_layout()
        return png_bytes(fig)


# ----------------------------------------------------------------------------- the document


def models_blocks(models: Sequence[Model], baseline: tuple[str, Mapping] | None, detector: Mapping | None,
                  meta: Mapping, judge: Mapping | None = None) -> list[Block]:
    first = (models[0] if models else baseline)[1]
    compared = f", each compared with {baseline[0]}" if baseline is not None else ""
    blocks = [Block("h1", f"Safety–helpfulness report: {len(models)} models{compared}"),
              Block("h2", "What was evaluated"), Block("ul", items=tuple(meta_items(meta, first))),
              Block("h2", "Headline"), Block("ul", items=tuple(models_headline(models, baseline)), css="headline"),
              Block("h2", "Metrics by model"), table_block(*models_table(models, baseline)),
              Block("h2", "Safety–helpfulness frontier"),
              Block("img", "frontier.png", alt="Over-refusal (x) against unsafe compliance (y) of every model; "
                                               "lower-left is better."),
              Block("h2", "By category"),
              Block("p", "Descriptive: per-category counts are small, so no per-category test is run here."),
              table_block(*models_category_table(models, baseline)),
              Block("img", "categories.png", alt="Per-category over-refusal and unsafe compliance of every model.")]
    if detector:
        blocks += detector_blocks(detector)
    if judge:
        blocks += judge_blocks(judge)
    return blocks + [Block("h2", "How to read this"), Block("dl", pairs=GLOSSARY)]


def write_models_report(out_dir: Path | str, *, models: Sequence[Model], baseline: tuple[str, Mapping] | None,
                        detector: Mapping | None, meta: Mapping, judge: Mapping | None = None) -> dict[str, Path]:
    """report.md, report.html, frontier.png and categories.png for several models, written atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images = {"frontier.png": models_frontier_png(models, baseline), "categories.png": models_categories_png(models, baseline)}
    blocks = models_blocks(models, baseline, detector, meta, judge)
    contents = {"report.md": to_markdown(blocks).encode("utf-8"), "report.html": to_html(blocks, images).encode("utf-8"),
                **images}
    paths = {name: out / name for name in FILES}
    write_atomically({paths[name]: contents[name] for name in FILES})
    return paths


def models_terminal_table(models: Sequence[Model], baseline: tuple[str, Mapping] | None):
    """The models table for the terminal (key metrics only, to fit 80 columns) as a ``rich.table.Table``."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Safety–helpfulness: {len(models)} models" + (f" vs {baseline[0]}" if baseline else ""))
    for h in ("Model", "Unsafe compliance", "Upper bound", "Over-refusal", *(("\u0394 unsafe", "\u0394 over-ref.")
                                                                          if baseline else ())):
        table.add_column(h, justify="left" if h == "Model" else "right")
    runs = ([(f"{baseline[0]} (baseline)", baseline[1], None)] if baseline else []) + list(models)
    for i, (name, metrics, comparison) in enumerate(runs):
        o = metrics["overall"]
        cells = [name, *(fmt_pct(o[m]["rate"]) for m in ("unsafe_compliance", "unsafe_upper", "over_refusal"))]
        if baseline:
            cells += ["\u2014"] * 2 if i == 0 else [delta_cell(metric_view(m, metrics, baseline[1], comparison)) +
                                                     f" p={fmt_p((comparison or {}).get('overall', {}).get(m, {}).get('p_value'))}"
                                                     for m in KEY_METRICS]
        texts = [Text(c) for c in cells]
        for t in texts:
            if "(worse)" in t.plain:
                t.stylize("bold red")
            elif "(better)" in t.plain:
                t.stylize("green")
        table.add_row(*texts)
    return table
