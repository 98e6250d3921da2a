"""Count build-pairs invariant violations over random exports (the property test's generator and oracle).

    python benchmarks/invariant_violations.py [N]                       # this checkout, N exports (default 300)
    PYTHONPATH=/other/checkout python benchmarks/invariant_violations.py  # another checkout's dpoclin

Prints the pairs and KTO examples built and each kind of violation with its count: a measurement, not a
test (tests/test_pairing_properties.py asserts there are none). Options a checkout's PairingConfig does not
know (e.g. ``safety_veto`` before it existed) are left out, while the oracle still applies them.
"""

from __future__ import annotations

import dataclasses
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))  # after PYTHONPATH: the dpoclin under measurement comes first

import test_pairing_properties as props  # noqa: E402

from dpoclin.build import BuildOptions, build_pairs  # noqa: E402
from dpoclin.pairing import PairingConfig  # noqa: E402


def measure(n: int) -> tuple[Counter, Counter]:
    known = {f.name for f in dataclasses.fields(PairingConfig)}
    totals, kinds = Counter(), Counter()
    for seed in range(n):
        tmp = Path(tempfile.mkdtemp())
        rng = random.Random(seed)
        records, family = props.random_export(rng)
        cfg = props.random_config(rng)
        export, out = tmp / "export.jsonl", tmp / "out"
        props.write_jsonl(export, records)
        build_pairs(BuildOptions(inputs=[export], out=out, test_size=0.3, seed=seed, workers=1,
                                 pairing=PairingConfig(**{k: v for k, v in cfg.items() if k in known})))
        kto = props.read_jsonl(out / "kto.jsonl")
        totals.update(pairs=len(props.read_jsonl(out / "pairs.jsonl")), kto=len(kto), desirable=sum(k["label"] for k in kto))
        for line in props.violations(records, family, cfg, out):
            kinds[line.split(": ", 1)[-1] if line.startswith(("pair ", "kto ")) else line.split(" ", 1)[0] + " in both splits"] += 1
    return totals, kinds


if __name__ == "__main__":
    import dpoclin

    totals, kinds = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    print(f"dpoclin at {Path(dpoclin.__file__).parent}: {dict(totals)}")
    for kind, count in kinds.most_common():
        print(f"{count:6d}  {kind}")
    print("no violations" if not kinds else f"{sum(kinds.values())} violations")
