"""Train/test split by task, stratified, seeded: no prompt lands on both sides."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable


def n_test_tasks(n: int, test_size: float) -> int:
    """Tasks of one stratum that go to test: round(test_size * n), at least 1 when the
    stratum has >= 2 tasks and test_size > 0, never all of them."""
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
