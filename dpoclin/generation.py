"""Batched, cached response generation for ``dpoclin eval-refusals``.

* :func:`load_for_generation` loads a hub id / local model dir / GGUF (through
  :func:`dpoclin.models.load_model_and_tokenizer`) or a ``dpoclin train`` run dir holding a PEFT
  adapter (base model + adapter, merged for speed; tokenizer from the run dir).
* :func:`generate` renders every prompt with the tokenizer's chat template, looks it up in an optional
  :class:`ResponseCache`, and generates only the missing ones: longest prompts first so a batch pads
  little, left-padded, greedy by default, decoded without the prompt; responses come back in input order.
* :class:`ResponseCache` keeps one JSONL file per (model fingerprint, settings) under
  ``cache_dir()/generations/`` and appends one flushed line per finished prompt, so an interrupted or
  repeated evaluation resumes where it stopped.
* vLLM is used when installed and a CUDA GPU is visible (``backend="auto"``); ``"hf"`` everywhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import orjson

from dpoclin.errors import DpoclinError
from dpoclin.model_files import ADAPTER_PICKLE, CONVERT_ADAPTER, check_model_files, check_no_remote_code, pickle_only_error

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from dpoclin.eval_inputs import EvalPrompt

ADAPTER_CONFIG, ADAPTER_WEIGHTS = "adapter_config.json", "adapter_model.safetensors"
BACKENDS = ("auto", "hf", "vllm")
CACHE_FORMAT = 1  # bump when the cache line or file-naming scheme changes
VLLM_CHUNK = 256  # prompts per vLLM call: it batches internally; chunks only pace the cache and progress
VLLM_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)  # the max_lora_rank values vLLM accepts
ADAPTER_PROBE = 4  # prompts answered with and without the adapter under vLLM: enough to see it applied, cheap

Prompt = Union["EvalPrompt", str, Sequence[Mapping[str, str]]]  # an EvalPrompt, a user turn, or a chat list
Progress = Callable[[int], None]


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class GenerationSettings:
    """How responses are generated.  Greedy by default, so an evaluation is deterministic."""

    max_new_tokens: int = 256  # long enough for a refusal or a short clinical answer to be classified
    batch_size: int = 16  # fills 2 CPU cores / a small GPU without much padding waste
    do_sample: bool = False  # greedy: the same model gives the same responses, run after run
    temperature: float = 1.0  # only read when sampling; 1.0 = the model's own distribution
    top_p: float = 1.0  # only read when sampling; 1.0 = no nucleus truncation
    seed: int = 0  # seeds sampling so a rerun with the same settings reproduces

    def __post_init__(self) -> None:
        """Counts >= 1; sampling knobs finite always, and in range when sampling (greedy ignores them)."""
        from dpoclin.validate import AT_LEAST_ONE, FINITE, POSITIVE, Range, check_all

        sampling = {"temperature": POSITIVE, "top_p": Range(0, 1, lo_open=True)} if self.do_sample else {}
        check_all([("max_new_tokens", self.max_new_tokens, AT_LEAST_ONE), ("batch_size", self.batch_size, AT_LEAST_ONE),
                   ("seed", self.seed, Range(integer=True)),
                   *((name, getattr(self, name), sampling.get(name, FINITE)) for name in ("temperature", "top_p"))])

    def key(self) -> dict[str, Any]:
        """A stable dict of what changes the responses (for cache naming).

        ``batch_size`` is left out: it is a throughput knob, and a rerun with another batch size should
        reuse the cache.  Sampling knobs are left out when greedy, where they have no effect.
        """
        key: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": self.do_sample}
        if self.do_sample:
            key.update(temperature=float(self.temperature), top_p=float(self.top_p), seed=self.seed)
        return key


# ----------------------------------------------------------------------------- backends


def _vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_backend(backend: str = "auto") -> str:
    """``"hf"`` or ``"vllm"``: auto picks vLLM only when it is installed and a CUDA GPU is visible."""
    if backend not in BACKENDS:
        raise DpoclinError(f"unknown generation backend {backend!r}: use {', '.join(BACKENDS)}")
    if backend == "hf":
        return "hf"
    usable = _vllm_installed() and _cuda_available()
    if backend == "auto":
        return "vllm" if usable else "hf"
    if not _vllm_installed():
        raise DpoclinError("backend 'vllm' needs the vllm package, which is not installed: pip install vllm, or use backend 'hf'")
    if not _cuda_available():
        raise DpoclinError("backend 'vllm' needs a CUDA GPU and torch sees none: use backend 'hf'")
    return "vllm"


@dataclass(frozen=True)
class VllmModel:
    """A vLLM engine plus the LoRA adapter to apply (``None`` for a plain model)."""

    llm: Any  # vllm.LLM
    lora: Any = None  # vllm.lora.request.LoRARequest


# ----------------------------------------------------------------------------- loading


def _is_adapter_dir(path: Path) -> bool:
    return path.is_dir() and (path / ADAPTER_CONFIG).is_file()


def _adapter_config(run_dir: Path) -> dict:
    """The adapter's config, checked for what loading needs: a base model and safetensors weights."""
    try:
        config = json.loads((run_dir / ADAPTER_CONFIG).read_text())
    except (OSError, ValueError) as e:
        raise DpoclinError(f"{run_dir / ADAPTER_CONFIG}: unreadable adapter config ({e})") from None
    if not isinstance(config, dict) or not isinstance(config.get("base_model_name_or_path"), str):
        raise DpoclinError(f"{run_dir / ADAPTER_CONFIG}: no base_model_name_or_path naming the base model")
    if not (run_dir / ADAPTER_WEIGHTS).is_file():
        if (run_dir / ADAPTER_PICKLE).is_file():
            raise pickle_only_error(run_dir, ADAPTER_PICKLE, CONVERT_ADAPTER)
        raise DpoclinError(f"{run_dir}: no {ADAPTER_WEIGHTS} adapter weights (found none)")
    return config


