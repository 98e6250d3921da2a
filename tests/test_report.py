"""Tests for dpoclin.report: the eval-refusals safety–helpfulness report (md, html, PNGs, terminal table).

The metrics dicts are made by the real dpoclin.metrics.refusal_metrics / compare from hand-built
rows, so the report is exercised on the shapes eval-refusals will actually pass.
"""

from __future__ import annotations

import base64
import io
import re

import pytest

from dpoclin import __version__, report
from dpoclin.metrics import compare, refusal_metrics, wilson_interval
from dpoclin.refusal import detection_scores
from dpoclin.report import (FILES, categories_png, fmt_delta, fmt_p, fmt_pct, fmt_rate, frontier_png, headline,
                            terminal_table, write_report)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVIL = "<script>alert('x')</script>"


def _row(pid, label, category, cls, disclaimer=False):
    return {"id": pid, "label": label, "category": category, "cls": cls, "disclaimer": disclaimer}


def _runs():
    """10 benign (b0–b4 dosing, b5–b9 triage) and 10 harmful (h0–h9 overdose) prompts.

    Over-refusal: baseline refuses b0 (1/10), tuned b0–b2 (3/10) → +20.0 points, McNemar b = 0, c = 2,
    p = 2·C(2,0)/2² = 0.50.  Unsafe compliance: baseline complies with h0–h8 (9/10), tuned with h0
    (1/10) → −80.0 points, b = 8, c = 0, p = 2/2⁸ = 0.0078 → "0.008".  Disclaimer: b9 in both runs,
    1/9 compliant benign answers before, 1/7 after → +3.2 points, n "9 → 7".
    """
    baseline, tuned = [], []
    for i in range(10):
        cat = "dosing" if i < 5 else "triage"
        baseline.append(_row(f"b{i}", "benign", cat, "full_refusal" if i == 0 else "compliance", i == 9))
        tuned.append(_row(f"b{i}", "benign", cat, "partial_refusal" if i in (1, 2) else
                          "full_refusal" if i == 0 else "compliance", i == 9))
    for i in range(10):
        baseline.append(_row(f"h{i}", "harmful", "overdose", "compliance" if i < 9 else "full_refusal"))
        tuned.append(_row(f"h{i}", "harmful", "overdose", "compliance" if i == 0 else "full_refusal"))
    return baseline, tuned


def _metrics(baseline_rows, tuned_rows):
    return refusal_metrics(tuned_rows), refusal_metrics(baseline_rows), compare(baseline_rows, tuned_rows)


META = {"model": "clin-7b-dpo", "baseline_model": "clin-7b", "prompts": "refusal_prompts.jsonl",
        "prompts_sha256": "ab" * 32, "generation": {"temperature": 0.0, "max_new_tokens": 256},
        "detector": "refusal_detector.safetensors", "date": "2025-01-31"}


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    """One comparative report with a detector section, written once for the read-only tests."""
    tuned, baseline, comparison = _metrics(*_runs())
    gold = ["compliance", "compliance", "partial_refusal", "full_refusal", "full_refusal", "compliance"]
    pred = ["compliance", "full_refusal", "compliance", "full_refusal", "partial_refusal", "compliance"]
    out = tmp_path_factory.mktemp("report")
    paths = write_report(out, tuned=tuned, baseline=baseline, comparison=comparison,
                         detector=detection_scores(gold, pred), meta=META)
    return out, paths


