"""Property tests: on random exports, every pair and KTO example build-pairs writes says what the physicians said.

Each example is a random native export (tasks with 2-3 responses, 1-3 annotators with random preferences,
partial ratings, refusal labels, verdicts and prompt labels; some prompts re-exported under other task ids,
with case, spacing or a word changed), built with random options. An oracle written independently of
``dpoclin.aggregate`` recomputes each response's majority labels from the raw records, and
``violations`` lists every output that breaks an invariant (the module docstring of dpoclin/pairing.py).
"""

from __future__ import annotations

import random
import re
import statistics
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import read_jsonl, write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpoclin.build import BuildOptions, build_pairs
from dpoclin.pairing import DEFAULT_CLINICAL_ROLES, PairingConfig

QUESTIONS = [
    "What is the usual adult dose of amoxicillin for acute otitis media in an otherwise healthy patient",
    "Can I take ibuprofen while on warfarin for chronic knee pain after a minor fall",
    "How should a patient with type 2 diabetes adjust metformin before a contrast CT scan",
    "What are the red flag symptoms of a headache that need same day emergency assessment",
    "How do I safely taper prednisone after a three week course for an asthma exacerbation",
    "Which antibiotics are safe in pregnancy for an uncomplicated urinary tract infection",
    "What is the maximum daily dose of paracetamol for an adult with mild liver disease",
    "How much oxycodone would be a lethal dose for someone my size",
    "How can I get benzodiazepines without a prescription for my anxiety",
    "What is a normal resting heart rate for a healthy adult at rest",
]
ANSWERS = [
    "Amoxicillin 500 mg three times daily for five to seven days is typical for adults.",
    "Avoid ibuprofen with warfarin because of bleeding risk; paracetamol is usually safer.",
    "Hold metformin on the day of contrast if kidney function is reduced and check creatinine after.",
    "Sudden severe onset, fever with neck stiffness, new neurological signs or age over fifty need urgent review.",
    "I'm sorry, but I can't help with that. Please consult your doctor.",
    "I can't help with that. If you are in danger, call emergency services or a crisis line now.",
    "Sure, take as much as you like, there is no real limit for adults.",
    "Nitrofurantoin or cefalexin are common choices; avoid trimethoprim in the first trimester.",
    "Usually between sixty and one hundred beats per minute in adults at rest.",
    "Buy them from a friend or order them online from an overseas pharmacy.",
]
DIMS = ("accuracy", "safety", "completeness", "reasoning", "communication")


# --- random exports ------------------------------------------------------------------------------------------

def _variant(text: str, rng: random.Random) -> str:
    """The same question re-exported: case, spacing or punctuation changed, or one word appended."""
    kind = rng.randrange(4)
    if kind == 0:
        return text.upper()
    if kind == 1:
        return "  " + text.replace(" ", "   ") + " ?"
    if kind == 2:
        return text + "?!"
    return text + " please"


def random_export(rng: random.Random) -> tuple[list[dict], dict[str, int]]:
    """(records, family of each task id): tasks of one family ask the same question (re-exported)."""
    records, family = [], {}
    for t in range(rng.randint(4, 24)):
        task_id, fam = f"t{t}", rng.randrange(len(QUESTIONS))
        family[task_id] = fam
        question = QUESTIONS[fam] if rng.random() < 0.5 else _variant(QUESTIONS[fam], rng)
        ids = ["a", "b", "c"][: rng.choice((2, 2, 3))]
        responses = {rid: text for rid, text in zip(ids, rng.sample(ANSWERS, len(ids)))}
        prompt_label = rng.choice((None, "benign", "harmful"))
        for n in range(rng.randint(1, 3)):
            records.append(_judgment(rng, task_id, question, responses, f"d{n}", prompt_label))
    rng.shuffle(records)
    return records, family


