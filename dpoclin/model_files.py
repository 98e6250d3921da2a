"""What dpoclin agrees to load from a model directory: no code, no pickles.

* **No code.** A ``config.json`` or ``tokenizer_config.json`` with an ``auto_map`` names Python files that
  transformers would import. Every loader passes ``trust_remote_code`` explicitly (``False`` unless the recipe's
  ``model.trust_remote_code`` or ``eval-refusals --trust-remote-code`` says otherwise), so transformers never asks
  on stdin; :func:`check_no_remote_code` stops earlier with one line naming the file and the switch.
* **No pickles.** Weights load from safetensors only (``use_safetensors=True``); a directory holding only
  ``pytorch_model.bin`` / ``adapter_model.bin`` is an error naming the conversion (:func:`check_safetensors`).
* **Checkpoints.** On ``--resume`` the Trainer reloads ``rng_state.pth``, ``optimizer.pt``, ``scheduler.pt`` and
  ``scaler.pt``: torch pickles, but loaded under :func:`weights_only_loads`, which forces ``weights_only=True``
  (tensors, numbers and the numpy RNG state only: no object can run code). Those files are the ones this run's
  own Trainer wrote into ``<run>/checkpoints/``; ``training_args.bin`` (a full pickle, never read back) is not
  kept (``trainer.PreferenceTrainer._save``). DeepSpeed's own checkpoint files are loaded by DeepSpeed.
* **GGUF.** A file that does not start with the GGUF magic is rejected before any conversion starts.
"""

from __future__ import annotations

import contextlib
import functools
import json
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

from dpoclin.errors import DpoclinError

CODE_FILES = ("config.json", "tokenizer_config.json")  # where transformers reads ``auto_map``
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")
ADAPTER_PICKLE = "adapter_model.bin"
GGUF_MAGIC = b"GGUF"
TRUST_HINT = "pass --trust-remote-code (eval-refusals) or set model.trust_remote_code: true (train recipe or --set)"
CONVERT_MODEL = ("python -c 'from transformers import AutoModelForCausalLM as M; "
                 "M.from_pretrained(\"{dir}\").save_pretrained(\"{dir}\", safe_serialization=True)'")
CONVERT_ADAPTER = ("python -c 'import torch, safetensors.torch as st; "
                   "st.save_file(torch.load(\"{dir}/adapter_model.bin\"), \"{dir}/adapter_model.safetensors\")'")


def local_model_dir(name_or_path: str | Path) -> Path | None:
    """The directory holding a model's files: itself when local, else its Hugging Face cache snapshot (or None)."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(str(name_or_path), "config.json")
    except ValueError:  # not a valid hub id: the loader reports it
        return None
    return Path(cached).parent if isinstance(cached, str) else None


def _auto_map(file: Path) -> dict:
    """The ``auto_map`` of a JSON config file ({} when absent or unreadable: the loader reports unreadable files)."""
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError):
        return {}
    found = data.get("auto_map") if isinstance(data, dict) else None
    return found if isinstance(found, dict) and found else {}


def remote_code_error(where: str | Path, classes: str = "") -> DpoclinError:
    """The one-line error for a model that needs its own code to load."""
    named = f" (auto_map: {classes})" if classes else ""
    return DpoclinError(f"{where}: the model ships its own Python code{named}, which dpoclin does not run "
                        f"unless told to; if you trust its source, {TRUST_HINT}")


def check_no_remote_code(model_dir: Path | None, trust_remote_code: bool) -> None:
    """Raise when ``model_dir`` names code to import (``auto_map``) and ``trust_remote_code`` is off."""
    if trust_remote_code or model_dir is None:
        return
    for name in CODE_FILES:
        if auto_map := _auto_map(model_dir / name):
            raise remote_code_error(model_dir / name, ", ".join(sorted(auto_map)))


def pickle_only_error(model_dir: Path, file: str, convert: str = CONVERT_MODEL) -> DpoclinError:
    """The one-line error for a directory whose weights exist only as a pickle."""
    return DpoclinError(f"{model_dir / file}: pickle weights only; dpoclin loads safetensors only (a pickle can run code): "
                        f"convert it in a trusted environment: {convert.format(dir=model_dir)}")


def check_safetensors(model_dir: Path | None) -> None:
    """Raise when a model directory has pickle weights but no ``*.safetensors``."""
    if model_dir is None or any(model_dir.glob("*.safetensors")):
        return
    for name in PICKLE_WEIGHTS:
        if (model_dir / name).is_file():
            raise pickle_only_error(model_dir, name)
    if shards := sorted(model_dir.glob("pytorch_model-*.bin")):
        raise pickle_only_error(model_dir, shards[0].name)


def check_model_files(name_or_path: str | Path, trust_remote_code: bool) -> None:
    """Both checks on a model as the loader will load it (a local dir or the cached snapshot of a hub id)."""
    model_dir = local_model_dir(name_or_path)
    check_no_remote_code(model_dir, trust_remote_code)
    check_safetensors(model_dir)


def check_gguf(path: Path) -> None:
    """Raise unless ``path`` starts with the GGUF magic bytes."""
    with open(path, "rb") as fh:
        head = fh.read(len(GGUF_MAGIC))
    if head != GGUF_MAGIC:
        raise DpoclinError(f"{path}: not a GGUF file (it does not start with the GGUF magic bytes): "
                           "pass a .gguf model file, or a model directory")


def _refusal_reason(error: Exception) -> str:
    """The short part of torch's weights-only refusal (e.g. "Unsupported global: GLOBAL builtins.getattr")."""
    found = re.search(r"Unsupported (?:global|operand)[^.\n]*?(?= was not|\.|\n|$)", str(error))
    return found.group(0) if found else "not tensors and numbers only"


@contextlib.contextmanager
def weights_only_loads(checkpoint: str | Path | None) -> Iterator[None]:
    """``torch.load`` forced to ``weights_only=True`` inside the block; a file it refuses is a one-line error."""
    import torch

    original, loading = torch.load, [checkpoint]

    @functools.wraps(original)
    def load(f, *args, **kwargs):
        loading[0] = f
        return original(f, *args, **{**kwargs, "weights_only": True})

    torch.load = load
    try:
        yield
    except pickle.UnpicklingError as e:
        raise DpoclinError(f"{loading[0]}: this checkpoint file holds objects other than tensors and numbers "
                           f"({_refusal_reason(e)}), which dpoclin does not unpickle; delete its checkpoint dir and resume "
                           "from an earlier one, or start the run again") from None
    finally:
        torch.load = original
