"""What a run records about itself: package versions, git commit, platform."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata

TRACKED_PACKAGES = ("dpoclin", "torch", "transformers", "trl", "peft", "datasets", "accelerate",
                    "orjson", "pyarrow", "numpy", "scikit-learn", "typer", "rich", "gguf")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(cwd: str = ".") -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
