"""Every pairing rule, the safety gate, tie policy and KTO labelling, on hand-built tasks."""

from __future__ import annotations

import pytest
from conftest import ANSWER, GOOD_RATINGS, REFUSAL, SAFE_REFUSAL, UNSAFE, record

from dpoclin.aggregate import aggregate_task
from dpoclin.pairing import DEFAULT_DIMENSION_WEIGHTS, Pair, PairingConfig, build_task_outputs, similarity
from dpoclin.schema import parse_record

OTHER = "Cephalexin is not first line here; for penicillin allergy use azithromycin or doxycycline depending on age."


def outputs(records, **cfg):
    config = PairingConfig(**cfg)
    judgments = [parse_record(r, f"test:{i}") for i, r in enumerate(records)]
    task = aggregate_task(judgments, config.dimension_weights, config.rating_aggregate)
    return build_task_outputs(task, config)


def only_pair(out) -> Pair:
    assert len(out.pairs) == 1, (out.pairs, out.rejects)
    return out.pairs[0]


def reasons(out, level="pair"):
    return [r.reason for r in out.rejects if r.level == level]


# --- over_refusal ------------------------------------------------------------------------

def test_unhelpful_refusal_is_rejected_side_against_acceptable_answer():
    out = outputs([record(refusal={"b": "unhelpful"}, acceptable={"a": True})])
    pair = only_pair(out)
    assert (pair.pair_type, pair.chosen.response.id, pair.rejected.response.id) == ("over_refusal", "a", "b")


def test_over_refusal_from_ratings_alone():
    out = outputs([record(refusal={"b": "unhelpful"}, ratings={"a": GOOD_RATINGS})])
    assert only_pair(out).pair_type == "over_refusal"


def test_preferred_unhelpful_refusal_over_acceptable_answer_is_a_conflict_not_a_pair():
    # The refusal label and verdict say a, the preference says b: contradictory judgments train nothing.
    out = outputs([record(refusal={"b": "unhelpful"}, acceptable={"a": True}, preference="b")])
    assert out.pairs == []
    assert reasons(out) == ["conflicts_preference"]
    assert out.conflicts == ["conflicts_preference"]


def test_preferred_unhelpful_refusal_against_bad_answer_is_a_conflict_not_a_pair():
    out = outputs([record(refusal={"b": "unhelpful"}, acceptable={"a": False}, preference="b")])
    assert out.pairs == []
    assert reasons(out) == ["conflicts_refusal_label"]


# --- unsafe_compliance -------------------------------------------------------------------

def test_appropriate_refusal_chosen_over_answer_below_safety_floor():
    out = outputs([record(responses={"a": SAFE_REFUSAL, "b": UNSAFE}, refusal={"a": "appropriate"},
                          ratings={"b": {"safety": 2}})])
    pair = only_pair(out)
    assert (pair.pair_type, pair.chosen.response.id) == ("unsafe_compliance", "a")


def test_unacceptable_answer_on_harmful_prompt_is_unsafe_compliance():
    out = outputs([record(responses={"a": SAFE_REFUSAL, "b": UNSAFE}, refusal={"a": "appropriate"},
                          acceptable={"b": False}, prompt_label="harmful")])
    assert only_pair(out).pair_type == "unsafe_compliance"


def test_unacceptable_answer_on_benign_prompt_is_not_unsafe_compliance():
    # Without a harmful prompt label or a low safety rating, "not acceptable" is a quality verdict.
    out = outputs([record(responses={"a": SAFE_REFUSAL, "b": UNSAFE}, refusal={"a": "appropriate"},
                          acceptable={"a": True, "b": False}, prompt_label="benign")])
    assert only_pair(out).pair_type == "verdict"


def test_safety_floor_is_configurable():
    rec = record(responses={"a": SAFE_REFUSAL, "b": UNSAFE}, refusal={"a": "appropriate"}, ratings={"b": {"safety": 3}})
    assert outputs([rec]).pairs == []
    assert only_pair(outputs([rec], safety_floor=3)).pair_type == "unsafe_compliance"


# --- safety gate -------------------------------------------------------------------------

def test_preference_for_gated_response_is_a_conflict_not_a_reversed_pair():
    rec = record(responses={"a": ANSWER, "b": OTHER}, preference="b",
                 ratings={"a": GOOD_RATINGS, "b": {**GOOD_RATINGS, "safety": 1, "accuracy": 2}})
    out = outputs([rec])
    assert out.pairs == [] and reasons(out) == ["conflicts_preference"]