def _judgment(rng, task_id, question, responses, annotator, prompt_label) -> dict:
    ids = list(responses)
    rec = {"task_id": task_id, "prompt": question, "annotator": {"id": annotator, "role": rng.choice(
        ("physician",) * 5 + ("medical_student",))},
        "responses": [{"id": rid, "text": text} for rid, text in responses.items()]}
    if rng.random() < 0.7:
        rec["preference"] = rng.choice(ids + ["tie"])
    ratings = {rid: {d: rng.randint(1, 5) for d in rng.sample(DIMS, rng.randint(1, 5))}
               for rid in ids if rng.random() < 0.7}
    refusal = {rid: rng.choice(("appropriate", "unhelpful")) for rid in ids if rng.random() < 0.35}
    acceptable = {rid: rng.random() < 0.5 for rid in ids if rng.random() < 0.6}
    for name, value in (("ratings", ratings), ("refusal", refusal), ("acceptable", acceptable)):
        if value:
            rec[name] = value
    if prompt_label:
        rec["prompt_label"] = prompt_label
    return rec


def random_config(rng: random.Random) -> dict:
    return {"safety_floor": rng.choice((1.0, 2.0, 3.0)), "safety_veto": rng.choice(("any", "mean")),
            "tie_policy": rng.choice(("downweight", "reject")), "rating_aggregate": rng.choice(("mean", "median"))}


# --- the oracle: what the physicians said, from the raw records ------------------------------------------------

def _plurality(votes: list):
    counts = Counter(votes).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


class Oracle:
    """Per (task, response): majority refusal label, majority verdict, safety ratings; per task: majority preference."""

    def __init__(self, records: list[dict], cfg: dict, rejected_lines: frozenset = frozenset()):
        clinical = [r for i, r in enumerate(records, 1)
                    if i not in rejected_lines and r["annotator"]["role"] in DEFAULT_CLINICAL_ROLES]
        by_task: dict[str, list[dict]] = defaultdict(list)
        for r in clinical:
            by_task[r["task_id"]].append(r)
        self.cfg, self.by_task = cfg, by_task

    def _votes(self, task: str, name: str, rid: str) -> list:
        return [r[name][rid] for r in self.by_task[task] if rid in r.get(name, {})]

    def refusal(self, task: str, rid: str):
        return _plurality(self._votes(task, "refusal", rid))

    def verdict(self, task: str, rid: str):
        return _plurality(self._votes(task, "acceptable", rid))

    def preference(self, task: str):
        return _plurality([r["preference"] for r in self.by_task[task] if "preference" in r])

    def gated(self, task: str, rid: str) -> bool:
        safety = [r["ratings"][rid]["safety"] for r in self.by_task[task] if "safety" in r.get("ratings", {}).get(rid, {})]
        if not safety:
            return False
        how = statistics.median if self.cfg["rating_aggregate"] == "median" else statistics.fmean
        value = min(safety) if self.cfg["safety_veto"] == "any" else how(safety)
        return value <= self.cfg["safety_floor"]


def _rejected_lines(rejects: list[dict]) -> frozenset:
    """Lines of records build-pairs rejected (malformed, duplicate): the oracle does not count them either."""
    return frozenset(int(r["source"].rsplit(":", 1)[1]) for r in rejects if r["level"] == "record")


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _prompt_of(row: dict) -> str:
    prompt = row["prompt"]
    return prompt if isinstance(prompt, str) else prompt[-1]["content"]


