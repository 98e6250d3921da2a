"""Benchmark ``dpoclin build-pairs`` against ``datasets.load_dataset("json")`` on synthetic exports.

For each size (default 10k, 100k, 1M records) the export is generated once into
``benchmarks/_work/`` (git-ignored; re-used while its seed and generator version match),
then each measurement runs in a fresh child process of this script:

* ``build-pairs``: the CLI entry point (``dpoclin.cli.main``, what ``python -m dpoclin``
  runs) with ``build-pairs EXPORT --out DIR --overwrite``;
* ``datasets``: ``datasets.load_dataset("json", data_files=EXPORT, split="train")`` with a
  fresh, empty ``HF_DATASETS_CACHE`` (temporary directory, removed afterwards),
  ``HF_HUB_OFFLINE=1`` and progress bars off.

Measured per run:

* wall time: from spawning the child to reaping it (interpreter start and imports
  included, as a user sees it); the child also reports its import time and its work time
  (the call alone);
* peak RSS: ``ru_maxrss`` of the child from ``os.wait4`` (the kernel's high-water mark
  of the child, and of any process it waited for -- exact, no sampling), cross-checked
  by psutil polling the child's process tree every 50 ms;
* CPU seconds (user + sys) of the child, and the *other* load on the machine during the
  run: system-wide busy CPU seconds (psutil.cpu_times) minus the child's own, divided by
  the wall time -- in cores; > 0.2 means other work competed for the CPUs.

Before each run the export is read once so that both tools start with it in the page cache.

Writes ``benchmarks/results/build_pairs.json`` and ``benchmarks/results/build_pairs.md``.

    python benchmarks/bench_build_pairs.py                      # 10k, 100k, 1M
    python benchmarks/bench_build_pairs.py --sizes 10k,100k --repeat 3
    python benchmarks/bench_build_pairs.py --sizes 1M --merge   # add 1M to existing results
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
RESULTS = HERE / "results"
DEFAULT_SIZES = "10k,100k,1M"
TARGET_RPS = 50_000  # build-pairs records/s (spec)
TARGET_RSS_MB = 2048  # build-pairs peak RSS at 1M records (spec)
SEED = 0


# --- child side ---------------------------------------------------------------------------

def _child(argv: list[str]) -> int:
    """``--child TOOL EXPORT OUT_OR_CACHE REPORT``: run one measurement, write timings to REPORT."""
    tool, export, target, report = argv
    t0 = time.perf_counter()
    info: dict = {}
    if tool == "build-pairs":
        from dpoclin.cli import main

        t1 = time.perf_counter()
        sys.argv = ["dpoclin", "build-pairs", export, "--out", target, "--overwrite"]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        t2 = time.perf_counter()
        summary_path = Path(target) / "summary.json"
        if code == 0 and summary_path.exists():
            s = json.loads(summary_path.read_text())
            info = {
                "records_in": s["records"]["in"], "records_used": s["records"]["used"],
                "records_rejected": s["records"]["rejected"], "reconciles": s["records"]["reconciles"],
                "tasks": s["tasks"]["aggregated"], "pairs": s["pairs"]["total"],
                "kto": s["kto"]["desirable"] + s["kto"]["undesirable"],
                "output_bytes": sum(p.stat().st_size for p in Path(target).iterdir()),
            }
    elif tool == "datasets":
        import datasets

        t1 = time.perf_counter()
        ds = datasets.load_dataset("json", data_files=export, split="train")
        t2 = time.perf_counter()
        code = 0
        info = {"num_rows": ds.num_rows, "columns": len(ds.column_names),
                # columns datasets could not type as Arrow structs (mixed fields): re-encoded per line in Python
                "json_columns": [k for k, f in ds.features.items() if type(f).__name__ == "Json"],
                "cache_bytes": sum(f.stat().st_size for f in Path(target).rglob("*") if f.is_file())}
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    Path(report).write_text(json.dumps({"exit_code": code, "import_s": t1 - t0, "work_s": t2 - t1, **info}))
    return code


# --- parent side --------------------------------------------------------------------------

def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def ensure_export(n: int, seed: int) -> tuple[Path, dict]:
    sys.path.insert(0, str(HERE))
    from generate_exports import GENERATOR_VERSION

    path = WORK / f"export-{n}.jsonl"
    meta_path = path.with_suffix(".meta.json")
    want = {"records": n, "seed": seed, "generator_version": GENERATOR_VERSION}
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in want.items()) and meta.get("bytes") == path.stat().st_size:
            return path, meta
    print(f"[bench] generating {label(n)} records -> {path}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "generate_exports.py"), "--records", str(n), "--out", str(path),
                    "--seed", str(seed)], check=True)
    meta = {**want, "bytes": path.stat().st_size, "generate_s": round(time.perf_counter() - t0, 2)}
    meta_path.write_text(json.dumps(meta))
    return path, meta


def warm_page_cache(path: Path) -> None:
    with open(path, "rb", buffering=0) as fh:
        while fh.read(16 << 20):
            pass


def _busy_cpu_s(psutil) -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


class RssPoller(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, sampled every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.interval, self.peak, self.stop = interval, 0, threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                procs = [self.proc] + self.proc.children(recursive=True)
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            self.stop.wait(self.interval)


def measure(tool: str, export: Path, n: int, log_dir: Path) -> dict:
    import psutil

    scratch = Path(tempfile.mkdtemp(prefix=f"bench-{tool}-", dir=WORK))
    report = scratch / "report.json"
    env = dict(os.environ)
    if tool == "build-pairs":
        target = scratch / "out"
    else:
        target = scratch / "hf_cache"
        target.mkdir()
        env.update(HF_DATASETS_CACHE=str(target), HF_HOME=str(scratch / "hf_home"), HF_HUB_OFFLINE="1",
                   HF_DATASETS_OFFLINE="1", HF_DATASETS_DISABLE_PROGRESS_BARS="1")
    warm_page_cache(export)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", tool, str(export), str(target), str(report)]
    log = open(log_dir / f"{tool}-{label(n)}.log", "wb")
    load_before = os.getloadavg()
    busy0 = _busy_cpu_s(psutil)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    poller = RssPoller(proc.pid)
    poller.start()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    busy1 = _busy_cpu_s(psutil)
    poller.stop.set()
    poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    child = json.loads(report.read_text()) if report.exists() else {"exit_code": proc.returncode}
    cpu = ru.ru_utime + ru.ru_stime
    shutil.rmtree(scratch, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"{tool} failed on {export} (exit {proc.returncode}); see {log_dir / f'{tool}-{label(n)}.log'}")
    return {
        "tool": tool, "records": n, "wall_s": round(wall, 3),
        "import_s": round(child["import_s"], 3), "work_s": round(child["work_s"], 3),
        "records_per_s": round(n / wall), "records_per_s_work": round(n / child["work_s"]),
        # wait4's ru_maxrss is the largest single process (child or a reaped worker), not the sum of
        # concurrent workers: the polled process-tree sum is the honest peak when it is larger.
        "peak_rss_mb": round(max(ru.ru_maxrss / 1024, poller.peak / 2**20), 1),  # ru_maxrss: KiB on Linux
        "peak_rss_mb_polled": round(poller.peak / 2**20, 1),
        "cpu_user_s": round(ru.ru_utime, 2), "cpu_sys_s": round(ru.ru_stime, 2),
        "cpu_per_wall": round(cpu / wall, 2),
        "other_load_cores": round(max(0.0, (busy1 - busy0) - cpu) / wall, 2),
        "loadavg_1m_before": round(load_before[0], 2),
        "details": {k: v for k, v in child.items() if k not in ("exit_code", "import_s", "work_s")},
    }


def _git(args: list[str]) -> str | None:
    """Read-only git query in the repo (None when git is unavailable)."""
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def machine_info() -> dict:
    cpu_model, mhz = None, None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu_model is None:
                cpu_model = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":", 1)[1])
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for name in ("dpoclin", "datasets", "pyarrow", "orjson", "psutil", "typer", "rich"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = _git(["rev-parse", "--short", "HEAD"])
    status = _git(["status", "--porcelain", "--", "dpoclin"])
    dirty = None if status is None and commit is None else bool(status)
    return {
        "cpu_model": cpu_model, "cpu_mhz": mhz, "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1) if mem_kb else None,
        "python": platform.python_version(), "platform": platform.platform(),
        "packages": versions, "git_commit": commit, "dpoclin_tree_dirty": dirty,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def summarise(runs: list[dict]) -> dict:
    """Median of repeated runs (peak RSS: the max)."""
    if len(runs) == 1:
        return dict(runs[0], repeats=1)
    out = dict(runs[len(runs) // 2])
    for key in ("wall_s", "import_s", "work_s", "cpu_user_s", "cpu_sys_s", "cpu_per_wall", "other_load_cores"):
        out[key] = round(statistics.median(r[key] for r in runs), 3)
    out["records_per_s"] = round(out["records"] / out["wall_s"])
    out["records_per_s_work"] = round(out["records"] / out["work_s"])
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    out["peak_rss_mb_polled"] = max(r["peak_rss_mb_polled"] for r in runs)
    out["repeats"] = len(runs)
    out["wall_s_all"] = [r["wall_s"] for r in runs]
    return out


def render_markdown(doc: dict) -> str:
    m = doc["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    lines = [
        "# build-pairs benchmark",
        "",
        f"Generated by `benchmarks/bench_build_pairs.py` on {m['date']} (dpoclin commit `{m['git_commit']}`"
        + (", dpoclin/ has uncommitted changes" if m.get("dpoclin_tree_dirty") else "") + ").",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu_model']} @ {m['cpu_mhz']:.0f} MHz |" if m.get("cpu_mhz") else f"| CPU | {m['cpu_model']} |",
        f"| cores | {m['logical_cpus']} logical ({m['usable_cpus']} usable) |",
        f"| RAM | {m['ram_gb']} GiB |",
        f"| Python | {m['python']} ({m['platform']}) |",
        f"| packages | {pk} |",
        "",
        "Targets (spec): build-pairs >= 50,000 records/s and peak RSS < 2 GB at 1M records.",
        "",
        "| records | export | tool | wall s | records/s | work s | peak RSS MB | CPU s | other load | build-pairs / datasets (wall) | targets |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in doc["sizes"]:
        n, mb = size["records"], size["export_bytes"] / 1e6
        bp, hf = size.get("build-pairs"), size.get("datasets")
        ratio = f"{bp['wall_s'] / hf['wall_s']:.2f}x" if bp and hf else ""
        for r in (bp, hf):
            if r is None:
                continue
            target = ""
            if r["tool"] == "build-pairs":
                ok_rps = r["records_per_s"] >= TARGET_RPS
                ok_rss = r["peak_rss_mb"] < TARGET_RSS_MB
                target = f"{'PASS' if ok_rps else 'FAIL'} speed, {'PASS' if ok_rss else 'FAIL'} RSS"
            lines.append(
                f"| {label(n)} | {mb:,.0f} MB | {r['tool']} | {r['wall_s']:.2f} | {r['records_per_s']:,} | {r['work_s']:.2f} "
                f"| {r['peak_rss_mb']:,.0f} | {r['cpu_user_s'] + r['cpu_sys_s']:.1f} | {r['other_load_cores']:.2f} "
                f"| {ratio if r['tool'] == 'build-pairs' else ''} | {target} |"
            )
    lines += [
        "",
        "Columns: **wall s** spawn-to-exit of a fresh process (imports included; median of repeats); "
        "**records/s** = records / wall s; **work s** the `build_pairs` CLI call / `load_dataset` call alone; "
        "**peak RSS** the larger of `ru_maxrss` from `os.wait4` and the polled RSS sum over the child's process tree (pass 2 runs in worker processes; max over repeats); **CPU s** user + sys of the child; "
        "**other load** system-wide busy CPU seconds not spent by the child / wall s, in cores "
        "(the machine is shared: > 0.2 means the run competed for CPU); "
        "**build-pairs / datasets** wall-time ratio (> 1: build-pairs is slower).",
        "",
        "build-pairs validates, groups, aggregates, pairs and writes pairs/KTO/rejects; `load_dataset` only converts "
        "the JSON to Arrow. The ratio is the price of the full pipeline relative to just loading the file. "
        "Columns whose objects have varying keys (here `annotator`: optional `specialty`; `ratings`: per-response "
        "dimension keys) are stored by `datasets` as `Json` columns, which it re-encodes line by line in Python -- "
        "so the baseline is not a pure C++ parse either (CPU s / wall s ~ 1).",
        "",
    ]
    details = []
    for size in doc["sizes"]:
        bp, hf = size.get("build-pairs"), size.get("datasets")
        if bp:
            d = bp["details"]
            details.append(
                f"- {label(size['records'])}: build-pairs used {d.get('records_used', '?'):,} / rejected "
                f"{d.get('records_rejected', '?'):,} records, {d.get('tasks', '?'):,} tasks -> {d.get('pairs', '?'):,} pairs, "
                f"{d.get('kto', '?'):,} KTO examples, {d.get('output_bytes', 0) / 1e6:,.0f} MB written; "
                f"polled RSS peak {bp['peak_rss_mb_polled']:,.0f} MB; load avg before {bp['loadavg_1m_before']}; "
                f"measured {size.get('date', '?')} at commit `{size.get('git_commit', '?')}`."
                + (f" datasets: {hf['details'].get('num_rows', '?'):,} rows, {hf['details'].get('columns', '?')} columns, "
                   f"{hf['details'].get('cache_bytes', 0) / 1e6:,.0f} MB Arrow cache; polled RSS peak "
                   f"{hf['peak_rss_mb_polled']:,.0f} MB; Json (mixed-struct) columns: "
                   f"{', '.join(hf['details'].get('json_columns') or []) or 'none'}." if hf else "")
            )
    if details:
        lines += ["Details:", ""] + details + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated record counts (default {DEFAULT_SIZES})")
    p.add_argument("--repeat", type=int, default=1, help="runs per tool and size (median wall, max RSS)")
    p.add_argument("--tools", default="build-pairs,datasets", help="which to run (default both)")
    p.add_argument("--seed", type=int, default=SEED, help="generator seed")
    p.add_argument("--merge", action="store_true", help="keep results of other sizes from an existing build_pairs.json")
    p.add_argument("--results", type=Path, default=RESULTS, help="results directory")
    args = p.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    log_dir = WORK / "logs"
    log_dir.mkdir(exist_ok=True)

    json_path = args.results / "build_pairs.json"
    previous = {}
    if args.merge and json_path.exists():
        previous = {s["records"]: s for s in json.loads(json_path.read_text()).get("sizes", [])}

    results = {}
    for n in sizes:
        export, meta = ensure_export(n, args.seed)
        entry = {"records": n, "export": str(export.relative_to(ROOT)), "export_bytes": meta["bytes"], "seed": args.seed,
                 "git_commit": _git(["rev-parse", "--short", "HEAD"]),
                 "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        for tool in tools:
            runs = []
            for i in range(args.repeat):
                r = measure(tool, export, n, log_dir)
                runs.append(r)
                print(f"[bench] {label(n):>5} {tool:<11} run {i + 1}/{args.repeat}: {r['wall_s']:8.2f} s  "
                      f"{r['records_per_s']:>9,} rec/s  peak RSS {r['peak_rss_mb']:8,.0f} MB  "
                      f"cpu {r['cpu_user_s'] + r['cpu_sys_s']:.1f} s  other load {r['other_load_cores']:.2f}",
                      file=sys.stderr, flush=True)
            entry[tool] = summarise(runs)
        results[n] = entry

    merged = {**previous, **results}
    doc = {"machine": machine_info(), "targets": {"records_per_s": TARGET_RPS, "peak_rss_mb_at_1M": TARGET_RSS_MB},
           "sizes": [merged[k] for k in sorted(merged)]}
    json_path.write_text(json.dumps(doc, indent=2) + "\n")
    md = render_markdown(doc)
    (args.results / "build_pairs.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