def _md_row(md: str, first_cells: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {first_cells} |"))


# ----------------------------------------------------------------------------- number formats


def test_number_formats():
    assert fmt_pct(0.127) == "12.7%" and fmt_pct(None) == "n/a" and fmt_pct(float("nan")) == "n/a"
    assert fmt_rate({"rate": 0.3, "low": 0.108, "high": 0.603}) == "30.0% [10.8%, 60.3%]"
    assert fmt_rate({"rate": None, "low": None, "high": None}) == "n/a"
    assert fmt_rate({"rate": float("nan"), "low": float("nan"), "high": float("nan")}) == "n/a"
    assert fmt_delta(-0.837) == "\u221283.7" and fmt_delta(0.055) == "+5.5" and fmt_delta(0.0) == "0.0"
    assert fmt_delta(0.0004) == "+<0.1" and fmt_delta(-0.0004) == "\u2212<0.1"  # never a fake "0.0"
    assert fmt_delta(None) == "n/a"
    assert fmt_p(0.0004) == "< 0.001" and fmt_p(0.0078125) == "0.008" and fmt_p(0.123) == "0.12"
    assert fmt_p(1.0) == "1.00" and fmt_p(None) == "n/a"


# ----------------------------------------------------------------------------- files and numbers


def test_write_report_writes_all_files_and_nothing_else(full_report):
    out, paths = full_report
    assert set(paths) == set(FILES)
    assert all(paths[name] == out / name and paths[name].stat().st_size > 0 for name in FILES)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no temp files left behind


def test_markdown_metrics_table_has_hand_checked_numbers(full_report):
    md = (full_report[0] / "report.md").read_text(encoding="utf-8")
    assert "| Metric | Baseline [95% CI] | Tuned [95% CI] | \u0394 (points) | p (McNemar) | n |" in md
    assert _md_row(md, "Over-refusal (benign prompts)") == \
        "| Over-refusal (benign prompts) | 10.0% [1.8%, 40.4%] | 30.0% [10.8%, 60.3%] | +20.0 (worse) | 0.50 | 10 |"
    assert _md_row(md, "Unsafe compliance (harmful prompts)") == \
        "| Unsafe compliance (harmful prompts) | 90.0% [59.6%, 98.2%] | 10.0% [1.8%, 40.4%] | \u221280.0 (better) | 0.008 | 10 |"
    assert _md_row(md, "Disclaimer rate (compliant benign answers)") == \
        "| Disclaimer rate (compliant benign answers) | 11.1% [2.0%, 43.5%] | 14.3% [2.6%, 51.3%] | +3.2 (worse) | 1.00 | 9 \u2192 7 |"
    # the hand-checked interval strings are the real Wilson bounds
    assert [round(100 * x, 1) for x in wilson_interval(3, 10)] == [10.8, 60.3]


def test_markdown_category_table_and_na_for_empty_denominators(full_report):
    md = (full_report[0] / "report.md").read_text(encoding="utf-8")
    # raw McNemar p 0.50; Holm over the over-refusal family {dosing 0.50, triage 1.00}: min(1, 2 x 0.50) = 1.00
    assert _md_row(md, "dosing | Over-refusal (benign prompts)") == \
        "| dosing | Over-refusal (benign prompts) | 20.0% [3.6%, 62.4%] | 60.0% [23.1%, 88.2%] | +40.0 (worse) | 1.00 | 5 |"
    assert "| Category | Metric | Baseline [95% CI] | Tuned [95% CI] | \u0394 (points) | p (McNemar, Holm-adjusted) | n |" in md
    # overdose has only harmful prompts: no over-refusal row at all (not an n/a row, a crash or "nan")
    assert "| overdose | Over-refusal (benign prompts)" not in md
    assert "| overdose | Unsafe compliance (harmful prompts)" in md
    assert _md_row(md, "triage | Over-refusal (benign prompts)").endswith("| 0.0 (no change) | 1.00 | 5 |")
    assert not re.search(r"\bnan\b|None", md, re.I)


def test_markdown_sections_meta_disclaimer_detector_glossary(full_report):
    md = (full_report[0] / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Safety\u2013helpfulness report: clin-7b-dpo\n")
    assert "- Prompts file sha256: " + "ab" * 32 in md
    assert "- Prompts evaluated: 20 (10 benign, 10 harmful)" in md
    assert "- Generation settings: max_new_tokens=256, temperature=0.0" in md
    assert f"- dpoclin version: {__version__}" in md and "- Date: 2025-01-31" in md
    assert "Disclaimer rate: 14.3% [2.6%, 51.3%]" in md and "symptom of over-refusal" in md
    assert "precision 0.667, recall 0.667, F1 0.667" in md
    assert "| gold: compliance | 2 | 0 | 1 |" in md
    glossary = md.split("## How to read this")[1]
    for term in ("Over-refusal", "Unsafe compliance", "Partial refusal", "Disclaimer rate", "95% CI (Wilson", "McNemar"):
        assert f"- **{term}" in glossary
    assert "![" in md and "](frontier.png)" in md and "](categories.png)" in md


# ----------------------------------------------------------------------------- headline


def test_headline_states_the_over_refusal_regression():
    tuned, baseline, comparison = _metrics(*_runs())
    lines = headline(tuned, baseline, comparison)
    assert lines[0].startswith("Verdict:") and "safer" in lines[0] and ", but less helpful" in lines[0]
    assert "Regression: over-refusal of benign questions got worse." in lines[0]
    assert ("Over-refusal of benign questions rose from 10.0% to 30.0% (+20.0 points, McNemar p = 0.50; "
            "n = 10 benign prompts) \u2014 worse: a regression, not statistically significant at the 5% level.") in lines
    assert ("Unsafe compliance with harmful requests fell from 90.0% to 10.0% (\u221280.0 points, McNemar p = 0.008; "
            "n = 10 harmful prompts) \u2014 better, statistically significant.") in lines
    assert any(line.startswith("Over-refusal of benign questions in category \u201cdosing\u201d rose") for line in lines)
    assert any(line.startswith("The disclaimer rate") and "rose" in line for line in lines)


def test_headline_has_no_regression_when_everything_improves():
    baseline_rows, _ = _runs()
    improved = [dict(r, cls="full_refusal") if r["label"] == "harmful" else dict(r, cls="compliance", disclaimer=False)
                for r in baseline_rows]
    lines = headline(*_metrics(baseline_rows, improved))
    assert "regression" not in " ".join(lines).lower()
    assert "safer" in lines[0] and "more helpful" in lines[0]


def test_category_regression_is_reported_even_when_overall_improves():
    """Over-refusal falls overall (2/10 → 1/10) but rises in triage (0/5 → 1/5): the headline must say so."""
    base = [_row(f"b{i}", "benign", "dosing" if i < 5 else "triage", "full_refusal" if i < 2 else "compliance")
            for i in range(10)]
    tuned = [_row(f"b{i}", "benign", "dosing" if i < 5 else "triage", "full_refusal" if i == 5 else "compliance")
             for i in range(10)]
    lines = headline(*_metrics(base, tuned))
    assert "more helpful" in lines[0] and "1 category-level regression" in lines[0]
    assert any("category \u201ctriage\u201d rose from 0.0% to 20.0%" in line and "regression" in line for line in lines)


def test_upper_bound_of_unsafe_compliance_catches_leaky_partial_refusals():
    """Tuned turns 5 compliances into partial refusals and 2 full refusals into partial ones: the strict rate
    falls 5/10 -> 0/10 while the upper bound rises 5/10 -> 7/10, which the headline calls a regression."""
    base = [_row(f"h{i}", "harmful", "overdose", "full_refusal" if i < 5 else "compliance") for i in range(10)]
    tuned = [_row(f"h{i}", "harmful", "overdose", "partial_refusal" if i >= 3 else "full_refusal") for i in range(10)]
    lines = headline(*_metrics(base, tuned))
    assert "Regression: unsafe compliance's upper bound (harmful requests not fully refused) got worse." in lines[0]
    assert any(line.startswith("Unsafe compliance with harmful requests fell from 50.0% to 0.0%") for line in lines)
    assert any(line.startswith("Unsafe compliance's upper bound (harmful requests not fully refused) rose from 50.0% "
                               "to 70.0% (+20.0 points") for line in lines)
    headers, rows = report.metrics_table(*_metrics(base, tuned))
    upper = next(r for r in rows if r[0].startswith("Unsafe compliance, upper bound"))
    assert upper[1:4] == ["50.0% [23.7%, 76.3%]", "70.0% [39.7%, 89.2%]", "+20.0 (worse)"]


def test_category_lines_use_holm_adjusted_p_and_say_when_n_is_too_small():
    tuned, baseline, comparison = _metrics(*_runs())
    line = next(x for x in headline(tuned, baseline, comparison) if "category \u201cdosing\u201d" in x)
    # dosing: 5 benign prompts, b1 and b2 newly refused: raw p = 0.50; the only over-refusal test with a change
    # besides triage's (untested: no change) -> Holm over the defined p-values of the family
    assert "Holm-adjusted McNemar p = " in line and "too few prompts to call it: with 5 paired" in line
    adj = comparison["by_category"]["dosing"]["over_refusal"]["p_holm"]
    assert f"Holm-adjusted McNemar p = {fmt_p(adj)}" in line
    headers, _ = report.category_table(tuned, baseline, comparison)
    assert "p (McNemar, Holm-adjusted)" in headers
    overall = next(x for x in headline(tuned, baseline, comparison) if x.startswith("Over-refusal of benign questions rose"))
    assert "Holm" not in overall and "too few" not in overall  # overall: 10 paired prompts can reach p < 0.05


def test_headline_lines_appear_in_markdown_and_html(full_report):
    out, _ = full_report
    md, page = (out / "report.md").read_text(encoding="utf-8"), (out / "report.html").read_text(encoding="utf-8")
    tuned, baseline, comparison = _metrics(*_runs())
    for line in headline(tuned, baseline, comparison):
        assert f"- {report.md_escape(line)}" in md
        assert f"<li>{report.html.escape(line)}</li>" in page


# ----------------------------------------------------------------------------- tuned only, partial inputs


def test_tuned_only_report_has_no_baseline_or_delta_columns(tmp_path):
    _, tuned_rows = _runs()
    tuned = refusal_metrics(tuned_rows)
    paths = write_report(tmp_path, tuned=tuned, meta={"model": "clin-7b-dpo"})
    md = paths["report.md"].read_text(encoding="utf-8")
    assert "| Metric | Tuned [95% CI] | n |" in md
    assert _md_row(md, "Over-refusal (benign prompts)") == "| Over-refusal (benign prompts) | 30.0% [10.8%, 60.3%] | 10 |"
    assert "\u0394" not in md.split("## How to read this")[0] and "Baseline" not in md and "McNemar p" not in md
    assert "No baseline was evaluated, so no change can be stated." in md
    assert "Over-refusal of benign questions: 30.0% (3 of 10 benign prompts; 95% CI 10.8% to 60.3%)." in md
    assert [c.header for c in terminal_table(tuned).columns] == ["Metric", "Tuned [95% CI]", "n"]


def test_baseline_without_comparison_shows_delta_but_no_test():
    baseline_rows, tuned_rows = _runs()
    tuned, baseline = refusal_metrics(tuned_rows), refusal_metrics(baseline_rows)
    lines = headline(tuned, baseline)
    assert any("rose from 10.0% to 30.0% (+20.0 points, no paired test;" in line for line in lines)
    headers, rows = report.metrics_table(tuned, baseline)
    over = next(r for r in rows if r[0].startswith("Over-refusal"))
    assert over[3:5] == ["+20.0 (worse)", "not tested"]


def test_comparison_alone_supplies_baseline_rates():
    tuned, _, comparison = _metrics(*_runs())
    _, rows = report.metrics_table(tuned, comparison=comparison)
    over = next(r for r in rows if r[0].startswith("Over-refusal"))
    assert over[1:] == ["10.0% [1.8%, 40.4%]", "30.0% [10.8%, 60.3%]", "+20.0 (worse)", "0.50", "10"]


def test_mismatched_comparison_is_refused(tmp_path):
    tuned, baseline, comparison = _metrics(*_runs())
    other = refusal_metrics(_runs()[0])  # the baseline's metrics passed as "tuned"
    with pytest.raises(ValueError, match="comparison does not match the tuned metrics"):
        write_report(tmp_path, tuned=other, baseline=baseline, comparison=comparison, meta={})
    assert list(tmp_path.iterdir()) == []


def test_no_benign_prompts_at_all_renders_na(tmp_path):
    rows = [_row(f"h{i}", "harmful", "overdose", "compliance" if i < 2 else "full_refusal") for i in range(5)]
    tuned = refusal_metrics(rows)
    paths = write_report(tmp_path, tuned=tuned, meta={})
    md = paths["report.md"].read_text(encoding="utf-8")
    assert "Over-refusal of benign questions: n/a (no benign prompts were evaluated)." in md
    assert _md_row(md, "Over-refusal (benign prompts)") == "| Over-refusal (benign prompts) | n/a | 0 |"
    assert paths["frontier.png"].read_bytes().startswith(PNG_MAGIC)


# ----------------------------------------------------------------------------- HTML


def test_html_is_self_contained_with_embedded_pngs(full_report):
    out, _ = full_report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<link" not in page and "<script" not in page and "@import" not in page and "url(" not in page
    srcs = re.findall(r'<img src="([^"]*)"', page)
    assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)
    embedded = {base64.b64decode(s.split(",", 1)[1]) for s in srcs}
    assert embedded == {(out / "frontier.png").read_bytes(), (out / "categories.png").read_bytes()}
    assert "+20.0 (worse)" in page and 'class="num worse"' in page


def test_user_strings_are_escaped_in_html_and_markdown(tmp_path):
    baseline_rows, tuned_rows = _runs()
    for rows in (baseline_rows, tuned_rows):
        for r in rows:
            if r["category"] == "triage":
                r["category"] = f"triage {EVIL} $x$ |"
    tuned, baseline, comparison = _metrics(baseline_rows, tuned_rows)
    meta = {"model": f"m {EVIL}", "baseline_model": "b & <img src=x onerror=alert(1)>", "prompts": "p|q.jsonl"}
    paths = write_report(tmp_path, tuned=tuned, baseline=baseline, comparison=comparison, meta=meta)
    page = paths["report.html"].read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    md = paths["report.md"].read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<(?:script|img)", md)  # every "<" that could open a tag is backslash-escaped
    assert "\\<script>" in md and "p\\|q.jsonl" in md and "\\$x\\$" in md
    assert all(line.count("|") - line.count("\\|") == 8 for line in md.splitlines() if line.startswith("| triage"))


# ----------------------------------------------------------------------------- PNGs


def _decode(data: bytes):
    assert data.startswith(PNG_MAGIC)
    try:
        from PIL import Image
    except ImportError:  # matplotlib can read PNGs too
        import matplotlib.image as mpimg

        arr = mpimg.imread(io.BytesIO(data), format="png")
        return arr.shape[1], arr.shape[0]
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return img.size


def test_pngs_are_valid_with_sensible_dimensions(full_report):
    out, _ = full_report
    assert _decode((out / "frontier.png").read_bytes()) == (650, 600)  # FRONTIER_SIZE at DPI
    width, height = _decode((out / "categories.png").read_bytes())
    assert width == 900 and 300 <= height <= 6000


def test_pngs_are_deterministic_and_survive_hostile_labels():
    tuned, baseline, comparison = _metrics(*_runs())
    meta = {"model": "$\\frac{" + "x" * 200, "baseline_model": EVIL}  # broken mathtext, overlong
    assert frontier_png(tuned, baseline, comparison, meta) == frontier_png(tuned, baseline, comparison, meta)
    assert categories_png(tuned, baseline, comparison, meta).startswith(PNG_MAGIC)


def test_import_has_no_matplotlib_side_effects():
    import subprocess
    import sys

    code = "import sys, dpoclin.report; print('matplotlib.pyplot' in sys.modules, 'matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------------- terminal


def test_terminal_table_before_after():
    from rich.console import Console

    table = terminal_table(*_metrics(*_runs()))
    assert [c.header for c in table.columns] == ["Metric", "Baseline [95% CI]", "Tuned [95% CI]", "\u0394 (points)",
                                                 "p (McNemar)", "n"]
    console = Console(record=True, width=200, color_system=None)
    console.print(table)
    text = console.export_text()
    assert re.search(r"Over-refusal \(benign prompts\).*10\.0% \[1\.8%, 40\.4%\].*\+20\.0 \(worse\).*0\.50.*10", text)


# ----------------------------------------------------------------------------- atomic writes


def test_interrupted_write_leaves_no_partial_files(tmp_path, monkeypatch):
    (tmp_path / "report.md").write_text("previous report\n", encoding="utf-8")
    calls = []

    def dies_on_third_file(fh, data):
        calls.append(len(data))
        if len(calls) == 3:
            fh.write(data[: len(data) // 2])  # half a PNG on disk, then the process "dies"
            raise KeyboardInterrupt
        fh.write(data)

    monkeypatch.setattr(report, "_write_bytes", dies_on_third_file)
    tuned, baseline, comparison = _metrics(*_runs())
    with pytest.raises(KeyboardInterrupt):
        write_report(tmp_path, tuned=tuned, baseline=baseline, comparison=comparison, meta=META)
    assert len(calls) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # no temp files, no new files
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == "previous report\n"


def test_failure_while_rendering_writes_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(report, "categories_png", broken)
    tuned, baseline, comparison = _metrics(*_runs())
    with pytest.raises(RuntimeError):
        write_report(tmp_path / "out", tuned=tuned, baseline=baseline, comparison=comparison, meta=META)
    assert not any((tmp_path / "out" / name).exists() for name in FILES)


def test_rewrite_replaces_the_whole_report(tmp_path):
    tuned, baseline, comparison = _metrics(*_runs())
    write_report(tmp_path, tuned=tuned, meta={"model": "first"})
    write_report(tmp_path, tuned=tuned, baseline=baseline, comparison=comparison, meta={"model": "second"})
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "second" in md and "first" not in md and "McNemar" in md
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


def test_headline_caps_category_lines_for_the_terminal_and_says_how_many_more():
    from dpoclin.metrics import compare, refusal_metrics
    from dpoclin.report import headline

    def rows(refuse: bool):
        return [{"id": f"b{i}", "label": "benign", "category": f"cat{i}", "cls": "full_refusal" if refuse else "compliance",
                 "disclaimer": False} for i in range(6)]

    base, tuned = rows(False), rows(True)  # every one of 6 categories regresses
    args = (refusal_metrics(tuned), refusal_metrics(base), compare(base, tuned))
    full = headline(*args)
    capped = headline(*args, max_category_lines=2)
    assert sum("in category" in line for line in full) == 6
    assert sum("in category" in line for line in capped) == 2
    assert capped[-1] == "… and 4 more category-level regressions (see report.md)."
    assert capped[:3] == full[:3]  # the verdict and the two key metrics are never cut


def test_too_few_accounts_for_the_holm_multiplier():
    """Eight harmful categories; one has 6 paired prompts that all change: raw p = 2/2^6 = 0.031 < 0.05, but Holm over 8
    tests multiplies it by 8 (0.25), so no change there could be called: 'too few prompts'."""
    base, tuned = [], []
    for c in range(8):
        n = 6 if c == 0 else 2
        for i in range(n):
            base.append(_row(f"c{c}h{i}", "harmful", f"cat{c}", "compliance"))
            tuned.append(_row(f"c{c}h{i}", "harmful", f"cat{c}", "full_refusal" if c == 0 else "compliance"))
    base.append(_row("x", "harmful", "cat1", "full_refusal"))  # one rise elsewhere, so a category line is printed
    tuned.append(_row("x", "harmful", "cat1", "compliance"))
    t, b, c = _metrics(base, tuned)
    assert c["by_category"]["cat0"]["unsafe_compliance"]["p_value"] == pytest.approx(2 / 2**6)
    view = report.metric_view("unsafe_compliance", t, b, c, "cat0")
    assert view.adjusted and view.family == 8 and view.too_few
    assert not report.metric_view("unsafe_compliance", t, b, c).too_few  # overall: 17 paired prompts
