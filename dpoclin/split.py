"""Train/test split by prompt group, stratified, seeded: no task and no prompt lands on both sides.

Tasks whose prompts are equal after normalisation, or near-duplicates of each other
(``dpoclin.near_duplicates``), form one group, and whole groups are assigned to a split: the same
question exported under two task ids (a re-export, a new response set) cannot be trained on and
tested on at once.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dpoclin.near_duplicates import group_prompts


@dataclass(frozen=True, slots=True)
class SplitUnit:
    """One task with output: its stratum (the most specific pair type it yielded) and its prompt's identity."""

    task_id: str
    stratum: str
    prompt_key: str  # near_duplicates.exact_key of the prompt
    signature: np.ndarray  # near_duplicates.signature of the prompt


def n_test_tasks(n: int, test_size: float) -> int:
    """Units of one stratum that go to test: round(test_size * n), at least 1 when the
    stratum has >= 2 units and test_size > 0, never all of them."""
    if test_size <= 0 or n < 2:
        return 0
    return min(max(1, round(test_size * n)), n - 1)


def assign_test_tasks(task_strata: Iterable[tuple[str, str]], test_size: float, seed: int) -> set[str]:
    """Return the task ids that form the test split.

    ``task_strata`` yields ``(task_id, stratum)``; each stratum is shuffled with a
    generator seeded by ``(seed, stratum)`` after sorting, so the result does not
    depend on input order.
    """
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for task_id, stratum in task_strata:
        by_stratum[stratum].append(task_id)
    test: set[str] = set()
    for stratum in sorted(by_stratum):
        tasks = sorted(by_stratum[stratum])
        random.Random(f"{seed}:{stratum}").shuffle(tasks)
        test.update(tasks[: n_test_tasks(len(tasks), test_size)])
    return test


def prompt_groups(units: Sequence[SplitUnit], threshold: float) -> dict[str, list[str]]:
    """Task ids by group, each group named by its smallest task id (independent of input order)."""
    units = sorted(units, key=lambda u: u.task_id)
    roots = group_prompts([u.prompt_key for u in units], [u.signature for u in units], threshold)
    groups: dict[str, list[str]] = {}
    for unit, root in zip(units, roots):
        groups.setdefault(units[root].task_id, []).append(unit.task_id)
    return groups


def assign_test_split(units: Sequence[SplitUnit], test_size: float, seed: int, order: Sequence[str],
                      threshold: float) -> tuple[set[str], int]:
    """(test task ids, number of prompt groups): whole prompt groups, stratified by the most specific
    stratum in each group (earliest in ``order``; strata not in it sort after), seeded."""
    rank = {name: i for i, name in enumerate(order)}
    stratum = {u.task_id: u.stratum for u in units}
    groups = prompt_groups(units, threshold)
    group_strata = [(name, min((stratum[t] for t in tasks), key=lambda s: (rank.get(s, len(rank)), s)))
                    for name, tasks in groups.items()]
    test_groups = assign_test_tasks(group_strata, test_size, seed)
    return {t for name in test_groups for t in groups[name]}, len(groups)
