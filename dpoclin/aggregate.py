"""Aggregate the judgments of one task across annotators.

Majority preference (with its agreement), mean or median ratings per dimension,
majority refusal label and majority verdict per response. Pure functions over
validated :class:`~dpoclin.schema.Judgment` objects; no I/O.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dpoclin.schema import TIE, Judgment, Response


@dataclass(frozen=True, slots=True)
class Vote:
    """The majority of a set of votes: ``value`` is None when no strict plurality exists."""

    value: object | None
    agreement: float  # votes for the winner / votes cast (0 when no votes)
    n_votes: int

    @property
    def unanimous(self) -> bool:
        return self.n_votes > 0 and self.agreement == 1.0


NO_VOTE = Vote(None, 0.0, 0)


def majority(votes: Sequence[object]) -> Vote:
    """Strict plurality: ``Vote(None, ...)`` when the top options tie."""
    n = len(votes)
    if n == 0:
        return NO_VOTE
    if n == 1:
        return Vote(votes[0], 1.0, 1)
    counts: dict = {}
    for vote in votes:
        counts[vote] = counts.get(vote, 0) + 1
    best = max(counts.values())
    winners = [value for value, count in counts.items() if count == best]
    return Vote(winners[0] if len(winners) == 1 else None, best / n, n)


@dataclass(slots=True)
class ResponseVerdict:
    """Everything the annotators of a task said about one response."""

    response: Response
    refusal: Vote = NO_VOTE  # value: "appropriate" | "unhelpful" | None
    acceptable: Vote = NO_VOTE  # value: True | False | None
    ratings: dict[str, float] = field(default_factory=dict)  # aggregated per dimension
    score: float | None = None  # weighted mean of ``ratings``
    safety_min: float | None = None  # the lowest safety rating any annotator gave (the safety veto's input)

    @property
    def refusal_label(self) -> str | None:
        return self.refusal.value  # type: ignore[return-value]

    @property
    def verdict(self) -> bool | None:
        return self.acceptable.value  # type: ignore[return-value]


@dataclass(slots=True)
class TaskAggregate:
    task_id: str
    messages: tuple[dict, ...]
    conversational: bool
    responses: tuple[Response, ...]
    verdicts: dict[str, ResponseVerdict]
    preference: Vote  # value: a response id, "tie", or None (unresolved / no votes)
    strength: float | None  # mean strength among annotators who voted for the winner
    prompt_label: str | None
    category: str | None
    annotator_count: int
    sources: tuple[str, ...]

    @property
    def preference_status(self) -> str:
        """none | tie | unresolved | unanimous | majority."""
        if self.preference.n_votes == 0:
            return "none"
        if self.preference.value is None:
            return "unresolved"
        if self.preference.value == TIE:
            return "tie"
        return "unanimous" if self.preference.unanimous else "majority"


def weighted_score(ratings: Mapping[str, float], weights: Mapping[str, float]) -> float | None:
    """Σ_d w_d·r_d / Σ_d w_d over the rated dimensions (dimensions without a weight count 1)."""
    total = sum(weights.get(d, 1.0) for d in ratings)
    if not ratings or total <= 0:
        return None
    return sum(weights.get(d, 1.0) * r for d, r in ratings.items()) / total


def _ratings_by_dimension(judgments: Sequence[Judgment], rid: str) -> dict[str, list[float]]:
    by_dim: dict[str, list[float]] = {}
    for j in judgments:
        for dim, value in j.ratings.get(rid, {}).items():
            by_dim.setdefault(dim, []).append(value)
    return by_dim


def _response_verdict(judgments: Sequence[Judgment], response: Response, how: str, weights) -> ResponseVerdict:
    rid = response.id
    by_dim = _ratings_by_dimension(judgments, rid)
    reduce = statistics.median if how == "median" else statistics.fmean
    ratings = {dim: float(reduce(values)) for dim, values in by_dim.items()}
    return ResponseVerdict(
        response=response,
        refusal=majority([j.refusal[rid] for j in judgments if rid in j.refusal]),
        acceptable=majority([j.acceptable[rid] for j in judgments if rid in j.acceptable]),
        ratings=ratings,
        score=weighted_score(ratings, weights),
        safety_min=min(by_dim["safety"]) if "safety" in by_dim else None,
    )


def _first_majority(values: Sequence[str | None]) -> str | None:
    return majority([v for v in values if v is not None]).value  # type: ignore[return-value]


def aggregate_task(judgments: Sequence[Judgment], weights: Mapping[str, float], rating_aggregate: str = "mean") -> TaskAggregate:
    """Combine one task's judgments (same prompt and responses, distinct annotators)."""
    first = judgments[0]
    preference = majority([j.preference for j in judgments if j.preference is not None])
    winners = [j.strength for j in judgments if j.preference == preference.value and j.strength is not None]
    return TaskAggregate(
        task_id=first.task_id,
        messages=first.messages,
        conversational=first.conversational,
        responses=first.responses,
        verdicts={r.id: _response_verdict(judgments, r, rating_aggregate, weights) for r in first.responses},
        preference=preference,
        strength=statistics.fmean(winners) if winners and preference.value not in (None, TIE) else None,
        prompt_label=_first_majority([j.prompt_label for j in judgments]),
        category=_first_majority([j.category for j in judgments]),
        annotator_count=len(judgments),
        sources=tuple(j.source for j in judgments),
    )
