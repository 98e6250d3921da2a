"""KTO's z0 across processes: two real gloo processes run the trainer's own ``_update_z0``."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
import torch
import torch.multiprocessing as mp

from dpoclin.launch import free_port

# per case: (rank 0's policy - ref differences on its KL rows, rank 1's); [] = no mismatched pair on that process
CASES = [
    ([1.0, 0.4], [0.3]),      # local means 0.7 and 0.3 -> z0 = 0.5 on both
    ([1.0, 0.4], []),         # rank 1 has no pair: it joins with NaN -> z0 = 0.7
    ([], []),                 # nobody has a pair: both keep the previous estimate (0.7)
    ([1.0, 0.4], [-1.9]),     # means 0.7 and -1.9 average to -0.6: clamped after the gather -> 0
]
EXPECTED = [0.5, 0.7, 0.7, 0.0]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    from accelerate import Accelerator

    from dpoclin.trainer import PreferenceTrainer

    accelerator = Accelerator(cpu=True)
    assert accelerator.num_processes == world
    trainer = SimpleNamespace(accelerator=accelerator, _z0={"train": torch.tensor(0.25), "eval": torch.zeros(())})
    seen = []
    for case in CASES:
        diffs = torch.tensor(case[rank], dtype=torch.float)
        seen.append(float(PreferenceTrainer._update_z0(trainer, diffs, torch.zeros_like(diffs), "train")))
    with open(os.path.join(out, f"rank{rank}.json"), "w") as fh:
        json.dump(seen, fh)
    accelerator.end_training()


def test_z0_is_the_mean_over_processes_and_the_same_on_each(tmp_path):
    mp.spawn(_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert results[0] == pytest.approx(EXPECTED, abs=1e-6)
    assert results[1] == results[0]
