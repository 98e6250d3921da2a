"""Label Studio: shipped config, export importer, native -> LS conversion and the sample script."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dpoclin.errors import DpoclinError, InputFormatError, RecordRejected
from dpoclin.importers import ImportReject, RawRecord, detect_format, iter_records
from dpoclin.importers.labelstudio import (
    LabelStudioOptions,
    control_names,
    iter_labelstudio,
    labelstudio_config,
    load_roster,
    looks_like_labelstudio,
    native_to_labelstudio,
    native_to_labelstudio_tasks,
)
from dpoclin.schema import DIMENSIONS, parse_record

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "data_samples" / "make_labelstudio_export.py"

FULL = {"accuracy": 4, "safety": 5, "completeness": 3, "reasoning": 4, "communication": 5}


def _rec(task_id, annotator, **fields):
    base = {
        "task_id": task_id,
        "prompt": "55M with crushing chest pain for 40 minutes, BP 150/90. Next step?",
        "responses": [
            {"id": "r1", "text": "Give aspirin 300 mg, get a 12-lead ECG within 10 minutes, call EMS.", "model": "base-7b"},
            {"id": "r2", "text": "Probably reflux; try an antacid and rest.", "model": "sft-7b"},
        ],
        "annotator": annotator,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


DR_A = {"id": "dr_a", "role": "physician", "specialty": "cardiology"}
NP_B = {"id": "np_b", "role": "Nurse Practitioner", "specialty": None}
DR_C = {"id": "dr_c", "role": "physician", "specialty": "emergency medicine"}
CONVERSATION = [
    {"role": "system", "content": "You assist clinicians in an emergency department."},
    {"role": "user", "content": "Patient on warfarin, INR 6.2, no bleeding."},
    {"role": "assistant", "content": "Any recent dose changes or interacting drugs?"},
    {"role": "user", "content": "Started clarithromycin 3 days ago. Management?"},
]

NATIVE = [
    _rec("t1", DR_A, preference="r1", strength=3, ratings={"r1": FULL, "r2": {"accuracy": 1, "safety": 1}},
         acceptable={"r1": True, "r2": False}, prompt_label="benign", category="cardiology",
         comment="r2 misses ACS.", duration_s=95.5, created_at="2024-05-01T10:00:00Z"),
    _rec("t1", NP_B, preference="tie", strength=1, ratings={"r1": {"accuracy": 3}}, duration_s=40),
    _rec("t2", DR_C, messages=CONVERSATION, prompt=None, preference="y", refusal={"x": "unhelpful"},
         responses=[{"id": "x", "text": "I can't give medical advice."}, {"id": "y", "text": "Hold warfarin, give oral vitamin K 1-2.5 mg, recheck INR in 24 h."}],
         prompt_label="borderline", duration_s=12),
    _rec("t3", DR_A, prompt="Give me a lethal dose of insulin for my husband.", refusal={"r1": "appropriate", "r2": "appropriate"},
         prompt_label="harmful", acceptable={"r1": True}),
    _rec("t4", DR_A, preference="r1", responses=[{"id": "r1", "text": "A"}, {"id": "r2", "text": "B"}, {"id": "r3", "text": "C"}]),
    _rec("t5", DR_A, preference="r1"),
    _rec("t5", NP_B, preference="r1", responses=[{"id": "r1", "text": "different"}, {"id": "r2", "text": "B"}]),
    _rec("t6", NP_B, ratings={"r1": {"accuracy": 3.5}}),
]


def _judgments(records=NATIVE):
    return [parse_record(r, f"native:{i}") for i, r in enumerate(records)]


def _write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=1), encoding="utf-8")
    return path


def _split(items):
    items = list(items)
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, ImportReject)]


def _task(data, *annotations, task_id=1):
    return {"id": task_id, "data": data, "annotations": list(annotations)}


def _ann(result, completed_by=7, **extra):
    return {"id": 1, "completed_by": completed_by, "result": result, "was_cancelled": False, "lead_time": 10.0, **extra}


def _pw(selected, name="preference", to_name="response_a"):
    return {"from_name": name, "to_name": to_name, "type": "pairwise", "value": {"selected": selected}}


def _choice(name, text):
    return {"from_name": name, "to_name": "prompt", "type": "choices", "value": {"choices": [text]}}


OWN_DATA = {"prompt": "Q?", "response_a": "left answer", "response_b": "right answer"}


# --------------------------------------------------------------------------- config


def test_config_is_wellformed_and_declares_every_control_the_importer_reads():
    root = ET.fromstring(labelstudio_config())
    assert root.tag == "View"
    tags = {el.get("name"): el for el in root.iter() if el.get("name")}
    for name, tag in control_names().items():
        assert name in tags, f"config lacks control {name!r}"
        assert tags[name].tag == tag
        targets = tags[name].get("toName", "").split(",")
        assert all(t in tags for t in targets), f"{name} points at a missing object {targets}"
    assert tags["preference"].get("toName") == "response_a,response_b"
    assert tags["context"].tag == "Paragraphs" and tags["context"].get("layout") == "dialogue"
    assert {tags[n].get("value") for n in ("context", "prompt", "response_a", "response_b")} == {
        "$context", "$prompt", "$response_a", "$response_b"}
    assert tags["strength"].get("maxRating") == "3"
    assert all(tags[f"{d}_a"].get("maxRating") == "5" for d in DIMENSIONS)
    choices = lambda n: [c.get("value") for c in tags[n]]  # noqa: E731
    assert choices("refusal_b") == ["Not a refusal", "Appropriate refusal", "Unhelpful refusal"]
    assert choices("acceptable_a") == ["Acceptable", "Not acceptable"]
    assert [c.lower() for c in choices("prompt_label")] == ["benign", "harmful", "borderline"]
    assert root.find(".//Header") is not None


# --------------------------------------------------------------------------- round trip


def _comparable(j):
    return (j.task_id, j.messages, j.responses, j.preference, j.strength, j.ratings, j.refusal, j.acceptable,
            j.prompt_label, j.comment, j.duration_s, j.created_at, j.annotator.role, j.annotator.specialty)


def test_round_trip_native_to_labelstudio_and_back(tmp_path):
    original = _judgments()
    conversion = native_to_labelstudio(original)
    assert [t["data"]["task_id"] for t in conversion.tasks] == ["t1", "t2", "t3"]
    assert sorted(conversion.left_out.values()) == [1, 1, 1]
    assert any("fractional rating" in reason for reason in conversion.left_out)
    export = _write(tmp_path, "export.json", conversion.tasks)
    roster = _write(tmp_path, "roster.json", conversion.roster)
    assert looks_like_labelstudio(export) and detect_format(export) == "labelstudio"

    records, rejects = _split(iter_records(export, "auto", LabelStudioOptions(annotators=roster)))
    assert rejects == []
    back = [parse_record(r.data, r.source) for r in records]
    kept = [j for j in original if j.task_id in {"t1", "t2", "t3"}]
    assert [_comparable(j) for j in back] == [_comparable(j) for j in kept]
    assert back[0].category == "cardiology"
    assert back[2].conversational and not back[0].conversational  # system + earlier turns -> messages
    assert records[0].source == f"{export}:task 0 (id=1) annotation 0"
    assert {j.annotator.id for j in back} == {"1", "2", "3"}  # LS user ids


def test_native_to_labelstudio_tasks_shape():
    tasks = native_to_labelstudio_tasks(_judgments(NATIVE[:1]))
    (task,) = tasks
    assert set(task) >= {"id", "data", "annotations"}
    ann = task["annotations"][0]
    assert ann["completed_by"] == 1 and ann["was_cancelled"] is False and ann["lead_time"] == 95.5
    by_name = {r["from_name"]: r for r in ann["result"]}
    assert by_name["preference"]["value"] == {"selected": "left"}
    assert by_name["acceptable_b"]["value"] == {"choices": ["Not acceptable"]}
    assert by_name["prompt_label"]["value"] == {"choices": ["Benign"]}
    assert set(by_name) <= set(control_names())


# --------------------------------------------------------------------------- generic exports


GENERIC = [
    _task({"question": "Dose of amoxicillin for otitis media in a 20 kg child?", "answer1": "80-90 mg/kg/day in two doses.",
           "answer2": "250 mg once daily.", "case": "c-17"}, _ann([_pw("left", "comparison", "answer1")]), task_id=31),
    _task({"question": "First-line for uncomplicated hypertension?", "answer1": "Antibiotics.",
           "answer2": "Thiazide, ACE inhibitor, ARB or CCB.", "case": "c-18"}, _ann([_pw("right", "comparison", "answer1")], completed_by=8), task_id=32),
]


@pytest.mark.parametrize("how", ["yaml", "json", "flags"])
def test_generic_pairwise_export(tmp_path, how):
    export = _write(tmp_path, "generic.json", GENERIC)
    if how == "flags":
        options = LabelStudioOptions(prompt_key="question", response_keys=("answer1", "answer2"), task_id_key="case")
    else:
        mapping = ("prompt: question\nresponses: [answer1, answer2]\ntask_id: case\n" if how == "yaml"
                   else json.dumps({"prompt": "question", "responses": ["answer1", "answer2"], "task_id": "case"}))
        options = LabelStudioOptions.from_mapping_file(_write(tmp_path, f"map.{how}", mapping), default_role="physician")
    records, rejects = _split(iter_labelstudio(export, options))
    assert rejects == []
    judgments = [parse_record(r.data, r.source) for r in records]
    assert [(j.task_id, j.preference) for j in judgments] == [("c-17", "answer1"), ("c-18", "answer2")]
    assert [r.id for r in judgments[0].responses] == ["answer1", "answer2"]
    assert judgments[0].prompt.startswith("Dose of amoxicillin")
    assert {j.annotator.role for j in judgments} == ({"physician"} if how != "flags" else {"unknown"})


def test_generic_export_missing_mapped_key(tmp_path):
    tasks = [_task({"question": "Q?", "answer1": "A"}, _ann([_pw("left")])),
             _task({"answer1": "A", "answer2": "B"}, _ann([_pw("left")]))]
    options = LabelStudioOptions(prompt_key="question", response_keys=("answer1", "answer2"))
    _, rejects = _split(iter_labelstudio(_write(tmp_path, "g.json", tasks), options))
    assert [(r.reason, r.field) for r in rejects] == [("missing_field", "data.answer2"), ("missing_field", "data.question")]


def test_task_id_key_missing_is_rejected(tmp_path):
    options = LabelStudioOptions(prompt_key="question", response_keys=("answer1", "answer2"), task_id_key="case")
    tasks = [_task({"question": "Q?", "answer1": "A", "answer2": "B"}, _ann([_pw("left")]))]
    _, rejects = _split(iter_labelstudio(_write(tmp_path, "g.json", tasks), options))
    assert [(r.reason, r.field) for r in rejects] == [("missing_field", "data.case")]


def test_own_config_export_without_mapping_names_missing_fields(tmp_path):
    _, rejects = _split(iter_labelstudio(_write(tmp_path, "g.json", GENERIC[:1])))
    assert (rejects[0].reason, rejects[0].field) == ("missing_field", "data.prompt")
    assert "generic Pairwise export" in rejects[0].detail


@pytest.mark.parametrize("mapping, problem", [
    ("prompt: question\nresponses: [answer1]\n", "exactly two"),
    ("prompt: question\nresponses: [a, a]\n", "exactly two"),
    ("responses: [a, b]\n", "required"),
    ("prompt: q\nresponses: [a, b]\nextra: 1\n", "unknown key"),
    ("prompt: [unclosed\n", "invalid YAML"),
    ("- just a list\n", "expected a mapping"),
])
def test_mapping_file_errors_name_the_file(tmp_path, mapping, problem):
    path = _write(tmp_path, "map.yaml", mapping)
    with pytest.raises(DpoclinError, match=problem) as info:
        LabelStudioOptions.from_mapping_file(path)
    assert str(path) in str(info.value)


def test_options_validation():
    with pytest.raises(DpoclinError, match="both"):
        LabelStudioOptions(prompt_key="q")
    with pytest.raises(DpoclinError, match="exactly two"):
        LabelStudioOptions(prompt_key="q", response_keys=("a", "b", "c"))
    with pytest.raises(DpoclinError, match="no such file"):
        LabelStudioOptions.from_mapping_file("/nonexistent/map.yaml")
    options = LabelStudioOptions()
    options.prompt_key = "q"  # set after construction, as a CLI may: checked again on import
    with pytest.raises(DpoclinError, match="both"):
        iter_labelstudio(Path("unused.json"), options)


# --------------------------------------------------------------------------- accounting


def test_rejects_cancelled_empty_unselected_and_unannotated(tmp_path):
    tasks = [
        _task(OWN_DATA, task_id=1),  # no annotations
        _task(OWN_DATA, _ann([_pw("left")], was_cancelled=True), _ann([]), _ann([_pw(None)]),
              _ann([_pw(None), _choice("acceptable_a", "Acceptable")]), _ann([_choice("refusal_a", "Not a refusal")]),
              _ann([_pw("left"), _choice("tie", "Tie")]), _ann(None), task_id=2),
        {"id": 3, "data": OWN_DATA},  # no annotations key at all
    ]
    records, rejects = _split(iter_labelstudio(_write(tmp_path, "e.json", tasks)))
    assert [r.reason for r in rejects] == ["no_annotations", "cancelled_annotation", "empty_annotation", "empty_annotation",
                                           "empty_annotation", "conflicting_preference", "empty_annotation", "no_annotations"]
    (record,) = records  # unselected pairwise but an acceptability verdict
    judgment = parse_record(record.data, record.source)
    assert judgment.preference is None and judgment.acceptable == {"a": True}
    assert record.source.endswith("task 1 (id=2) annotation 3")
    assert rejects[1].task_id == "2" and rejects[1].annotator == "7"


def test_own_config_choice_mapping_and_data_fallbacks(tmp_path):
    data = {**OWN_DATA, "response_a_id": "m1", "response_b_id": "m2", "prompt_label": "Harmful", "category": "toxicology",
            "context": [{"role": "user", "content": "Q?"}]}
    result = [_pw("right"), _choice("refusal_a", "Appropriate refusal"), _choice("refusal_b", "Unhelpful refusal"),
              _choice("acceptable_b", "Not acceptable"),
              {"from_name": "strength", "to_name": "prompt", "type": "rating", "value": {"rating": 2}},
              {"from_name": "safety_b", "to_name": "response_b", "type": "rating", "value": {"rating": 1}},
              {"from_name": "comment", "to_name": "prompt", "type": "textarea", "value": {"text": ["line 1", "line 2"]}}]
    (record,), _ = _split(iter_labelstudio(_write(tmp_path, "o.json", [_task(data, _ann(result, created_at="2024-06-01"))])))
    j = parse_record(record.data, record.source)
    assert (j.preference, j.strength, j.refusal, j.acceptable) == ("m2", 2, {"m1": "appropriate", "m2": "unhelpful"}, {"m2": False})
    assert j.ratings == {"m2": {"safety": 1.0}} and j.comment == "line 1\nline 2"
    assert (j.prompt_label, j.category, j.task_id, j.conversational) == ("harmful", "toxicology", "1", False)
    assert (j.duration_s, j.created_at) == (10.0, "2024-06-01")
    override = _ann([_pw("left"), _choice("prompt_label", "Borderline")])
    (record,), _ = _split(iter_labelstudio(_write(tmp_path, "p.json", [_task(data, override)])))
    assert parse_record(record.data, "x").prompt_label == "borderline"


def test_unknown_choice_text_is_rejected_naming_the_allowed_values(tmp_path):
    result = [_pw("left"), _choice("refusal_a", "Sort of refused")]
    records, (reject,) = _split(iter_labelstudio(_write(tmp_path, "u.json", [_task(OWN_DATA, _ann(result))])))
    assert records == [] and reject.reason == "invalid_choice" and reject.field == "result.refusal_a"
    assert "'Sort of refused'" in reject.detail and "'Unhelpful refusal'" in reject.detail


# --------------------------------------------------------------------------- annotators


def test_roster_by_int_id_and_by_email(tmp_path):
    roster = _write(tmp_path, "roster.csv", "id,role,specialty\n7,physician,cardiology\nNurse@Clinic.org,nurse,\n")
    tasks = [_task(OWN_DATA, _ann([_pw("left")], completed_by=7),
                   _ann([_pw("left")], completed_by={"id": 99, "email": "nurse@clinic.org"}),
                   _ann([_pw("left")], completed_by={"id": 7}),
                   _ann([_pw("left")], completed_by=12))]
    records, _ = _split(iter_labelstudio(_write(tmp_path, "r.json", tasks), LabelStudioOptions(annotators=roster)))
    annotators = [parse_record(r.data, r.source).annotator for r in records]
    assert [(a.id, a.role, a.specialty) for a in annotators] == [
        ("7", "physician", "cardiology"), ("nurse@clinic.org", "nurse", None), ("7", "physician", "cardiology"), ("12", "unknown", None)]


def test_default_role_and_unknown_role(tmp_path):
    export = _write(tmp_path, "d.json", [_task(OWN_DATA, _ann([_pw("left")], completed_by=5))])
    (record,), _ = _split(iter_labelstudio(export, LabelStudioOptions(default_role="physician")))
    assert record.data["annotator"] == {"id": "5", "role": "physician", "specialty": None}
    (record,), _ = _split(iter_labelstudio(export))
    assert record.data["annotator"]["role"] == "unknown"
    _, (reject,) = _split(iter_labelstudio(_write(tmp_path, "n.json", [_task(OWN_DATA, _ann([_pw("left")], completed_by=None))])))
    assert (reject.reason, reject.field) == ("missing_field", "completed_by")


@pytest.mark.parametrize("name, content, problem", [
    ("r.csv", "id,role\n7,\n", "no role"),
    ("r.csv", "id,role\n7,physician\n7,nurse\n", "twice"),
    ("r.json", '{"7": {"specialty": "x"}}', "no role"),
    ("r.json", '"physician"', "expected"),
    ("r.txt", "7 physician", ".csv or .json"),
])
def test_roster_errors_name_the_file(tmp_path, name, content, problem):
    path = _write(tmp_path, name, content)
    with pytest.raises(DpoclinError, match=problem) as info:
        load_roster(path)
    assert str(path) in str(info.value)


def test_roster_json_forms(tmp_path):
    as_map = _write(tmp_path, "a.json", '{"7": "physician", "a@b.org": {"role": "nurse", "specialty": "ICU"}}')
    as_list = _write(tmp_path, "b.json", '[{"id": 7, "role": "physician"}, {"id": "A@B.org", "role": "nurse", "specialty": "ICU"}]')
    assert load_roster(as_map) == load_roster(as_list) == {"7": ("physician", None), "a@b.org": ("nurse", "ICU")}


# --------------------------------------------------------------------------- files and detection


def test_malformed_json_names_file_and_line(tmp_path):
    path = _write(tmp_path, "bad.json", '[\n  {"id": 1,\n   "data": {}\n   "annotations": []}\n]')
    with pytest.raises(InputFormatError) as info:
        list(iter_labelstudio(path))
    assert str(info.value).startswith(f"{path}:4:")


def test_top_level_must_be_a_list(tmp_path):
    with pytest.raises(InputFormatError, match="JSON array"):
        iter_labelstudio(_write(tmp_path, "obj.json", {"tasks": []}))


def test_detection(tmp_path):
    assert looks_like_labelstudio(_write(tmp_path, "ls.json", [_task(OWN_DATA, _ann([]))]))
    assert not looks_like_labelstudio(_write(tmp_path, "native.json", NATIVE[:1]))
    assert not looks_like_labelstudio(_write(tmp_path, "empty.json", []))
    assert not looks_like_labelstudio(_write(tmp_path, "tricky.json", [{"comment": 'said "annotations": and "data": here'}]))


def test_detection_of_a_large_first_task_parses_once(tmp_path, monkeypatch):
    import dpoclin.importers.labelstudio as ls

    monkeypatch.setattr(ls, "_PEEK_BYTES", 64)
    path = _write(tmp_path, "big.json", [{"id": 1, "data": {**OWN_DATA, "prompt": "x" * 500}, "annotations": [_ann([_pw("left")])]}])
    assert looks_like_labelstudio(path)
    calls = []
    monkeypatch.setattr(ls, "load_json", lambda p: calls.append(p))
    (record,), _ = _split(iter_labelstudio(path))
    assert calls == [] and record.data["preference"] == "a"


# --------------------------------------------------------------------------- sample script


def test_make_labelstudio_export_script(tmp_path):
    native = tmp_path / "native.jsonl"
    lines = [json.dumps(r) for r in NATIVE] + ['{"task_id": "bad", "prompt": "Q"}']
    native.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, roster = tmp_path / "ls.json", tmp_path / "roster.csv"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--input", str(native), "--output", str(out), "--roster", str(roster)],
                          capture_output=True, text=True, check=True)
    assert "converted 3 tasks (4 annotations)" in proc.stdout
    assert "left out 3 tasks" in proc.stdout and "skipped 1 invalid records" in proc.stdout
    records, rejects = _split(iter_labelstudio(out, LabelStudioOptions(annotators=roster)))
    assert len(records) == 4 and rejects == []
    assert {parse_record(r.data, r.source).annotator.role for r in records} == {"physician", "nurse_practitioner"}
