"""Inter-annotator agreement: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha.

Two layers:

* pure functions that take whole data sets;
* streaming accumulators (:class:`PreferenceAgreement`, :class:`RatingAgreement`) fed one
  task / unit at a time, keeping only sums and counters (memory bounded by annotators and
  categories, never by tasks).  They share the pure functions' helpers, so both agree.

Undefined statistics are ``float('nan')`` in the pure functions and ``None`` in the
accumulators' JSON-serialisable result dicts.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

NAN = float("nan")
Level = Literal["nominal", "ordinal", "interval"]


def _none_if_nan(x: float) -> float | None:
    """JSON has no NaN: undefined statistics become ``None``."""
    return None if x is None or math.isnan(x) else x


# --------------------------------------------------------------------- two raters


def _check_lengths(a: Sequence[str], b: Sequence[str]) -> None:
    if len(a) != len(b):
        raise ValueError(f"rater sequences differ in length: {len(a)} != {len(b)}")


def percent_agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Share (0..1) of items on which the two raters agree; NaN for empty input."""
    _check_lengths(a, b)
    if not a:
        return NAN
    return sum(x == y for x, y in zip(a, b)) / len(a)


def _kappa_from_confusion(confusion: Mapping[tuple[Hashable, Hashable], int]) -> float:
    """Cohen's kappa from counts of (label_a, label_b) pairs.

    Cohen (1960): κ = (p_o − p_e) / (1 − p_e), with p_o = Σ_c n_cc / N and
    p_e = Σ_c (n_c· / N)(n_·c / N).  Degenerate case p_e == 1 (both raters used one and
    the same single category): κ is 0/0; we return 1.0 if p_o == 1 (perfect agreement)
    and 0.0 otherwise.  NaN when there are no items.
    """
    total = sum(confusion.values())
    if total == 0:
        return NAN
    rows: Counter = Counter()
    cols: Counter = Counter()
    agree = 0
    for (x, y), n in confusion.items():
        rows[x] += n
        cols[y] += n
        if x == y:
            agree += n
    p_o = agree / total
    p_e = sum(rows[c] * cols[c] for c in rows) / (total * total)
    if math.isclose(p_e, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return 1.0 if math.isclose(p_o, 1.0, rel_tol=0.0, abs_tol=1e-12) else 0.0
    return (p_o - p_e) / (1.0 - p_e)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Unweighted (nominal) Cohen's kappa of two raters; see :func:`_kappa_from_confusion`."""
    _check_lengths(a, b)
    return _kappa_from_confusion(Counter(zip(a, b)))


# --------------------------------------------------------------------- many raters


class _FleissSums:
    """Running sums for Fleiss' kappa with a variable number of raters per item.

    Per item i with n_i ≥ 2 ratings and n_ij in category j:
    P_i = (Σ_j n_ij² − n_i) / (n_i (n_i − 1))          (share of agreeing rater pairs)
    P̄ = mean_i P_i,  p_j = Σ_i n_ij / Σ_i n_i,  P_e = Σ_j p_j²,
    κ = (P̄ − P_e) / (1 − P_e).  With equal n_i this is exactly Fleiss (1971).
    """

    def __init__(self) -> None:
        self.sum_p = 0.0
        self.n_items = 0
        self.n_ratings = 0
        self.totals: Counter = Counter()

    def add(self, counts: Mapping[Hashable, int]) -> None:
        n_i = sum(counts.values())
        if n_i < 2:
            return
        self.sum_p += (sum(c * c for c in counts.values()) - n_i) / (n_i * (n_i - 1))
        self.n_items += 1
        self.n_ratings += n_i
        self.totals.update(counts)

    def merge(self, other: _FleissSums) -> None:
        """Add another accumulator's sums (items are disjoint)."""
        self.sum_p += other.sum_p
        self.n_items += other.n_items
        self.n_ratings += other.n_ratings
        self.totals.update(other.totals)

    def mean_p(self) -> float:
        """P̄, the mean pairwise agreement over items (NaN with no items)."""
        return self.sum_p / self.n_items if self.n_items else NAN

    def kappa(self) -> float:
        """Fleiss' κ; NaN with no items or when P_e == 1 (every rating in one category)."""
        if not self.n_items:
            return NAN
        p_e = sum((t / self.n_ratings) ** 2 for t in self.totals.values())
        if math.isclose(p_e, 1.0, rel_tol=0.0, abs_tol=1e-12):
            return NAN
        return (self.mean_p() - p_e) / (1.0 - p_e)


def fleiss_kappa(table: Iterable[Mapping[Hashable, int] | Sequence[int]]) -> float:
    """Fleiss' kappa from per-item category counts (dicts, or lists indexed by category).

    Items with fewer than 2 ratings are ignored.  NaN when undefined (see :class:`_FleissSums`).
    """
    sums = _FleissSums()
    for row in table:
        sums.add(row if isinstance(row, Mapping) else dict(enumerate(row)))
    return sums.kappa()


# --------------------------------------------------------------------- Krippendorff


def _add_coincidences(o: dict[tuple[float, float], float], values: Iterable[float]) -> int:
    """Add one unit's pairable values to the coincidence matrix ``o``; return m_u (0 if < 2).

    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C:
    o_ck += (number of ordered c-k value pairs in unit u) / (m_u − 1), where the number of
    pairs is n_uc·n_uk for c ≠ k and n_uc·(n_uc − 1) for c == k.
    """
    counts = Counter(values)
    m_u = sum(counts.values())
    if m_u < 2:
        return 0
    for c, n_c in counts.items():
        for k, n_k in counts.items():
            pairs = n_c * (n_c - 1) if c == k else n_c * n_k
            if pairs:
                o[(c, k)] = o.get((c, k), 0.0) + pairs / (m_u - 1)
    return m_u


def _delta2(level: Level, n_c: Mapping[float, float]) -> dict[tuple[float, float], float]:
    """Squared difference δ²_ck for every pair of observed values (Krippendorff 2011, §E).

    nominal:  δ² = 0 if c == k else 1
    interval: δ² = (c − k)²
    ordinal:  δ² = (Σ_{g=c}^{k} n_g − (n_c + n_k)/2)², g over the sorted observed values.
    """
    vals = sorted(n_c)
    d: dict[tuple[float, float], float] = {}
    for i, c in enumerate(vals):
        run = 0.0  # Σ_{g=c}^{k} n_g, grown as k moves right from c
        for k in vals[i:]:
            run += n_c[k]
            if level == "nominal":
                v = 0.0 if c == k else 1.0
            elif level == "interval":
                v = float(c - k) ** 2
            else:  # ordinal
                v = (run - (n_c[c] + n_c[k]) / 2.0) ** 2
            d[(c, k)] = d[(k, c)] = v
    return d


def _alpha_from_coincidences(o: Mapping[tuple[float, float], float], level: Level) -> float:
    """α = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_c Σ_k n_c n_k δ²_ck   (Krippendorff 2011, §E).

    n_c = Σ_k o_ck, n = Σ_c n_c.  NaN when there are no pairable values or no variation
    (a single observed value: expected disagreement is 0 and α is 0/0).
    """
    n_c: dict[float, float] = defaultdict(float)
    for (c, _k), v in o.items():
        n_c[c] += v
    n = sum(n_c.values())
    if n < 2:
        return NAN
    d = _delta2(level, n_c)
    observed = sum(v * d[ck] for ck, v in o.items())
    expected = sum(n_c[c] * n_c[k] * d[(c, k)] for c in n_c for k in n_c)
    if expected == 0:
        return NAN
    return 1.0 - (n - 1) * observed / expected


def krippendorff_alpha(units: Iterable[Iterable[float]], level: Level = "ordinal") -> float:
    """Krippendorff's alpha over units (one list of coders' values per unit, missing = absent).

    Units with fewer than 2 values are not pairable and ignored.  ``level`` is
    ``"nominal"``, ``"ordinal"`` or ``"interval"``.  NaN when there are no pairable values
    or no variation among them.
    """
    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"unknown level of measurement: {level!r}")
    o: dict[tuple[float, float], float] = {}
    for unit in units:
        _add_coincidences(o, unit)
    return _alpha_from_coincidences(o, level)


