"""Tests for dpoclin.agreement: published worked examples and hand-computed values."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from dpoclin.agreement import (
    PreferenceAgreement,
    RatingAgreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)

# ------------------------------------------------------------------ two raters


def _cohen_example() -> tuple[list[str], list[str]]:
    # 50 items: both "yes" 20, A yes/B no 5, A no/B yes 10, both "no" 15.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    return [p[0] for p in pairs], [p[1] for p in pairs]


def test_percent_agreement() -> None:
    a, b = _cohen_example()
    assert percent_agreement(a, b) == pytest.approx(35 / 50)
    assert math.isnan(percent_agreement([], []))
    with pytest.raises(ValueError):
        percent_agreement(["a"], ["a", "b"])


def test_cohen_kappa_hand_worked() -> None:
    a, b = _cohen_example()
    # p_o = (20 + 15) / 50 = 0.7
    # A says yes 25/50, B says yes 30/50: p_e = 0.5*0.6 + 0.5*0.4 = 0.3 + 0.2 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_matches_sklearn() -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(7)
    labels = ["0", "1", "2", "tie"]
    a = [rng.choice(labels) for _ in range(300)]
    b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_cohen_kappa_degenerate_and_extremes() -> None:
    # expected agreement == 1 (both raters always "0"): defined as 1.0 (observed == 1)
    assert cohen_kappa(["0"] * 5, ["0"] * 5) == 1.0
    assert cohen_kappa(["0", "1", "0"], ["0", "1", "0"]) == pytest.approx(1.0)
    # systematic disagreement: p_o = 0, p_e = 0.5 -> kappa = -1
    assert cohen_kappa(["0", "1"], ["1", "0"]) == pytest.approx(-1.0)
    assert math.isnan(cohen_kappa([], []))


# ------------------------------------------------------------------ Fleiss

FLEISS_1971 = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_wikipedia_example() -> None:
    # Wikipedia "Fleiss' kappa" worked example: P-bar = 0.378, P_e = 0.213, kappa = 0.210
    assert fleiss_kappa(FLEISS_1971) == pytest.approx(0.210, abs=5e-4)
    # same table as dicts of category -> count
    as_dicts = [{c: n for c, n in zip("abcde", row) if n} for row in FLEISS_1971]
    assert fleiss_kappa(as_dicts) == pytest.approx(fleiss_kappa(FLEISS_1971), abs=1e-12)


def test_fleiss_kappa_variable_raters() -> None:
    table = [{"a": 2}, {"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1}]
    # item 1: n=2, P = (4 - 2) / (2*1) = 1
    # item 2: n=2, P = (1 + 1 - 2) / 2 = 0
    # item 3: n=3, P = (4 + 1 - 3) / (3*2) = 1/3
    # item 4: one rating -> ignored
    # P-bar = (1 + 0 + 1/3) / 3 = 4/9
    # totals: a = 2+1+2 = 5, b = 0+1+1 = 2, N = 7 -> P_e = (25 + 4) / 49 = 29/49
    # kappa = (4/9 - 29/49) / (1 - 29/49) = (-65/441) / (20/49) = -13/36
    assert fleiss_kappa(table) == pytest.approx(-13 / 36)


def test_fleiss_kappa_undefined() -> None:
    assert math.isnan(fleiss_kappa([]))
    assert math.isnan(fleiss_kappa([{"a": 1}]))  # no item with >= 2 ratings
    assert math.isnan(fleiss_kappa([{"a": 3}, {"a": 2}]))  # P_e == 1


# ------------------------------------------------------------------ Krippendorff

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders x 12 units.
_K = None
KRIPP_CODERS = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _K, _K, _K],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _K, 3],
    "C": [_K, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _K],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _K],
}
KRIPP_UNITS = [[v for v in col if v is not None] for col in zip(*KRIPP_CODERS.values())]


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_published_example(level: str, published: float) -> None:
    assert round(krippendorff_alpha(KRIPP_UNITS, level), 3) == published


def test_krippendorff_perfect_agreement() -> None:
    units = [[1, 1, 1], [2, 2], [5, 5, 5, 5], [3]]
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(units, level) == pytest.approx(1.0)


def test_krippendorff_hand_computed() -> None:
    units = [[1, 1, 2], [2, 2], [4]]
    # unit 1 (m=3): ordered pairs 1-1: 2, 1-2: 2, 2-1: 2, each / (m-1) = 2
    #   -> o11 = 1, o12 = 1, o21 = 1
    # unit 2 (m=2): 2-2: 2 / 1 -> o22 = 2;   unit 3: one value, not pairable
    # n1 = 2, n2 = 3, n = 5
    # nominal: alpha = 1 - (n-1) * (o12 + o21) / (n1*n2 + n2*n1) = 1 - 4*2/12 = 1/3
    assert krippendorff_alpha(units, "nominal") == pytest.approx(1 / 3)
    # with two values every metric is a constant times the nominal one -> same alpha
    assert krippendorff_alpha(units, "interval") == pytest.approx(1 / 3)
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(1 / 3)

    units = [[1, 2], [2, 3]]
    # o12 = o21 = o23 = o32 = 1; n1 = 1, n2 = 2, n3 = 1, n = 4
    # interval: observed sum o*d2 = 4 * 1 = 4
    #   expected = 2*(n1 n2 *1 + n2 n3 *1 + n1 n3 *4) = 2*(2 + 2 + 4) = 16
    #   alpha = 1 - 3*4/16 = 0.25
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.25)
    # ordinal: d2(1,2) = (n1+n2 - (n1+n2)/2)^2 = 1.5^2 = 2.25 = d2(2,3)
    #   d2(1,3) = (n1+n2+n3 - (n1+n3)/2)^2 = 3^2 = 9
    #   observed = 4 * 2.25 = 9; expected = 2*(2*2.25 + 2*2.25 + 1*9) = 36
    #   alpha = 1 - 3*9/36 = 0.25
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(0.25)


def test_krippendorff_undefined_and_bad_level() -> None:
    assert math.isnan(krippendorff_alpha([], "ordinal"))
    assert math.isnan(krippendorff_alpha([[1], [2]], "ordinal"))  # nothing pairable
    assert math.isnan(krippendorff_alpha([[3, 3], [3, 3, 3]], "interval"))  # no variation
    with pytest.raises(ValueError):
        krippendorff_alpha(KRIPP_UNITS, "ratio")  # type: ignore[arg-type]


# ------------------------------------------------------------------ PreferenceAgreement

HAND_TASKS = [
    {"A": "0", "B": "0", "C": "0"},  # T1
    {"A": "0", "B": "0", "C": "1"},  # T2
    {"A": "1", "B": "0", "C": "1"},  # T3
    {"A": "0", "B": "1"},  # T4
    {"A": "tie", "B": "0", "C": "1"},  # T5: every leave-one-out majority is a tie
    {"A": "1"},  # T6: single vote
    {"A": "1", "B": "1", "C": "1"},  # T7
]


def test_preference_hand_built() -> None:
    acc = PreferenceAgreement()
    for task in HAND_TASKS:
        acc.add_task(task)
    res = acc.result()
    assert res["n_tasks"] == 6 and res["n_single"] == 1
    # P_i: T1 1, T2 1/3, T3 1/3, T4 0, T5 0, T7 1 -> P-bar = (8/3)/6 = 4/9
    assert res["pairwise_percent"] == pytest.approx(100 * 4 / 9)
    assert res["unanimous_percent"] == pytest.approx(100 * 2 / 6)  # T1, T7
    # totals "0": 3+2+1+1+1 = 8, "1": 1+2+1+1+3 = 8, "tie": 1; N = 17
    # P_e = (64+64+1)/289 = 129/289; kappa = (4/9 - 129/289)/(160/289) = -1/288
    assert res["fleiss_kappa"] == pytest.approx(-1 / 288)

    per = res["per_annotator"]
    # A: T1 (0 vs 0), T2 others B0/C1 tie -> skip, T3 B0/C1 tie -> skip, T4 (0 vs B's 1),
    #    T5 skip, T7 (1 vs 1) -> n=3, agree 2 -> 66.7%
    #    kappa: p_o = 2/3; A labels 0,0,1; majority 0,1,1 -> p_e = 2/3*1/3 + 1/3*2/3 = 4/9
    #    kappa = (2/3 - 4/9) / (5/9) = 0.4
    assert per["A"]["n"] == 3
    assert per["A"]["percent_vs_majority"] == pytest.approx(200 / 3)
    assert per["A"]["cohen_kappa_vs_majority"] == pytest.approx(0.4)
    # B: T1 (0,0), T2 tie skip, T3 (0 vs 1), T4 (1 vs A's 0), T7 (1,1) -> n=4, 50%
    #    labels 0,0,1,1; majority 0,1,0,1 -> p_o = 0.5, p_e = 0.5 -> kappa 0
    assert per["B"]["n"] == 4
    assert per["B"]["percent_vs_majority"] == pytest.approx(50.0)
    assert per["B"]["cohen_kappa_vs_majority"] == pytest.approx(0.0)
    # C: T1 (0,0), T2 (1 vs 0), T3 tie skip, T7 (1,1) -> n=3, 66.7%
    #    labels 0,1,1; majority 0,0,1 -> p_e = 1/3*2/3 + 2/3*1/3 = 4/9 -> kappa 0.4
    assert per["C"]["n"] == 3
    assert per["C"]["percent_vs_majority"] == pytest.approx(200 / 3)
    assert per["C"]["cohen_kappa_vs_majority"] == pytest.approx(0.4)
    json.dumps(res, allow_nan=False)


def test_preference_only_ties_among_others() -> None:
    acc = PreferenceAgreement()
    acc.add_task({"A": "0", "B": "1"})  # two votes, each "other" is a strict plurality of one
    acc.add_task({"A": "0", "B": "1", "C": "tie"})  # all leave-one-out majorities tie
    per = acc.result()["per_annotator"]
    assert per["A"]["n"] == 1 and per["B"]["n"] == 1
    assert per["C"] == {"n": 0, "percent_vs_majority": None, "cohen_kappa_vs_majority": None}


def _loo_majority_reference(votes: dict[str, str], who: str) -> str | None:
    others = Counter(v for a, v in votes.items() if a != who).most_common()
    if len(others) > 1 and others[0][1] == others[1][1]:
        return None
    return others[0][0]


def test_preference_matches_pure_functions() -> None:
    rng = random.Random(11)
    annotators = [f"md{i}" for i in range(6)]
    labels = ["0", "1", "tie"]
    acc = PreferenceAgreement()
    table, pairs = [], {a: ([], []) for a in annotators}
    for _ in range(500):
        k = rng.choice([1, 2, 3, 3, 4, 5])
        truth = rng.choice(labels)
        votes = {
            a: truth if rng.random() < 0.7 else rng.choice(labels)
            for a in rng.sample(annotators, k)
        }
        acc.add_task(votes)
        if len(votes) >= 2:
            table.append(Counter(votes.values()))
            for a, lab in votes.items():
                maj = _loo_majority_reference(votes, a)
                if maj is not None:
                    pairs[a][0].append(lab)
                    pairs[a][1].append(maj)
    res = acc.result()
    assert res["n_tasks"] == len(table)
    assert res["fleiss_kappa"] == pytest.approx(fleiss_kappa(table), abs=1e-12)
    for a, (own, maj) in pairs.items():
        got = res["per_annotator"][a]
        assert got["n"] == len(own)
        assert got["percent_vs_majority"] == pytest.approx(100 * percent_agreement(own, maj))
        assert got["cohen_kappa_vs_majority"] == pytest.approx(cohen_kappa(own, maj), abs=1e-12)


def test_preference_empty_and_single_only() -> None:
    acc = PreferenceAgreement()
    acc.add_task({"A": "0"})
    acc.add_task({})
    res = acc.result()
    assert res == {
        "n_tasks": 0,
        "n_single": 1,
        "pairwise_percent": None,
        "unanimous_percent": None,
        "fleiss_kappa": None,
        "per_annotator": {},
    }
    json.dumps(res, allow_nan=False)


# ------------------------------------------------------------------ RatingAgreement


def test_rating_per_annotator_hand_built() -> None:
    acc = RatingAgreement()
    acc.add_unit("accuracy", {"A": 3, "B": 4, "C": 5})
    acc.add_unit("accuracy", {"A": 2, "B": 2})
    acc.add_unit("accuracy", {"C": 1})  # not pairable
    res = acc.result()["accuracy"]
    assert res["n_units"] == 2 and res["n_values"] == 5
    per = res["per_annotator"]
    # A: |3 - median(4,5)=4.5| = 1.5 (not within one), |2 - 2| = 0 -> mean 0.75, 50%
    assert per["A"] == {"n": 2, "mean_abs_diff_vs_median": 0.75, "within_one_percent": 50.0}
    # B: |4 - median(3,5)=4| = 0, |2 - 2| = 0 -> mean 0, 100%
    assert per["B"] == {"n": 2, "mean_abs_diff_vs_median": 0.0, "within_one_percent": 100.0}
    # C: |5 - median(3,4)=3.5| = 1.5 -> mean 1.5, 0%; its single-value unit is ignored
    assert per["C"] == {"n": 1, "mean_abs_diff_vs_median": 1.5, "within_one_percent": 0.0}
    units = [[3, 4, 5], [2, 2], [1]]
    assert res["alpha_ordinal"] == pytest.approx(krippendorff_alpha(units, "ordinal"))
    assert res["alpha_interval"] == pytest.approx(krippendorff_alpha(units, "interval"))


def test_rating_published_example_streamed() -> None:
    acc = RatingAgreement()
    for unit in zip(*KRIPP_CODERS.values()):
        acc.add_unit("safety", {c: v for c, v in zip(KRIPP_CODERS, unit) if v is not None})
    res = acc.result()["safety"]
    assert round(res["alpha_ordinal"], 3) == 0.815
    assert round(res["alpha_interval"], 3) == 0.849
    assert res["n_units"] == 11 and res["n_values"] == 40  # unit 12 has a single value


def test_rating_matches_pure_functions() -> None:
    rng = random.Random(3)
    annotators = [f"md{i}" for i in range(5)]
    acc = RatingAgreement()
    units: dict[str, list[list[float]]] = {"accuracy": [], "safety": []}
    for _ in range(400):
        dim = rng.choice(list(units))
        truth = rng.randint(1, 5)
        values = {
            a: min(5, max(1, truth + rng.choice([-1, 0, 0, 0, 1])))
            for a in rng.sample(annotators, rng.choice([1, 2, 3, 4]))
        }
        acc.add_unit(dim, values)
        units[dim].append(list(values.values()))
    res = acc.result()
    for dim, us in units.items():
        assert res[dim]["n_units"] == sum(len(u) >= 2 for u in us)
        assert res[dim]["alpha_ordinal"] == pytest.approx(krippendorff_alpha(us, "ordinal"), abs=1e-12)
        assert res[dim]["alpha_interval"] == pytest.approx(krippendorff_alpha(us, "interval"), abs=1e-12)


def test_rating_nan_becomes_none() -> None:
    acc = RatingAgreement()
    acc.add_unit("safety", {"A": 4, "B": 4})  # no variation -> alpha undefined
    acc.add_unit("reasoning", {"A": 3})  # nothing pairable
    res = acc.result()
    assert res["safety"]["alpha_ordinal"] is None and res["safety"]["alpha_interval"] is None
    assert res["reasoning"] == {
        "n_units": 0,
        "n_values": 0,
        "alpha_ordinal": None,
        "alpha_interval": None,
        "per_annotator": {},
    }
    json.dumps(res, allow_nan=False)


def test_merged_accumulators_equal_one_pass_and_survive_pickling():
    import pickle
    import random

    rng = random.Random(5)
    tasks = [{f"a{k}": rng.choice("01t") for k in rng.sample(range(6), rng.randint(1, 4))} for _ in range(300)]
    units = [("accuracy" if i % 2 else "safety", {f"a{k}": rng.randint(1, 5) for k in rng.sample(range(6), rng.randint(2, 4))})
             for i in range(400)]
    whole_p, whole_r = PreferenceAgreement(), RatingAgreement()
    halves = [(PreferenceAgreement(), RatingAgreement()) for _ in range(2)]
    for i, votes in enumerate(tasks):
        whole_p.add_task(votes)
        halves[i % 2][0].add_task(votes)
    for i, (dim, values) in enumerate(units):
        whole_r.add_unit(dim, values)
        halves[i % 2][1].add_unit(dim, values)
    merged_p, merged_r = pickle.loads(pickle.dumps(halves[0]))
    merged_p.merge(pickle.loads(pickle.dumps(halves[1][0])))
    merged_r.merge(pickle.loads(pickle.dumps(halves[1][1])))
    assert _close(merged_p.result(), whole_p.result())
    assert _close(merged_r.result(), whole_r.result())


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b