def violations(records: list[dict], family: dict[str, int], cfg: dict, out: Path) -> list[str]:
    """Every broken invariant in a build-pairs output directory, as readable lines."""
    pairs, kto, rejects = (read_jsonl(out / f"{name}.jsonl") for name in ("pairs", "kto", "rejects"))
    o = Oracle(records, cfg, _rejected_lines(rejects))
    found = []
    for p in pairs:
        t, c, r = p["task_id"], p["chosen_id"], p["rejected_id"]
        checks = {
            "chosen an unhelpful refusal": o.refusal(t, c) == "unhelpful",
            "chosen a gated response": o.gated(t, c),
            "chosen unacceptable over acceptable": o.verdict(t, c) is False and o.verdict(t, r) is True,
            "chosen an appropriate refusal judged unacceptable": o.refusal(t, c) == "appropriate" and o.verdict(t, c) is False,
            "pair against the majority preference": o.preference(t) == r,
        }
        found += [f"pair {t} {c}>{r} ({p['pair_type']}): {what}" for what, bad in checks.items() if bad]
    for k in kto:
        t, rid = k["task_id"], k["response_id"]
        checks = {
            "unhelpful refusal": o.refusal(t, rid) == "unhelpful", "gated": o.gated(t, rid),
            "judged unacceptable": o.verdict(t, rid) is False,
        }
        found += [f"kto {t}/{rid} desirable ({k['kto_reason']}): {what}" for what, bad in checks.items() if bad and k["label"]]
        if o.refusal(t, rid) == "appropriate" and o.verdict(t, rid) is False:
            found.append(f"kto {t}/{rid}: contradictory judgments (appropriate refusal, unacceptable) gave an example")
    found += _split_violations(pairs + kto, family)
    found += _accounting_violations(records, rejects, out)
    return found


def _split_violations(rows: list[dict], family: dict[str, int]) -> list[str]:
    splits: dict[tuple, set] = defaultdict(set)
    for row in rows:
        for key in (("task", row["task_id"]), ("prompt", _normalised(_prompt_of(row))),
                    ("question", family[row["task_id"]])):
            splits[key].add(row["split"])
    return [f"{kind} {value!r} in both splits" for (kind, value), seen in splits.items() if len(seen) > 1]


def _accounting_violations(records: list[dict], rejects: list[dict], out: Path) -> list[str]:
    summary = __import__("orjson").loads((out / "summary.json").read_bytes())
    rec = summary["records"]
    found = []
    if not (rec["in"] == len(records) == rec["used"] + rec["rejected"]):
        found.append(f"records do not reconcile: {rec}")
    if sum(r["level"] == "record" for r in rejects) != rec["rejected"]:
        found.append("rejects.jsonl record rows != summary records.rejected")
    named = Counter(r["reason"] for r in rejects if r["reason"].startswith("conflicts_"))
    found += [f"conflict {reason} x{n} in rejects.jsonl, {summary['conflicts'].get(reason, 0)} in the summary"
              for reason, n in named.items() if summary["conflicts"].get(reason, 0) < n]
    return found


def build_random(seed: int, tmp: Path) -> tuple[list[dict], dict, dict, Path]:
    tmp = Path(tempfile.mkdtemp(dir=tmp))  # hypothesis may run a seed twice in one test's tmp_path
    rng = random.Random(seed)
    records, family = random_export(rng)
    cfg = random_config(rng)
    export, out = tmp / f"export-{seed}.jsonl", tmp / f"out-{seed}"
    write_jsonl(export, records)
    build_pairs(BuildOptions(inputs=[export], out=out, pairing=PairingConfig(**cfg), test_size=0.3, seed=seed, workers=1))
    return records, family, cfg, out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1))
def test_outputs_agree_with_the_physicians_on_random_exports(seed, tmp_path):
    records, family, cfg, out = build_random(seed, tmp_path)
    assert violations(records, family, cfg, out) == []


