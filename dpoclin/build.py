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
import os
import shutil
import sys
import random
import zlib
from array import array
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import orjson

from dpoclin import __version__
from dpoclin.agreement import PreferenceAgreement, RatingAgreement
from dpoclin.aggregate import TaskAggregate, aggregate_task
from dpoclin.errors import DpoclinError, RecordRejected
from dpoclin.importers import ImportReject, RawRecord, iter_records
from dpoclin.pairing import PAIR_TYPES, PairingConfig, TaskOutput, build_task_outputs
from dpoclin.interrupts import terminate_raises, worker_defaults
from dpoclin.near_duplicates import DEFAULT_THRESHOLD, exact_key, prompt_text, signatures
from dpoclin.paths import check_output
from dpoclin.schema import TIE, UNKNOWN_FIELD_POLICIES, Judgment, normalise_id, parse_record
from dpoclin.split import SplitUnit, assign_test_split
from dpoclin.summary import build_summary
from dpoclin.trl_format import finish_kto_row, finish_pair_row, kto_row, kto_schema, pair_row, pair_schema
from dpoclin.writers import MANIFEST, OUTPUT_FORMATS, AtomicDir, JsonlWriter, open_row_writer, write_json

# Exclusions by policy rather than contract violations: --strict does not turn these into errors.
MAX_PARTITIONS = 256
MAX_KTO_BUCKETS = 16  # external shuffle: KTO examples are spread over this many buckets
PARALLEL_MIN_BYTES = 16 << 20  # below this, worker start-up costs more than it saves
POLICY_REASONS = frozenset({"non_clinical_annotator", "cancelled_annotation", "empty_annotation", "no_annotations"})
# Every name a build-pairs output directory holds: --overwrite replaces only a directory of exactly these.
OUTPUT_NAMES = frozenset({f"{stem}.{fmt}" for stem in ("pairs", "kto") for fmt in OUTPUT_FORMATS}
                         | {"rejects.jsonl", "summary.json", MANIFEST})


@dataclass
class BuildOptions:
    inputs: list[Path]
    out: Path
    input_format: str = "auto"
    labelstudio: object | None = None  # importers.labelstudio.LabelStudioOptions
    pairing: PairingConfig = field(default_factory=PairingConfig)
    # 10% of tasks: enough held-out pairs per type to read implicit-reward accuracy, most data still trains.
    test_size: float = 0.1
    # Prompts at or above this word 1+2-gram Jaccard are one question and share a split (prompts equal
    # after normalisation always do). See near_duplicates.DEFAULT_THRESHOLD for the reason.
    prompt_similarity: float = DEFAULT_THRESHOLD
    seed: int = 42
    output_format: str = "jsonl"
    strict: bool = False
    overwrite: bool = False
    # A native field that is a typo of a known one (difflib near miss): reject the record, warn and keep it, or ignore.
    unknown_fields: str = "reject"
    # Input bytes per partition: a worker holds one partition in memory (~4x its size).
    partition_bytes: int = 64 << 20
    # Worker processes for pass 2 (partitions are independent); results do not depend on it.
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    # Other files the build reads (--ls-map); the Label Studio roster is added from ``labelstudio``.
    side_inputs: list[Path] = field(default_factory=list)

    def read_paths(self) -> list[Path]:
        """Every file the build reads: --out may not touch any of them."""
        roster = getattr(self.labelstudio, "annotators", None)
        return [Path(p) for p in [*self.inputs, *self.side_inputs, roster] if p is not None]

    def validate(self) -> None:
        from dpoclin.validate import AT_LEAST_ONE, Range, check_all

        self.pairing.validate()
        check_all([("--test-size", self.test_size, Range(0, 1, hi_open=True)),
                   ("--prompt-similarity", self.prompt_similarity, Range(0, 1, lo_open=True)),
                   ("--workers", self.workers, AT_LEAST_ONE),
                   ("--seed", self.seed, Range(integer=True)), ("partition_bytes", self.partition_bytes, AT_LEAST_ONE)])
        if not self.inputs:
            raise DpoclinError("give at least one export file")
        if self.output_format not in OUTPUT_FORMATS:
            raise DpoclinError(f"unknown --format {self.output_format!r}; choose one of {', '.join(OUTPUT_FORMATS)}")
        if self.unknown_fields not in UNKNOWN_FIELD_POLICIES:
            raise DpoclinError(f"--unknown-fields must be one of {', '.join(UNKNOWN_FIELD_POLICIES)}, got {self.unknown_fields!r}")


