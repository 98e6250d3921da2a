"""Reference log-probs: one pass over every training and evaluation sequence, cached on disk.

The reference model never changes during a run, so log pi_ref(y|x) of each (prompt, completion)
is computed once instead of once per epoch, and saved as safetensors under
``<cache>/reference/<key>.safetensors``. The key hashes what the numbers depend on: the model's
fingerprint (weights), its dtype and the precision of the run, the tokenizer, the data files'
hashes, the max length, and the token ids of every sequence (which also pin tokenisation and
truncation). A second run, or another recipe on the same data and model, loads the file and skips
the pass. A file whose rows do not match the sequences is ignored and rewritten, never trusted.

Under several processes each one scores a shard and the shards are gathered; the main process
writes the file (temp file + rename, so a reader never sees half of it).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from dpoclin.data import Encoded, pad_batch

DIGEST_BYTES = 16  # blake2b-128 per sequence: collisions are not a practical concern at any dataset size


def sequence_digest(seq: Encoded) -> bytes:
    ids = torch.tensor(seq.prompt_ids + (-1,) + seq.completion_ids, dtype=torch.int64)  # -1: the prompt/completion cut
    return hashlib.blake2b(ids.numpy().tobytes(), digest_size=DIGEST_BYTES).digest()


def cache_key(parts: dict, seqs: list[Encoded]) -> str:
    """sha256 over the key parts (model fingerprint, dtype, tokenizer, data hashes, max length) and all sequences."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode())
    for seq in seqs:
        digest.update(sequence_digest(seq))
    return digest.hexdigest()


def load_table(path: Path, seqs: list[Encoded]) -> dict[Encoded, float] | None:
    """The cached log-probs by sequence, or None when the file is missing or does not match ``seqs``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        return None
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError):
        return None
    digests = [bytes(row.tolist()) for row in tensors.get("digests", torch.empty(0, DIGEST_BYTES, dtype=torch.uint8))]
    logps = tensors.get("logps")
    if logps is None or digests != [sequence_digest(s) for s in seqs] or not torch.isfinite(logps).all():
        return None
    return dict(zip(seqs, logps.tolist()))


def save_table(path: Path, seqs: list[Encoded], logps: torch.Tensor, parts: dict) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    digests = torch.tensor([list(sequence_digest(s)) for s in seqs], dtype=torch.uint8).reshape(len(seqs), DIGEST_BYTES)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=path.parent)
    os.close(fd)
    try:
        save_file({"logps": logps.float().cpu().contiguous(), "digests": digests}, tmp,
                  metadata={k: str(v) for k, v in parts.items()})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _batches(order: list[int], seqs: list[Encoded], batch_size: int):
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


@torch.no_grad()
def score(trainer, seqs: list[Encoded], batch_size: int, progress=None) -> torch.Tensor:
    """Reference log-probs of ``seqs`` (this process's share), longest first so padding is minimal."""
    model = trainer.model
    was_training = model.training
    model.eval()
    out = torch.full((len(seqs),), float("nan"))
    order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))
    try:
        with trainer._reference(model) as ref, trainer.autocast_smart_context_manager():
            for idx in _batches(order, seqs, batch_size):
                batch = {k: v.to(trainer.args.device) for k, v in pad_batch([seqs[i] for i in idx], trainer.processing_class.pad_token_id).items()}
                out[idx] = trainer._logps(ref, batch).float().cpu()
                if progress is not None:
                    progress(len(idx))
    finally:
        model.train(was_training)
    return out


def score_distributed(trainer, seqs: list[Encoded], batch_size: int, progress=None) -> torch.Tensor:
    """Each process scores every world_size-th sequence; the shards are gathered back into order.

    Shards are padded (repeating their last sequence) to one length, so every process runs the same
    number of forwards: under ZeRO-3 or FSDP each forward gathers weights from all processes.
    """
    acc = trainer.accelerator
    world, rank = acc.num_processes, acc.process_index
    if world == 1:
        return score(trainer, seqs, batch_size, progress)
    per_rank = -(-len(seqs) // world)
    shard = seqs[rank::world] or seqs[:1]
    mine = score(trainer, shard + shard[-1:] * (per_rank - len(shard)), batch_size, progress)
    gathered = acc.gather(mine.to(acc.device)).cpu().reshape(world, per_rank)
    out = torch.empty(len(seqs))
    for r in range(world):
        rows = range(r, len(seqs), world)
        out[list(rows)] = gathered[r, : len(rows)]
    return out


@dataclass
class ReferenceResult:
    table: dict[Encoded, float]
    path: Path
    cached: bool
    seconds: float
    sequences: int

    def manifest(self) -> dict:
        return {"cache_file": str(self.path), "cache_hit": self.cached, "seconds": round(self.seconds, 2), "sequences": self.sequences}


def reference_table(trainer, seqs: list[Encoded], parts: dict, cache_root: Path, batch_size: int, progress=None) -> ReferenceResult:
    """Load the reference log-probs of ``seqs`` from the cache, or score them and write the cache."""
    start = time.perf_counter()
    path = cache_root / "reference" / f"{cache_key(parts, seqs)}.safetensors"
    table = load_table(path, seqs)
    if table is not None:
        return ReferenceResult(table, path, True, time.perf_counter() - start, len(seqs))
    logps = score_distributed(trainer, seqs, batch_size, progress)
    if trainer.accelerator.is_main_process:
        save_table(path, seqs, logps, parts)
    trainer.accelerator.wait_for_everyone()
    return ReferenceResult(dict(zip(seqs, logps.tolist())), path, False, time.perf_counter() - start, len(seqs))
