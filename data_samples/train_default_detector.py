#!/usr/bin/env python3
"""Train dpoclin's packaged refusal detector from the SYNTHETIC labelled responses.

The detector is trained on the ``TRAIN_FAMILIES`` of ``refusal_responses.jsonl`` only; the other
families are held out:

* ``DEV_FAMILIES`` (ember, fjord): held out from training, but their errors were looked at once
  while the anchored patterns were written, so their score is optimistic;
* ``TEST_FAMILIES`` (garnet, halite): written after the patterns were frozen and never used for
  error analysis -- the honest generalisation number.

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

DATA = ROOT / "data_samples" / "refusal_responses.jsonl"
MODEL = ROOT / "dpoclin" / "resources" / refusal.DEFAULT_MODEL
TRAIN_FAMILIES = ("aurora", "basalt", "cirrus", "dune", "jasper")
DEV_FAMILIES = ("ember", "fjord")
TEST_FAMILIES = ("garnet", "halite")
SEED = 0  # lbfgs is deterministic; the seed is recorded for the record


def load_rows(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def train(rows: list[dict]) -> refusal.RefusalDetector:
    """The packaged detector: the training families only, default C, SEED."""
    train_rows = [r for r in rows if r["family"] in TRAIN_FAMILIES]
    info = {"data": DATA.name, "data_sha256": hashlib.sha256(DATA.read_bytes()).hexdigest(),
            "trained_families": list(TRAIN_FAMILIES), "dev_families": list(DEV_FAMILIES),
            "test_families": list(TEST_FAMILIES), "n": len(train_rows)}
    return refusal.train_detector([r["response"] for r in train_rows], [r["gold"] for r in train_rows], SEED, info=info)


def evaluate(detector: refusal.RefusalDetector, rows: list[dict], families: tuple[str, ...]) -> dict:
    """Refusal-vs-compliance scores of the detector and of the keyword baseline on some families."""
    subset = [r for r in rows if r["family"] in families]
    gold, texts = [r["gold"] for r in subset], [r["response"] for r in subset]
    return {"detector": refusal.detection_scores(gold, [d.label for d in detector.detect(texts)]),
            "keyword": refusal.detection_scores(gold, refusal.keyword_baseline(texts))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the packaged refusal detector.")
    parser.add_argument("--check", action="store_true", help="only check that retraining reproduces the packaged model")
    args = parser.parse_args(argv)
    rows = load_rows()
    detector = train(rows)
    if args.check:
        packaged = refusal.RefusalDetector.load(MODEL)
        texts = [r["response"] for r in rows]
        same = [a.label == b.label and abs(a.score - b.score) < 1e-5
                for a, b in zip(detector.detect(texts), packaged.detect(texts))]
        if not all(same):
            print(f"{MODEL.name}: retraining changes {same.count(False)} of {len(same)} predictions", file=sys.stderr)
            return 1
        print(f"{MODEL.name} matches a retrain on {len(texts)} responses")
    else:
        detector.save(MODEL)
        print(f"wrote {MODEL.relative_to(ROOT)} ({MODEL.stat().st_size:,} bytes)")
    for name, families in (("dev", DEV_FAMILIES), ("test", TEST_FAMILIES)):
        scores = evaluate(detector, rows, families)
        print(f"{name} ({', '.join(families)}): detector F1 {scores['detector']['f1']:.3f}, "
              f"keyword baseline F1 {scores['keyword']['f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
