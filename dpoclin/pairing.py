"""Pairing rules: one aggregated task -> preference pairs, KTO examples and rejects.

Rules, in the order that claims a response pair (the most specific signal wins):

1. over_refusal       an ``unhelpful`` refusal is the rejected side against an acceptable
                      (or preferred) non-refusal answer; it is never chosen.
2. unsafe_compliance  an ``appropriate`` refusal is chosen over an answer that complies
                      unsafely (safety <= floor, or acceptable=false on a harmful prompt).
3. preference         the annotators' majority preference.
4. verdict            an acceptable response over an unacceptable one (verdicts alone).
5. rating_gap         the higher weighted rating score, when the gap clears the threshold.

Safety gate: a response that any clinical annotator rated at or below the safety floor
(``safety_veto="any"``; or whose mean/median rating is, with ``"mean"``) is never chosen and
never KTO-desirable, whatever the preference.

Invariants, whatever the rule, option or input (tests/test_pairing_properties.py checks them on
random exports):

- an ``unhelpful`` refusal is never chosen and never desirable;
- a gated response is never chosen and never desirable;
- an unacceptable response is never chosen over an acceptable one, and never desirable;
- contradictory judgments give no pair or KTO example but a ``conflicts_*`` reject: an
  appropriate refusal judged unacceptable, and a pair whose direction a majority preference
  contradicts (e.g. the majority preferred an unacceptable answer over an acceptable one).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from dataclasses import dataclass, field
from itertools import combinations

from dpoclin.aggregate import ResponseVerdict, TaskAggregate, Vote
from dpoclin.schema import DIMENSIONS

PAIR_TYPES = ("over_refusal", "unsafe_compliance", "preference", "verdict", "rating_gap")
DEFAULT_CLINICAL_ROLES = frozenset(
    {"physician", "resident", "fellow", "nurse_practitioner", "physician_assistant", "pharmacist", "registered_nurse", "nurse"}
)
SAFETY_VETOES = ("any", "mean")
DEFAULT_DIMENSION_WEIGHTS = {"accuracy": 2.0, "safety": 2.0, "completeness": 1.0, "reasoning": 1.0, "communication": 1.0}


@dataclass(frozen=True)
class PairingConfig:
    """Thresholds of the pairing rules. Every default carries its reason."""

    # Safety rating (1-5) at or below which a response is unsafe: never chosen, undesirable for KTO.
    # 2 = "could cause harm" on the shipped rubric; 3 is "acceptable with caveats".
    safety_floor: float = 2.0
    # How annotators' safety ratings meet the floor: "any" (one clinician at or below it vetoes the
    # response) or "mean" (the aggregated rating, --rating-aggregate). "any": a safety board treats one
    # physician's harm flag as a stop, not a vote to be averaged away by two colleagues.
    safety_veto: str = "any"
    # Minimum weighted-score gap (rating points) for a rating_gap pair: one full Likert step,
    # so that +-1 annotator noise on one dimension alone never creates a pair.
    rating_gap: float = 1.0
    # Accuracy and safety count double: they are what a clinical safety board signs off.
    dimension_weights: dict = field(default_factory=lambda: dict(DEFAULT_DIMENSION_WEIGHTS))
    dimensions: frozenset = frozenset(DIMENSIONS)
    # Licensed clinical roles; students and general annotators cannot judge clinical safety.
    clinical_roles: frozenset = DEFAULT_CLINICAL_ROLES
    # Non-unanimous signals: "downweight" keeps the majority with weight = agreement,
    # "reject" drops them. Exact splits and majority ties are always rejected (no direction).
    tie_policy: str = "downweight"
    # Mean uses every rating; median resists a single outlier annotator.
    rating_aggregate: str = "mean"
    # KTO: weighted score >= this is desirable (4 = "good" on a 1-5 scale) ...
    kto_desirable_min: float = 4.0
    # ... and <= this is undesirable (below "adequate"); in between is excluded as ambiguous.
    kto_undesirable_max: float = 2.5
    # Word-level similarity (difflib ratio) at or above which two responses are "near-identical":
    # 0.9 = at most ~1 word in 10 differs.
    near_identical: float = 0.9

    def validate(self) -> None:
        """Every threshold finite and on the rating scale it is compared with; names the CLI flag and its range."""
        from dpoclin.errors import DpoclinError
        from dpoclin.schema import RATING_MAX, RATING_MIN
        from dpoclin.validate import NON_NEGATIVE, Range, check_all

        if self.tie_policy not in ("downweight", "reject"):
            raise DpoclinError(f"--tie-policy must be 'downweight' or 'reject', got {self.tie_policy!r}")
        if self.safety_veto not in SAFETY_VETOES:
            raise DpoclinError(f"--safety-veto must be one of {', '.join(SAFETY_VETOES)}, got {self.safety_veto!r}")
        if self.rating_aggregate not in ("mean", "median"):
            raise DpoclinError(f"--rating-aggregate must be 'mean' or 'median', got {self.rating_aggregate!r}")
        scale = Range(RATING_MIN, RATING_MAX)
        check_all([("--safety-floor", self.safety_floor, Range(RATING_MIN, RATING_MAX, hi_open=True)),
                   ("--rating-gap", self.rating_gap, Range(0, RATING_MAX - RATING_MIN)),
                   ("--kto-desirable-min", self.kto_desirable_min, scale),
                   ("--kto-undesirable-max", self.kto_undesirable_max, scale),
                   ("--near-identical", self.near_identical, Range(0, 1, lo_open=True)),
                   *((f"--dimension-weights {name}", w, NON_NEGATIVE) for name, w in self.dimension_weights.items())])
        if self.kto_undesirable_max >= self.kto_desirable_min:
            raise DpoclinError("--kto-undesirable-max must be below --kto-desirable-min")
        unknown = set(self.dimension_weights) - set(self.dimensions)
        if unknown:
            raise DpoclinError(f"--dimension-weights names unknown dimension(s) {sorted(unknown)}; declare them with --dimensions")
        if not any(self.dimension_weights.values()):
            raise DpoclinError("--dimension-weights: every weight is 0, so no response gets a score: give at least one > 0")


@dataclass(slots=True)
class Pair:
    task_id: str
    pair_type: str
    chosen: ResponseVerdict
    rejected: ResponseVerdict
    margin: float | None
    margin_source: str | None  # "rating_gap" | "strength" | None
    weight: float
    agreement: float
    conflict: str | None = None  # a contradicting signal that this rule overrode


@dataclass(slots=True)
class KTOExample:
    task_id: str
    verdict: ResponseVerdict
    label: bool
    reason: str
    agreement: float


@dataclass(slots=True)
class Rejected:
    """A candidate (response pair or KTO response) that produced no output."""

    level: str  # "pair" | "kto" | "task"
    task_id: str
    reason: str
    detail: str = ""
    response_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class TaskOutput:
    pairs: list[Pair] = field(default_factory=list)
    kto: list[KTOExample] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


# --- response predicates -------------------------------------------------------------

def gated(v: ResponseVerdict, cfg: PairingConfig) -> bool:
    """Safety gate: any annotator's safety rating (``safety_veto="any"``) or the aggregated one at or below the floor."""
    safety = v.safety_min if cfg.safety_veto == "any" else v.ratings.get("safety")
    return safety is not None and safety <= cfg.safety_floor


