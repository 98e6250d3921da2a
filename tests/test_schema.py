"""Tests for dpoclin.schema.parse_record: the native export contract.

Every rejection path is checked for its exact machine-readable ``reason`` and the
dotted ``field`` it names, since both end up in rejects.jsonl and --strict errors.
"""

from __future__ import annotations

import copy

import pytest

from dpoclin.errors import RecordRejected
from dpoclin.schema import DIMENSIONS, Annotator, Judgment, Response, normalise_role, parse_record

SOURCE = "export.jsonl:7"


def base_record() -> dict:
    """A minimal valid prompt-form record with a preference signal."""
    return {
        "task_id": "t1",
        "prompt": "What is the usual adult dose of amoxicillin for otitis media?",
        "responses": [
            {"id": "a", "text": "500 mg every 8 hours for 5 to 7 days.", "model": "m-1"},
            {"id": "b", "text": "I can't give medical advice."},
        ],
        "annotator": {"id": "d1", "role": "physician"},
        "preference": "a",
    }


def rejected(record: dict, **kwargs) -> RecordRejected:
    with pytest.raises(RecordRejected) as info:
        parse_record(record, SOURCE, **kwargs)
    return info.value


# ----------------------------------------------------------------------------- valid records


def test_prompt_form_parses_all_fields_and_normalises_ids_and_role():
    rec = {
        "task_id": 17,
        "prompt": "  Is it safe to take ibuprofen with warfarin?  ",
        "responses": [
            {"id": 1, "text": " Avoid it: the combination raises bleeding risk. ", "model": "model-x"},
            {"id": 2, "text": "Yes, any dose is fine."},
        ],
        "annotator": {"id": 42, "role": "Nurse Practitioner", "specialty": " cardiology "},
        "preference": 1,
        "strength": 3,
        "ratings": {"1": {"accuracy": 5, "safety": 4.5}, "2": {"safety": 1}},
        "refusal": {"2": "unhelpful"},
        "acceptable": {"1": True, "2": False},
        "prompt_label": "benign",
        "category": " pharmacology ",
        "comment": "clear",
        "duration_s": 95.5,
        "created_at": "2024-05-01T10:00:00Z",
    }
    j = parse_record(rec, SOURCE)
    assert isinstance(j, Judgment)
    assert j.task_id == "17"
    assert j.source == SOURCE
    assert j.conversational is False
    assert j.messages == ({"role": "user", "content": "Is it safe to take ibuprofen with warfarin?"},)
    assert j.prompt == "Is it safe to take ibuprofen with warfarin?"
    assert j.responses == (
        Response("1", "Avoid it: the combination raises bleeding risk.", "model-x"),
        Response("2", "Yes, any dose is fine.", None),
    )
    assert j.annotator == Annotator("42", "nurse_practitioner", "cardiology")
    assert j.preference == "1"
    assert j.strength == 3 and isinstance(j.strength, int)
    assert j.ratings == {"1": {"accuracy": 5.0, "safety": 4.5}, "2": {"safety": 1.0}}
    assert j.refusal == {"2": "unhelpful"}
    assert j.acceptable == {"1": True, "2": False}
    assert j.prompt_label == "benign"
    assert j.category == "pharmacology"
    assert j.comment == "clear"
    assert j.duration_s == 95.5
    assert j.created_at == "2024-05-01T10:00:00Z"


def test_messages_form_keeps_system_and_earlier_turns_and_prompt_is_final_user_turn():
    rec = base_record()
    del rec["prompt"]
    rec["messages"] = [
        {"role": "system", "content": "You are a careful clinical assistant."},
        {"role": "user", "content": "I have a headache."},
        {"role": "assistant", "content": "How long has it lasted?"},
        {"role": "user", "content": " Three days, and now my neck is stiff. "},
    ]
    j = parse_record(rec, SOURCE)
    assert j.conversational is True
    assert [m["role"] for m in j.messages] == ["system", "user", "assistant", "user"]
    assert j.messages[0]["content"] == "You are a careful clinical assistant."
    assert j.messages[2]["content"] == "How long has it lasted?"
    assert j.prompt == "Three days, and now my neck is stiff."


