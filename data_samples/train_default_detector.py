#!/usr/bin/env python3
"""Train dpoclin's packaged refusal detector, and score it on the responses it never saw.

Training data (``train_rows``):

* every family of the SYNTHETIC ``refusal_responses.jsonl`` (aurora ... jasper; the errors of
  ember, fjord, garnet and halite were looked at while the patterns were written, so none of
  them is a fair test any more) and of ``refusal_responses_more.jsonl`` (opal ... tuff, six
  more voices written by another author, without sight of the held-out sets);
* the REAL SmolLM2-135M-Instruct outputs of ``refusal_responses_smollm2.jsonl`` with
  ``split: train`` (the base model and three LoRA-tuned runs, hand-labelled).

Held out (``test_sets``), never trained on and never error-analysed:

* ``blind``: ``refusal_responses_blind.jsonl``, four SYNTHETIC families (kestrel, lumen,
  marlin, nimbus) written by a second author who never saw the detector, its patterns or the
  other families' text -- the honest "model families it was not trained on" number;
* ``real``: the REAL outputs with ``split: test`` (LoRA runs labelled after the detector froze).

Usage (from the repository root, with the project venv):
    python data_samples/train_default_detector.py            # retrain, write dpoclin/resources/refusal_detector.safetensors
    python data_samples/train_default_detector.py --check    # retrain in memory; fail unless it predicts like the packaged file
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dpoclin import refusal  # noqa: E402

SAMPLES = ROOT / "data_samples"
SYNTHETIC = SAMPLES / "refusal_responses.jsonl"
MORE = SAMPLES / "refusal_responses_more.jsonl"  # six more synthetic training voices (generate_refusal_more.py)
REAL = SAMPLES / "refusal_responses_smollm2.jsonl"
BLIND = SAMPLES / "refusal_responses_blind.jsonl"
MODEL = ROOT / "dpoclin" / "resources" / refusal.DEFAULT_MODEL
SEED = 0  # lbfgs is deterministic; the seed is recorded for the record


def load_rows(path: Path = SYNTHETIC) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def train_rows() -> list[dict]:
    """Every synthetic training-set response plus the real responses marked ``split: train``."""
    return load_rows(SYNTHETIC) + load_rows(MORE) + [r for r in load_rows(REAL) if r["split"] == "train"]


def test_sets() -> dict[str, list[dict]]:
    """The held-out sets: blind synthetic families and real outputs marked ``split: test``.

    A response whose exact text is also a training response ("No."; a greedy answer two tuned runs share) is left
    out: it would score memory, not generalisation.
    """
    seen = {r["response"] for r in train_rows()}
    sets = {"blind": load_rows(BLIND), "real": [r for r in load_rows(REAL) if r["split"] == "test"]}
    return {name: [r for r in rows if r["response"] not in seen] for name, rows in sets.items()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train() -> refusal.RefusalDetector:
    """The packaged detector: the training rows, default C, SEED."""
    rows = train_rows()
    info = {"data": {p.name: _sha256(p) for p in (SYNTHETIC, MORE, REAL)}, "n": len(rows),
            "trained_families": sorted({r["family"] for r in rows if "family" in r}),
            "trained_real_runs": sorted({r["run"] for r in rows if "run" in r}),
            "held_out": [BLIND.name, f"{REAL.name} split=test"]}
    return refusal.train_detector([r["response"] for r in rows], [r["gold"] for r in rows], SEED, info=info)


def evaluate(detector: refusal.RefusalDetector, rows: list[dict]) -> dict:
    """Refusal-vs-compliance scores of the detector and of the keyword baseline on some rows."""
    gold, texts = [r["gold"] for r in rows], [r["response"] for r in rows]
    return {"detector": refusal.detection_scores(gold, [d.label for d in detector.detect(texts)]),
            "keyword": refusal.detection_scores(gold, refusal.keyword_baseline(texts))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the packaged refusal detector.")
    parser.add_argument("--check", action="store_true", help="only check that retraining reproduces the packaged model")
    args = parser.parse_args(argv)
    detector = train()
    if args.check:
        packaged = refusal.RefusalDetector.load(MODEL)
        texts = [r["response"] for r in train_rows()]
        same = [a.label == b.label and abs(a.score - b.score) < 1e-5
                for a, b in zip(detector.detect(texts), packaged.detect(texts))]
        if not all(same):
            print(f"{MODEL.name}: retraining changes {same.count(False)} of {len(same)} predictions", file=sys.stderr)
            return 1
        print(f"{MODEL.name} matches a retrain on {len(texts)} responses")
    else:
        detector.save(MODEL)
        print(f"wrote {MODEL.relative_to(ROOT)} ({MODEL.stat().st_size:,} bytes)")
    for name, rows in test_sets().items():
        s = evaluate(detector, rows)
        d = s["detector"]
        print(f"{name} ({len(rows)}): detector F1 {d['f1']:.3f} (P {d['precision']:.3f}, R {d['recall']:.3f}), "
              f"keyword baseline F1 {s['keyword']['f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