def unsafe_compliance(v: ResponseVerdict, task: TaskAggregate, cfg: PairingConfig) -> bool:
    """Answers (is not a refusal) and is unsafe: gated, or judged unacceptable on a harmful prompt."""
    return v.refusal_label is None and (gated(v, cfg) or (v.verdict is False and task.prompt_label == "harmful"))


def good_answer(v: ResponseVerdict, cfg: PairingConfig) -> bool:
    """A non-refusal that passes the gate and is acceptable (or, without a verdict, well rated)."""
    if v.refusal_label is not None or gated(v, cfg) or v.verdict is False:
        return False
    return v.verdict is True or (v.score is not None and v.score >= cfg.kto_desirable_min)


_PUNCTUATION = str.maketrans({ch: " " for ch in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u2013\u2014\u2018\u2019\u201c\u201d"})


def _words(text: str) -> list[str]:
    return text.lower().translate(_PUNCTUATION).split()


def similarity(a: str, b: str, floor: float = 0.0) -> float:
    """Word-level difflib ratio 2*M/T of the lower-cased texts (1.0 = same words in the same order).

    When a cheap upper bound on the ratio is already below ``floor``, that bound is returned
    instead of the exact ratio: enough to decide "not near-identical". Bounds, cheapest first:
    2*min(len)/T, then 2*min(#words of a found in b, #words of b found in a)/T (>= difflib's
    quick_ratio >= ratio).
    """
    wa, wb = _words(a), _words(b)
    if wa == wb:
        return 1.0
    total = len(wa) + len(wb)
    bound = 2 * min(len(wa), len(wb)) / total
    if bound < floor:
        return bound
    in_b, in_a = set(wb), set(wa)
    bound = 2 * min(sum(map(in_b.__contains__, wa)), sum(map(in_a.__contains__, wb))) / total
    if bound < floor:
        return bound
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


# --- pair rules: each returns (chosen, rejected, deciding vote) or None ---------------

def _rule_over_refusal(x, y, task, cfg):
    for refusal, answer in ((x, y), (y, x)):
        if refusal.refusal_label == "unhelpful" and answer.refusal_label is None and not gated(answer, cfg):
            preferred = task.preference.value == answer.response.id
            if answer.verdict is not False and (good_answer(answer, cfg) or preferred):
                return answer, refusal, refusal.refusal
    return None


def _rule_unsafe_compliance(x, y, task, cfg):
    for refusal, answer in ((x, y), (y, x)):
        if refusal.refusal_label == "appropriate" and unsafe_compliance(answer, task, cfg):
            return refusal, answer, refusal.refusal
    return None


def _rule_preference(x, y, task, cfg):
    winner = task.preference.value
    ids = (x.response.id, y.response.id)
    if winner not in ids:
        return None
    chosen, rejected = (x, y) if winner == ids[0] else (y, x)
    return chosen, rejected, task.preference


def _rule_verdict(x, y, task, cfg):
    if {x.verdict, y.verdict} == {True, False}:
        chosen, rejected = (x, y) if x.verdict else (y, x)
        weakest = min((x.acceptable, y.acceptable), key=lambda v: v.agreement)
        return chosen, rejected, weakest
    return None


def _rule_rating_gap(x, y, task, cfg):
    if x.score is None or y.score is None or abs(x.score - y.score) < cfg.rating_gap:
        return None
    chosen, rejected = (x, y) if x.score > y.score else (y, x)
    return chosen, rejected, Vote(True, 1.0, 0)  # ratings are averaged, not voted


RULES = (
    ("over_refusal", _rule_over_refusal),
    ("unsafe_compliance", _rule_unsafe_compliance),
    ("preference", _rule_preference),
    ("verdict", _rule_verdict),
    ("rating_gap", _rule_rating_gap),
)


def _margin(chosen: ResponseVerdict, rejected: ResponseVerdict, task: TaskAggregate):
    if chosen.score is not None and rejected.score is not None:
        return round(chosen.score - rejected.score, 4), "rating_gap"
    if task.strength is not None and task.preference.value == chosen.response.id:
        return round(task.strength, 4), "strength"
    return None, None


def _preference_conflict(pair_type: str, chosen: ResponseVerdict, rejected: ResponseVerdict,
                         task: TaskAggregate) -> tuple[str, str] | None:
    """A majority preference that points the other way from a rule-decided pair: contradictory judgments."""
    if pair_type != "preference" and task.preference.value == rejected.response.id:
        return "conflicts_preference", (f"{pair_type} would choose {chosen.response.id!r}, but the majority preferred "
                                        f"{rejected.response.id!r}")
    return None


def _pair_reject_reason(task: TaskAggregate) -> tuple[str, str]:
    status = task.preference_status
    if status == "tie":
        return "tie", "annotators judged the responses equally good"
    if status == "unresolved":
        return "unresolved_disagreement", "annotators split evenly on the preference"
    return "no_preference_signal", "no preference, verdicts, refusal labels or rating gap decide this pair"


def _blocked(pair_type: str, chosen: ResponseVerdict, rejected: ResponseVerdict, vote: Vote,
             cfg: PairingConfig) -> tuple[str, str] | None:
    """Why a rule's candidate may not be emitted (an invariant it would break), or None."""
    cid = chosen.response.id
    if gated(chosen, cfg):
        return "conflicts_safety_gate", f"{pair_type} would choose {cid!r}, rated safety <= {cfg.safety_floor}"
    if chosen.refusal_label == "unhelpful":
        return "conflicts_refusal_label", f"{pair_type} would choose {cid!r}, an unhelpful refusal"
    if chosen.refusal_label == "appropriate" and chosen.verdict is False:
        return "conflicts_refusal_verdict", f"{cid!r} is labelled an appropriate refusal but judged unacceptable"
    if chosen.verdict is False and rejected.verdict is True:
        return "conflicts_verdict", f"{pair_type} would choose unacceptable {cid!r} over acceptable {rejected.response.id!r}"
    if cfg.tie_policy == "reject" and vote.n_votes > 0 and not vote.unanimous:
        return "disagreement", f"{pair_type} agreement {vote.agreement:.2f} < 1 under --tie-policy reject"
    return None


def pair_candidate(x: ResponseVerdict, y: ResponseVerdict, task: TaskAggregate, cfg: PairingConfig) -> Pair | Rejected:
    """Apply the rules to one response pair: the first rule whose candidate is not blocked wins."""
    ids = (x.response.id, y.response.id)
    sim = similarity(x.response.text, y.response.text, cfg.near_identical)
    if sim >= cfg.near_identical:
        return Rejected("pair", task.task_id, "near_identical", f"similarity {sim:.2f} >= {cfg.near_identical}", ids)
    first_block: tuple[str, str] | None = None
    for pair_type, rule in RULES:
        decided = rule(x, y, task, cfg)
        if decided is None:
            continue
        chosen, rejected, vote = decided
        block = _blocked(pair_type, chosen, rejected, vote, cfg)
        if block is not None:
            first_block = first_block or block
            continue
        if (contradiction := _preference_conflict(pair_type, chosen, rejected, task)) is not None:
            return Rejected("pair", task.task_id, *contradiction, ids)
        margin, source = _margin(chosen, rejected, task)
        weight = vote.agreement if (vote.n_votes > 0 and cfg.tie_policy == "downweight") else 1.0
        conflict = first_block[0] if first_block and first_block[0].startswith("conflicts_") else None
        return Pair(task.task_id, pair_type, chosen, rejected, margin, source, round(weight, 4),
                    round(vote.agreement, 4), conflict)
    if first_block is not None:
        return Rejected("pair", task.task_id, first_block[0], first_block[1], ids)
    if x.score is not None and y.score is not None:
        return Rejected("pair", task.task_id, "rating_gap_below_threshold", f"|{x.score:.2f} - {y.score:.2f}| < {cfg.rating_gap}", ids)
    reason, detail = _pair_reject_reason(task)
    return Rejected("pair", task.task_id, reason, detail, ids)


# --- KTO --------------------------------------------------------------------------------

def kto_label(v: ResponseVerdict, task: TaskAggregate, cfg: PairingConfig) -> tuple[bool | None, str, float]:
    """(label, reason, agreement): True desirable, False undesirable, None excluded."""
    if v.refusal_label == "appropriate" and v.verdict is False:  # contradictory judgments: no example
        return None, "conflicts_refusal_verdict", 0.0
    if gated(v, cfg):
        return False, "unsafe_rating", 1.0
    if v.refusal_label == "appropriate":
        return True, "appropriate_refusal", v.refusal.agreement
    if v.refusal_label == "unhelpful":
        return False, "unhelpful_refusal", v.refusal.agreement
    if unsafe_compliance(v, task, cfg):
        return False, "unsafe_compliance", v.acceptable.agreement
    if v.verdict is not None:
        return v.verdict, "acceptable" if v.verdict else "unacceptable", v.acceptable.agreement
    if v.score is None:
        return None, "no_quality_signal", 0.0
    if v.score >= cfg.kto_desirable_min:
        return True, "high_rating", 1.0
    if v.score <= cfg.kto_undesirable_max:
        return False, "low_rating", 1.0
    return None, "intermediate_rating", 0.0


def _kto_reject_detail(v: ResponseVerdict, reason: str) -> str:
    if reason == "conflicts_refusal_verdict":
        return f"{v.response.id!r} is labelled an appropriate refusal but judged unacceptable"
    return f"score {v.score:.2f}" if v.score is not None else "no verdict, rating or refusal label"


def _kto_examples(task: TaskAggregate, cfg: PairingConfig, out: TaskOutput) -> None:
    for v in task.verdicts.values():
        label, reason, agreement = kto_label(v, task, cfg)
        if label is None:
            out.rejects.append(Rejected("kto", task.task_id, reason, _kto_reject_detail(v, reason), (v.response.id,)))
            if reason.startswith("conflicts_"):
                out.conflicts.append(reason)
        else:
            if v.verdict is True and not label:
                out.conflicts.append("acceptable_but_unsafe_rating")
            out.kto.append(KTOExample(task.task_id, v, label, reason, round(agreement, 4)))


def build_task_outputs(task: TaskAggregate, cfg: PairingConfig) -> TaskOutput:
    """All pairs, KTO examples, rejects and conflicts of one aggregated task."""
    out = TaskOutput()
    verdicts = list(task.verdicts.values())
    for x, y in combinations(verdicts, 2):
        result = pair_candidate(x, y, task, cfg)
        if isinstance(result, Pair):
            out.pairs.append(result)
            if result.conflict:
                out.conflicts.append(result.conflict)
        else:
            out.rejects.append(result)
            if result.reason.startswith("conflicts_"):
                out.conflicts.append(result.reason)
    _kto_examples(task, cfg, out)
    return out
