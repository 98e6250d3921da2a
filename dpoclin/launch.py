"""Several training processes through accelerate: ``dpoclin train --num-processes N --accelerate-config NAME``.

dpoclin has no launcher of its own. When a recipe asks for more than one process (or for DeepSpeed/FSDP),
``dpoclin train`` writes the resolved recipe to a file and runs

    python -m accelerate.commands.launch --config_file CONFIG --num_processes N -m dpoclin train --recipe FILE --out DIR

Each process then runs the ordinary code path; transformers' Trainer picks up the distributed environment
accelerate sets (NCCL on GPUs, gloo on CPU). Named configs ship in ``dpoclin/launch_configs/``; a path to
your own accelerate YAML works too. Already inside ``accelerate launch`` or ``torchrun`` (e.g. multi-node
jobs you launch yourself): dpoclin runs in place.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from dpoclin.errors import DpoclinError
from dpoclin.recipe import ACCELERATE_CONFIGS, Recipe, dump_recipe_yaml

LAUNCHED_ENV = "DPOCLIN_LAUNCHED"  # set for the processes dpoclin starts: they must not launch again
CONFIGS_DIR = resources.files("dpoclin") / "launch_configs"
GPU_ONLY = ("zero2", "zero3", "fsdp")  # DeepSpeed and FSDP shard over CUDA devices


def inside_launch() -> bool:
    """True in a process started by accelerate/torchrun (dpoclin's or the user's own)."""
    return os.environ.get(LAUNCHED_ENV) == "1" or "LOCAL_RANK" in os.environ


def launched_by_dpoclin() -> bool:
    return os.environ.get(LAUNCHED_ENV) == "1"


def is_first_process() -> bool:
    """Rank 0 (before torch.distributed is set up: read from the launcher's environment)."""
    return int(os.environ.get("RANK", "0")) == 0


def config_name(recipe: Recipe) -> str | None:
    """The accelerate config a recipe runs under: its own, or multi_gpu for N > 1 processes, or None (in place)."""
    d = recipe.distributed
    if d.accelerate_config is not None:
        return d.accelerate_config
    return "multi_gpu" if d.num_processes > 1 else None


def needs_launch(recipe: Recipe) -> bool:
    """Whether ``dpoclin train`` must start processes through accelerate rather than train in place."""
    return not inside_launch() and config_name(recipe) not in (None, "single_gpu")


def config_path(name: str, cuda: bool) -> Path:
    """The YAML file for a named config (packaged) or a user path; GPU-only configs on a CPU machine are an error."""
    if name in ACCELERATE_CONFIGS:
        if name in GPU_ONLY and not cuda:
            raise DpoclinError(f"distributed.accelerate_config {name} needs CUDA GPUs and none is visible: on CPU use "
                               "--set distributed.accelerate_config=multi_gpu (N gloo processes), or train in place in one process: "
                               "--num-processes 1 --set distributed.accelerate_config=null")
        return Path(str(CONFIGS_DIR / f"{name}.yaml"))
    path = Path(name).expanduser()
    if not path.is_file():
        raise DpoclinError(f"{path}: accelerate config not found (distributed.accelerate_config; named configs: {', '.join(ACCELERATE_CONFIGS)})")
    return path


def free_port() -> int:
    """A free TCP port on this machine for the processes' rendezvous (two runs on one node never collide)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_command(config: Path, num_processes: int, recipe_file: Path, out: Path, resume: bool) -> list[str]:
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config), "--num_processes", str(num_processes),
           "--num_machines", "1", "--main_process_port", str(free_port()), "-m", "dpoclin", "train",
           "--recipe", str(recipe_file), "--out", str(out)]
    return cmd + ["--resume"] if resume else cmd


def launch(recipe: Recipe, out: Path, resume: bool, cuda: bool) -> None:
    """Run ``dpoclin train`` for ``recipe`` in ``distributed.num_processes`` processes; errors if any fails."""
    config = config_path(config_name(recipe), cuda)
    n = recipe.distributed.num_processes
    with tempfile.TemporaryDirectory(prefix="dpoclin-launch-") as tmp:
        recipe_file = Path(tmp) / "recipe.yaml"
        recipe_file.write_text(dump_recipe_yaml(recipe, header="resolved recipe, written by dpoclin train for its processes"))
        env = {**os.environ, LAUNCHED_ENV: "1"}
        code = subprocess.run(launch_command(config, n, recipe_file, out, resume), env=env).returncode
    if code:
        raise DpoclinError(f"training failed in one of its {n} processes (exit code {code}); the first error is printed above")
