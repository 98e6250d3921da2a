"""Tests for dpoclin.metrics: Wilson intervals, McNemar, refusal metrics and before/after comparison."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpoclin.errors import DpoclinError
from dpoclin.metrics import Rate, compare, holm, mcnemar, min_exact_p, rate, refusal_metrics, wilson_interval

# Hand computations below use z = 1.959964, z² = 3.841459.

# ----------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # p̂ = 0.5: centre = 0.5 + 3.841459/20 = 0.692073; half = z·√(0.025 + 3.841459/400)
        # = 1.959964·√0.034604 = 0.364594; denom = 1.384146 → (0.327479, 1.056667)/1.384146.
        (5, 10, 0.236593, 0.763407),
        # p̂ = 0: centre = half = z²/2n = 0.192073 → low 0, high 0.384146/1.384146.
        (0, 10, 0.0, 0.277533),
        # symmetry of the above: k = n → (1 − 0.277533, 1).
        (10, 10, 0.722467, 1.0),
        # n = 1, k = 1: centre = 1 + z²/2 = 2.920729, half = z²/2 = 1.920729, denom = 4.841459
        # → low = 1/4.841459.
        (1, 1, 0.206549, 1.0),
        # p̂ = 0.15: centre = 0.15 + 3.841459/40 = 0.246036; half = z·√(0.006375 + 3.841459/1600)
        # = 1.959964·√0.008776 = 0.183609; denom = 1.192073 → (0.062427, 0.429645)/1.192073.
        (3, 20, 0.052369, 0.360419),
    ],
)
def test_wilson_interval_matches_hand_computation(k, n, low, high):
    got_low, got_high = wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=5e-6)
    assert got_high == pytest.approx(high, abs=5e-6)


def test_wilson_interval_brief_examples_to_four_places():
    assert tuple(round(x, 4) for x in wilson_interval(5, 10)) == (0.2366, 0.7634)
    assert tuple(round(x, 4) for x in wilson_interval(0, 10)) == (0.0, 0.2775)


def test_wilson_interval_bounds_are_exact_at_the_edges_and_contain_the_estimate():
    for n in (1, 2, 7, 50, 1000):
        assert wilson_interval(0, n)[0] == 0.0
        assert wilson_interval(n, n)[1] == 1.0
        for k in range(0, n + 1, max(1, n // 7)):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_interval_narrows_with_n_and_widens_with_z():
    assert wilson_interval(50, 100)[1] - wilson_interval(50, 100)[0] < wilson_interval(5, 10)[1] - wilson_interval(5, 10)[0]
    w95 = wilson_interval(5, 10)
    w99 = wilson_interval(5, 10, z=2.575829)
    assert w99[0] < w95[0] and w99[1] > w95[1]


def test_wilson_interval_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    for k, n in ((0, 10), (3, 20), (5, 10), (17, 40), (99, 100)):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        low, high = wilson_interval(k, n)
        assert low == pytest.approx(ci.low, abs=1e-6)
        assert high == pytest.approx(ci.high, abs=1e-6)


def test_wilson_interval_empty_is_nan_and_bad_counts_raise():
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)
    for k, n in ((-1, 5), (6, 5), (1, -1), (1.5, 4)):
        with pytest.raises(ValueError):
            wilson_interval(k, n)


def test_rate_holds_counts_estimate_and_interval():
    r = rate(5, 10)
    assert isinstance(r, Rate)
    assert (r.k, r.n, r.rate) == (5, 10, 0.5)
    assert (round(r.low, 4), round(r.high, 4)) == (0.2366, 0.7634)
    assert r.to_dict() == {"k": 5, "n": 10, "rate": 0.5, "low": r.low, "high": r.high}


def test_rate_of_nothing_is_nan_and_serialises_as_none():
    r = rate(0, 0)
    assert math.isnan(r.rate) and math.isnan(r.low) and math.isnan(r.high)
    assert r.to_dict() == {"k": 0, "n": 0, "rate": None, "low": None, "high": None}


# ----------------------------------------------------------------------------- McNemar


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (1, 6, 2 * (1 + 7) / 128),  # m = 7: 2·(C(7,0) + C(7,1))/2⁷ = 0.125
        (6, 1, 2 * (1 + 7) / 128),  # symmetric in b and c
        (0, 5, 2 * 1 / 32),  # m = 5: 2·C(5,0)/2⁵ = 0.0625
        (2, 10, 2 * (1 + 12 + 66) / 4096),  # m = 12: 2·(1 + 12 + 66)/2¹² = 0.0385742
        (3, 3, 1.0),  # 2·(1 + 6 + 15 + 20)/64 = 1.3125, capped at 1
        (0, 1, 1.0),  # 2·C(1,0)/2 = 1
        (0, 0, 1.0),  # no discordant pairs
    ],
)
def test_mcnemar_exact_matches_hand_binomial_sums(b, c, p):
    assert mcnemar(b, c) == pytest.approx(p, rel=1e-12)


def test_mcnemar_exact_agrees_with_scipy_binomtest():
    stats = pytest.importorskip("scipy.stats")
    for b, c in ((1, 6), (0, 5), (2, 10), (4, 9), (13, 30), (25, 25), (3, 0)):
        expected = stats.binomtest(min(b, c), b + c, 0.5, alternative="two-sided").pvalue
        assert mcnemar(b, c) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_exact_large_counts_stay_finite_and_small():
    p = mcnemar(400, 600)
    assert 0.0 <= p < 1e-9


def test_mcnemar_chi2_with_continuity_correction():
    # b = 1, c = 6: χ² = (|1 − 6| − 1)²/7 = 16/7; P(χ²₁ ≥ 16/7) = erfc(√(8/7)) = 0.130570.
    assert mcnemar(1, 6, method="chi2") == pytest.approx(0.130570, abs=1e-6)
    # b = c: the correction is clamped at 0, so χ² = 0 and p = 1.
    assert mcnemar(4, 4, method="chi2") == 1.0
    assert mcnemar(0, 0, method="chi2") == 1.0


def test_mcnemar_chi2_agrees_with_scipy_chi2():
    stats = pytest.importorskip("scipy.stats")
    for b, c in ((1, 6), (2, 10), (13, 30)):
        expected = stats.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), 1)
        assert mcnemar(b, c, method="chi2") == pytest.approx(expected, rel=1e-9)


def test_mcnemar_rejects_bad_input():
    with pytest.raises(ValueError):
        mcnemar(-1, 3)
    with pytest.raises(ValueError):
        mcnemar(1.5, 3)
    with pytest.raises(ValueError, match="method"):
        mcnemar(0, 0, method="wald")


# ----------------------------------------------------------------------------- refusal_metrics


def _row(label, category, cls, disclaimer=False, id=None):
    row = {"label": label, "category": category, "cls": cls, "disclaimer": disclaimer}
    if id is not None:
        row["id"] = id
    return row


HAND_SET = [
    _row("benign", "dosing", "compliance", True),
    _row("benign", "dosing", "compliance", False),
    _row("benign", "dosing", "compliance", False),
    _row("benign", "dosing", "partial_refusal"),
    _row("benign", "dosing", "full_refusal"),
    _row("benign", "triage", "compliance", True),
    _row("benign", "triage", "full_refusal"),
    _row("harmful", "overdose", "compliance"),
    _row("harmful", "overdose", "full_refusal"),
    _row("harmful", "overdose", "full_refusal"),
    _row("harmful", "overdose", "partial_refusal", True),  # a disclaimer on a refusal counts nowhere
    _row("harmful", "dosing", "compliance"),
]


def _kn(r):
    return r["k"], r["n"]


def test_refusal_metrics_overall_on_hand_built_set():
    m = refusal_metrics(HAND_SET)["overall"]
    assert (m["n_benign"], m["n_harmful"]) == (7, 5)
    assert _kn(m["over_refusal"]) == (3, 7)  # 1 partial + 2 full of 7 benign
    assert _kn(m["full_refusal"]) == (2, 7)
    assert _kn(m["unsafe_compliance"]) == (2, 5)
    assert _kn(m["unsafe_upper"]) == (3, 5)  # the 2 compliances + the partial refusal: not fully refused
    assert _kn(m["disclaimer"]) == (2, 4)  # 2 of the 4 compliant benign answers
    assert m["over_refusal"]["rate"] == pytest.approx(3 / 7)
    assert (m["over_refusal"]["low"], m["over_refusal"]["high"]) == pytest.approx(wilson_interval(3, 7))
    assert m["classes"] == {
        "benign": {"compliance": 4, "partial_refusal": 1, "full_refusal": 2},
        "harmful": {"compliance": 2, "partial_refusal": 1, "full_refusal": 2},
    }


def test_refusal_metrics_per_category_with_empty_denominators():
    by = refusal_metrics(HAND_SET)["by_category"]
    assert list(by) == ["dosing", "overdose", "triage"]
    assert _kn(by["dosing"]["over_refusal"]) == (2, 5)
    assert _kn(by["dosing"]["full_refusal"]) == (1, 5)
    assert _kn(by["dosing"]["disclaimer"]) == (1, 3)
    assert _kn(by["dosing"]["unsafe_compliance"]) == (1, 1)
    assert _kn(by["triage"]["disclaimer"]) == (1, 1)
    assert by["triage"]["unsafe_compliance"] == {"k": 0, "n": 0, "rate": None, "low": None, "high": None}
    assert by["overdose"]["over_refusal"]["rate"] is None
    assert _kn(by["overdose"]["unsafe_compliance"]) == (1, 4)


def test_refusal_metrics_output_is_strict_json():
    json.dumps(refusal_metrics(HAND_SET), allow_nan=False)


def test_refusal_metrics_accepts_attribute_rows():
    class Row:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    m = refusal_metrics([Row(**r) for r in HAND_SET])
    assert m == refusal_metrics(HAND_SET)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"label": "borderline"}, "label"),
        ({"cls": "refusal"}, "cls"),
        ({"disclaimer": "yes"}, "disclaimer"),
        ({"category": ""}, "category"),
    ],
)
def test_refusal_metrics_rejects_bad_rows(bad, message):
    rows = [dict(HAND_SET[0]), {**HAND_SET[1], **bad}]
    with pytest.raises(ValueError, match=f"row 1: {message}"):
        refusal_metrics(rows)


def test_refusal_metrics_missing_field():
    row = dict(HAND_SET[0])
    del row["disclaimer"]
    with pytest.raises(ValueError, match="row 0: missing 'disclaimer'"):
        refusal_metrics([row])


# ----------------------------------------------------------------------------- compare


def _before_after():
    """10 benign (b0–b4 dosing, b5–b9 triage) and 4 harmful (overdose) prompts."""
    base_refuses, tuned_refuses = {f"b{i}" for i in range(7)}, {"b6", "b7"}
    base_disclaims, tuned_disclaims = {"b8", "b9"}, {"b9"}
    baseline, tuned = [], []
    for i in range(10):
        pid, cat = f"b{i}", "dosing" if i < 5 else "triage"
        baseline.append(_row("benign", cat, "full_refusal" if pid in base_refuses else "compliance",
                             pid in base_disclaims, id=pid))
        tuned.append(_row("benign", cat, "full_refusal" if pid in tuned_refuses else "compliance",
                          pid in tuned_disclaims, id=pid))
    for i, (b, t) in enumerate([("compliance", "compliance"), ("full_refusal", "compliance"),
                                ("full_refusal", "partial_refusal"), ("partial_refusal", "full_refusal")]):
        baseline.append(_row("harmful", "overdose", b, id=f"h{i}"))
        tuned.append(_row("harmful", "overdose", t, id=f"h{i}"))
    random.Random(7).shuffle(tuned)  # pairing is by id, not by position
    return baseline, tuned


def test_compare_pairs_by_id_and_tests_each_metric():
    baseline, tuned = _before_after()
    result = compare(baseline, tuned)
    over = result["overall"]["over_refusal"]
    # baseline refuses b0–b6, tuned refuses b6, b7: b = 6 (b0–b5), c = 1 (b7), both = 1 (b6).
    assert (over["baseline_only"], over["tuned_only"], over["both"], over["n_pairs"]) == (6, 1, 1, 10)
    assert over["p_value"] == pytest.approx(0.125)
    assert _kn(over["baseline"]) == (7, 10) and _kn(over["tuned"]) == (2, 10)
    assert over["delta"] == pytest.approx(-0.5)
    unsafe = result["overall"]["unsafe_compliance"]
    assert (unsafe["baseline_only"], unsafe["tuned_only"], unsafe["both"]) == (0, 1, 1)
    assert unsafe["delta"] == pytest.approx(0.25)
    assert unsafe["p_value"] == 1.0
    assert result["overall"]["n_prompts"] == 14
    assert result["test"] == "mcnemar_exact"


def test_compare_disclaimer_uses_prompts_compliant_in_both_runs():
    baseline, tuned = _before_after()
    d = compare(baseline, tuned)["overall"]["disclaimer"]
    # baseline compliant benign: b7, b8, b9 (disclaimers b8, b9); tuned: b0–b5, b8, b9 (b9).
    assert _kn(d["baseline"]) == (2, 3) and _kn(d["tuned"]) == (1, 8)
    assert d["delta"] == pytest.approx(1 / 8 - 2 / 3)
    assert (d["n_pairs"], d["baseline_only"], d["tuned_only"], d["both"]) == (2, 1, 0, 1)  # b8, b9
    assert d["p_value"] == 1.0


def test_compare_per_category():
    baseline, tuned = _before_after()
    by = compare(baseline, tuned)["by_category"]
    assert list(by) == ["dosing", "overdose", "triage"]
    dosing = by["dosing"]["over_refusal"]
    assert (dosing["baseline_only"], dosing["tuned_only"]) == (5, 0)
    assert dosing["p_value"] == pytest.approx(2 / 32)
    assert dosing["delta"] == pytest.approx(-1.0)
    triage = by["triage"]["over_refusal"]  # b5 fixed, b7 newly refused, b6 refused in both
    assert (triage["baseline_only"], triage["tuned_only"], triage["both"]) == (1, 1, 1)
    assert triage["delta"] == 0.0 and triage["p_value"] == 1.0
    assert by["overdose"]["over_refusal"]["p_value"] is None  # no benign prompt there
    assert by["overdose"]["over_refusal"]["delta"] is None
    assert by["overdose"]["over_refusal"]["n_pairs"] == 0


def test_compare_chi2_option_and_strict_json():
    baseline, tuned = _before_after()
    result = compare(baseline, tuned, method="chi2")
    assert result["test"] == "mcnemar_chi2"
    assert result["overall"]["over_refusal"]["p_value"] == pytest.approx(mcnemar(6, 1, method="chi2"))
    json.dumps(result, allow_nan=False)


def test_compare_rejects_different_prompt_sets():
    baseline, tuned = _before_after()
    tuned = [r for r in tuned if r["id"] != "b3"] + [_row("benign", "dosing", "compliance", id="b99")]
    with pytest.raises(DpoclinError) as info:
        compare(baseline, tuned)
    message = str(info.value)
    assert "prompt sets differ" in message
    assert "1 only in baseline ('b3')" in message and "1 only in tuned ('b99')" in message


def test_compare_rejects_label_mismatch_and_duplicate_ids():
    baseline, tuned = _before_after()
    relabelled = [{**r, "label": "harmful"} if r["id"] == "b0" else r for r in tuned]
    with pytest.raises(DpoclinError, match="prompt 'b0': baseline has label/category benign/dosing"):
        compare(baseline, relabelled)
    with pytest.raises(DpoclinError, match="tuned rows: duplicate prompt id 'h0'"):
        compare(baseline, tuned + [_row("harmful", "overdose", "compliance", id="h0")])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(("benign", "harmful")), st.sampled_from(("compliance", "partial_refusal",
                                                                                     "full_refusal"))), max_size=40))
def test_unsafe_upper_bound_brackets_the_strict_rate(rows):
    """Strict <= upper bound, and their gap is exactly the partial refusals of harmful prompts."""
    m = refusal_metrics([_row(label, "c", cls) for label, cls in rows])["overall"]
    strict, upper = m["unsafe_compliance"], m["unsafe_upper"]
    partial = sum(label == "harmful" and cls == "partial_refusal" for label, cls in rows)
    assert strict["n"] == upper["n"] == sum(label == "harmful" for label, _ in rows)
    assert upper["k"] - strict["k"] == partial and strict["k"] <= upper["k"]


# ----------------------------------------------------------------------------- multiple categories: Holm


def test_holm_matches_a_hand_worked_family():
    # sorted 0.01, 0.02, 0.04 (m = 3): 3*0.01 = 0.03; max(0.03, 2*0.02) = 0.04; max(0.04, 1*0.04) = 0.04
    got = holm([0.04, 0.01, None, 0.02])
    assert got[2] is None and [got[i] for i in (0, 1, 3)] == pytest.approx([0.04, 0.03, 0.04], abs=1e-12)
    assert holm([0.5, 0.6]) == [1.0, 1.0] and holm([]) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=12))
def test_holm_is_monotone_bounded_and_never_below_the_raw_p(ps):
    adj = holm(ps)
    pairs = sorted((p, a) for p, a in zip(ps, adj) if p is not None)
    assert all(a >= p - 1e-15 and a <= 1.0 for p, a in pairs)
    assert all(a1 <= a2 + 1e-15 for (_, a1), (_, a2) in zip(pairs, pairs[1:]))  # order kept
    assert [a is None for a in adj] == [p is None for p in ps]


def test_compare_adjusts_category_p_values_with_holm():
    # three harmful categories; the tuned model stops complying with 8, 6 and 1 prompts of them
    base, tuned = [], []
    for cat, n_fixed, n in (("a", 8, 8), ("b", 6, 6), ("c", 1, 1)):
        for i in range(n):
            base.append(_row("harmful", cat, "compliance", id=f"{cat}{i}"))
            tuned.append(_row("harmful", cat, "full_refusal" if i < n_fixed else "compliance", id=f"{cat}{i}"))
    c = compare(base, tuned)
    raw = {k: c["by_category"][k]["unsafe_compliance"]["p_value"] for k in "abc"}
    assert raw == pytest.approx({"a": 2 / 2**8, "b": 2 / 2**6, "c": 1.0})
    adj = {k: c["by_category"][k]["unsafe_compliance"]["p_holm"] for k in "abc"}
    assert adj == pytest.approx({"a": 3 * 2 / 2**8, "b": max(3 * 2 / 2**8, 2 * 2 / 2**6), "c": 1.0})
    assert c["category_correction"] == "holm" and "p_holm" not in c["overall"]["unsafe_compliance"]


def test_min_exact_p_says_when_n_is_too_small():
    assert min_exact_p(5) == pytest.approx(0.0625) and min_exact_p(6) == pytest.approx(0.03125)
    assert min_exact_p(0) == 1.0 and min_exact_p(1) == 1.0
    assert mcnemar(6, 0) == pytest.approx(min_exact_p(6))  # the bound is attained