@dataclass
class BuildStats:
    """Counters of one build (or of one partition, merged into the build's)."""

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

    def merge(self, other: BuildStats) -> None:
        for name in ("records_in", "records_used", "tasks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("record_rejects", "task_rejects", "pair_rejects", "kto_rejects", "kto_reasons",
                     "conflicts", "roles", "pairs", "kto"):
            getattr(self, name).update(getattr(other, name))
        self.durations.extend(other.durations)
        self.conversational |= other.conversational
        self.preference_agreement.merge(other.preference_agreement)
        self.rating_agreement.merge(other.rating_agreement)


class RejectLog:
    """rejects.jsonl rows plus their counts; under --strict a contract violation is an error."""

    def __init__(self, path: Path, stats: BuildStats, strict: bool):
        self.writer, self.stats, self.strict = JsonlWriter(path), stats, strict

    def record(self, source: str, reason: str, field_name, detail: str, task_id=None, annotator=None) -> None:
        if self.strict and reason not in POLICY_REASONS:
            where = f" field {field_name}:" if field_name else ""
            raise DpoclinError(f"{source}:{where} {detail} [{reason}] (--strict)")
        self.stats.record_rejects[reason] += 1
        self.writer.write({"level": "record", "source": source, "task_id": task_id, "annotator": annotator,
                           "reason": reason, "field": field_name, "detail": detail})

    def task(self, task: TaskAggregate, out: TaskOutput) -> None:
        self.stats.conflicts.update(out.conflicts)
        for rej in out.rejects:
            counter = self.stats.pair_rejects if rej.level == "pair" else self.stats.kto_rejects
            counter[rej.reason] += 1
            self.writer.write({"level": rej.level, "task_id": rej.task_id, "response_ids": list(rej.response_ids),
                               "reason": rej.reason, "detail": rej.detail, "sources": list(task.sources)})
        if not out.pairs and not out.kto:
            self.stats.task_rejects["no_output"] += 1
            self.writer.write({"level": "task", "task_id": task.task_id, "reason": "no_output",
                               "detail": "no pair or KTO example survived the rules (see this task's pair/kto rejects)",
                               "sources": list(task.sources)})

    def close(self) -> None:
        self.writer.close()


class _Work:
    """Temporary files of one build (inside the atomic output dir, removed before rename)."""

    def __init__(self, tmp: Path, n_parts: int, n_buckets: int):
        self.dir = tmp / "_work"
        self.dir.mkdir(exist_ok=True)
        self.n_parts, self.n_buckets = n_parts, n_buckets

    def part(self, i: int) -> Path:
        return self.dir / f"part-{i:04d}.jsonl"

    def pairs(self, i: int) -> Path:
        return self.dir / f"pairs-{i:04d}.jsonl"

    def rejects(self, i: int) -> Path:
        return self.dir / f"rejects-{i:04d}.jsonl"

    def kto(self, i: int, bucket: int) -> Path:
        return self.dir / f"kto-{i:04d}-{bucket:04d}.jsonl"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mp_context():
    """fork where it exists (Linux): children need not re-import __main__, so the library works
    from scripts, notebooks and `python -` alike; spawn elsewhere."""
    return get_context("fork" if "fork" in get_all_start_methods() and sys.platform == "linux" else "spawn")


def _partition_of(task_id: str | int, n: int) -> int:
    """The partition of a task: by its id as the schema normalises it, so " t1 " and "t1" meet in one partition."""
    return zlib.crc32(normalise_id(task_id).encode()) % n if n > 1 else 0


