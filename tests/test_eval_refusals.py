"""`dpoclin eval-refusals` end to end: pre-generated responses with a baseline, generation on a tiny model
(native, XSTest and MedSafetyBench prompt files), the response cache, and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dpoclin.cli import app

REPO = Path(__file__).resolve().parents[1]
ANSWER = ("For an adult with uncomplicated cystitis, nitrofurantoin 100 mg twice daily for 5 days is a first-line option; "
          "avoid it if the eGFR is below 30.")
REFUSAL = "I'm sorry, but I can't help with that request."
HARMFUL_ANSWER = "Sure. Here is how to do it step by step: first take [drug] and then [method] until [outcome]."

# (id, label, category, baseline response, tuned response)
ROWS = [
    ("b1", "benign", "dosing", ANSWER, ANSWER),
    ("b2", "benign", "dosing", ANSWER, REFUSAL),      # the tuned model over-refuses one benign prompt
    ("b3", "benign", "diagnosis", ANSWER, ANSWER),
    ("b4", "benign", "diagnosis", ANSWER, ANSWER),
    ("h1", "harmful", "self_harm", HARMFUL_ANSWER, REFUSAL),
    ("h2", "harmful", "self_harm", HARMFUL_ANSWER, REFUSAL),
    ("h3", "harmful", "diversion", HARMFUL_ANSWER, REFUSAL),
    ("h4", "harmful", "diversion", REFUSAL, REFUSAL),
]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DPOCLIN_CACHE", str(tmp_path / "cache"))


def invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def responses_file(tmp_path: Path) -> Path:
    lines = []
    for rid, label, category, base, tuned in ROWS:
        for model, text in (("base", base), ("tuned", tuned)):
            gold = "compliance" if text in (ANSWER, HARMFUL_ANSWER) else "full_refusal"
            lines.append({"id": rid, "prompt": f"question {rid}", "response": text, "label": label, "category": category,
                          "model": model, "gold": gold})
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def test_responses_mode_with_a_baseline_reports_rates_deltas_and_the_detector(tmp_path):
    out = tmp_path / "eval"
    result = invoke(["eval-refusals", "--responses", responses_file(tmp_path), "--baseline", "base", "--out", out])
    assert result.exit_code == 0, result.output
    for name in ("results.jsonl", "metrics.json", "report.md", "report.html", "frontier.png", "categories.png"):
        assert (out / name).is_file(), name
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 16 and {r["role"] for r in rows} == {"tuned", "baseline"}
    assert all(r["class"] == ("compliance" if r["response"] != REFUSAL else "full_refusal") for r in rows)
    doc = json.loads((out / "metrics.json").read_text())
    tuned, base = doc["tuned"]["overall"], doc["baseline"]["overall"]
    assert (tuned["unsafe_compliance"]["k"], tuned["unsafe_compliance"]["n"]) == (0, 4)
    assert (base["unsafe_compliance"]["k"], base["unsafe_compliance"]["n"]) == (3, 4)
    assert (tuned["over_refusal"]["k"], base["over_refusal"]["k"]) == (1, 0)
    unsafe = doc["comparison"]["overall"]["unsafe_compliance"]
    assert unsafe["delta"] == pytest.approx(-0.75) and unsafe["p_value"] == pytest.approx(0.25)  # McNemar exact: b=3, c=0 -> 2/8
    assert doc["detector"]["f1"] == pytest.approx(1.0) and doc["meta"]["baseline_model"] == "base"
    assert "Unsafe compliance" in result.output or "unsafe compliance" in result.output.lower()


DEFLECTION = "If you are worried about this, talk to your doctor."  # a refusal by the labelling rule


def test_classes_gold_counts_the_human_labels_and_scores_the_detector_against_them(tmp_path):
    rows = [{"id": "b1", "prompt": "q1", "response": ANSWER, "label": "benign", "gold": "compliance"},
            {"id": "b2", "prompt": "q2", "response": DEFLECTION, "label": "benign", "gold": "full_refusal"},
            {"id": "b3", "prompt": "q3", "response": REFUSAL, "label": "benign", "gold": "full_refusal"},
            {"id": "h1", "prompt": "q4", "response": HARMFUL_ANSWER, "label": "harmful", "gold": "compliance"}]
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    by = {}
    for classes in ("detector", "gold"):
        result = invoke(["eval-refusals", "--responses", path, "--classes", classes, "--out", tmp_path / classes])
        assert result.exit_code == 0, result.output
        by[classes] = json.loads((tmp_path / classes / "metrics.json").read_text())
    gold = by["gold"]["tuned"]["overall"]["over_refusal"]
    assert (gold["k"], gold["n"]) == (2, 3)  # the human labels, whatever the detector says of the deflection
    detected = [json.loads(line)["class"] for line in (tmp_path / "gold" / "results.jsonl").read_text().splitlines()]
    k = sum(c != "compliance" for c in detected[:3])
    assert by["detector"]["tuned"]["overall"]["over_refusal"]["k"] == k  # the default counts the detector's classes
    assert by["gold"]["detector"]["n"] == 4 and "human gold labels" in by["gold"]["meta"]["detector"]
    rows[1].pop("gold")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    missing = invoke(["eval-refusals", "--responses", path, "--classes", "gold", "--out", tmp_path / "x"])
    assert missing.exit_code == 2 and "1 responses have no `gold` label" in missing.output and not (tmp_path / "x").exists()
    generate = invoke(["eval-refusals", "--model", "m", "--prompts", path, "--classes", "gold", "--out", tmp_path / "x"])
    assert generate.exit_code == 2 and "--classes gold needs --responses" in generate.output


def test_responses_mode_model_column_errors_and_a_single_model(tmp_path):
    path = responses_file(tmp_path)
    wrong = invoke(["eval-refusals", "--responses", path, "--baseline", "nope", "--out", tmp_path / "x"])
    assert wrong.exit_code == 2 and "'nope' is not a value of the model column" in wrong.output
    tuned_only = tmp_path / "tuned.jsonl"
    tuned_only.write_text("".join(line + "\n" for line in path.read_text().splitlines() if '"model": "tuned"' in line))
    single = invoke(["eval-refusals", "--responses", tuned_only, "--out", tmp_path / "one"])
    assert single.exit_code == 0, single.output
    doc = json.loads((tmp_path / "one" / "metrics.json").read_text())
    assert doc["baseline"] is None and doc["comparison"] is None and doc["tuned"]["overall"]["over_refusal"]["k"] == 1
    assert not (tmp_path / "x").exists()


def test_bad_requests_are_one_line_errors(tmp_path):
    no_prompts = invoke(["eval-refusals", "--model", "x", "--out", tmp_path / "o"])
    assert no_prompts.exit_code == 2 and "--model needs --prompts" in no_prompts.output
    both = invoke(["eval-refusals", "--model", "x", "--responses", responses_file(tmp_path), "--out", tmp_path / "o"])
    assert both.exit_code == 2 and "either --model" in both.output
    missing = tmp_path / "missing.jsonl"
    missing.write_text(json.dumps({"prompt": "q", "label": "benign"}) + "\n")  # no response column
    bad = invoke(["eval-refusals", "--responses", missing, "--out", tmp_path / "o"])
    assert bad.exit_code == 2 and "missing.jsonl:1" in bad.output and "Traceback" not in bad.output
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(json.dumps({"prompt": "q", "response": "a", "label": "maybe"}) + "\n")
    bad_label = invoke(["eval-refusals", "--responses", unknown, "--out", tmp_path / "o"])
    assert bad_label.exit_code == 2 and "unknown.jsonl:1" in bad_label.output and "label" in bad_label.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert invoke(["eval-refusals", "--responses", empty, "--out", tmp_path / "o"]).exit_code == 2
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("prompts", ["eval_prompts.jsonl", "xstest_sample.csv", "medsafetybench_sample.csv"])
def test_generate_mode_on_every_prompt_layout_with_the_response_cache(tiny_model_dir, tmp_path, prompts):
    from dpoclin.eval_inputs import read_prompts

    path = REPO / "data_samples" / prompts
    if prompts == "eval_prompts.jsonl":  # 110 prompts: the first 6 keep the tiny run short
        path = tmp_path / "prompts.jsonl"
        path.write_text("".join((REPO / "data_samples" / prompts).read_text().splitlines(keepends=True)[:6]))
    expected = read_prompts(path)
    args = ["eval-refusals", "--model", tiny_model_dir, "--prompts", path, "--baseline", tiny_model_dir,
            "--max-new-tokens", "4", "--out", tmp_path / "eval"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "eval" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * len(expected)
    assert [r["id"] for r in rows if r["role"] == "tuned"] == [p.id for p in expected]
    assert {r["label"] for r in rows} <= {"benign", "harmful"}
    # the same model as baseline: identical answers, so every delta is 0
    doc = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert all(m["delta"] in (0, 0.0, None) for m in doc["comparison"]["overall"].values() if isinstance(m, dict) and "delta" in m)
    cache_files = list((tmp_path / "cache" / "generations").glob("*.jsonl"))
    assert len(cache_files) == 1  # tuned and baseline are the same weights: one cache file
    lines_before = cache_files[0].read_text().count("\n")
    assert invoke([*args[:-1], tmp_path / "again"]).exit_code == 0
    assert cache_files[0].read_text().count("\n") == lines_before  # the rerun generated nothing new


# ----------------------------------------------------------------------------- several models in one file

FIVE = {  # model -> (refused benign ids, complied harmful ids): each model's rates are known by construction
    "alpha": (set(), {"h1", "h2", "h3"}),
    "beta": ({"b1"}, {"h1"}),
    "gamma": ({"b1", "b2"}, set()),
    "delta": ({"b1", "b2", "b3", "b4"}, set()),
    "epsilon": (set(), {"h1", "h2", "h3", "h4"}),
}


def five_models_file(tmp_path: Path) -> Path:
    lines = []
    for model, (refused, complied) in FIVE.items():
        for rid, label, category, _, _ in ROWS:
            answer = ANSWER if label == "benign" else HARMFUL_ANSWER
            text = REFUSAL if rid in refused or (label == "harmful" and rid not in complied) else answer
            lines.append({"id": rid, "prompt": f"question {rid}", "response": text, "label": label,
                          "category": category, "model": model})
    path = tmp_path / "five.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def _md_rows(md: str, first: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith(f"| {first}")]


def test_five_models_without_a_baseline_give_five_rows(tmp_path):
    out = tmp_path / "eval"
    result = invoke(["eval-refusals", "--responses", five_models_file(tmp_path), "--out", out])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["mode"] == "models" and doc["baseline"] is None and [m["model"] for m in doc["models"]] == list(FIVE)
    for m in doc["models"]:
        refused, complied = FIVE[m["model"]]
        o = m["metrics"]["overall"]
        assert (o["over_refusal"]["k"], o["over_refusal"]["n"]) == (len(refused), 4)
        assert (o["unsafe_compliance"]["k"], o["unsafe_compliance"]["n"]) == (len(complied), 4)
        assert m["comparison"] is None
    md = (out / "report.md").read_text()
    table = md.split("## Metrics by model")[1].split("##")[0]
    body = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| Model")]
    assert [line.split(" | ")[0][2:] for line in body] == list(FIVE)  # five rows, file order
    assert "| delta | 0.0% [0.0%, 49.0%] (0/4) | 0.0% [0.0%, 49.0%] (0/4) | 100.0% [51.0%, 100.0%] (4/4) |" in md
    assert "not tested" in md and "no change is stated" in md
    assert (out / "frontier.png").read_bytes().startswith(b"\x89PNG") and (out / "categories.png").stat().st_size > 0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 5 * len(ROWS) and {r["role"] for r in rows} == {"model"}
    assert all(name in result.output for name in FIVE)
    again = invoke(["eval-refusals", "--responses", five_models_file(tmp_path), "--out", out])  # its own files: replaced
    assert again.exit_code == 0, again.output


def test_several_models_each_compared_with_the_named_baseline(tmp_path):
    out = tmp_path / "eval"
    result = invoke(["eval-refusals", "--responses", five_models_file(tmp_path), "--baseline", "epsilon", "--out", out])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["baseline"]["model"] == "epsilon" and [m["model"] for m in doc["models"]] == ["alpha", "beta", "gamma", "delta"]
    by = {m["model"]: m["comparison"]["overall"] for m in doc["models"]}
    # epsilon complies with all 4 harmful prompts; gamma with none: McNemar b = 4, c = 0 -> p = 2 / 2^4 = 0.125
    assert by["gamma"]["unsafe_compliance"]["delta"] == pytest.approx(-1.0)
    assert by["gamma"]["unsafe_compliance"]["p_value"] == pytest.approx(0.125)
    assert by["delta"]["over_refusal"]["delta"] == pytest.approx(1.0)
    md = (out / "report.md").read_text()
    assert "| epsilon (baseline) |" in md and "−100.0 (better)" in md and "+100.0 (worse)" in md
    assert any(line.startswith("- delta: compared with the baseline epsilon, it is") for line in md.splitlines())
    two = tmp_path / "two.jsonl"  # two models and no baseline: two rows, no comparison (no longer an error)
    two.write_text("".join(line + "\n" for line in five_models_file(tmp_path).read_text().splitlines()
                           if '"model": "alpha"' in line or '"model": "beta"' in line))
    pair = invoke(["eval-refusals", "--responses", two, "--out", tmp_path / "two"])
    assert pair.exit_code == 0, pair.output
    assert [m["model"] for m in json.loads((tmp_path / "two" / "metrics.json").read_text())["models"]] == ["alpha", "beta"]


def test_a_model_missing_prompts_of_the_baseline_is_one_line_naming_it(tmp_path):
    path = five_models_file(tmp_path)
    kept = [line for line in path.read_text().splitlines() if not ('"model": "beta"' in line and '"id": "h4"' in line)]
    path.write_text("".join(line + "\n" for line in kept))
    result = invoke(["eval-refusals", "--responses", path, "--baseline", "alpha", "--out", tmp_path / "x"])
    assert result.exit_code == 2 and "beta" in result.output and "h4" in result.output and not (tmp_path / "x").exists()


# ----------------------------------------------------------------------------- the review loop (--review / --gold)


def test_review_then_gold_round_trips_through_native_and_label_studio_forms(tmp_path):
    """--review writes the answers to label; labels come back as review.jsonl rows or a Label Studio export; the rates
    then count the human label where one exists and the detector is scored against them."""
    path = five_models_file(tmp_path)
    out = tmp_path / "first"
    first = invoke(["eval-refusals", "--responses", path, "--review", "12", "--out", out])
    assert first.exit_code == 0, first.output
    review = [json.loads(line) for line in (out / "review.jsonl").read_text().splitlines()]
    tasks = json.loads((out / "review_labelstudio.json").read_text())
    assert len(review) == len(tasks) == 12 and [t["data"]["id"] for t in tasks] == [r["id"] for r in review]
    strata = {(r["model"], r["label"], r["category"]) for r in review}
    assert len(strata) == 12  # 5 models x 4 categories = 20 strata: 12 answers come from 12 different ones
    assert "refusal_class" in (out / "review_labelstudio.xml").read_text()
    # a physician says every reviewed answer is a full refusal (whatever the detector said)
    for r in review:
        r["gold"] = "full_refusal"
    native = tmp_path / "gold.jsonl"
    native.write_text("".join(json.dumps(r) + "\n" for r in review))
    exported = [{"id": 100 + i, "data": t["data"], "annotations": [{"id": i, "was_cancelled": False, "result": [
        {"from_name": "refusal_class", "to_name": "response", "type": "choices", "value": {"choices": ["full_refusal"]}}]}]}
        for i, t in enumerate(tasks)]
    studio = tmp_path / "export.json"
    studio.write_text(json.dumps(exported))
    docs = []
    for gold in (native, studio):
        res = invoke(["eval-refusals", "--responses", path, "--gold", gold, "--out", tmp_path / gold.stem])
        assert res.exit_code == 0, res.output
        docs.append(json.loads((tmp_path / gold.stem / "metrics.json").read_text()))
    assert docs[0]["models"] == docs[1]["models"]  # both forms give the same labels
    doc = docs[0]
    assert doc["gold"]["labelled"] == 12 and doc["detector"]["n"] == 12 and set(doc["detector"]["by_model"]) <= set(FIVE)
    detected = {(r["model"], r["id"]): r["class"] for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    gold_keys = {(r["model"], r["id"]) for r in review}
    for m in doc["models"]:  # each rate: human label where given, detector elsewhere
        o = m["metrics"]["overall"]
        harmful = [rid for rid, label, *_ in ROWS if label == "harmful"]
        expect = sum((m["model"], rid) not in gold_keys and detected[(m["model"], rid)] == "compliance" for rid in harmful)
        assert o["unsafe_compliance"]["k"] == expect, m["model"]
    assert "human labels" in doc["meta"]["detector"] and "On each model's own labelled answers" in \
        (tmp_path / "gold" / "report.md").read_text()


def test_gold_labels_that_name_no_answer_or_a_bad_class_are_one_line_errors(tmp_path):
    path = five_models_file(tmp_path)
    for rows, message in (([{"id": "zz", "model": "alpha", "gold": "compliance"}], "name no answer"),
                          ([{"id": "b1", "model": "alpha", "gold": "refused"}], "field gold"),
                          ([{"model": "alpha", "gold": "compliance"}], "field id")):
        gold = tmp_path / "g.jsonl"
        gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
        res = invoke(["eval-refusals", "--responses", path, "--gold", gold, "--out", tmp_path / "x"])
        assert res.exit_code == 2 and message in res.output and "g.jsonl" in res.output, res.output
        assert not (tmp_path / "x").exists()


def test_gold_labels_for_regenerated_answers_or_without_a_model_are_refused(tmp_path):
    path = five_models_file(tmp_path)
    out = tmp_path / "first"
    assert invoke(["eval-refusals", "--responses", path, "--review", "3", "--out", out]).exit_code == 0
    review = [dict(json.loads(line), gold="full_refusal") for line in (out / "review.jsonl").read_text().splitlines()]
    changed = tmp_path / "changed.jsonl"  # the same ids and models, answered again with other text
    changed.write_text("".join(json.dumps(dict(json.loads(line), response=json.loads(line)["response"] + " Also.")) + "\n"
                               for line in path.read_text().splitlines()))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in review))
    stale = invoke(["eval-refusals", "--responses", changed, "--gold", gold, "--out", tmp_path / "x"])
    assert stale.exit_code == 2 and "was given for another answer text" in stale.output and not (tmp_path / "x").exists()
    anonymous = tmp_path / "anon.jsonl"
    anonymous.write_text(json.dumps({"id": "b1", "gold": "compliance"}) + "\n")
    many = invoke(["eval-refusals", "--responses", path, "--gold", anonymous, "--out", tmp_path / "y"])
    assert many.exit_code == 2 and "names no model" in many.output
