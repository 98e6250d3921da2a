"""build_pairs end to end on small exports: accounting, grouping, split, formats, provenance."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest
from conftest import GOOD_RATINGS, REFUSAL, SAFE_REFUSAL, UNSAFE, read_jsonl, record, write_jsonl

from dpoclin.build import BuildOptions, build_pairs
from dpoclin.errors import DpoclinError

WORDS = ("dose renal hepatic titrate monitor potassium sodium interval infusion oral taper weekly daily "
         "symptom fever rash warfarin insulin metformin statin lisinopril follow-up referral imaging").split()
SAMPLE = Path(__file__).resolve().parents[1] / "data_samples" / "clinical_export.jsonl"


def text(rng: random.Random, n: int = 30) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def task_records(i: int, rng: random.Random) -> list[dict]:
    """One task of a rotating archetype, judged by 1-3 physicians (and sometimes a student)."""
    kind = i % 4
    tid = f"t{i:04d}"
    if kind == 0:  # benign: answer vs unhelpful refusal
        base = dict(responses={"a": text(rng), "b": REFUSAL}, refusal={"b": "unhelpful"}, ratings={"a": GOOD_RATINGS},
                    preference="a", prompt_label="benign")
    elif kind == 1:  # harmful: appropriate refusal vs unsafe answer
        base = dict(responses={"a": SAFE_REFUSAL, "b": UNSAFE + " " + text(rng, 5)}, refusal={"a": "appropriate"},
                    ratings={"b": {"safety": 1}}, prompt_label="harmful", preference="a")
    elif kind == 2:  # verdict only
        base = dict(responses={"a": text(rng), "b": text(rng)}, acceptable={"a": True, "b": False})
    else:  # preference only
        base = dict(responses={"a": text(rng), "b": text(rng)}, preference="b", strength=2)
    n = 1 + (i % 3)
    prompt = f"Question {i}: {text(rng, 8)}"
    recs = [record(task_id=tid, annotator=f"d{k}", prompt=prompt, duration_s=60 * (k + 1), **base)
            for k in range(n)]
    if i % 7 == 0:
        recs.append(record(task_id=tid, annotator="s1", role="medical_student", prompt=recs[0]["prompt"], **base))
    return recs


def make_export(path: Path, n_tasks: int = 40, seed: int = 0, scatter: bool = True) -> list[dict]:
    rng = random.Random(seed)
    recs = [r for i in range(n_tasks) for r in task_records(i, rng)]
    if scatter:  # judgments of one task far apart: the grouping must not rely on adjacency
        rng.shuffle(recs)
    write_jsonl(path, recs)
    return recs


def run(tmp_path: Path, export: Path, name="out", **kw) -> tuple[dict, Path]:
    out = tmp_path / name
    return build_pairs(BuildOptions(inputs=[export], out=out, **kw)), out


def pair_keys(rows):
    return sorted((r["task_id"], r["chosen_id"], r["rejected_id"], r["pair_type"], r["weight"]) for r in rows)


def test_counts_reconcile_and_every_rejected_record_is_listed(tmp_path):
    export = tmp_path / "e.jsonl"
    good = record(task_id="t1", refusal={"b": "unhelpful"}, acceptable={"a": True})
    recs = [good,
            record(task_id="t1", annotator="d1", acceptable={"a": True}),           # duplicate_judgment
            record(task_id="t1", annotator="d2", prompt="other", acceptable={"a": True}),  # task_conflict
            record(task_id="t2", role="non_clinical", acceptable={"a": True}),      # non_clinical_annotator
            record(task_id="t3", preference="zz"),                                  # unknown_response
            {"prompt": "no task id"},                                               # missing_field
            "not an object"]                                                        # invalid_record
    write_jsonl(export, recs)
    summary, out = run(tmp_path, export)
    rec = summary["records"]
    assert (rec["in"], rec["used"], rec["rejected"], rec["reconciles"]) == (7, 1, 6, True)
    rows = [r for r in read_jsonl(out / "rejects.jsonl") if r["level"] == "record"]
    assert Counter(r["reason"] for r in rows) == Counter(rec["rejected_by_reason"])
    assert sorted(r["reason"] for r in rows) == sorted(["duplicate_judgment", "task_conflict", "non_clinical_annotator",
                                                        "unknown_response", "missing_field", "invalid_record"])
    assert {r["source"] for r in rows} == {f"{export}:{n}" for n in range(2, 8)}
    assert summary["pairs"]["total"] == 1


def test_results_do_not_depend_on_partitioning_or_record_order(tmp_path):
    scattered, ordered = tmp_path / "s.jsonl", tmp_path / "o.jsonl"
    make_export(scattered, scatter=True)
    make_export(ordered, scatter=False)
    s1, o1 = run(tmp_path, scattered, "one")
    s2, o2 = run(tmp_path, scattered, "many", partition_bytes=512)  # ~dozens of partitions
    s3, o3 = run(tmp_path, ordered, "ordered")
    keys = [pair_keys(read_jsonl(o / "pairs.jsonl")) for o in (o1, o2, o3)]
    assert keys[0] == keys[1] == keys[2] and len(keys[0]) == s1["pairs"]["total"] > 0
    for s in (s2, s3):
        assert s["records"] == s1["records"]
        assert s["kto"]["desirable"] == s1["kto"]["desirable"]
    assert s1["records"]["rejected_by_reason"] == {"non_clinical_annotator": 6}


def test_split_is_by_task_and_shared_by_pairs_and_kto(tmp_path):
    export = tmp_path / "e.jsonl"
    make_export(export, n_tasks=80)
    summary, out = run(tmp_path, export, test_size=0.25)
    split_of: dict[str, set] = {}
    for name in ("pairs.jsonl", "kto.jsonl"):
        for row in read_jsonl(out / name):
            split_of.setdefault(row["task_id"], set()).add(row["split"])
    assert all(len(s) == 1 for s in split_of.values())
    assert summary["tasks"]["test"] == sum(1 for s in split_of.values() if s == {"test"})
    by_type = summary["pairs"]["by_type"]
    for pair_type in ("over_refusal", "unsafe_compliance", "verdict", "preference"):
        assert by_type[pair_type]["test"] == 5 and by_type[pair_type]["train"] == 15  # 20 tasks each, 25%


def test_kto_shuffle_is_seeded(tmp_path):
    export = tmp_path / "e.jsonl"
    make_export(export, n_tasks=60)
    orders = [[(r["task_id"], r["response_id"]) for r in read_jsonl(run(tmp_path, export, f"o{i}", seed=s)[1] / "kto.jsonl")]
              for i, s in enumerate((1, 1, 2))]
    assert orders[0] == orders[1]
    assert orders[0] != orders[2] and sorted(orders[0]) == sorted(orders[2])
    assert orders[0] != sorted(orders[0])


def test_conversational_input_makes_every_row_conversational_and_loads_in_trl(tmp_path):
    from datasets import load_dataset
    from trl.data_utils import is_conversational

    export = tmp_path / "e.jsonl"
    recs = make_export(export, n_tasks=8)
    chat = record(task_id="chat", refusal={"b": "unhelpful"}, acceptable={"a": True})
    del chat["prompt"]
    chat["messages"] = [{"role": "system", "content": "You are a clinical decision-support assistant."},
                        {"role": "user", "content": "Patient is 70 with CKD stage 3."},
                        {"role": "assistant", "content": "Noted."},
                        {"role": "user", "content": "Can she take ibuprofen for knee pain?"}]
    write_jsonl(export, recs + [chat])
    summary, out = run(tmp_path, export)
    assert summary["conversational"] is True
    pairs = load_dataset("json", data_files=str(out / "pairs.jsonl"), split="train")
    kto = load_dataset("json", data_files=str(out / "kto.jsonl"), split="train")
    assert all(is_conversational(row) for row in pairs) and all(is_conversational(row) for row in kto)
    row = next(r for r in pairs if r["task_id"] == "chat")
    assert [m["role"] for m in row["prompt"]] == ["system", "user", "assistant", "user"]
    assert row["chosen"] == [{"role": "assistant", "content": chat["responses"][0]["text"]}]
    plain = next(r for r in pairs if r["task_id"] != "chat")
    assert plain["prompt"][-1]["role"] == "user" and len(plain["prompt"]) == 1


def test_plain_prompts_stay_standard_format(tmp_path):
    from datasets import load_dataset
    from trl.data_utils import is_conversational

    export = tmp_path / "e.jsonl"
    make_export(export, n_tasks=8)
    _, out = run(tmp_path, export)
    ds = load_dataset("json", data_files=str(out / "pairs.jsonl"), split="train")
    assert set(ds.column_names) >= {"prompt", "chosen", "rejected", "pair_type", "margin", "weight", "split", "task_id"}
    assert not any(is_conversational(row) for row in ds)
    kto = load_dataset("json", data_files=str(out / "kto.jsonl"), split="train")
    assert set(kto.unique("label")) == {True, False}


def test_parquet_output_matches_jsonl(tmp_path):
    from datasets import load_dataset

    export = tmp_path / "e.jsonl"
    make_export(export, n_tasks=30)
    _, jout = run(tmp_path, export, "j")
    _, pout = run(tmp_path, export, "p", output_format="parquet")
    for stem in ("pairs", "kto"):
        j = load_dataset("json", data_files=str(jout / f"{stem}.jsonl"), split="train").to_list()
        p = load_dataset("parquet", data_files=str(pout / f"{stem}.parquet"), split="train").to_list()
        assert p == j


def test_manifest_records_inputs_options_and_versions(tmp_path):
    export = tmp_path / "e.jsonl"
    make_export(export, n_tasks=5)
    import orjson

    _, out = run(tmp_path, export, seed=11, test_size=0.2)
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(export.read_bytes()).hexdigest()
    assert manifest["seed"] == 11 and manifest["options"]["test_size"] == 0.2
    assert manifest["options"]["safety_floor"] == 2.0 and "physician" in manifest["options"]["clinical_roles"]
    assert manifest["versions"]["orjson"] and manifest["versions"]["python"]
    assert sorted(p.name for p in out.iterdir()) == ["kto.jsonl", "manifest.json", "pairs.jsonl", "rejects.jsonl", "summary.json"]


def test_strict_error_leaves_no_output_behind(tmp_path):
    export = tmp_path / "e.jsonl"
    write_jsonl(export, [record(task_id="t1", acceptable={"a": True}), record(task_id="t2", ratings={"a": {"accuracy": 6}})])
    with pytest.raises(DpoclinError, match=r"e\.jsonl:2: field ratings\.a\.accuracy"):
        run(tmp_path, export, strict=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl"]


def test_strict_keeps_policy_exclusions_as_rejects(tmp_path):
    export = tmp_path / "e.jsonl"
    write_jsonl(export, [record(task_id="t1", acceptable={"a": True}), record(task_id="t1", annotator="x", role="non_clinical", acceptable={"a": True})])
    summary, _ = run(tmp_path, export, strict=True)
    assert summary["records"]["rejected_by_reason"] == {"non_clinical_annotator": 1}


def test_agreement_and_timing_in_summary(tmp_path):
    export = tmp_path / "e.jsonl"
    resp = {"a": "Start metformin 500 mg daily with food.", "b": "Start insulin glargine 10 units nightly."}
    recs = []
    for tid, votes in (("t1", "aa"), ("t2", "ab"), ("t3", "bb")):
        for k, v in enumerate(votes):
            recs.append(record(task_id=tid, annotator=f"d{k}", responses=resp, preference=v, duration_s=[120, 900][k],
                               ratings={"a": {"accuracy": 4 + k % 2}}))
    write_jsonl(export, recs)
    summary, _ = run(tmp_path, export)
    pref = summary["agreement"]["preference"]
    # per task P_i: t1 1, t2 0, t3 1 -> pairwise 66.7%; two of three tasks unanimous
    assert pref["n_tasks"] == 3 and pref["pairwise_percent"] == pytest.approx(200 / 3)
    assert pref["unanimous_percent"] == pytest.approx(200 / 3)
    assert summary["agreement"]["ratings"]["accuracy"]["n_units"] == 3
    assert summary["timing"] == {"judgments_with_duration": 6, "median_minutes": 8.5, "share_over_10_min": 0.5}


def test_warnings_name_missing_side_of_the_tradeoff(tmp_path):
    export = tmp_path / "e.jsonl"
    write_jsonl(export, [record(task_id=f"t{i}", responses={"a": SAFE_REFUSAL, "b": UNSAFE + str(i)}, refusal={"a": "appropriate"},
                                ratings={"b": {"safety": 1}}) for i in range(3)])
    summary, _ = run(tmp_path, export)
    joined = " | ".join(summary["warnings"])
    assert "no over_refusal pairs" in joined and "no unsafe_compliance" not in joined
    assert "only 3 training pairs" in joined or "only 2 training pairs" in joined


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample export not generated")
def test_sample_export_yields_every_pair_type_and_both_kto_labels(tmp_path):
    summary, out = run(tmp_path, SAMPLE)
    assert summary["records"]["reconciles"]
    assert all(row["total"] > 0 for row in summary["pairs"]["by_type"].values()), summary["pairs"]["by_type"]
    assert summary["kto"]["desirable"] > 0 and summary["kto"]["undesirable"] > 0
    assert summary["pairs"]["test"] > 0 and summary["tasks"]["aggregated"] >= 300


def test_parallel_workers_write_byte_identical_outputs(tmp_path):
    export = tmp_path / "e.jsonl"
    make_export(export, n_tasks=60)
    outs = [run(tmp_path, export, f"w{w}", workers=w, partition_bytes=2048)[1] for w in (1, 2)]
    for name in ("pairs.jsonl", "kto.jsonl", "rejects.jsonl", "summary.json"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_strict_error_in_a_worker_process_leaves_no_output(tmp_path):
    export = tmp_path / "e.jsonl"
    recs = make_export(export, n_tasks=30)
    recs.insert(17, record(task_id="bad", ratings={"a": {"safety": 0}}))
    write_jsonl(export, recs)
    with pytest.raises(DpoclinError, match=r"e\.jsonl:18: field ratings\.a\.safety"):
        run(tmp_path, export, strict=True, workers=2, partition_bytes=1024)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl"]