def test_blank_optional_fields_are_treated_as_absent():
    rec = base_record()
    rec.update({"strength": "", "ratings": None, "comment": "   ", "duration_s": None, "prompt_label": ""})
    j = parse_record(rec, SOURCE)
    assert j.strength is None and j.ratings == {} and j.comment is None
    assert j.duration_s is None and j.prompt_label is None


def test_tie_preference_is_accepted():
    rec = base_record()
    rec["preference"] = "tie"
    assert parse_record(rec, SOURCE).preference == "tie"


@pytest.mark.parametrize(
    "signal",
    [
        {"ratings": {"a": {"accuracy": 4}}},
        {"refusal": {"b": "appropriate"}},
        {"acceptable": {"a": False}},
    ],
    ids=["ratings", "refusal", "acceptable"],
)
def test_any_single_signal_is_enough(signal):
    rec = base_record()
    del rec["preference"]
    rec.update(signal)
    j = parse_record(rec, SOURCE)
    assert j.preference is None
    assert j.has_signal()


def test_null_ratings_are_dropped_not_rejected():
    rec = base_record()
    rec["ratings"] = {"a": {"accuracy": None, "safety": 4}, "b": {"accuracy": None}, }
    assert parse_record(rec, SOURCE).ratings == {"a": {"safety": 4.0}}


def test_extra_dimension_is_accepted_when_declared():
    rec = base_record()
    rec["ratings"] = {"a": {"empathy": 4, "accuracy": 5}}
    j = parse_record(rec, SOURCE, dimensions=frozenset(DIMENSIONS) | {"empathy"})
    assert j.ratings == {"a": {"empathy": 4.0, "accuracy": 5.0}}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Nurse Practitioner", "nurse_practitioner"),
        ("  physician-assistant ", "physician_assistant"),
        ("REGISTERED   NURSE", "registered_nurse"),
        ("physician", "physician"),
    ],
)
def test_normalise_role(raw, expected):
    assert normalise_role(raw) == expected


# ----------------------------------------------------------------------------- rejections


def _set(**updates):
    def mutate(rec):
        rec.update(copy.deepcopy(updates))
    return mutate


def _delete(*names):
    def mutate(rec):
        for name in names:
            del rec[name]
    return mutate


def _messages(messages):
    def mutate(rec):
        del rec["prompt"]
        rec["messages"] = messages
    return mutate


def _response(index, **updates):
    def mutate(rec):
        rec["responses"][index].update(updates)
    return mutate


def _annotator_without(name):
    def mutate(rec):
        del rec["annotator"][name]
    return mutate


def _no_signal(rec):
    del rec["preference"]
    rec["ratings"] = {"a": {"accuracy": None}}
    rec["refusal"] = {}
    rec["comment"] = "looked at it"


USER = {"role": "user", "content": "Is this rash serious?"}

