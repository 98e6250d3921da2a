"""Write data_samples/clinical_export.jsonl as a Label Studio export for dpoclin's config.

Produces ``clinical_export_labelstudio.json`` (tasks with annotations, as Label Studio's
JSON export writes them) and ``labelstudio_annotators.csv`` (the roster: LS user id ->
role, specialty). Only two-response tasks fit the side-by-side config; records that fail
validation are skipped. Both are counted on stdout.

    python data_samples/make_labelstudio_export.py [--input X.jsonl] [--output Y.json] [--roster Z.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

import orjson

from dpoclin.errors import DpoclinError, RecordRejected
from dpoclin.importers import ImportReject, iter_records
from dpoclin.importers.labelstudio import native_to_labelstudio
from dpoclin.schema import Judgment, parse_record

HERE = Path(__file__).resolve().parent


def read_judgments(path: Path) -> tuple[list[Judgment], Counter]:
    """Valid judgments of a native export, and the count of skipped records by reason."""
    judgments, skipped = [], Counter()
    for item in iter_records(path, "native"):
        if isinstance(item, ImportReject):
            skipped[item.reason] += 1
            continue
        try:
            judgments.append(parse_record(item.data, item.source))
        except RecordRejected as exc:
            skipped[exc.reason] += 1
    return judgments, skipped


def write_roster(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "role", "specialty"])
        writer.writeheader()
        writer.writerows({**row, "specialty": row["specialty"] or ""} for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=HERE / "clinical_export.jsonl")
    parser.add_argument("--output", type=Path, default=HERE / "clinical_export_labelstudio.json")
    parser.add_argument("--roster", type=Path, default=HERE / "labelstudio_annotators.csv")
    args = parser.parse_args(argv)
    try:
        judgments, skipped = read_judgments(args.input)
    except DpoclinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    conversion = native_to_labelstudio(judgments)
    args.output.write_bytes(orjson.dumps(conversion.tasks, option=orjson.OPT_INDENT_2) + b"\n")
    write_roster(conversion.roster, args.roster)
    annotations = sum(len(task["annotations"]) for task in conversion.tasks)
    print(f"read {len(judgments)} valid judgments from {args.input}")
    if skipped:
        detail = ", ".join(f"{n} {reason}" for reason, n in skipped.most_common())
        print(f"skipped {sum(skipped.values())} invalid records ({detail})")
    print(f"converted {len(conversion.tasks)} tasks ({annotations} annotations) -> {args.output}")
    print(f"left out {sum(conversion.left_out.values())} tasks")
    for reason, n in conversion.left_out.most_common():
        print(f"  {n}: {reason}")
    print(f"wrote {len(conversion.roster)} annotators -> {args.roster}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
