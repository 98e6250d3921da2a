"""Unknown, misspelt and duplicate fields; Label Studio choices outside the config; malformed training rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import assert_one_line_error, cli, judgment, read_jsonl, write_jsonl

REPO = Path(__file__).resolve().parents[2]


def build(tmp_path: Path, lines, *args, name="export.jsonl"):
    export = write_jsonl(tmp_path / name, lines) if name.endswith(".jsonl") else tmp_path / name
    if name.endswith(".json"):
        export.write_text(lines)
    out = tmp_path / "out"
    result = cli("build-pairs", export, "--out", out, "--workers", "1", *args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    records = summary["records"]
    assert records["in"] == records["used"] + records["rejected"]
    return result, summary, read_jsonl(out / "rejects.jsonl"), export


def record_rejects(rejects):
    return [r for r in rejects if r["level"] == "record"]


MISSPELT = {
    "prefernce": (lambda r: r.update(prefernce=r.pop("preference")), "prefernce", "preference"),
    "rating": (lambda r: r.update(rating=r.pop("ratings")), "rating", "ratings"),
    "refusals": (lambda r: r.update(refusals={"a": "appropriate"}), "refusals", "refusal"),
    "annotator_speciality": (lambda r: r["annotator"].update(speciality="cardiology"), "annotator.speciality",
                             "annotator.specialty"),
    "response_txt": (lambda r: r["responses"][1].update(txt="x"), "responses[1].txt", "responses[1].text"),
}


@pytest.mark.parametrize("mutate,field,hint", MISSPELT.values(), ids=MISSPELT.keys())
def test_misspelt_field_is_rejected_with_did_you_mean(tmp_path, mutate, field, hint):
    bad = judgment("t1", "d2")
    mutate(bad)
    _, summary, rejects, _ = build(tmp_path, [judgment("t1"), bad])
    (reject,) = record_rejects(rejects)
    assert reject["reason"] == "unknown_field" and reject["field"] == field
    assert f"did you mean '{hint}'?" in reject["detail"] and reject["source"].endswith("export.jsonl:2")
    assert summary["records"]["used"] == 1


def test_warn_policy_keeps_the_record_and_says_so_once(tmp_path):
    bad = [judgment(f"t{i}", prefernce="a") for i in range(3)]
    result, summary, rejects, export = build(tmp_path, bad, "--unknown-fields", "warn")
    assert record_rejects(rejects) == [] and summary["records"]["used"] == 3
    warnings = [line for line in result.stderr.splitlines() if "prefernce" in line]
    assert len(warnings) == 1 and str(export) in warnings[0] and "3 record(s)" in warnings[0]


def test_ignore_policy_and_far_keys_keep_the_record(tmp_path):
    _, summary, rejects, _ = build(tmp_path, [judgment("t1", prefernce="a")], "--unknown-fields", "ignore")
    assert record_rejects(rejects) == [] and summary["records"]["used"] == 1
    far = tmp_path / "far"
    far.mkdir()
    _, summary, rejects, _ = build(far, [judgment("t1", source_system="epic", batch=7)])  # extra metadata: kept
    assert record_rejects(rejects) == [] and summary["records"]["used"] == 1


def test_unknown_policy_value_is_one_line_error(tmp_path):
    export = write_jsonl(tmp_path / "e.jsonl", [judgment("t1")])
    assert_one_line_error(cli("build-pairs", export, "--out", tmp_path / "out", "--unknown-fields", "drop"),
                          "--unknown-fields", "reject, warn, ignore")


def test_near_miss_rating_dimension_suggests_the_known_one(tmp_path):
    bad = judgment("t1", ratings={"a": {"acuracy": 5}, "b": {"safety": 1}})
    _, _, rejects, _ = build(tmp_path, [bad])
    (reject,) = record_rejects(rejects)
    assert reject["reason"] == "unknown_dimension" and "did you mean 'accuracy'?" in reject["detail"]


def _with_duplicate(key_json: str) -> str:
    text = json.dumps(judgment("t2", "d2"))
    return text[:-1] + ", " + key_json + "}"


@pytest.mark.parametrize("dup,key", [('"preference": "b"', "preference"), ('"task_id": "t9"', "task_id")])
def test_duplicate_top_level_key_is_rejected_naming_it(tmp_path, dup, key):
    _, summary, rejects, _ = build(tmp_path, [judgment("t1"), _with_duplicate(dup)])
    (reject,) = record_rejects(rejects)
    assert reject["reason"] == "duplicate_key" and reject["field"] == key and reject["source"].endswith(":2")
    assert summary["records"]["used"] == 1


def test_duplicate_nested_key_is_rejected(tmp_path):
    line = json.dumps(judgment("t1")).replace('"role": "physician"', '"role": "physician", "role": "student"')
    _, _, rejects, _ = build(tmp_path, [line])
    assert [(r["reason"], r["field"]) for r in record_rejects(rejects)] == [("duplicate_key", "role")]


def test_duplicate_key_in_a_json_array_export(tmp_path):
    text = "[" + json.dumps(judgment("t1")) + ",\n" + _with_duplicate('"preference": "b"') + "]"
    _, _, rejects, _ = build(tmp_path, text, name="export.json")
    (reject,) = record_rejects(rejects)
    assert reject["reason"] == "duplicate_key" and reject["source"].endswith("record 1")


def test_text_that_looks_like_keys_is_not_a_duplicate(tmp_path):
    tricky = judgment("t1", comment='he wrote "preference": "b" and "a":1 in his notes')
    _, summary, rejects, _ = build(tmp_path, [tricky])
    assert record_rejects(rejects) == [] and summary["records"]["used"] == 1


# --- Label Studio choices -------------------------------------------------------------------------------------------

def _labelstudio_export_with(tmp_path: Path, control: str, value: str) -> Path:
    tasks = json.loads((REPO / "data_samples" / "clinical_export_labelstudio.json").read_text())
    for task in tasks:
        for ann in task.get("annotations") or []:
            for item in ann.get("result") or []:
                if item.get("from_name") == control:
                    item["value"]["choices"] = [value]
                    path = tmp_path / "ls.json"
                    path.write_text(json.dumps(tasks))
                    return path
    pytest.skip(f"sample export has no {control} result")


@pytest.mark.parametrize("control,value", [("refusal_a", "Kind of refused"), ("acceptable_b", "Yes"),
                                           ("prompt_label", "Dangerous")])
def test_labelstudio_choice_outside_the_shipped_config_is_rejected(tmp_path, control, value):
    export = _labelstudio_export_with(tmp_path, control, value)
    out = tmp_path / "out"
    result = cli("build-pairs", export, "--out", out, "--workers", "1",
                    "--annotators", REPO / "data_samples" / "labelstudio_annotators.csv")
    assert result.exit_code == 0, result.output
    hits = [r for r in read_jsonl(out / "rejects.jsonl") if r.get("reason") == "invalid_choice"]
    assert len(hits) == 1 and hits[0]["field"] == f"result.{control}" and repr(value) in hits[0]["detail"]
    assert "allowed:" in hits[0]["detail"]
    records = json.loads((out / "summary.json").read_text())["records"]
    assert records["in"] == records["used"] + records["rejected"]


# --- malformed pairs.jsonl / kto.jsonl for train ---------------------------------------------------------------------

def _data_dir(tmp_path: Path, pairs_lines, kto_lines=None) -> Path:
    from tests.conftest import tiny_rows

    pairs, kto = tiny_rows()
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "pairs.jsonl", pairs[:1] + list(pairs_lines) + pairs[1:])
    write_jsonl(data / "kto.jsonl", kto[:1] + list(kto_lines or []) + kto[1:])
    return data


BAD_ROWS = {
    "array": ("[1, 2]", "pairs.jsonl:2: expected a JSON object"),
    "no_chosen": ({"prompt": "q", "rejected": "r", "split": "train"}, "pairs.jsonl:2: field chosen:"),
    "chosen_number": ({"prompt": "q", "chosen": 3, "rejected": "r", "split": "train"}, "pairs.jsonl:2: field chosen:"),
    "bad_message": ({"prompt": [{"role": "user"}], "chosen": "c", "rejected": "r"}, "pairs.jsonl:2: field prompt: message 0"),
    "weight_negative": ({"prompt": "q", "chosen": "c", "rejected": "r", "weight": -1}, "pairs.jsonl:2: field weight:"),
    "split_number": ({"prompt": "q", "chosen": "c", "rejected": "r", "split": 1}, "pairs.jsonl:2: field split:"),
}


@pytest.mark.parametrize("line,fragment", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_malformed_pairs_line_stops_train_before_the_model_loads(tmp_path, line, fragment):
    data = _data_dir(tmp_path, [line])
    result = cli("train", "--recipe", "dpo", "--data", data, "--out", tmp_path / "run", "--no-eval",
                    "--model", tmp_path / "no-such-model")  # a model load would fail differently
    assert_one_line_error(result, str(data / "pairs.jsonl"), fragment)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("line,fragment", [
    ({"prompt": "q", "completion": "c", "split": "train"}, "kto.jsonl:2: field label: expected true or false"),
    ({"prompt": "q", "label": True}, "kto.jsonl:2: field completion:"),
    ('"just a string"', "kto.jsonl:2: expected a JSON object"),
])
def test_malformed_kto_line_stops_train(tmp_path, line, fragment):
    data = _data_dir(tmp_path, [], [line])
    result = cli("train", "--recipe", "kto", "--data", data, "--out", tmp_path / "run", "--no-eval",
                    "--model", tmp_path / "no-such-model")
    assert_one_line_error(result, fragment)


def test_unused_side_is_not_checked_but_used_side_of_kto_dpo_is(tmp_path):
    data = _data_dir(tmp_path, ["[1]"])
    result = cli("train", "--recipe", "kto-dpo", "--data", data, "--out", tmp_path / "run", "--no-eval",
                    "--model", tmp_path / "no-such-model", "--set", "objective.w_dpo=0")
    assert_one_line_error(result, "pairs.jsonl:2")  # kto-dpo still reads pairs (KTO labels ride on them)