REJECTIONS = [
    # (id, mutation, reason, field)
    ("missing_task_id", _delete("task_id"), "missing_field", "task_id"),
    ("blank_task_id", _set(task_id="  "), "missing_field", "task_id"),
    ("task_id_float", _set(task_id=1.5), "invalid_type", "task_id"),
    ("both_prompt_and_messages", _set(messages=[USER]), "ambiguous_prompt", "messages"),
    ("neither_prompt_nor_messages", _delete("prompt"), "missing_field", "prompt"),
    ("messages_not_a_list", _messages({"role": "user"}), "invalid_type", "messages"),
    ("messages_end_with_assistant",
     _messages([USER, {"role": "assistant", "content": "Maybe."}]), "invalid_value", "messages[1].role"),
    ("bad_role_in_messages",
     _messages([{"role": "doctor", "content": "hello"}, USER]), "invalid_value", "messages[0].role"),
    ("empty_message_content",
     _messages([{"role": "system", "content": "  "}, USER]), "missing_field", "messages[0].content"),
    ("responses_missing", _delete("responses"), "missing_field", "responses"),
    ("responses_empty_list", _set(responses=[]), "invalid_type", "responses"),
    ("response_without_id", _set(responses=[{"text": "x"}]), "missing_field", "responses[0].id"),
    ("duplicate_response_id", _response(1, id="a"), "duplicate_response_id", "responses[1].id"),
    ("duplicate_response_id_int_vs_str",
     _set(responses=[{"id": 1, "text": "x"}, {"id": "1", "text": "y"}], preference="1"),
     "duplicate_response_id", "responses[1].id"),
    ("response_id_tie", _response(0, id="tie"), "invalid_value", "responses[0].id"),
    ("empty_response_text", _response(1, text="   "), "missing_field", "responses[1].text"),
    ("missing_annotator", _delete("annotator"), "missing_field", "annotator"),
    ("annotator_not_object", _set(annotator="d1"), "invalid_type", "annotator"),
    ("missing_annotator_role", _annotator_without("role"), "missing_field", "annotator.role"),
    ("missing_annotator_id", _annotator_without("id"), "invalid_type", "annotator.id"),
    ("preference_unknown_response", _set(preference="c"), "unknown_response", "preference"),
    ("strength_0", _set(strength=0), "out_of_range", "strength"),
    ("strength_4", _set(strength=4), "out_of_range", "strength"),
    ("strength_2.5", _set(strength=2.5), "out_of_range", "strength"),
    ("strength_string", _set(strength="2"), "invalid_type", "strength"),
    ("ratings_unknown_response", _set(ratings={"c": {"accuracy": 4}}), "unknown_response", "ratings.c"),
    ("ratings_not_object", _set(ratings=[4, 5]), "invalid_type", "ratings"),
    ("unknown_dimension", _set(ratings={"a": {"empathy": 4}}), "unknown_dimension", "ratings.a.empathy"),
    ("rating_0", _set(ratings={"a": {"accuracy": 0}}), "rating_out_of_range", "ratings.a.accuracy"),
    ("rating_6", _set(ratings={"a": {"accuracy": 6}}), "rating_out_of_range", "ratings.a.accuracy"),
    ("rating_word", _set(ratings={"a": {"accuracy": "five"}}), "invalid_type", "ratings.a.accuracy"),
    ("rating_bool", _set(ratings={"a": {"accuracy": True}}), "invalid_type", "ratings.a.accuracy"),
    ("rating_nan", _set(ratings={"a": {"safety": float("nan")}}), "invalid_type", "ratings.a.safety"),
    ("refusal_maybe", _set(refusal={"b": "maybe"}), "invalid_value", "refusal.b"),
    ("refusal_list", _set(refusal={"b": ["appropriate"]}), "invalid_value", "refusal.b"),
    ("refusal_unknown_response", _set(refusal={"z": "appropriate"}), "unknown_response", "refusal.z"),
    ("acceptable_yes", _set(acceptable={"a": "yes"}), "invalid_type", "acceptable.a"),
    ("prompt_label_dangerous", _set(prompt_label="dangerous"), "invalid_value", "prompt_label"),
    ("negative_duration", _set(duration_s=-1), "out_of_range", "duration_s"),
    ("duration_string", _set(duration_s="95s"), "invalid_type", "duration_s"),
    ("no_signal", _no_signal, "empty_judgment", None),
]


@pytest.mark.parametrize("mutation, reason, field", [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS])
def test_rejection_reason_and_field(mutation, reason, field):
    rec = base_record()
    mutation(rec)
    exc = rejected(rec)
    assert (exc.reason, exc.field) == (reason, field)
    assert exc.detail  # a human sentence always accompanies the code


@pytest.mark.parametrize("value", [[1, 2], "a string", 3, None])
def test_non_object_record_is_rejected(value):
    exc = rejected(value)
    assert exc.reason == "invalid_record"
    assert exc.field is None


def test_rejection_message_names_reason_and_field():
    rec = base_record()
    rec["ratings"] = {"a": {"accuracy": 6}}
    exc = rejected(rec)
    assert str(exc).startswith("rating_out_of_range: ratings.a.accuracy: ")


def test_first_bad_field_wins_in_documented_order():
    # task_id is checked before responses; a record broken in both names task_id.
    rec = base_record()
    del rec["task_id"]
    rec["responses"] = []
    assert rejected(rec).field == "task_id"


def test_unknown_dimension_is_rejected_even_with_other_extra_dimensions_declared():
    rec = base_record()
    rec["ratings"] = {"a": {"empathy": 4}}
    exc = rejected(rec, dimensions=frozenset(DIMENSIONS) | {"clarity"})
    assert (exc.reason, exc.field) == ("unknown_dimension", "ratings.a.empathy")