def _check_local(name_or_dir: str | Path) -> None:
    """Reject a directory that is neither a model nor a train run dir (the loader handles the rest)."""
    path = Path(name_or_dir).expanduser()
    if path.is_dir() and not (path / "config.json").is_file() and not (path / ADAPTER_CONFIG).is_file():
        raise DpoclinError(f"{path}: not a model or train run directory (no config.json or {ADAPTER_CONFIG})")


def _run_tokenizer(run_dir: Path, fallback: PreTrainedTokenizerBase, trust_remote_code: bool) -> PreTrainedTokenizerBase:
    """The tokenizer saved in the run dir (what training used), else the base model's."""
    from transformers import AutoTokenizer

    if not (run_dir / "tokenizer_config.json").is_file():
        return fallback
    check_no_remote_code(run_dir, trust_remote_code)
    tokenizer = AutoTokenizer.from_pretrained(run_dir, trust_remote_code=trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_adapter_hf(run_dir: Path, dtype: str, trust_remote_code: bool) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Base model through the shared loader, the run's LoRA adapter attached and merged into it."""
    from peft import PeftModel

    from dpoclin.models import load_model_and_tokenizer

    base = _adapter_config(run_dir)["base_model_name_or_path"]
    try:
        model, tokenizer = load_model_and_tokenizer(base, dtype=dtype, trust_remote_code=trust_remote_code)
    except DpoclinError as e:
        raise DpoclinError(f"{run_dir}: its base model: {e}") from None
    try:
        model = PeftModel.from_pretrained(model, str(run_dir), is_trainable=False).merge_and_unload()
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise DpoclinError(f"{run_dir}: cannot attach the adapter to {base} ({str(e).splitlines()[0]})") from None
    return model.eval(), _run_tokenizer(run_dir, tokenizer, trust_remote_code)


def _lora_rank_limit(rank: int, run_dir: Path) -> int:
    """The smallest ``max_lora_rank`` vLLM accepts that fits the adapter's rank."""
    for limit in VLLM_LORA_RANKS:
        if rank <= limit:
            return limit
    raise DpoclinError(f"{run_dir}: LoRA rank {rank} exceeds vLLM's maximum {VLLM_LORA_RANKS[-1]}; use backend 'hf'")


def _check_vllm_adapter(run_dir: Path, adapter: dict) -> None:
    """Refuse an adapter layout vLLM's LoRA serving does not apply as PEFT does (fully trained extra modules,
    DoRA's magnitude vectors): served anyway, parts of the tuning would be dropped without a word."""
    extra = [name for name in ("modules_to_save", "trainable_token_indices") if adapter.get(name)]
    if adapter.get("use_dora"):
        extra.append("use_dora")
    if extra:
        raise DpoclinError(f"{run_dir / ADAPTER_CONFIG}: {', '.join(extra)} cannot be applied by vLLM's LoRA serving; "
                           "use backend 'hf'")


def _load_vllm(name_or_dir: str | Path, dtype: str, trust_remote_code: bool) -> tuple[VllmModel, PreTrainedTokenizerBase]:
    """A vLLM engine (with the run's LoRA adapter when given a run dir) and the HF tokenizer that renders prompts."""
    from transformers import AutoTokenizer
    from vllm import LLM

    from dpoclin.models import resolve_dtype, resolve_model

    run_dir = Path(name_or_dir).expanduser() if name_or_dir is not None else None
    adapter = _adapter_config(run_dir) if run_dir is not None and _is_adapter_dir(run_dir) else None
    path = resolve_model(adapter["base_model_name_or_path"] if adapter else (None if name_or_dir is None else str(name_or_dir)))
    check_model_files(path, trust_remote_code)
    tokenizer_dir = run_dir if adapter and (run_dir / "tokenizer_config.json").is_file() else path
    if tokenizer_dir is run_dir:
        check_no_remote_code(run_dir, trust_remote_code)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, trust_remote_code=trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch_dtype = str(resolve_dtype(dtype, "cuda")).removeprefix("torch.")
    lora_kwargs, lora = {}, None
    if adapter:
        from vllm.lora.request import LoRARequest

        _check_vllm_adapter(run_dir, adapter)

        lora_kwargs = {"enable_lora": True, "max_lora_rank": _lora_rank_limit(int(adapter.get("r", 8)), run_dir)}
        lora = LoRARequest("dpoclin-adapter", 1, str(run_dir))
    llm = LLM(model=path, tokenizer=path, dtype=torch_dtype, trust_remote_code=trust_remote_code, load_format="safetensors",
              **lora_kwargs)
    return VllmModel(llm, lora), tokenizer


def load_for_generation(
    name_or_dir: str | Path | None, *, dtype: str = "auto", trust_remote_code: bool = False, backend: str = "auto",
) -> tuple[PreTrainedModel | VllmModel, PreTrainedTokenizerBase]:
    """``(model, tokenizer)`` ready for :func:`generate`, in eval mode.

    ``name_or_dir``: a hub id, a local model dir, a ``.gguf``, ``None``/the embedded default, or a
    ``dpoclin train`` run dir with a PEFT adapter (``adapter_config.json`` + ``adapter_model.safetensors``):
    its base model (``base_model_name_or_path``) is loaded through the same loader and the adapter merged in.
    ``backend="vllm"`` (or ``"auto"`` with vLLM and a GPU) returns a :class:`VllmModel` instead.
    """
    from dpoclin.models import load_model_and_tokenizer

    if name_or_dir is not None:
        _check_local(name_or_dir)
    if resolve_backend(backend) == "vllm":
        return _load_vllm(name_or_dir, dtype, trust_remote_code)
    if name_or_dir is not None and _is_adapter_dir(Path(name_or_dir).expanduser()):
        return _load_adapter_hf(Path(name_or_dir).expanduser(), dtype, trust_remote_code)
    name = None if name_or_dir is None else str(name_or_dir)
    model, tokenizer = load_model_and_tokenizer(name, dtype=dtype, trust_remote_code=trust_remote_code)
    return model.eval(), tokenizer


# ----------------------------------------------------------------------------- fingerprints


def weights_fingerprint(name_or_dir: str | Path | None) -> str:
    """sha256 naming the weights a generation uses: the model's fingerprint, or for a train run dir
    with an adapter, sha256 of the base model's fingerprint and the adapter safetensors' sha256."""
    from dpoclin.models import file_sha256, model_fingerprint

    run_dir = Path(name_or_dir).expanduser() if name_or_dir is not None else None
    if run_dir is None or not _is_adapter_dir(run_dir):
        if name_or_dir is not None:
            _check_local(name_or_dir)
        return model_fingerprint(None if name_or_dir is None else str(name_or_dir))
    base = model_fingerprint(_adapter_config(run_dir)["base_model_name_or_path"])
    adapter = file_sha256(run_dir / ADAPTER_WEIGHTS)
    return hashlib.sha256(f"base\0{base}\nadapter\0{adapter}\n".encode()).hexdigest()


def generation_fingerprint(name_or_dir: str | Path | None, *, dtype: str = "auto", backend: str = "auto",
                           quantized: bool = False) -> str:
    """The cache identity of a model as :func:`load_for_generation` would load it: weights, dtype and backend
    (the same weights in bfloat16, or under vLLM's kernels, can answer differently), and whether the weights run
    quantized (a QLoRA run's 4-bit base in memory answers otherwise than the full-precision files)."""
    from dpoclin.models import resolve_dtype

    resolved = resolve_backend(backend)
    device = "cuda" if resolved == "vllm" or _cuda_available() else "cpu"
    parts = {"weights": weights_fingerprint(name_or_dir), "dtype": str(resolve_dtype(dtype, device)), "backend": resolved,
             **({"quantized": True} if quantized else {})}
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def loaded_fingerprint(model: PreTrainedModel | VllmModel, name_or_dir: str | Path | None, *, dtype: str = "auto") -> str:
    """:func:`generation_fingerprint` of a model already loaded, under the backend that will actually generate: a
    :class:`VllmModel` is vLLM, anything else (e.g. the post-train evaluation's model in memory) is HF, whatever
    ``auto`` would pick on this machine; a quantized model in memory (QLoRA's 4-bit base) is told apart."""
    from dpoclin.models import is_quantized

    if isinstance(model, VllmModel):
        return generation_fingerprint(name_or_dir, dtype=dtype, backend="vllm")
    return generation_fingerprint(name_or_dir, dtype=dtype, backend="hf", quantized=is_quantized(model))


# ----------------------------------------------------------------------------- cache


def prompt_key(rendered: str) -> str:
    """The cache key of one prompt: sha256 of its chat-template rendering."""
    return hashlib.sha256(rendered.encode()).hexdigest()


def cache_file_name(fingerprint: str, settings: GenerationSettings) -> str:
    """``<sha256>.jsonl`` for one (model fingerprint, settings) pair."""
    ident = {"format": CACHE_FORMAT, "model": fingerprint, "settings": settings.key()}
    return hashlib.sha256(orjson.dumps(ident, option=orjson.OPT_SORT_KEYS)).hexdigest() + ".jsonl"


def _read_cache(path: Path) -> tuple[dict[str, str], int]:
    """``(key -> response, byte length of the complete lines)``; an unterminated last line (a kill
    mid-write) is ignored, any other bad line is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, 0
    complete = data.rfind(b"\n") + 1
    entries: dict[str, str] = {}
    for number, line in enumerate(data[:complete].splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = orjson.loads(line)
            entries[entry["key"]] = entry["response"]
        except (orjson.JSONDecodeError, TypeError, KeyError):
            raise DpoclinError(f"{path}:{number}: corrupt generation cache line; delete the file to regenerate") from None
    return entries, complete


class ResponseCache:
    """Responses already generated for one (model fingerprint, settings): ``<root>/generations/<sha256>.jsonl``.

    One line ``{"key": prompt_key(rendered), "response": ...}`` is appended and flushed per finished prompt.
    ``root`` defaults to :func:`dpoclin.models.cache_dir`.
    """

    def __init__(self, fingerprint: str, settings: GenerationSettings, *, root: str | Path | None = None):
        from dpoclin.models import cache_dir

        self.path = Path(root or cache_dir()) / "generations" / cache_file_name(fingerprint, settings)
        self._entries, self._complete = _read_cache(self.path)
        self._repaired = False

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str) -> str | None:
        """The cached response for ``key``, or ``None``."""
        return self._entries.get(key)

    def _repair(self) -> None:
        """Cut an unterminated last line before the first append, so new lines never join it."""
        if not self._repaired and self.path.exists() and self.path.stat().st_size > self._complete:
            with open(self.path, "r+b") as fh:
                fh.truncate(self._complete)
        self._repaired = True

    def put(self, key: str, response: str) -> None:
        """Record one response: appended as one line and flushed at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()
        with open(self.path, "ab") as fh:
            fh.write(orjson.dumps({"key": key, "response": response}) + b"\n")
            fh.flush()
        self._entries[key] = response


# ----------------------------------------------------------------------------- prompts


def _chat(prompt: Prompt) -> list[dict[str, str]]:
    """The chat list of an EvalPrompt, a plain user turn, or a chat list."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    chat = getattr(prompt, "chat", None)
    return list(chat) if chat is not None else [dict(m) for m in prompt]


def render_prompt(tokenizer: PreTrainedTokenizerBase, prompt: Prompt) -> str:
    """The prompt as the model sees it: the chat template with the assistant turn opened."""
    if not getattr(tokenizer, "chat_template", None):
        raise DpoclinError(f"tokenizer {tokenizer.name_or_path}: has no chat template, cannot render prompts")
    return tokenizer.apply_chat_template(_chat(prompt), add_generation_prompt=True, tokenize=False)


def encode(tokenizer: PreTrainedTokenizerBase, rendered: str) -> list[int]:
    """Token ids of a rendered prompt (the template already holds any BOS, so no special tokens are added)."""
    return tokenizer(rendered, add_special_tokens=False)["input_ids"]


def longest_first(lengths: Sequence[int]) -> list[int]:
    """Indices ordered by length, longest first (ties keep input order), so each batch pads little."""
    return sorted(range(len(lengths)), key=lambda i: -lengths[i])


def batches(order: Sequence[int], size: int) -> Iterator[list[int]]:
    """Consecutive chunks of ``order`` of at most ``size`` indices."""
    for start in range(0, len(order), size):
        yield list(order[start:start + size])


def pad_id_of(tokenizer: PreTrainedTokenizerBase) -> int:
    """The pad token id; eos when the tokenizer has no pad token."""
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if pad is None:
        raise DpoclinError(f"tokenizer {tokenizer.name_or_path}: has neither a pad nor an eos token")
    return pad


@contextlib.contextmanager
def left_padding(tokenizer: PreTrainedTokenizerBase) -> Iterator[PreTrainedTokenizerBase]:
    """``tokenizer.padding_side = "left"`` (and a pad token) for the block, restored afterwards."""
    side, pad = tokenizer.padding_side, tokenizer.pad_token
    tokenizer.padding_side = "left"
    if pad is None:
        tokenizer.pad_token = tokenizer.eos_token
    try:
        yield tokenizer
    finally:
        tokenizer.padding_side = side
        if pad is None:
            tokenizer.pad_token = None


# ----------------------------------------------------------------------------- HF backend


def _sampling_kwargs(settings: GenerationSettings) -> dict[str, Any]:
    """``model.generate`` kwargs: the settings alone decide, not a model's shipped generation_config."""
    common = {"max_new_tokens": settings.max_new_tokens, "num_beams": 1, "repetition_penalty": 1.0}
    if not settings.do_sample:
        return {**common, "do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    return {**common, "do_sample": True, "temperature": settings.temperature, "top_p": settings.top_p, "top_k": 0}


def _hf_batch(model, tokenizer, ids: list[list[int]], settings: GenerationSettings) -> tuple[list[str], int]:
    """Generate one left-padded batch: ``(responses, new non-pad tokens)``."""
    import torch

    with left_padding(tokenizer):
        batch = tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt")
        pad = pad_id_of(tokenizer)
    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    with torch.no_grad():
        out = model.generate(**batch, pad_token_id=pad, **_sampling_kwargs(settings))
    new = out[:, batch["input_ids"].shape[1]:]
    texts = tokenizer.batch_decode(new, skip_special_tokens=True)
    return [t.strip() for t in texts], int((new != pad).sum())


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's RNGs for the block without disturbing the caller's RNG state."""
    import torch

    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _hf_generate(model, tokenizer, ids: list[list[int]], settings: GenerationSettings) -> Iterator[tuple[list[int], list[str], int]]:
    """``(indices, responses, new tokens)`` per batch, longest prompts first."""
    with seeded(settings.seed):
        for chunk in batches(longest_first([len(x) for x in ids]), settings.batch_size):
            texts, tokens = _hf_batch(model, tokenizer, [ids[i] for i in chunk], settings)
            yield chunk, texts, tokens


# ----------------------------------------------------------------------------- vLLM backend


def _vllm_params(settings: GenerationSettings):
    """vLLM ``SamplingParams`` equivalent to the settings (temperature 0 = greedy; per-request seed)."""
    from vllm import SamplingParams

    if not settings.do_sample:
        return SamplingParams(n=1, max_tokens=settings.max_new_tokens, temperature=0.0, skip_special_tokens=True)
    return SamplingParams(n=1, max_tokens=settings.max_new_tokens, temperature=settings.temperature,
                          top_p=settings.top_p, seed=settings.seed, skip_special_tokens=True)


def _warn_if_adapter_ignored(model: VllmModel, ids: list[list[int]], settings: GenerationSettings) -> None:
    """LoRA serving can fail silently (an adapter vLLM skips answers as the base model): greedy answers to the first
    prompts with and without the adapter; when none differs, say so on stderr (a weak adapter can do this too)."""
    if model.lora is None or not ids:
        return
    from vllm import SamplingParams

    probe = [{"prompt_token_ids": x} for x in ids[:ADAPTER_PROBE]]
    params = SamplingParams(n=1, max_tokens=min(settings.max_new_tokens, 32), temperature=0.0)
    with_lora = [o.outputs[0].text for o in model.llm.generate(probe, params, lora_request=model.lora, use_tqdm=False)]
    without = [o.outputs[0].text for o in model.llm.generate(probe, params, lora_request=None, use_tqdm=False)]
    if with_lora == without:
        print(f"warning: under vLLM the LoRA adapter changed none of {len(probe)} greedy answers: it may not be "
              "applied (the answers would be the base model's); compare with backend 'hf'", file=sys.stderr)


def _vllm_generate(model: VllmModel, ids: list[list[int]], settings: GenerationSettings) -> Iterator[tuple[list[int], list[str], int]]:
    """``(indices, responses, new tokens)`` per chunk of prompts, fed to vLLM as token ids."""
    _warn_if_adapter_ignored(model, ids, settings)
    params = _vllm_params(settings)
    for chunk in batches(longest_first([len(x) for x in ids]), VLLM_CHUNK):
        outputs = model.llm.generate([{"prompt_token_ids": ids[i]} for i in chunk], params,
                                     lora_request=model.lora, use_tqdm=False)
        texts = [o.outputs[0].text.strip() for o in outputs]
        yield chunk, texts, sum(len(o.outputs[0].token_ids) for o in outputs)


# ----------------------------------------------------------------------------- generate


def _advance(progress: Progress | None, prompts: int, tokens: int) -> None:
    """Report finished prompts (and, to a sink with ``add_tokens``, the new tokens)."""
    if progress is None:
        return
    if tokens and hasattr(progress, "add_tokens"):
        progress.add_tokens(tokens)
    if prompts:
        progress(prompts)


def first_missing(keys: Sequence[str], known: Mapping[str, str]) -> list[int]:
    """Index of the first occurrence of every key not in ``known``: what is left to generate, once each."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in known:
            first.setdefault(key, i)
    return list(first.values())


def generate(
    model: PreTrainedModel | VllmModel, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[Prompt],
    settings: GenerationSettings = GenerationSettings(), *, cache: ResponseCache | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """One response per prompt, in input order.

    Prompts found in ``cache`` are not generated again; identical renderings are generated once.  Each
    finished prompt is written to the cache at once.  ``progress(n)`` is called with the number of prompts
    finished (cached ones first, then per batch); a sink that also has ``add_tokens(n)`` (see
    :class:`ProgressBar`) is told the new tokens.  The backend follows the model: a :class:`VllmModel`
    runs on vLLM, anything else through ``model.generate``.
    """
    rendered = [render_prompt(tokenizer, p) for p in prompts]
    keys = [prompt_key(r) for r in rendered]
    done: dict[str, str] = {k: cache.get(k) for k in keys if cache is not None and k in cache}
    todo = first_missing(keys, done)
    copies = Counter(keys)
    _advance(progress, sum(copies[k] for k in done), 0)
    ids = [encode(tokenizer, rendered[i]) for i in todo]
    run = _vllm_generate(model, ids, settings) if isinstance(model, VllmModel) else _hf_generate(model, tokenizer, ids, settings)
    for chunk, texts, tokens in run:
        for j, text in zip(chunk, texts):
            done[keys[todo[j]]] = text
            if cache is not None:
                cache.put(keys[todo[j]], text)
        _advance(progress, sum(copies[keys[todo[j]]] for j in chunk), tokens)
    return [done[k] for k in keys]


# ----------------------------------------------------------------------------- progress bar


class ProgressBar:
    """A rich progress bar on stderr: prompts done, new tokens/s, elapsed and ETA.  Call it with prompts done."""

    def __init__(self, total: int, description: str = "generating"):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("prompts"),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False)
        self._task = self._progress.add_task(description, total=total, rate="", tokens=0)
        self.tokens = 0

    def __call__(self, prompts: int) -> None:
        self._progress.advance(self._task, prompts)

    def add_tokens(self, tokens: int) -> None:
        """Count new tokens; the tokens/s shown is over the bar's elapsed time."""
        self.tokens += tokens
        elapsed = self._progress.tasks[0].elapsed or 0.0
        self._progress.update(self._task, rate=f"{self.tokens / elapsed:,.0f} tok/s" if elapsed > 0 else "")

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()


@contextlib.contextmanager
def progress_bar(total: int, *, description: str = "generating", enabled: bool | None = None) -> Iterator[ProgressBar | None]:
    """A :class:`ProgressBar` while the block runs, or ``None`` (no output) when stderr is not a terminal.

    ``enabled`` forces it on or off.  Pass what it yields as ``generate(..., progress=...)``.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    with ProgressBar(total, description) as bar:
        yield bar


__all__ = [
    "BACKENDS", "GenerationSettings", "ProgressBar", "ResponseCache", "VllmModel", "cache_file_name", "generate",
    "generation_fingerprint", "load_for_generation", "loaded_fingerprint", "progress_bar", "prompt_key", "render_prompt", "resolve_backend",
    "weights_fingerprint",
]