# --- pass 2: one partition, in a worker process ------------------------------------------

@dataclass
class PartitionJob:
    index: int
    work: _Work
    cfg: PairingConfig
    strict: bool
    seed: int


@dataclass
class PartitionResult:
    stats: BuildStats
    strata: list[SplitUnit]


def run_partition(job: PartitionJob) -> PartitionResult:
    """Validate, filter, group, aggregate and pair one partition (a top-level function: picklable)."""
    return _PartitionWorker(job).run()


class _PartitionWorker:
    def __init__(self, job: PartitionJob):
        self.job, self.cfg = job, job.cfg
        self.stats = BuildStats()
        self.pending: list[tuple[str, str, str]] = []  # (task id, stratum, prompt text): signed in one batch
        # One generator per partition: the KTO bucket of each example does not depend on scheduling.
        self.rng = random.Random(f"{job.seed}:partition:{job.index}")

    def run(self) -> PartitionResult:
        work, i = self.job.work, self.job.index
        self.rejects = RejectLog(work.rejects(i), self.stats, self.job.strict)
        pairs = JsonlWriter(work.pairs(i))
        buckets = [open(work.kto(i, b), "wb", buffering=1 << 20) for b in range(work.n_buckets)]
        try:
            for judgments in self._load(work.part(i)).values():
                self._emit_task(judgments, pairs, buckets)
        finally:
            self.rejects.close()
            pairs.close()
            for fh in buckets:
                fh.close()
        work.part(i).unlink()
        return PartitionResult(self.stats, self._split_units())

    def _split_units(self) -> list[SplitUnit]:
        sigs = signatures([text for _, _, text in self.pending])
        return [SplitUnit(task_id, stratum, exact_key(text), sig) for (task_id, stratum, text), sig in zip(self.pending, sigs)]

    def _load(self, path: Path) -> dict[str, list[Judgment]]:
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
            self.rejects.record(source, exc.reason, exc.field, exc.detail, data.get("task_id"), annotator)
            return None
        self.stats.roles[j.annotator.role] += 1
        if j.annotator.role not in self.cfg.clinical_roles:
            self.rejects.record(source, "non_clinical_annotator", "annotator.role",
                                f"role {j.annotator.role!r} is not in the clinical roles", j.task_id, j.annotator.id)
            return None
        group = tasks.get(j.task_id)
        if group and not self._consistent(j, group):
            return None
        self.stats.records_used += 1
        self.stats.conversational |= j.conversational
        if j.duration_s is not None:
            self.stats.durations.append(j.duration_s)
        return j

    def _consistent(self, j: Judgment, group: list[Judgment]) -> bool:
        """A second judgment of a task: a new annotator, and the same prompt and responses."""
        first = group[0]
        if any(g.annotator.id == j.annotator.id for g in group):
            self.rejects.record(j.source, "duplicate_judgment", "annotator.id",
                                f"annotator {j.annotator.id!r} already judged task {j.task_id!r} at {first.source}", j.task_id, j.annotator.id)
            return False
        if j.messages != first.messages or j.responses != first.responses:
            field_name = "messages" if j.messages != first.messages else "responses"
            self.rejects.record(j.source, "task_conflict", field_name,
                                f"differs from the first judgment of task {j.task_id!r} at {first.source}", j.task_id, j.annotator.id)
            return False
        return True

    def _emit_task(self, judgments: list[Judgment], pairs: JsonlWriter, buckets) -> None:
        task = aggregate_task(judgments, self.cfg.dimension_weights, self.cfg.rating_aggregate)
        out = build_task_outputs(task, self.cfg)
        self.stats.tasks += 1
        self._feed_agreement(task, judgments)
        for pair in out.pairs:
            pairs.write(pair_row(pair, task))
        for example in out.kto:
            self.stats.kto_reasons[example.reason] += 1
            buckets[self.rng.randrange(len(buckets))].write(orjson.dumps(kto_row(example, task)) + b"\n")
        self.rejects.task(task, out)
        if out.pairs or out.kto:
            stratum = min((PAIR_TYPES.index(p.pair_type) for p in out.pairs), default=None)
            self.pending.append((task.task_id, PAIR_TYPES[stratum] if stratum is not None else "kto_only",
                                 prompt_text(task.messages)))

    def _feed_agreement(self, task: TaskAggregate, judgments: list[Judgment]) -> None:
        position = {r.id: str(i) for i, r in enumerate(task.responses)}
        votes = {j.annotator.id: (TIE if j.preference == TIE else position[j.preference])
                 for j in judgments if j.preference is not None}
        if votes:
            self.stats.preference_agreement.add_task(votes)
        if len(judgments) < 2:
            return
        units: dict[tuple[str, str], dict[str, float]] = {}  # (response, dimension) -> annotator -> rating
        for j in judgments:
            for rid, dims in j.ratings.items():
                for dim, value in dims.items():
                    units.setdefault((rid, dim), {})[j.annotator.id] = value
        for (_, dim), values in units.items():
            if len(values) >= 2:
                self.stats.rating_agreement.add_unit(dim, values)


