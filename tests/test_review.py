"""review.select_for_review: which answers to label first, as properties over random result rows; gold files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpoclin.errors import DpoclinError
from dpoclin.review import read_gold, select_for_review, uncertainty

ROW = st.fixed_dictionaries({"model": st.sampled_from(("m1", "m2")), "label": st.sampled_from(("benign", "harmful")),
                             "category": st.sampled_from(("a", "b", "c")), "score": st.floats(0, 1)})


def _rows(raw):
    return [{**r, "id": f"p{i}", "class": "compliance"} for i, r in enumerate(raw)]


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, max_size=40), st.integers(0, 50))
def test_selection_is_bounded_unique_covers_strata_and_prefers_uncertainty(raw, n):
    rows = _rows(raw)
    chosen = select_for_review(rows, n)
    assert len(chosen) == min(n, len(rows)) and len({r["id"] for r in chosen}) == len(chosen)
    strata = {(r["model"], r["label"], r["category"]) for r in rows}
    got = {(r["model"], r["label"], r["category"]) for r in chosen}
    assert got == strata if n >= len(strata) else len(got) == len(chosen)  # a new stratum before a second answer
    for s in got:  # within a stratum the chosen answers are its most uncertain ones
        mine = sorted((uncertainty(r["score"]) for r in rows if (r["model"], r["label"], r["category"]) == s), reverse=True)
        picked = sorted((uncertainty(r["score"]) for r in chosen if (r["model"], r["label"], r["category"]) == s),
                        reverse=True)
        assert picked == mine[: len(picked)]
    assert select_for_review(list(reversed(rows)), n) == chosen  # the input order does not matter


def test_uncertainty_peaks_at_a_coin_flip():
    assert uncertainty(0.5) == 1.0 and uncertainty(0.0) == uncertainty(1.0) == 0.0 and uncertainty(0.25) == 0.5


def test_read_gold_skips_unlabelled_rows_and_refuses_contradictions(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"id": "b1", "model": "m", "gold": "compliance"}) + "\n"
                    + json.dumps({"id": "b2", "model": "m", "gold": ""}) + "\n\n"
                    + json.dumps({"id": 3, "gold": "full_refusal"}) + "\n")
    assert read_gold(path) == {("m", "b1"): ("compliance", None), (None, "3"): ("full_refusal", None)}  # (class, text hash)
    path.write_text(json.dumps({"id": "b1", "gold": "compliance"}) + "\n" + json.dumps({"id": "b1", "gold": "full_refusal"}) + "\n")
    with pytest.raises(DpoclinError, match=r"g\.jsonl:2: .*two different gold labels"):
        read_gold(path)
    path.write_text("[{\"nodata\": 1}]")
    with pytest.raises(DpoclinError, match="task 0: expected an object with `data`"):
        read_gold(path)
    path.write_text("")
    with pytest.raises(DpoclinError, match="empty gold-label file"):
        read_gold(path)


def test_label_studio_export_uses_the_first_kept_annotation(tmp_path):
    def result(choice):
        return [{"from_name": "refusal_class", "to_name": "response", "type": "choices", "value": {"choices": [choice]}}]
    tasks = [{"id": 1, "data": {"id": "b1", "model": "m"}, "annotations": [
                 {"was_cancelled": True, "result": result("compliance")}, {"result": result("partial_refusal")}]},
             {"id": 2, "data": {"id": "b2", "model": "m"}, "annotations": []}]  # not annotated yet: skipped
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    assert read_gold(path) == {("m", "b1"): ("partial_refusal", None)}


def test_cli_prints_the_review_config():
    import xml.etree.ElementTree as ET

    from typer.testing import CliRunner

    from dpoclin.cli import app

    result = CliRunner().invoke(app, ["labelstudio-config", "--review"])
    assert result.exit_code == 0
    root = ET.fromstring(result.output)
    choices = root.find("Choices")
    assert choices.get("name") == "refusal_class" and [c.get("value") for c in choices] == \
        ["compliance", "partial_refusal", "full_refusal"]
