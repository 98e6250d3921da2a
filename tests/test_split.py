"""Train/test split: by task, stratified, seeded, order-independent."""

from __future__ import annotations

import random

from dpoclin.split import assign_test_tasks, n_test_tasks


def strata(n_per):
    return [(f"{s}-{i:03d}", s) for s, n in n_per.items() for i in range(n)]


def test_test_count_rounding_and_bounds():
    assert [n_test_tasks(n, 0.1) for n in (0, 1, 2, 10, 14, 15, 100)] == [0, 0, 1, 1, 1, 2, 10]
    assert n_test_tasks(3, 0.9) == 2  # never the whole stratum
    assert n_test_tasks(50, 0.0) == 0


def test_stratified_counts_per_stratum():
    items = strata({"over_refusal": 40, "unsafe_compliance": 20, "preference": 9, "kto_only": 1})
    test = assign_test_tasks(items, 0.25, seed=1)
    per = {s: sum(1 for t, st in items if st == s and t in test) for s in ("over_refusal", "unsafe_compliance", "preference", "kto_only")}
    assert per == {"over_refusal": 10, "unsafe_compliance": 5, "preference": 2, "kto_only": 0}


def test_deterministic_and_independent_of_input_order():
    items = strata({"a": 50, "b": 30})
    shuffled = items[:]
    random.Random(0).shuffle(shuffled)
    assert assign_test_tasks(items, 0.2, 7) == assign_test_tasks(shuffled, 0.2, 7)
    assert assign_test_tasks(items, 0.2, 7) != assign_test_tasks(items, 0.2, 8)