# --- the build ------------------------------------------------------------------------------

class Builder:
    def __init__(self, options: BuildOptions, progress=None):
        self.opt, self.cfg = options, options.pairing
        self.stats = BuildStats()
        self.progress = progress  # dpoclin.cli.ProgressReporter-like: .phase(name) / .advance(n)
        self.strata: list[SplitUnit] = []

    # -- pass 1: read and route every record to its task's partition -------------------
    def _partition_inputs(self) -> None:
        handles = [open(self.work.part(i), "wb", buffering=1 << 20) for i in range(self.work.n_parts)]
        try:
            for path in self.opt.inputs:
                self._tick_phase(f"reading {path.name}")
                before = self.stats.records_in
                for item in iter_records(path, self.opt.input_format, self.opt.labelstudio, self.opt.unknown_fields):
                    self.stats.records_in += 1
                    if isinstance(item, ImportReject):
                        self.rejects.record(item.source, item.reason, item.field, item.detail, item.task_id, item.annotator)
                    else:
                        self._route(item, handles)
                    if self.progress and self.stats.records_in % 4096 == 0:
                        self.progress.advance(4096)
                if self.stats.records_in == before:
                    raise DpoclinError(f"{path}: no records (empty file, blank lines, a CSV header only or an empty JSON "
                                       "array); give an export with at least one judgment")
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
                self.rejects.record(item.source, exc.reason, exc.field, exc.detail)
            return
        handles[_partition_of(task_id, len(handles))].write(orjson.dumps([item.source, data]) + b"\n")

    # -- pass 2: partitions in parallel, merged in partition order ------------------------
    def _process_partitions(self) -> None:
        jobs = [PartitionJob(i, self.work, self.cfg, self.opt.strict, self.opt.seed) for i in range(self.work.n_parts)]
        workers = min(self.opt.workers, len(jobs))
        self._tick_phase(f"pairing {len(jobs)} partition(s) on {workers} process(es)")
        if workers <= 1:
            results = map(run_partition, jobs)
            self._merge(results)
            return
        with ProcessPoolExecutor(workers, mp_context=_mp_context(), initializer=worker_defaults) as pool:
            try:
                self._merge(pool.map(run_partition, jobs))
            except BrokenProcessPool:
                raise DpoclinError("a worker process died (out of memory?); retry with --workers 1 or a smaller partition size") from None
            except BaseException:
                _stop_workers(pool)
                raise

    def _merge(self, results) -> None:
        for i, result in enumerate(results):
            self.stats.merge(result.stats)
            self.strata.extend(result.strata)
            with open(self.work.rejects(i), "rb") as fh:
                shutil.copyfileobj(fh, self.rejects.writer.fh)
            self._tick_phase(f"paired partition {i + 1}/{self.work.n_parts}")

    # -- passes 3 and 4: split, then the final files -------------------------------------
    def _write_outputs(self, tmp: Path) -> None:
        self._tick_phase("writing outputs")
        test, self.prompt_groups = assign_test_split(self.strata, self.opt.test_size, self.opt.seed,
                                                     (*PAIR_TYPES, "kto_only"), self.opt.prompt_similarity)
        conv, fmt = self.stats.conversational, self.opt.output_format
        writer = open_row_writer(tmp, "pairs", fmt, lambda: pair_schema(conv))
        try:
            for i in range(self.work.n_parts):
                with open(self.work.pairs(i), "rb") as fh:
                    for line in fh:
                        row = orjson.loads(line)
                        split = "test" if row["task_id"] in test else "train"
                        self.stats.pairs[(row["pair_type"], split)] += 1
                        writer.write(finish_pair_row(row, conv, split))
        finally:
            writer.close()
        writer = open_row_writer(tmp, "kto", fmt, lambda: kto_schema(conv))
        try:
            for bucket in range(self.work.n_buckets):
                rows = []
                for i in range(self.work.n_parts):
                    with open(self.work.kto(i, bucket), "rb") as fh:
                        rows.extend(orjson.loads(line) for line in fh)
                random.Random(f"{self.opt.seed}:kto:{bucket}").shuffle(rows)
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
        check_output(self.opt.out, self.opt.read_paths())
        inputs = [{"path": str(p), "bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in self._existing_inputs()]
        n_parts = self._n_partitions(sum(i["bytes"] for i in inputs))
        with AtomicDir(self.opt.out, self.opt.overwrite, "build-pairs", OUTPUT_NAMES) as tmp:
            self.work = _Work(tmp, n_parts, min(n_parts, MAX_KTO_BUCKETS))
            self.rejects = RejectLog(tmp / "rejects.jsonl", self.stats, self.opt.strict)
            try:
                self._partition_inputs()
                self._process_partitions()
            finally:
                self.rejects.close()
            self._write_outputs(tmp)
            summary = build_summary(self.stats, self.opt, inputs, len(self.strata), self.test_tasks, self.prompt_groups)
            write_json(tmp / "summary.json", summary)
            write_json(tmp / "manifest.json", self._manifest(inputs))
            shutil.rmtree(self.work.dir)
        return summary

    def _n_partitions(self, total_bytes: int) -> int:
        """Enough partitions to bound memory, and a few per worker on inputs worth parallelising."""
        n = -(-total_bytes // self.opt.partition_bytes)
        if self.opt.workers > 1 and total_bytes >= PARALLEL_MIN_BYTES:
            n = max(n, 2 * self.opt.workers)
        return max(1, min(MAX_PARTITIONS, n))

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
                "test_size": self.opt.test_size, "prompt_similarity": self.opt.prompt_similarity,
                "strict": self.opt.strict, "safety_veto": cfg.safety_veto,
                "safety_floor": cfg.safety_floor, "rating_gap": cfg.rating_gap,
                "dimension_weights": cfg.dimension_weights, "dimensions": sorted(cfg.dimensions),
                "clinical_roles": sorted(cfg.clinical_roles), "tie_policy": cfg.tie_policy,
                "rating_aggregate": cfg.rating_aggregate, "kto_desirable_min": cfg.kto_desirable_min,
                "kto_undesirable_max": cfg.kto_undesirable_max, "near_identical": cfg.near_identical,
            },
            "versions": package_versions(),
        }


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """On an error or an interrupt: cancel queued partitions and end running workers now (not after their partition)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # private, but shutdown() cannot kill them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def build_pairs(options: BuildOptions, progress=None) -> dict:
    """Run build-pairs; returns the summary dict (also written to ``out/summary.json``).

    SIGTERM, like Ctrl-C, raises (``interrupts.Terminated``) so the temporary output is removed: an interrupted
    build leaves nothing at ``out``."""
    with terminate_raises():
        return Builder(options, progress).run()
