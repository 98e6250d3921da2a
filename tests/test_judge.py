"""The judge backend: rubric parsing, kappa, agreement, and `eval-refusals --judge` end to end (tiny model, cache)."""

from __future__ import annotations

import json

import pytest

from dpoclin import judge
from dpoclin.judge import UNPARSED, agreement, cohen_kappa, parse_class, parse_harm

from test_eval_refusals import HARMFUL_ANSWER, REFUSAL, invoke, isolated_cache, responses_file  # noqa: F401 (its autouse cache)


@pytest.mark.parametrize("text, cls", [
    ("2_full_refusal", "full_refusal"), (" 1_full_compliance.", "compliance"), ("3", "partial_refusal"),
    ("CLASS: 3_partial_refusal\nThe model first refuses", "partial_refusal"), ("full-refusal", "full_refusal"),
    ("partial_refusal because", "partial_refusal"), ("I think the answer is", UNPARSED), ("", UNPARSED),
    ("7_other", UNPARSED),
])
def test_parse_class_reads_the_xstest_classes(text, cls):
    assert parse_class(text) == cls


@pytest.mark.parametrize("text, score", [("Score: 4", 4), ("5", 5), (" 1 - declines", 1), ("no idea", None),
                                         ("Score: 9", None), ("12", None)])
def test_parse_harm_reads_the_first_score(text, score):
    assert parse_harm(text) == score


def test_cohen_kappa_hand_worked():
    # 10 items: both say r on 4, both c on 4, they differ on 2 (one each way): po = 0.8; pe = 0.5*0.5 + 0.5*0.5 = 0.5
    a = ["r"] * 4 + ["c"] * 4 + ["r", "c"]
    b = ["r"] * 4 + ["c"] * 4 + ["c", "r"]
    assert cohen_kappa(a, b) == pytest.approx((0.8 - 0.5) / 0.5)
    assert cohen_kappa([], []) is None and cohen_kappa(["x", "x"], ["x", "x"]) is None


def test_agreement_counts_confusion_disagreements_and_harm():
    rows = [{"id": "h1", "model": "m", "label": "harmful", "class": "compliance", "judge_class": "full_refusal",
             "judge_harm": 1, "response": "no"},
            {"id": "h2", "model": "m", "label": "harmful", "class": "compliance", "judge_class": "compliance",
             "judge_harm": 5, "response": "sure"},
            {"id": "b1", "model": "m", "label": "benign", "class": "full_refusal", "judge_class": "partial_refusal",
             "response": "x"},
            {"id": "b2", "model": "m", "label": "benign", "class": "compliance", "judge_class": UNPARSED, "response": "y"}]
    a = agreement(rows, "j")
    assert (a["n"], a["unparsed"]) == (3, 1) and a["agreement"] == pytest.approx(1 / 3)
    assert a["binary_agreement"] == pytest.approx(2 / 3) and a["confusion"]["compliance"]["full_refusal"] == 1
    assert [d["id"] for d in a["disagreements"]] == ["h1", "b1"]  # the refusal-vs-compliance one first
    assert a["harm_scores"]["m"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1, "unparsed": 0}


def test_judge_runs_end_to_end_on_a_tiny_model_and_reuses_its_cache(tiny_model_dir, tmp_path, monkeypatch):
    """The mechanics on a real (random, tiny) chat model: prompts rendered, generated, parsed (or counted unparsed),
    raw output kept, the agreement in metrics.json and the report; a rerun answers from the cache."""
    path = responses_file(tmp_path)
    args = ["eval-refusals", "--responses", path, "--baseline", "base", "--judge", tiny_model_dir, "--out"]
    first = invoke([*args, tmp_path / "one"])
    assert first.exit_code == 0, first.output
    rows = [json.loads(line) for line in (tmp_path / "one" / "results.jsonl").read_text().splitlines()]
    assert all("judge_raw" in r and r["judge_class"] in (*judge.CLASSES, UNPARSED) for r in rows)
    assert all("judge_harm_raw" in r for r in rows if r["label"] == "harmful")
    assert not any("judge_harm_raw" in r for r in rows if r["label"] == "benign")
    doc = json.loads((tmp_path / "one" / "metrics.json").read_text())["judge"]
    assert doc["n"] + doc["unparsed"] == len(rows) and doc["model"] == str(tiny_model_dir)
    assert "Detector vs judge" in (tmp_path / "one" / "report.md").read_text()

    def no_generation(model, tokenizer, ids, settings):
        assert not ids, "the judge's answers should come from the cache"
        yield from ()
    monkeypatch.setattr("dpoclin.generation._hf_generate", no_generation)
    again = invoke([*args, tmp_path / "two"])
    assert again.exit_code == 0, again.output
    assert [json.loads(line)["judge_raw"] for line in (tmp_path / "two" / "results.jsonl").read_text().splitlines()] == \
        [r["judge_raw"] for r in rows]


def test_judge_verdicts_reach_the_report(tmp_path, monkeypatch):
    """With a scripted judge (exact replies known), agreement and the disagreement list are what the rows say."""
    def scripted(model, tokenizer, fingerprint, prompts, settings, description):
        replies = []
        for chat in prompts:
            text = chat[-1]["content"]
            if "CLASS:" in text:
                replies.append("2_full_refusal" if REFUSAL in text or HARMFUL_ANSWER in text else "1_full_compliance")
            else:
                replies.append("Score: 5" if HARMFUL_ANSWER in text else "Score: 1")
        return replies
    monkeypatch.setattr("dpoclin.eval_refusals.generate_answers", scripted)
    monkeypatch.setattr("dpoclin.generation.load_for_generation", lambda *a, **k: (None, None))
    monkeypatch.setattr("dpoclin.generation.loaded_fingerprint", lambda *a, **k: "fp")
    out = tmp_path / "eval"
    result = invoke(["eval-refusals", "--responses", responses_file(tmp_path), "--baseline", "base", "--judge", "j",
                     "--out", out])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "metrics.json").read_text())["judge"]
    # the judge calls every harmful answer a refusal: the 3 base-model harmful compliances are the only disagreements
    assert doc["n"] == 16 and doc["n_disagreements"] == 3 and doc["agreement"] == pytest.approx(13 / 16)
    assert {d["id"] for d in doc["disagreements"]} == {"h1", "h2", "h3"}
    assert doc["harm_scores"]["base"]["5"] == 3 and doc["harm_scores"]["tuned"]["1"] == 4
    md = (out / "report.md").read_text()
    assert "agreement with the detector 81.2% on the three classes" in md and "| base | h1 | harmful |" in md
