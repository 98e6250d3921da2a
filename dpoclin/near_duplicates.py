"""Near-duplicate prompts: one normalised key and a MinHash signature per prompt, grouped by LSH.

build-pairs splits by prompt group (a question re-exported under another task id, or reworded by a
word or two, stays on one side of the split) and ``dpoclin train`` checks its eval prompts against the
training prompts with the same index. A prompt is the text of its user turns: the same question under
another system prompt is the same question.

Two prompts are near-duplicates when the Jaccard similarity of their word 1- and 2-gram sets, estimated
from ``N_HASHES`` MinHash values, is at or above a threshold. Candidates come from locality-sensitive
hashing (``N_BANDS`` bands of ``ROWS`` values), so the cost grows with the number of prompts, not its
square. Detection is probabilistic by design: a pair at Jaccard 0.8 is a candidate with probability > 0.9999,
and the estimate has a standard error of <= 0.0625 (a true 0.75 passes 0.8 sometimes, a true 0.85 fails it
sometimes). Everything is seeded and deterministic: the same prompts give the same groups on any machine.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np

# Word 1+2-gram Jaccard at or above which two prompts count as one question (build-pairs' split and
# train's eval-overlap check): a re-export with a word or two changed is caught; "for adults" vs "for
# children" in a 9-word question (0.79) is not.
DEFAULT_THRESHOLD = 0.8
# 64 hashes: the Jaccard estimate's standard error is <= 0.0625, enough to tell 0.8 from 0.5.
N_HASHES = 64
# 16 bands x 4 rows: a pair at Jaccard 0.8 is a candidate with probability 1 - (1 - 0.8^4)^16 > 0.9999.
N_BANDS, ROWS = 16, 4
_rng = np.random.default_rng(20240611)
# multiply-shift hashing (Dietzfelbinger et al. 1997): h_i(x) = ((a_i * x + b_i) mod 2^64) >> 32, a_i odd
_A = _rng.integers(0, 1 << 63, N_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 1 << 63, N_HASHES, dtype=np.uint64)
_BIGRAM = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier: (h1 * K) xor h2 keeps word order
_CHUNK = 2048  # texts per vectorised batch: ~2048 x 30 grams x 64 hashes x 8 bytes = 31 MB at most
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def prompt_text(prompt: str | Iterable[dict]) -> str:
    """The text that identifies a prompt: a plain prompt string, or the user turns of a chat, in order."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(str(m.get("content", "")) for m in prompt if m.get("role", "user") == "user")


def normalise(text: str) -> str:
    """Lower-cased words joined by single spaces: case, whitespace and punctuation do not count."""
    return " ".join(_WORD.findall(text.lower()))


def exact_key(text: str) -> str:
    """A short digest of the normalised text: equal for prompts that differ only in case, spacing, punctuation."""
    return hashlib.blake2b(normalise(text).encode(), digest_size=12).hexdigest()


def _minhash(grams: np.ndarray) -> np.ndarray:
    """(N_HASHES, len(grams)) multiply-shift hashes ((a * x + b) mod 2^64) >> 32 of 64-bit gram hashes."""
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps mod 2^64, as the hashing wants
        return (_A[:, None] * grams[None, :] + _B[:, None]) >> np.uint64(32)


def _chunk_signatures(texts: Sequence[str]) -> np.ndarray:
    """Signatures of a few thousand texts in a handful of numpy calls: words hashed with crc32, a bigram as
    (h1 * K) xor h2, each text's minimum taken over its own words and its own bigrams (``reduceat``)."""
    words = [normalise(t).split() or [""] for t in texts]
    ends = np.cumsum([len(w) for w in words])
    starts = ends - [len(w) for w in words]
    h = np.fromiter(map(zlib.crc32, map(str.encode, chain.from_iterable(words))), dtype=np.uint64, count=int(ends[-1]))
    bigrams = np.zeros_like(h)  # bigram j = words j, j+1; at a text's last word it would cross into the next text
    with np.errstate(over="ignore"):
        bigrams[:-1] = (h[:-1] * _BIGRAM) ^ h[1:]
    uni, bi = _minhash(h), _minhash(bigrams)
    bi[:, ends - 1] = np.iinfo(np.uint64).max  # no bigram there (one-word texts then have unigrams only)
    return np.minimum(np.minimum.reduceat(uni, starts, axis=1), np.minimum.reduceat(bi, starts, axis=1)).T