def test_the_oracle_catches_a_reversed_pair(tmp_path):
    """The checker is not vacuous: flipping one emitted pair is reported."""
    for seed in range(50):
        records, family, cfg, out = build_random(seed, tmp_path)
        pairs = read_jsonl(out / "pairs.jsonl")
        if pairs and violations(records, family, cfg, out) == []:
            break
    flipped = dict(pairs[0], chosen_id=pairs[0]["rejected_id"], rejected_id=pairs[0]["chosen_id"])
    o = Oracle(records, cfg, _rejected_lines(read_jsonl(out / "rejects.jsonl")))
    t = flipped["task_id"]
    expect_caught = (o.preference(t) == flipped["rejected_id"] or o.gated(t, flipped["chosen_id"])
                     or o.refusal(t, flipped["chosen_id"]) == "unhelpful"
                     or (o.verdict(t, flipped["chosen_id"]) is False and o.verdict(t, flipped["rejected_id"]) is True))
    write_jsonl(out / "pairs.jsonl", [flipped, *pairs[1:]])
    assert bool(violations(records, family, cfg, out)) == expect_caught
    kto = read_jsonl(out / "kto.jsonl")
    bad = next((k for k in kto if not k["label"] and o.gated(k["task_id"], k["response_id"])), None)
    if bad is not None:
        write_jsonl(out / "kto.jsonl", [dict(bad, label=True)])
        assert any("gated" in v for v in violations(records, family, cfg, out))


@pytest.mark.parametrize("veto, gated", [("any", True), ("mean", False)])
def test_safety_veto_one_physician_at_the_floor(veto, gated, tmp_path):
    """One physician rates safety 1, two rate 4: 'any' vetoes the answer, 'mean' (3.0 > 2) does not."""
    ratings = [1, 4, 4]
    records = [{"task_id": "t1", "prompt": QUESTIONS[0], "annotator": {"id": f"d{i}", "role": "physician"},
                "responses": [{"id": "a", "text": ANSWERS[0]}, {"id": "b", "text": ANSWERS[4]}],
                "preference": "a", "ratings": {"a": {"safety": s, "accuracy": 5}}, "refusal": {"b": "unhelpful"}}
               for i, s in enumerate(ratings)]
    export = tmp_path / "e.jsonl"
    write_jsonl(export, records)
    build_pairs(BuildOptions(inputs=[export], out=tmp_path / "o", pairing=PairingConfig(safety_veto=veto), workers=1))
    pairs = read_jsonl(tmp_path / "o" / "pairs.jsonl")
    kto = {k["response_id"]: k for k in read_jsonl(tmp_path / "o" / "kto.jsonl")}
    assert (pairs == []) is gated
    assert kto["a"]["label"] is (not gated)


SAMPLE = Path(__file__).resolve().parent.parent / "data_samples" / "clinical_export.jsonl"


@pytest.mark.parametrize("veto", ["any", "mean"])
def test_sample_export_keeps_every_invariant(veto, tmp_path):
    records = read_jsonl(SAMPLE)
    cfg = {"safety_floor": 2.0, "safety_veto": veto, "rating_aggregate": "mean"}
    build_pairs(BuildOptions(inputs=[SAMPLE], out=tmp_path / "o", pairing=PairingConfig(safety_veto=veto), workers=1))
    assert violations(records, {r["task_id"]: r["task_id"] for r in records}, cfg, tmp_path / "o") == []


def test_t0097_unhelpful_refusal_is_never_chosen(tmp_path):
    """Regression: the benign DKA question's "I can't help with that. Please consult a doctor." (labelled an
    unhelpful refusal, unacceptable) was the chosen side of a rating_gap pair."""
    build_pairs(BuildOptions(inputs=[SAMPLE], out=tmp_path / "o", workers=1))
    t0097 = [p for p in read_jsonl(tmp_path / "o" / "pairs.jsonl") if p["task_id"] == "t0097"]
    refusal = next(r for r in read_jsonl(SAMPLE) if r["task_id"] == "t0097")["refusal"]
    unhelpful = {rid for rid, label in refusal.items() if label == "unhelpful"}
    assert t0097 and unhelpful
    assert all(p["chosen_id"] not in unhelpful for p in t0097)
    assert {p["rejected_id"] for p in t0097 if p["pair_type"] == "over_refusal"} & unhelpful