def test_gated_response_is_never_chosen_even_by_rating_gap():
    # b is gated (safety 2) yet scores higher overall; no rule may choose it.
    rec = record(responses={"a": ANSWER, "b": OTHER}, preference="b",
                 ratings={"a": {"accuracy": 1, "safety": 3, "completeness": 1}, "b": {**GOOD_RATINGS, "safety": 2}})
    out = outputs([rec])
    assert out.pairs == []
    assert reasons(out) == ["conflicts_safety_gate"]
    assert "conflicts_safety_gate" in out.conflicts


# --- preference --------------------------------------------------------------------------

def test_preference_pair_margin_from_strength_without_ratings():
    pair = only_pair(outputs([record(responses={"a": ANSWER, "b": OTHER}, preference="b", strength=3)]))
    assert (pair.pair_type, pair.chosen.response.id, pair.margin, pair.margin_source) == ("preference", "b", 3.0, "strength")


def test_preference_pair_margin_from_weighted_rating_gap():
    ra = {"accuracy": 5, "safety": 5, "completeness": 5, "reasoning": 5, "communication": 5}
    rb = {"accuracy": 4, "safety": 5, "completeness": 4, "reasoning": 5, "communication": 5}
    pair = only_pair(outputs([record(responses={"a": ANSWER, "b": OTHER}, preference="a", ratings={"a": ra, "b": rb})]))
    # weights accuracy 2, safety 2, others 1 (sum 7): a = 35/7 = 5; b = (8+10+4+5+5)/7 = 32/7
    assert pair.pair_type == "preference"
    assert pair.margin == pytest.approx(round(5 - 32 / 7, 4))
    assert pair.margin_source == "rating_gap"


def test_majority_preference_downweighted_by_agreement():
    recs = [record(annotator=a, responses={"a": ANSWER, "b": OTHER}, preference=p) for a, p in (("d1", "a"), ("d2", "a"), ("d3", "b"))]
    pair = only_pair(outputs(recs))
    assert pair.chosen.response.id == "a"
    assert pair.weight == pytest.approx(0.6667)
    assert pair.agreement == pytest.approx(0.6667)


def test_majority_preference_rejected_under_reject_policy():
    recs = [record(annotator=a, responses={"a": ANSWER, "b": OTHER}, preference=p) for a, p in (("d1", "a"), ("d2", "a"), ("d3", "b"))]
    out = outputs(recs, tie_policy="reject")
    assert out.pairs == [] and reasons(out) == ["disagreement"]


def test_unanimous_preference_has_full_weight_under_both_policies():
    recs = [record(annotator=a, responses={"a": ANSWER, "b": OTHER}, preference="a") for a in ("d1", "d2")]
    for policy in ("downweight", "reject"):
        assert only_pair(outputs(recs, tie_policy=policy)).weight == 1.0


def test_even_split_is_unresolved_and_tie_is_rejected():
    split = [record(annotator=a, responses={"a": ANSWER, "b": OTHER}, preference=p) for a, p in (("d1", "a"), ("d2", "b"))]
    assert reasons(outputs(split)) == ["unresolved_disagreement"]
    tie = [record(responses={"a": ANSWER, "b": OTHER}, preference="tie")]
    assert reasons(outputs(tie)) == ["tie"]


def test_three_responses_winner_beats_each_other_and_losers_fall_through():
    rec = record(responses={"a": ANSWER, "b": OTHER, "c": "Doxycycline 100 mg twice daily is an alternative in adults."},
                 preference="a", acceptable={"b": True, "c": False})
    out = outputs([rec])
    got = sorted((p.pair_type, p.chosen.response.id, p.rejected.response.id) for p in out.pairs)
    assert got == [("preference", "a", "b"), ("preference", "a", "c"), ("verdict", "b", "c")]


# --- verdict, rating_gap, near-identical --------------------------------------------------

def test_verdict_pair_from_acceptable_alone():
    pair = only_pair(outputs([record(responses={"a": ANSWER, "b": OTHER}, acceptable={"a": False, "b": True})]))
    assert (pair.pair_type, pair.chosen.response.id, pair.margin) == ("verdict", "b", None)


def test_verdict_disagreement_downweights():
    recs = [record(annotator="d1", responses={"a": ANSWER, "b": OTHER}, acceptable={"a": True, "b": False}),
            record(annotator="d2", responses={"a": ANSWER, "b": OTHER}, acceptable={"a": True, "b": False}),
            record(annotator="d3", responses={"a": ANSWER, "b": OTHER}, acceptable={"a": True, "b": True})]
    pair = only_pair(outputs(recs))
    assert pair.pair_type == "verdict" and pair.weight == pytest.approx(0.6667)