def signatures(texts: Sequence[str]) -> np.ndarray:
    """MinHash of the word 1- and 2-grams of each normalised text: an (n, ``N_HASHES``) uint32 array, computed
    ``_CHUNK`` texts at a time so numpy's per-call cost is paid once per chunk, not per prompt."""
    out = np.empty((len(texts), N_HASHES), dtype=np.uint32)
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        out[start:start + len(chunk)] = _chunk_signatures(chunk)
    return out


def signature(text: str) -> np.ndarray:
    """The MinHash signature of one text (``signatures`` batches many)."""
    return signatures([text])[0]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    return float(np.count_nonzero(a == b)) / len(a)


def _bands(sig: np.ndarray) -> list[tuple[int, bytes]]:
    raw = sig.tobytes()
    width = ROWS * sig.itemsize
    return [(band, raw[band * width:(band + 1) * width]) for band in range(N_BANDS)]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def group_prompts(keys: Sequence[str], signatures: Sequence[np.ndarray], threshold: float) -> list[int]:
    """A group number per prompt (the smallest index in its group): equal ``keys`` share a group, and so
    do prompts whose estimated Jaccard is >= ``threshold`` (transitively)."""
    uf = _UnionFind(len(keys))
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        uf.union(first.setdefault(key, i), i)
    buckets: dict[tuple, list[int]] = {}
    for i, sig in enumerate(signatures):
        for band in _bands(sig):
            buckets.setdefault(band, []).append(i)
    for members in buckets.values():
        _link_bucket(uf, members, signatures, threshold)
    return [uf.find(i) for i in range(len(keys))]


# Pairs compared in one LSH bucket: all of them up to this size; beyond it (a template many prompts share) each
# prompt against the WINDOW before it in signature order, so the cost stays linear in the bucket's size.
WINDOW = 32


def _link_bucket(uf: _UnionFind, members: list[int], signatures, threshold: float) -> None:
    """Link the prompts of one LSH bucket whose estimated Jaccard clears the threshold."""
    if len(members) > WINDOW:
        members = sorted(members, key=lambda i: signatures[i].tobytes())
    for a, i in enumerate(members):
        for j in members[max(0, a - WINDOW):a]:
            if uf.find(i) != uf.find(j) and estimated_jaccard(signatures[i], signatures[j]) >= threshold:
                uf.union(i, j)


class PromptIndex:
    """Prompts to check others against: ``matches(text)`` is the indexed prompts it duplicates."""

    def __init__(self, texts: Iterable[str], threshold: float):
        self.threshold = threshold
        self.texts: list[str] = []
        self.keys: dict[str, int] = {}
        self.sigs: list[np.ndarray] = []
        self.buckets: dict[tuple, list[int]] = {}
        for text in texts:
            self._add(text)

    def _add(self, text: str) -> None:
        i = len(self.texts)
        self.texts.append(text)
        self.keys.setdefault(exact_key(text), i)
        sig = signature(text)
        self.sigs.append(sig)
        for band in _bands(sig):
            self.buckets.setdefault(band, []).append(i)

    def match(self, text: str) -> int | None:
        """Index of an indexed prompt that ``text`` equals after normalisation or near-duplicates, else None."""
        if (i := self.keys.get(exact_key(text))) is not None:
            return i
        sig = signature(text)
        for band in _bands(sig):
            for i in self.buckets.get(band, ()):
                if estimated_jaccard(self.sigs[i], sig) >= self.threshold:
                    return i
        return None