# --------------------------------------------------------------------- streaming


def _loo_majority(counts: Counter, own: str) -> str | None:
    """Strict plurality label among the OTHER annotators (own vote removed); None on a tie."""
    others = counts.copy()
    others[own] -= 1
    top = (+others).most_common(2)  # unary + drops zero counts
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


class PreferenceAgreement:
    """Agreement on preference labels.

    Labels are strings such as ``'0'``, ``'1'``, ..., ``'tie'`` (the caller maps response ids
    to positions).  Feed one task at a time with :meth:`add_task`; memory holds only Fleiss
    sums and a per-annotator Counter of (own label, leave-one-out majority label).
    """

    def __init__(self) -> None:
        self._fleiss = _FleissSums()
        self.n_tasks = 0
        self.n_single = 0
        self.n_unanimous = 0
        self._confusion: dict[str, Counter] = defaultdict(Counter)

    def add_task(self, votes: Mapping[str, str]) -> None:
        """Add one task's votes (annotator_id -> label).

        A task with one vote only increments ``n_single``; a task with no votes is ignored.
        """
        if len(votes) < 2:
            self.n_single += len(votes) == 1
            return
        counts = Counter(votes.values())
        self.n_tasks += 1
        self.n_unanimous += len(counts) == 1
        self._fleiss.add(counts)
        for annotator, label in votes.items():
            conf = self._confusion[annotator]  # creates the entry even if no majority below
            majority = _loo_majority(counts, label)
            if majority is not None:
                conf[(label, majority)] += 1

    def merge(self, other: PreferenceAgreement) -> None:
        """Add the tasks another accumulator saw (e.g. a worker process's partition)."""
        self._fleiss.merge(other._fleiss)
        self.n_tasks += other.n_tasks
        self.n_single += other.n_single
        self.n_unanimous += other.n_unanimous
        for annotator, conf in other._confusion.items():
            self._confusion[annotator].update(conf)

    def result(self) -> dict[str, Any]:
        """JSON-serialisable summary; percentages are 0..100, undefined values are None."""
        per: dict[str, dict[str, Any]] = {}
        for annotator in sorted(self._confusion):
            conf = self._confusion[annotator]
            n = sum(conf.values())
            agree = sum(v for (x, y), v in conf.items() if x == y)
            per[annotator] = {
                "n": n,
                "percent_vs_majority": 100.0 * agree / n if n else None,
                "cohen_kappa_vs_majority": _none_if_nan(_kappa_from_confusion(conf)),
            }
        return {
            "n_tasks": self.n_tasks,
            "n_single": self.n_single,
            "pairwise_percent": _none_if_nan(100.0 * self._fleiss.mean_p()),
            "unanimous_percent": (100.0 * self.n_unanimous / self.n_tasks) if self.n_tasks else None,
            "fleiss_kappa": _none_if_nan(self._fleiss.kappa()),
            "per_annotator": per,
        }


