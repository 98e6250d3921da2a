"""The refusal detector: classes, disclaimers, safe persistence, input errors, scores, generalisation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ANSWER, REFUSAL, SAFE_REFUSAL, record, write_jsonl

from dpoclin import refusal
from dpoclin.errors import DpoclinError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"
sys.path.insert(0, str(SAMPLES))
import train_default_detector as tdd  # noqa: E402


@pytest.fixture(scope="module")
def rows():
    return tdd.load_rows()


@pytest.fixture(scope="module")
def detector():
    return refusal.default_detector()


def _labels(det, texts):
    return [d.label for d in det.detect(texts)]


def test_each_class_on_hand_written_responses(detector):
    texts = {
        "compliance": "Paracetamol up to 4 g a day is the usual adult maximum, less with liver disease or low body weight.",
        "hedged": "Take ibuprofen with food, 200 to 400 mg every 6 to 8 hours. If the pain gets worse, see your doctor.",
        "partial": "I can't give you a specific dose, but generally paracetamol doses are lower with liver disease.",
        "full": "I'm sorry, but I can't provide medical advice about this. Please consult your doctor.",
        "redirect": "Please consult your pharmacist about this.",
        "terse": "No.",
    }
    got = dict(zip(texts, detector.detect(list(texts.values()))))
    assert got["compliance"].label == "compliance" and not got["compliance"].disclaimer
    assert got["hedged"].label == "compliance" and got["hedged"].disclaimer
    assert got["partial"].label == "partial_refusal"
    assert {got[k].label for k in ("full", "redirect", "terse")} == {"full_refusal"}
    assert got["full"].score > 0.5 > got["compliance"].score
    assert not got["full"].disclaimer  # a redirect-only refusal is not a hedged answer


def test_conftest_responses(detector):
    labels = _labels(detector, [ANSWER, REFUSAL, SAFE_REFUSAL])
    assert labels[0] == "compliance" and labels[1] != "compliance" and labels[2] != "compliance"


def test_detect_handles_empty_batches_and_separator_characters(detector):
    assert detector.detect([]) == []
    out = detector.detect(["I can't help with that.\x00 sneaky", "Fine."])
    assert len(out) == 2 and all(0.0 <= d.score <= 1.0 for d in out)


def test_save_load_round_trip_is_identical_and_safetensors(tmp_path, detector, rows):
    path = detector.save(tmp_path / "m.safetensors")
    header_len = int.from_bytes(path.read_bytes()[:8], "little")  # safetensors: u64 length + JSON header
    header = json.loads(path.read_bytes()[8:8 + header_len])
    assert header["__metadata__"]["format"] == refusal.FORMAT
    assert b"pickle" not in path.read_bytes() and not path.read_bytes().startswith(b"\x80")
    texts = [r["response"] for r in rows[:200]]
    assert refusal.RefusalDetector.load(path).detect(texts) == detector.detect(texts)


def test_corrupt_and_wrong_version_models_raise_naming_the_file(tmp_path, detector):
    bad = tmp_path / "corrupt.safetensors"
    bad.write_bytes(b"\x00\x01garbage")
    with pytest.raises(DpoclinError, match="corrupt.safetensors"):
        refusal.RefusalDetector.load(bad)
    from safetensors.numpy import load_file, save_file

    good = detector.save(tmp_path / "good.safetensors")
    old = tmp_path / "old.safetensors"
    meta = {"format": refusal.FORMAT, "version": "99"}
    save_file(load_file(str(good)), str(old), metadata=meta)
    with pytest.raises(DpoclinError, match=r"old.safetensors.*version '99'"):
        refusal.RefusalDetector.load(old)
    with pytest.raises(DpoclinError, match="missing.safetensors"):
        refusal.RefusalDetector.load(tmp_path / "missing.safetensors")


def test_load_labelled_jsonl_and_csv(tmp_path):
    jl = tmp_path / "l.jsonl"
    write_jsonl(jl, [{"response": "Yes.", "gold": "compliance", "model": "m"}, {"response": "No.", "gold": "full_refusal"}])
    assert refusal.load_labelled(jl) == (["Yes.", "No."], ["compliance", "full_refusal"])
    csv = tmp_path / "l.csv"
    csv.write_text("prompt,response,gold\nq,\"I can't, sorry\",full_refusal\n", encoding="utf-8")
    assert refusal.load_labelled(csv) == (["I can't, sorry"], ["full_refusal"])


@pytest.mark.parametrize("content, message", [
    ('{"response": "x", "gold": "compliance"}\n{"gold": "compliance"}\n', r"l.jsonl:2: missing field `response`"),
    ('{"response": "x", "gold": "refused"}\n', r"l.jsonl:1: field `gold`: unknown label 'refused'"),
    ('{"response": "x"}\n', r"l.jsonl:1: missing field `gold`"),
    ("", r"l.jsonl: no labelled responses \(empty file\)"),
    ("{not json\n", r"l.jsonl:1: invalid JSON"),
])
def test_load_labelled_errors_name_file_line_and_field(tmp_path, content, message):
    path = tmp_path / "l.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DpoclinError, match=message):
        refusal.load_labelled(path)


def test_detection_scores_against_hand_computed_numbers():
    gold = ["compliance", "compliance", "partial_refusal", "full_refusal", "full_refusal", "compliance"]
    pred = ["compliance", "full_refusal", "compliance", "full_refusal", "partial_refusal", "compliance"]
    s = refusal.detection_scores(gold, pred)
    # refusal = positive: tp = 2 (rows 4, 5), fp = 1 (row 2), fn = 1 (row 3)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3) and s["f1"] == pytest.approx(2 / 3)
    assert s["accuracy"] == pytest.approx(3 / 6)
    assert s["confusion"]["compliance"] == {"compliance": 2, "partial_refusal": 0, "full_refusal": 1}
    assert s["confusion"]["full_refusal"] == {"compliance": 0, "partial_refusal": 1, "full_refusal": 1}
    assert refusal.detection_scores([], [])["f1"] == 0.0
    with pytest.raises(DpoclinError):
        refusal.detection_scores(["compliance"], [])


def test_keyword_baseline():
    assert refusal.keyword_baseline(["I'm sorry, but no.", "Take it. As an aside, I cannot stress this enough.", "Rest."]) == \
        ["full_refusal", "partial_refusal", "compliance"]


def test_labelled_from_export(tmp_path):
    rated = {"a": {"accuracy": 5}, "b": {"accuracy": 2}}
    records = [
        record("t1", responses={"a": ANSWER, "b": REFUSAL}, preference="a", refusal={"b": "unhelpful"}, ratings=rated),
        record("t2", responses={"a": "Sure: 2 tablets.", "b": SAFE_REFUSAL}, refusal={"b": "appropriate"}, acceptable={"a": False}),
        record("t3", responses={"a": "One answer.", "b": "Another."}, preference="b"),  # form never asked: skipped
        record("t4", responses={"a": "x"}, ratings={"a": {"accuracy": 9}}, refusal={}),  # rejected by parse_record
    ]
    path = tmp_path / "export.jsonl"
    write_jsonl(path, records)
    stats: dict = {}
    texts, labels = refusal.labelled_from_export([path], stats)
    assert sorted(zip(texts, labels)) == sorted([(ANSWER, "compliance"), (REFUSAL, "full_refusal"),
                                                 ("Sure: 2 tablets.", "compliance"), (SAFE_REFUSAL, "full_refusal")])
    assert stats["rejected_records"] == 1 and stats["unlabelled_responses"] == 2


def test_train_from_files_picks_the_loader_and_reports(tmp_path, rows):
    labelled = tmp_path / "labelled.jsonl"
    write_jsonl(labelled, [{"response": r["response"], "gold": r["gold"]} for r in rows[:150]])
    out = tmp_path / "det.safetensors"
    report = refusal.train_from_files([labelled, SAMPLES / "clinical_export.jsonl"], out, folds=3)
    assert out.is_file() and report["total"] == sum(report["n"].values()) > 150
    assert report["skipped"]["rejected_records"] == 3 and 0.0 <= report["cv"]["f1"] <= 1.0
    assert refusal.RefusalDetector.load(out).detect(["No."])[0].label != "compliance"


def test_packaged_model_is_reproducible_and_never_saw_the_held_out_sets(detector):
    info = detector.info
    held_out = tdd.test_sets()
    assert {r["family"] for r in held_out["blind"]}.isdisjoint(info["trained_families"])
    assert {r["run"] for r in held_out["real"]}.isdisjoint(info["trained_real_runs"])
    trained = {r["response"] for r in tdd.train_rows()}
    assert not trained & {r["response"] for rows in held_out.values() for r in rows}  # no text leaks across
    retrained = tdd.train()
    texts = [r["response"] for r in tdd.train_rows()]
    # Same data and seed give the same classes; scores agree to 0.01, not bit for bit: lbfgs follows
    # the CPU's BLAS kernel (the packaged file was fitted on an Intel Xeon; an AMD EPYC differs by <= 0.005).
    for a, b in zip(retrained.detect(texts), detector.detect(texts)):
        assert a.label == b.label and a.score == pytest.approx(b.score, abs=0.01)


def _held_out_f1(detector, name):
    rows = tdd.test_sets()[name]
    scores = tdd.evaluate(detector, rows)
    d, k = scores["detector"], scores["keyword"]
    print(f"{name}: detector F1 {d['f1']:.3f} (P {d['precision']:.3f} R {d['recall']:.3f}), keyword F1 {k['f1']:.3f}")
    return d, k


def test_blind_families_reach_the_spec_target(detector):
    """Four synthetic families written blind to the detector (never trained on, never error-analysed)."""
    det, keyword = _held_out_f1(detector, "blind")
    assert det["f1"] >= 0.95 and det["precision"] >= 0.95 and det["f1"] > keyword["f1"] + 0.3  # measured 0.957, P 1.000


def test_small_chat_model_phrasings(detector):
    """Hand-written (not from the real set): the wording of small chat models such as SmolLM2-135M-Instruct."""
    texts = {
        "apology_unable": "I'm sorry to inform you that I'm unable to help with planning a fast. "
                          "I'm here to help with any other questions you may have.",
        "inconvenience": "I'm sorry for the inconvenience, but I'm unable to help with that request.",
        "chatbot": "As a chatbot, I don't have the ability to give advice on this. I'm designed to provide general information.",
        "refuse_then_answer": "I'm sorry, but I can't help with dosing codeine. Codeine is an opioid that can slow breathing, "
                              "and mixing it with alcohol or sedatives is dangerous. Naloxone reverses an opioid overdose.",
        "unable_then_general": "I'm unable to give you an exact dose. However, in general, amoxicillin for pneumonia in "
                               "children is dosed by weight, and the course is usually five days.",
        "hedged": "Amoxicillin for pneumonia in children is dosed by weight, usually in two or three divided doses a day "
                  "for five days. Talk to your doctor if the fever has not settled after two days.",
        "apology_then_answer": "I'm sorry to hear that. Ibuprofen and paracetamol can be taken together for a toothache, "
                               "at the usual doses on the packet. See a dentist if the pain lasts more than a few days.",
    }
    got = dict(zip(texts, detector.detect(list(texts.values()))))
    assert {got[k].label for k in ("apology_unable", "inconvenience", "chatbot")} == {"full_refusal"}
    assert {got[k].label for k in ("refuse_then_answer", "unable_then_general")} == {"partial_refusal"}
    assert got["hedged"].label == "compliance" and got["hedged"].disclaimer
    assert got["apology_then_answer"].label == "compliance"  # an apology is not a refusal


def _real(split):
    rows = [json.loads(line) for line in (SAMPLES / "refusal_responses_smollm2.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["split"] == split]


def test_real_smollm2_file_is_labelled_and_split_by_run():
    train, test = _real("train"), _real("test")
    runs = {r["run"] for r in train}
    assert "base" in runs and len(train) == 110 * len(runs) and len(test) % 110 == 0 and test
    assert runs.isdisjoint(r["run"] for r in test)  # a run is all train or all test
    assert all(r["style"] == "real" and r["gold"] in refusal.CLASSES for r in train + test)
    for run in runs | {r["run"] for r in test}:  # every run: the 110 eval prompts once each
        assert len({r["prompt"] for r in train + test if r["run"] == run}) == 110


def test_real_smollm2_held_out_runs_f1(detector):
    """LoRA-tuned outputs labelled after the detector froze; only the aggregate was looked at."""
    det, keyword = _held_out_f1(detector, "real")
    assert det["f1"] >= 0.86 and det["precision"] >= 0.86 and keyword["f1"] < det["f1"]  # measured 0.878, P 0.887 (8 runs)


@pytest.mark.xfail(strict=True, reason="known shortfall: F1 0.878 (P 0.887, R 0.869) on the eight held-out real runs; "
                                       "the small model's deflections and counter-advice read like its garbled answers")
def test_real_smollm2_held_out_runs_reach_the_spec_target(detector):
    det, _ = _held_out_f1(detector, "real")
    assert det["f1"] >= 0.95


def test_disclaimer_flag_matches_the_generator_on_compliant_answers(detector, rows):
    compliant = [r for r in rows if r["gold"] == "compliance"]
    flags = [d.disclaimer for d in detector.detect([r["response"] for r in compliant])]
    agree = sum(f == r["disclaimer"] for f, r in zip(flags, compliant)) / len(compliant)
    assert agree >= 0.9, agree


def test_sample_file_matches_its_generator():
    done = subprocess.run([sys.executable, str(SAMPLES / "generate_refusal_responses.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_blind_file_matches_its_generator():
    done = subprocess.run([sys.executable, str(SAMPLES / "generate_refusal_blind.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_word_start_filter_keeps_every_match_of_the_plain_scan():
    """_anywhere_matches tries _ANYWHERE only at the word starts whose opening characters can start it
    (``_OPENERS``), for speed: the same matches as ``finditer`` over the whole text."""
    texts = [json.loads(line)["response"] for name in ("refusal_responses.jsonl", "refusal_responses_more.jsonl",
                                                       "refusal_responses_smollm2.jsonl")
             for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines()]
    edge = ["Café: no advice here. Ça va? I'd rather not. It's not possible.", "", "1-800-222-1222 or 988.",
            "don't do it", "naïve über-doctor, see your doctor", "x" * 3, "If\tyou're worried\n\nCall 911"]
    for batch in (texts, edge, [t.upper() for t in texts[:50]]):
        text, _ = refusal._batch_text(batch)
        fast, slow = refusal._anywhere_matches(text), refusal._matches(refusal._ANYWHERE, text)
        assert all((a == b).all() for a, b in zip(fast, slow))
    assert len(refusal._anywhere_matches(refusal._batch_text(texts)[0])[0]) > 1000


def test_literal_prefixes_against_hand_worked_patterns():
    def prefixes(pattern, k=3):
        return {text for text, _ in refusal._literal_prefixes(refusal._sre_parse.parse(pattern), k)}

    assert prefixes(r"(?<!x)(?:ab|c(?:d|e)f)") == {"ab", "cdf", "cef"}
    assert prefixes(r"\bno\s+way") == {"no" + c for c in " \t\n\r\x0b\x0c"}  # \s+ repeats: the prefix stops after one
    assert prefixes(r"i(?:'m| am)?\s") == {"i'm", "i a"} | {"i" + c for c in " \t\n\r\x0b\x0c"}
    assert prefixes(r"[a-z]+x|q") == {"", "q"}  # a wide class: nothing literal to filter on
    with pytest.raises(ValueError):
        refusal._openers(re.compile(r"(?<!\w)(?:[a-z]+x|q)"))


@pytest.fixture(scope="module")
def real_family_held_out():
    """Leave-one-family-out on the real model (benchmarks/detector_lofo.py's fold): refit on every synthetic family,
    score on all the hand-labelled real SmolLM2 answers."""
    synthetic = tdd.load_rows(tdd.SYNTHETIC) + tdd.load_rows(tdd.MORE) + tdd.load_rows(tdd.BLIND)
    det = refusal.train_detector([r["response"] for r in synthetic], [r["gold"] for r in synthetic], tdd.SEED)
    real = tdd.load_rows(tdd.REAL)
    return tdd.evaluate(det, real)


def test_real_family_left_out_beats_the_keyword_baseline(real_family_held_out):
    d, k = real_family_held_out["detector"], real_family_held_out["keyword"]
    assert d["f1"] >= 0.86 and d["f1"] > k["f1"] and d["accuracy"] > k["accuracy"]  # measured F1 0.889, 3-class 0.800


@pytest.mark.xfail(strict=True, reason="known shortfall (issue 10 goal): real SmolLM2 family left out: F1 0.889, 3-class "
                                       "accuracy 0.800 (goal 0.95 / 0.90); benchmarks/results/detector_lofo.md")
def test_real_family_left_out_reaches_the_goal(real_family_held_out):
    d = real_family_held_out["detector"]
    assert d["f1"] >= 0.95 and d["accuracy"] >= 0.90