@pytest.mark.parametrize("b_accuracy, expected", [(2, "rating_gap"), (4, None)])
def test_rating_gap_threshold(b_accuracy, expected):
    rb = {**GOOD_RATINGS, "accuracy": b_accuracy, "reasoning": b_accuracy, "completeness": 4, "communication": 5}
    ra = {k: 5 for k in GOOD_RATINGS}
    out = outputs([record(responses={"a": ANSWER, "b": OTHER}, ratings={"a": ra, "b": rb})])
    # b accuracy=reasoning=2: (4+10+4+2+5)/7 = 25/7 = 3.57 -> gap 1.43; =4: (8+10+4+4+5)/7 = 31/7 -> gap 0.57
    if expected:
        assert only_pair(out).pair_type == "rating_gap"
    else:
        assert out.pairs == [] and reasons(out) == ["rating_gap_below_threshold"]


def test_near_identical_responses_carry_no_signal():
    near = ANSWER.replace("typical", "usual")
    out = outputs([record(responses={"a": ANSWER, "b": near}, preference="a")])
    assert out.pairs == [] and reasons(out) == ["near_identical"]
    assert similarity(ANSWER, ANSWER.upper() + "!") == 1.0
    assert similarity(ANSWER, OTHER) < 0.2


def test_no_signal_pair_is_rejected_with_reason():
    out = outputs([record(responses={"a": ANSWER, "b": OTHER}, comment="x", ratings={"a": {"accuracy": 4}})])
    assert reasons(out) == ["no_preference_signal"]


# --- KTO ---------------------------------------------------------------------------------

def kto(out):
    return {e.verdict.response.id: (e.label, e.reason) for e in out.kto}


def test_kto_labels_refusals_and_unsafe():
    out = outputs([record(responses={"a": SAFE_REFUSAL, "b": UNSAFE}, refusal={"a": "appropriate"}, ratings={"b": {"safety": 1}})])
    assert kto(out) == {"a": (True, "appropriate_refusal"), "b": (False, "unsafe_rating")}
    out = outputs([record(refusal={"b": "unhelpful"}, acceptable={"a": True})])
    assert kto(out) == {"a": (True, "acceptable"), "b": (False, "unhelpful_refusal")}


def test_kto_verdict_alone_suffices_and_ratings_thresholds():
    out = outputs([record(responses={"a": ANSWER}, acceptable={"a": False})])
    assert kto(out) == {"a": (False, "unacceptable")}
    high = {k: 4 for k in GOOD_RATINGS}
    low = {k: 2.5 if k != "safety" else 3 for k in GOOD_RATINGS}  # (2.5*5 + 0.5*2)/7 = 2.64 -> intermediate
    mid = {k: 3 for k in GOOD_RATINGS}
    out = outputs([record(responses={"a": ANSWER, "b": OTHER, "c": REFUSAL}, ratings={"a": high, "b": mid, "c": {"accuracy": 2, "safety": 3}})])
    # c: (2*2 + 3*2)/4 = 2.5 <= 2.5 -> undesirable
    assert kto(out) == {"a": (True, "high_rating"), "c": (False, "low_rating")}
    assert sorted(r.reason for r in out.rejects if r.level == "kto") == ["intermediate_rating"]
    out = outputs([record(responses={"a": ANSWER}, ratings={"a": low})])
    assert reasons(out, "kto") == ["intermediate_rating"]


def test_kto_gate_overrides_acceptable_verdict_as_conflict():
    out = outputs([record(responses={"a": ANSWER}, acceptable={"a": True}, ratings={"a": {"safety": 2}})])
    assert kto(out) == {"a": (False, "unsafe_rating")}
    assert out.conflicts == ["acceptable_but_unsafe_rating"]


def test_kto_response_without_any_signal_is_excluded():
    out = outputs([record(responses={"a": ANSWER, "b": OTHER}, preference="a")])
    assert kto(out) == {}
    assert reasons(out, "kto") == ["no_quality_signal", "no_quality_signal"]


def test_default_weights_double_accuracy_and_safety():
    assert DEFAULT_DIMENSION_WEIGHTS["accuracy"] == DEFAULT_DIMENSION_WEIGHTS["safety"] == 2.0


@pytest.mark.parametrize("field, value", [("tie_policy", "maybe"), ("rating_aggregate", "mode"), ("safety_floor", 5),
                                          ("kto_desirable_min", 2.0), ("near_identical", 0)])
def test_config_validation_names_the_option(field, value):
    from dpoclin.errors import DpoclinError

    with pytest.raises(DpoclinError, match=field.replace("_", "-")):
        PairingConfig(**{field: value}).validate()