class _DimensionState:
    """Running state for one rating dimension."""

    def __init__(self) -> None:
        self.coincidences: dict[tuple[float, float], float] = {}
        self.n_units = 0
        self.n_values = 0
        # annotator -> [n, Σ |rating − median of others|, count with |diff| ≤ 1]
        self.per: dict[str, list[float]] = defaultdict(_zero_sums)

    def merge(self, other: _DimensionState) -> None:
        for key, value in other.coincidences.items():
            self.coincidences[key] = self.coincidences.get(key, 0.0) + value
        self.n_units += other.n_units
        self.n_values += other.n_values
        for annotator, (n, total, within) in other.per.items():
            acc = self.per[annotator]
            acc[0] += n
            acc[1] += total
            acc[2] += within


def _zero_sums() -> list[float]:
    """Per-annotator [n, Σ|diff|, count within one] (a module-level factory: picklable)."""
    return [0, 0.0, 0]


class RatingAgreement:
    """Agreement on 1..5 Likert ratings per dimension (Krippendorff's alpha, per-annotator).

    Feed one (task, response, dimension) unit at a time with :meth:`add_unit`; memory holds
    only a coincidence dict keyed by value pairs and per-annotator sums.
    """

    def __init__(self) -> None:
        self._dims: dict[str, _DimensionState] = {}

    def add_unit(self, dimension: str, values: Mapping[str, float]) -> None:
        """Add one unit's ratings (annotator_id -> rating); units with < 2 values are not pairable."""
        state = self._dims.get(dimension) or self._dims.setdefault(dimension, _DimensionState())
        if len(values) == 2:  # the common case, without Counter/median: same sums as below
            self._add_pair(state, values)
            return
        m_u = _add_coincidences(state.coincidences, values.values())
        if m_u < 2:
            return
        state.n_units += 1
        state.n_values += m_u
        for annotator, rating in values.items():
            others = [v for a, v in values.items() if a != annotator]
            diff = abs(rating - statistics.median(others))
            acc = state.per[annotator]
            acc[0] += 1
            acc[1] += diff
            acc[2] += diff <= 1

    def merge(self, other: RatingAgreement) -> None:
        """Add the units another accumulator saw (e.g. a worker process's partition)."""
        for dim, state in other._dims.items():
            self._dims.setdefault(dim, _DimensionState()).merge(state)

    @staticmethod
    def _add_pair(state: _DimensionState, values: Mapping[str, float]) -> None:
        """Two ratings c, k: o_ck and o_kc each gain 1 (m_u - 1 = 1); each rater's
        "median of the others" is the other rating."""
        (a1, c), (a2, k) = values.items()
        o = state.coincidences
        if c == k:
            o[(c, c)] = o.get((c, c), 0.0) + 2.0
        else:
            o[(c, k)] = o.get((c, k), 0.0) + 1.0
            o[(k, c)] = o.get((k, c), 0.0) + 1.0
        state.n_units += 1
        state.n_values += 2
        diff = abs(c - k)
        for annotator in (a1, a2):
            acc = state.per[annotator]
            acc[0] += 1
            acc[1] += diff
            acc[2] += diff <= 1

    def result(self) -> dict[str, Any]:
        """``{dimension: {...}}``; ``n_values`` counts values in pairable units only."""
        out: dict[str, Any] = {}
        for dim in sorted(self._dims):
            s = self._dims[dim]
            out[dim] = {
                "n_units": s.n_units,
                "n_values": s.n_values,
                "alpha_ordinal": _none_if_nan(_alpha_from_coincidences(s.coincidences, "ordinal")),
                "alpha_interval": _none_if_nan(_alpha_from_coincidences(s.coincidences, "interval")),
                "per_annotator": {
                    a: {
                        "n": int(n),
                        "mean_abs_diff_vs_median": total / n,
                        "within_one_percent": 100.0 * within / n,
                    }
                    for a, (n, total, within) in sorted(s.per.items())
                },
            }
        return out
