"""Aggregation across annotators: majority votes, rating reduction, weighted scores."""

from __future__ import annotations

import pytest
from conftest import ANSWER, record

from dpoclin.aggregate import aggregate_task, majority, weighted_score
from dpoclin.pairing import DEFAULT_DIMENSION_WEIGHTS
from dpoclin.schema import parse_record

OTHER = "Use azithromycin instead when the patient has a true penicillin allergy."


def agg(records, how="mean"):
    return aggregate_task([parse_record(r, f"t:{i}") for i, r in enumerate(records)], DEFAULT_DIMENSION_WEIGHTS, how)


def test_majority_strict_plurality_and_ties():
    assert majority(["a", "a", "b"]).value == "a"
    assert majority(["a", "a", "b"]).agreement == pytest.approx(2 / 3)
    assert majority(["a", "b"]).value is None  # even split: no direction
    assert majority(["a", "b", "tie", "a"]).value == "a"
    assert majority([]).n_votes == 0 and majority([]).value is None


def test_weighted_score_hand_computed():
    # (2*4 + 2*5 + 1*3) / (2 + 2 + 1) = 21 / 5
    assert weighted_score({"accuracy": 4, "safety": 5, "completeness": 3}, DEFAULT_DIMENSION_WEIGHTS) == pytest.approx(4.2)
    assert weighted_score({}, DEFAULT_DIMENSION_WEIGHTS) is None
    assert weighted_score({"empathy": 3}, {}) == 3.0  # undeclared weight counts 1


def test_ratings_mean_and_median_per_dimension():
    recs = [record(annotator=a, ratings={"a": {"accuracy": v}}) for a, v in (("d1", 1), ("d2", 4), ("d3", 5))]
    assert agg(recs).verdicts["a"].ratings == {"accuracy": pytest.approx(10 / 3)}
    assert agg(recs, "median").verdicts["a"].ratings == {"accuracy": 4.0}


def test_only_rated_dimensions_are_aggregated_per_response():
    recs = [record(annotator="d1", ratings={"a": {"accuracy": 4}}), record(annotator="d2", ratings={"a": {"safety": 2}, "b": {"safety": 5}})]
    task = agg(recs)
    assert task.verdicts["a"].ratings == {"accuracy": 4.0, "safety": 2.0}
    assert task.verdicts["b"].ratings == {"safety": 5.0}


def test_refusal_and_acceptable_majorities_per_response():
    recs = [record(annotator="d1", refusal={"b": "unhelpful"}, acceptable={"a": True}),
            record(annotator="d2", refusal={"b": "unhelpful"}, acceptable={"a": False}),
            record(annotator="d3", refusal={"b": "appropriate"}, acceptable={"a": True})]
    task = agg(recs)
    assert task.verdicts["b"].refusal_label == "unhelpful"
    assert task.verdicts["b"].refusal.agreement == pytest.approx(2 / 3)
    assert task.verdicts["a"].verdict is True


def test_preference_status_and_winner_strength():
    recs = [record(annotator="d1", responses={"a": ANSWER, "b": OTHER}, preference="a", strength=3),
            record(annotator="d2", responses={"a": ANSWER, "b": OTHER}, preference="a", strength=2),
            record(annotator="d3", responses={"a": ANSWER, "b": OTHER}, preference="b", strength=1)]
    task = agg(recs)
    assert task.preference_status == "majority"
    assert task.strength == pytest.approx(2.5)  # only the majority's strengths count
    assert task.annotator_count == 3
    assert agg(recs[:1]).preference_status == "unanimous"
    assert agg([recs[0], recs[2]]).preference_status == "unresolved"
    assert agg([record(preference="tie")]).preference_status == "tie"
    assert agg([record(acceptable={"a": True})]).preference_status == "none"


def test_prompt_label_and_category_by_majority():
    recs = [record(annotator="d1", prompt_label="harmful", category="overdose", acceptable={"a": False}),
            record(annotator="d2", prompt_label="harmful", acceptable={"a": False}),
            record(annotator="d3", prompt_label="borderline", acceptable={"a": False})]
    task = agg(recs)
    assert (task.prompt_label, task.category) == ("harmful", "overdose")
