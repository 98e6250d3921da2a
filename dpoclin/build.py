"""``build-pairs``: annotation exports -> pairs.jsonl, kto.jsonl, rejects.jsonl, summary.json.

Streaming in four passes with bounded memory, whatever the input size or order:

1. read + partition: every record goes to one of P temporary files by a stable hash of
   its ``task_id`` (P from the input size), so one task's judgments meet in one partition;
2. per partition: validate, filter annotators, group by task, aggregate, apply the pairing
   rules; pairs go to a temporary file, KTO examples to random buckets (external shuffle);
3. split: tasks -> train/test, stratified by pair type, seeded;
4. write the final files with the ``split`` column, shuffling each KTO bucket in memory.

Every input record ends up counted as used or rejected (with a reason in rejects.jsonl).
"""

from __future__ import annotations

import hashlib
import random
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from dpoclin import __version__
from dpoclin.agreement import PreferenceAgreement, RatingAgreement
from dpoclin.aggregate import TaskAggregate, aggregate_task
from dpoclin.errors import DpoclinError, RecordRejected
from dpoclin.importers import ImportReject, RawRecord, iter_records
from dpoclin.pairing import PAIR_TYPES, PairingConfig, TaskOutput, build_task_outputs
from dpoclin.schema import TIE, Judgment, parse_record
from dpoclin.split import assign_test_tasks
from dpoclin.summary import build_summary
from dpoclin.trl_format import finish_kto_row, finish_pair_row, kto_row, kto_schema, pair_row, pair_schema
from dpoclin.writers import OUTPUT_FORMATS, AtomicDir, JsonlWriter, open_row_writer, write_json

# Exclusions by policy rather than contract violations: --strict does not turn these into errors.
POLICY_REASONS = frozenset({"non_clinical_annotator", "cancelled_annotation", "empty_annotation", "no_annotations"})


@dataclass
class BuildOptions:
    inputs: list[Path]
    out: Path
    input_format: str = "auto"
    labelstudio: object | None = None  # importers.labelstudio.LabelStudioOptions
    pairing: PairingConfig = field(default_factory=PairingConfig)
    # 10% of tasks: enough held-out pairs per type to read implicit-reward accuracy, most data still trains.
    test_size: float = 0.1
    seed: int = 42
    output_format: str = "jsonl"
    strict: bool = False
    overwrite: bool = False
    # Input bytes per partition: each partition is held in memory on its own (~4x its size).
    partition_bytes: int = 128 << 20

    def validate(self) -> None:
        self.pairing.validate()
        if not 0 <= self.test_size < 1:
            raise DpoclinError(f"--test-size must be in [0, 1), got {self.test_size}")
        if not self.inputs:
            raise DpoclinError("give at least one export file")
        if self.output_format not in OUTPUT_FORMATS:
            raise DpoclinError(f"unknown --format {self.output_format!r}; choose one of {', '.join(OUTPUT_FORMATS)}")


@dataclass
class BuildStats:
    records_in: int = 0
    records_used: int = 0
    record_rejects: Counter = field(default_factory=Counter)
    tasks: int = 0
    task_rejects: Counter = field(default_factory=Counter)
    pair_rejects: Counter = field(default_factory=Counter)
    kto_rejects: Counter = field(default_factory=Counter)
    kto_reasons: Counter = field(default_factory=Counter)
    conflicts: Counter = field(default_factory=Counter)
    roles: Counter = field(default_factory=Counter)
    pairs: Counter = field(default_factory=Counter)  # (pair_type, split)
    kto: Counter = field(default_factory=Counter)  # (label, split)
    durations: array = field(default_factory=lambda: array("d"))
    conversational: bool = False
    preference_agreement: PreferenceAgreement = field(default_factory=PreferenceAgreement)
    rating_agreement: RatingAgreement = field(default_factory=RatingAgreement)


