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


# --- prompt groups -------------------------------------------------------------------------------

def _unit(task_id, text, stratum="preference"):
    from dpoclin.near_duplicates import exact_key, signature
    from dpoclin.split import SplitUnit

    return SplitUnit(task_id, stratum, exact_key(text), signature(text))


def test_reexported_prompts_never_straddle_the_split():
    from dpoclin.split import assign_test_split

    rng = random.Random(0)
    vocab = [f"word{i}" for i in range(500)]
    questions = [" ".join(rng.sample(vocab, 14)) for _ in range(30)]  # distinct questions (Jaccard ~0.02)
    units = [_unit(f"t{i}", q) for i, q in enumerate(questions)]
    units += [_unit(f"r{i}", q.upper() + "?") for i, q in enumerate(questions)]       # re-export, new task id
    units += [_unit(f"n{i}", q + " please") for i, q in enumerate(questions)]         # a word added
    for seed in range(10):
        test, n_groups = assign_test_split(units, 0.3, seed, ("preference",), 0.8)
        assert n_groups == 30
        for i in range(30):
            assert len({f"{p}{i}" in test for p in "trn"}) == 1
        assert 0 < len(test) < len(units)


def test_split_by_groups_is_seeded_and_order_independent():
    from dpoclin.split import assign_test_split

    rng = random.Random(1)
    vocab = [f"word{i}" for i in range(500)]
    units = [_unit(f"t{i}", " ".join(rng.sample(vocab, 12)), ("over_refusal", "preference")[i % 2]) for i in range(40)]
    a = assign_test_split(units, 0.25, 1, ("over_refusal", "preference"), 0.8)
    b = assign_test_split(list(reversed(units)), 0.25, 1, ("over_refusal", "preference"), 0.8)
    assert a == b and a != assign_test_split(units, 0.25, 2, ("over_refusal", "preference"), 0.8)
    # stratified: each stratum contributes round(0.25 * 20) = 5 test tasks
    assert sum(int(t[1:]) % 2 == 0 for t in a[0]) == 5 and len(a[0]) == 10
