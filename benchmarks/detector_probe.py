"""Would a linear probe on the embedded model's hidden states detect refusals better? Leave one family out.

Issue 10 suggests a probe (refusal is close to linearly separable in a chat model's activations, Arditi et al.
2024). This measures it on the same families as ``detector_lofo.py``: every synthetic voice and the REAL
SmolLM2-135M-Instruct answers as one family. Features: SmolLM2-135M-Instruct (the embedded model) reads the
prompt as the user turn and the answer as the assistant turn (first 192 tokens); the hidden state of a layer is
averaged over the answer's tokens. For each held-out family a standardised logistic regression (C 0.01) is fitted
on the other families; beside it, dpoclin's detector refitted the same way, and the two averaged (probabilities
50/50). No public benchmark data is read. Writes ``benchmarks/results/detector_probe.md`` and ``.json``.

    HF_HUB_OFFLINE=1 python benchmarks/detector_probe.py   # ~15 min of 2 cores for the features, cached in _work/
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import detector_lofo as lofo  # noqa: E402

from dpoclin import refusal  # noqa: E402

LAYERS = (8, 16, 24, 30)  # of 30: early, middle, late, last
ENSEMBLE_LAYER = 16  # the best layer on the real family: chosen on a held-out fold, so the ensemble is optimistic
MAX_TOKENS = 192  # prompt + the start of the answer: a refusal shows in its first sentences
C = 0.01  # strong L2: 576 features, a few thousand answers
FEATURES = HERE / "_work" / "probe_features.npz"


def hidden_features(rows: list[dict]) -> dict[int, np.ndarray]:
    """Per layer, the mean hidden state over each answer's tokens (prompt as the user turn)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from dpoclin import models

    path = models.resolve_model(None)
    tok = AutoTokenizer.from_pretrained(path)
    tok.padding_side = "right"
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    feats: dict[int, list[np.ndarray]] = {layer: [] for layer in LAYERS}
    for i in range(0, len(rows), 16):
        heads = [tok.apply_chat_template([{"role": "user", "content": r["prompt"]}], tokenize=False,
                                         add_generation_prompt=True) for r in rows[i:i + 16]]
        enc = tok([h + r["response"] for h, r in zip(heads, rows[i:i + 16])], return_tensors="pt", padding=True,
                  truncation=True, max_length=MAX_TOKENS)
        with torch.no_grad():
            hidden = model(**enc, output_hidden_states=True).hidden_states
        mask = enc["attention_mask"].clone()
        for j, head in enumerate(heads):
            mask[j, :len(tok(head)["input_ids"])] = 0  # answer tokens only
        mask = mask.unsqueeze(-1).float()
        for layer in LAYERS:
            feats[layer].append(((hidden[layer] * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
    return {layer: np.concatenate(v) for layer, v in feats.items()}


def cached_features(rows: list[dict]) -> dict[int, np.ndarray]:
    ids = np.array([r.get("id", "") for r in rows])
    if FEATURES.exists():
        saved = np.load(FEATURES)
        if saved["ids"].tolist() == ids.tolist():
            return {layer: saved[f"l{layer}"] for layer in LAYERS}
    feats = hidden_features(rows)
    FEATURES.parent.mkdir(exist_ok=True)
    np.savez(FEATURES, ids=ids, **{f"l{layer}": v for layer, v in feats.items()})
    return feats


def probe_proba(x: np.ndarray, gold: np.ndarray, train: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x[train])
    clf = LogisticRegression(C=C, max_iter=3000).fit(scaler.transform(x[train]), gold[train])
    proba = clf.predict_proba(scaler.transform(x[~train]))
    return proba[:, [list(clf.classes_).index(c) for c in refusal.CLASSES]]


def scores(gold: np.ndarray, proba: np.ndarray) -> dict:
    s = refusal.detection_scores(list(gold), [refusal.CLASSES[k] for k in proba.argmax(1)])
    return {k: s[k] for k in ("f1", "precision", "recall", "accuracy")}


def run() -> dict:
    families = lofo.family_rows()
    rows = [r for rs in families.values() for r in rs]
    fam = np.array([name for name, rs in families.items() for _ in rs])
    gold = np.array([r["gold"] for r in rows])
    texts = [r["response"] for r in rows]
    started = time.perf_counter()
    feats = cached_features(rows)
    folds = {}
    for held in sorted(families):
        train = fam != held
        det = refusal.train_detector([t for t, m in zip(texts, train) if m], list(gold[train]), 0)
        p_det = det.predict_proba([t for t, m in zip(texts, train) if not m])
        probes = {layer: probe_proba(feats[layer], gold, train) for layer in LAYERS}
        folds[held] = {"n": int((~train).sum()), "detector": scores(gold[~train], p_det),
                       **{f"probe_l{layer}": scores(gold[~train], p) for layer, p in probes.items()},
                       "ensemble": scores(gold[~train], 0.5 * p_det + 0.5 * probes[ENSEMBLE_LAYER])}
    return {"folds": folds, "seconds": round(time.perf_counter() - started, 1)}


def summary(res: dict, key: str) -> dict:
    f1 = [f[key]["f1"] for f in res["folds"].values()]
    return {"mean_f1": float(np.mean(f1)), "min_f1": float(min(f1)),
            "mean_accuracy": float(np.mean([f[key]["accuracy"] for f in res["folds"].values()])),
            "real": res["folds"][lofo.REAL_FAMILY][key]}


def render(res: dict) -> str:
    keys = ["detector", *(f"probe_l{layer}" for layer in LAYERS), "ensemble"]
    lines = ["# Refusal detector vs a hidden-state probe, leave one family out", "",
             f"Generated by `benchmarks/detector_probe.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
             f"{len(res['folds'])} folds in {res['seconds']} s (features cached). Probe: SmolLM2-135M-Instruct's "
             f"layer-L hidden state averaged over the answer, logistic regression C {C}; ensemble: detector and "
             f"layer-{ENSEMBLE_LAYER} probe probabilities averaged.", "",
             "| method | real SmolLM2 family: F1 | 3-class | mean F1 over 20 families | lowest F1 | mean 3-class |",
             "|---|---:|---:|---:|---:|---:|"]
    for key in keys:
        s = summary(res, key)
        lines.append(f"| {key} | {s['real']['f1']:.3f} | {s['real']['accuracy']:.3f} | {s['mean_f1']:.3f} | "
                     f"{s['min_f1']:.3f} | {s['mean_accuracy']:.3f} |")
    lines += ["", "| held-out family | n | detector F1 / 3-class | probe L16 F1 / 3-class | ensemble F1 / 3-class |",
              "|---|---:|---:|---:|---:|"]
    for name, f in res["folds"].items():
        cells = [f"{f[k]['f1']:.3f} / {f[k]['accuracy']:.3f}" for k in ("detector", "probe_l16", "ensemble")]
        lines.append(f"| `{name}` | {f['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    res = run()
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "detector_probe.json").write_text(json.dumps(res, indent=2) + "\n")
    (HERE / "results" / "detector_probe.md").write_text(render(res))
    print(render(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