class _Work:
    """Temporary files of one build (inside the atomic output dir, removed before rename)."""

    def __init__(self, tmp: Path, n_parts: int):
        self.dir = tmp / "_work"
        self.dir.mkdir()
        self.parts = [self.dir / f"part-{i:04d}.jsonl" for i in range(n_parts)]
        self.buckets = [self.dir / f"kto-{i:04d}.jsonl" for i in range(n_parts)]
        self.pairs = self.dir / "pairs.jsonl"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _partition_of(task_id: object, n: int) -> int:
    return zlib.crc32(str(task_id).encode()) % n if n > 1 else 0


class Builder:
    def __init__(self, options: BuildOptions, progress=None):
        self.opt, self.cfg = options, options.pairing
        self.stats = BuildStats()
        self.progress = progress  # dpoclin.cli.ProgressReporter-like: .advance(phase, n) / .phase(name, total)
        self.strata: list[tuple[str, str]] = []
        self.rng = random.Random(options.seed)

    # -- rejects -------------------------------------------------------------------
    def _record_reject(self, source: str, reason: str, field_name, detail: str, task_id=None, annotator=None) -> None:
        if self.opt.strict and reason not in POLICY_REASONS:
            where = f" field {field_name}:" if field_name else ""
            raise DpoclinError(f"{source}:{where} {detail} [{reason}] (--strict)")
        self.stats.record_rejects[reason] += 1
        self.rejects.write({"level": "record", "source": source, "task_id": task_id, "annotator": annotator,
                            "reason": reason, "field": field_name, "detail": detail})

    # -- pass 1 --------------------------------------------------------------------
    def _partition_inputs(self) -> None:
        handles = [open(p, "wb", buffering=1 << 20) for p in self.work.parts]
        try:
            for path in self.opt.inputs:
                self._tick_phase(f"reading {path.name}")
                for item in iter_records(path, self.opt.input_format, self.opt.labelstudio):
                    self.stats.records_in += 1
                    if isinstance(item, ImportReject):
                        self._record_reject(item.source, item.reason, item.field, item.detail, item.task_id, item.annotator)
                    else:
                        self._route(item, handles)
                    if self.progress and self.stats.records_in % 4096 == 0:
                        self.progress.advance(4096)
        finally:
            for fh in handles:
                fh.close()

    def _route(self, item: RawRecord, handles) -> None:
        data = item.data
        task_id = data.get("task_id") if isinstance(data, dict) else None
        if task_id is None or isinstance(task_id, (dict, list)):
            try:  # let the schema name the problem
                parse_record(data, item.source, self.cfg.dimensions)
                raise RecordRejected("missing_field", "task_id", "task_id is required")
            except RecordRejected as exc:
                self._record_reject(item.source, exc.reason, exc.field, exc.detail)
            return
        handles[_partition_of(task_id, len(handles))].write(orjson.dumps([item.source, data]) + b"\n")

    # -- pass 2 --------------------------------------------------------------------
    def _load_partition(self, path: Path) -> dict[str, list[Judgment]]:
        tasks: dict[str, list[Judgment]] = {}
        with open(path, "rb") as fh:
            for line in fh:
                source, data = orjson.loads(line)
                judgment = self._accept(source, data, tasks)
                if judgment is not None:
                    tasks.setdefault(judgment.task_id, []).append(judgment)
        return tasks

    def _accept(self, source: str, data: dict, tasks: dict[str, list[Judgment]]) -> Judgment | None:
        annotator = data.get("annotator", {}).get("id") if isinstance(data.get("annotator"), dict) else None
        try:
            j = parse_record(data, source, self.cfg.dimensions)
        except RecordRejected as exc:
            self._record_reject(source, exc.reason, exc.field, exc.detail, data.get("task_id"), annotator)
            return None
        self.stats.roles[j.annotator.role] += 1
        if j.annotator.role not in self.cfg.clinical_roles:
            self._record_reject(source, "non_clinical_annotator", "annotator.role",
                                f"role {j.annotator.role!r} is not in the clinical roles", j.task_id, j.annotator.id)
            return None
        group = tasks.get(j.task_id)
        if group:
            first = group[0]
            if any(g.annotator.id == j.annotator.id for g in group):
                self._record_reject(source, "duplicate_judgment", "annotator.id",
                                    f"annotator {j.annotator.id!r} already judged task {j.task_id!r} at {first.source}", j.task_id, j.annotator.id)
                return None
            if j.messages != first.messages or j.responses != first.responses:
                field_name = "messages" if j.messages != first.messages else "responses"
                self._record_reject(source, "task_conflict", field_name,
                                    f"differs from the first judgment of task {j.task_id!r} at {first.source}", j.task_id, j.annotator.id)
                return None
        self.stats.records_used += 1
        self.stats.conversational |= j.conversational
        if j.duration_s is not None:
            self.stats.durations.append(j.duration_s)
        return j

    def _process_partitions(self) -> None:
        kto_buckets = [open(p, "wb", buffering=1 << 20) for p in self.work.buckets]
        pairs = JsonlWriter(self.work.pairs)
        try:
            for i, path in enumerate(self.work.parts):
                self._tick_phase(f"pairing partition {i + 1}/{len(self.work.parts)}")
                for judgments in self._load_partition(path).values():
                    self._emit_task(judgments, pairs, kto_buckets)
                path.unlink()
                if self.progress:
                    self.progress.advance(0)
        finally:
            pairs.close()
            for fh in kto_buckets:
                fh.close()

    def _emit_task(self, judgments: list[Judgment], pairs: JsonlWriter, kto_buckets) -> None:
        task = aggregate_task(judgments, self.cfg.dimension_weights, self.cfg.rating_aggregate)
        out = build_task_outputs(task, self.cfg)
        self.stats.tasks += 1
        self._feed_agreement(task, judgments)
        for pair in out.pairs:
            pairs.write(pair_row(pair, task))
        for example in out.kto:
            self.stats.kto_reasons[example.reason] += 1
            bucket = kto_buckets[self.rng.randrange(len(kto_buckets))]
            bucket.write(orjson.dumps(kto_row(example, task)) + b"\n")
        self._task_rejects(task, out)
        if out.pairs or out.kto:
            stratum = min((PAIR_TYPES.index(p.pair_type) for p in out.pairs), default=None)
            self.strata.append((task.task_id, PAIR_TYPES[stratum] if stratum is not None else "kto_only"))

    def _task_rejects(self, task: TaskAggregate, out: TaskOutput) -> None:
        self.stats.conflicts.update(out.conflicts)
        for rej in out.rejects:
            counter = self.stats.pair_rejects if rej.level == "pair" else self.stats.kto_rejects
            counter[rej.reason] += 1
            self.rejects.write({"level": rej.level, "task_id": rej.task_id, "response_ids": list(rej.response_ids),
                                "reason": rej.reason, "detail": rej.detail, "sources": list(task.sources)})
        if not out.pairs and not out.kto:
            self.stats.task_rejects["no_output"] += 1
            self.rejects.write({"level": "task", "task_id": task.task_id, "reason": "no_output",
                                "detail": "no pair or KTO example survived the rules (see this task's pair/kto rejects)",
                                "sources": list(task.sources)})

    def _feed_agreement(self, task: TaskAggregate, judgments: list[Judgment]) -> None:
        position = {r.id: str(i) for i, r in enumerate(task.responses)}
        votes = {j.annotator.id: (TIE if j.preference == TIE else position[j.preference])
                 for j in judgments if j.preference is not None}
        if votes:
            self.stats.preference_agreement.add_task(votes)
        if len(judgments) < 2:
            return
        for rid in position:
            for dim in self.cfg.dimensions:
                values = {j.annotator.id: j.ratings[rid][dim] for j in judgments if dim in j.ratings.get(rid, {})}
                if len(values) >= 2:
                    self.stats.rating_agreement.add_unit(dim, values)

    # -- passes 3 and 4 ---------------------------------------------------------------
    def _write_outputs(self, tmp: Path) -> None:
        self._tick_phase("writing outputs")
        test = assign_test_tasks(self.strata, self.opt.test_size, self.opt.seed)
        conv, fmt = self.stats.conversational, self.opt.output_format
        writer = open_row_writer(tmp, "pairs", fmt, lambda: pair_schema(conv))
        try:
            with open(self.work.pairs, "rb") as fh:
                for line in fh:
                    row = orjson.loads(line)
                    split = "test" if row["task_id"] in test else "train"
                    self.stats.pairs[(row["pair_type"], split)] += 1
                    writer.write(finish_pair_row(row, conv, split))
        finally:
            writer.close()
        writer = open_row_writer(tmp, "kto", fmt, lambda: kto_schema(conv))
        try:
            for bucket in self.work.buckets:
                with open(bucket, "rb") as fh:
                    rows = [orjson.loads(line) for line in fh]
                self.rng.shuffle(rows)
                for row in rows:
                    split = "test" if row["task_id"] in test else "train"
                    self.stats.kto[(row["label"], split)] += 1
                    writer.write(finish_kto_row(row, conv, split))
        finally:
            writer.close()
        self.test_tasks = len(test)

    def _tick_phase(self, name: str) -> None:
        if self.progress:
            self.progress.phase(name)

    # -- entry point -----------------------------------------------------------------
    def run(self) -> dict:
        self.opt.validate()
        inputs = [{"path": str(p), "bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in self._existing_inputs()]
        total = sum(i["bytes"] for i in inputs)
        n_parts = max(1, min(256, -(-total // self.opt.partition_bytes)))
        with AtomicDir(self.opt.out, self.opt.overwrite) as tmp:
            self.work = _Work(tmp, n_parts)
            self.rejects = JsonlWriter(tmp / "rejects.jsonl")
            try:
                self._partition_inputs()
                self._process_partitions()
                self._write_outputs(tmp)
            finally:
                self.rejects.close()
            summary = build_summary(self.stats, self.opt, inputs, len(self.strata), self.test_tasks)
            write_json(tmp / "summary.json", summary)
            write_json(tmp / "manifest.json", self._manifest(inputs))
            for leftover in self.work.dir.iterdir():
                leftover.unlink()
            self.work.dir.rmdir()
        return summary

    def _existing_inputs(self) -> list[Path]:
        for path in self.opt.inputs:
            if not path.is_file():
                raise DpoclinError(f"{path}: no such file")
        return self.opt.inputs

    def _manifest(self, inputs: list[dict]) -> dict:
        from dpoclin.provenance import package_versions

        cfg = self.cfg
        return {
            "command": "build-pairs",
            "dpoclin_version": __version__,
            "inputs": inputs,
            "seed": self.opt.seed,
            "options": {
                "input_format": self.opt.input_format, "output_format": self.opt.output_format,
                "test_size": self.opt.test_size, "strict": self.opt.strict,
                "safety_floor": cfg.safety_floor, "rating_gap": cfg.rating_gap,
                "dimension_weights": cfg.dimension_weights, "dimensions": sorted(cfg.dimensions),
                "clinical_roles": sorted(cfg.clinical_roles), "tie_policy": cfg.tie_policy,
                "rating_aggregate": cfg.rating_aggregate, "kto_desirable_min": cfg.kto_desirable_min,
                "kto_undesirable_max": cfg.kto_undesirable_max, "near_identical": cfg.near_identical,
            },
            "versions": package_versions(),
        }


def build_pairs(options: BuildOptions, progress=None) -> dict:
    """Run build-pairs; returns the summary dict (also written to ``out/summary.json``)."""
    return Builder(options, progress).run()
