#!/usr/bin/env bash
# The GPU device check (issue 11 item 7): one prepared script for a session that is lent a GPU, <= 8 minutes on one
# H100/H200, nothing downloaded. See gpu_check.py for what it measures; results go to benchmarks/results/gpu.md.
#
#   bash benchmarks/gpu/check.sh                # on the GPU machine (through the device tool, see below)
#   bash benchmarks/gpu/check.sh --cpu-dry-run  # here: tiny shapes on the CPU, the mechanics only (~3 min)
#
# The GPU image has torch, transformers, peft and accelerate but not trl, datasets, orjson or gguf: carry them as
# wheels in .whl/ (git-ignored), and the embedded tokenizer in benchmarks/gpu/_tokenizer/ (written by a dry run):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
#     trl==1.16.0 datasets==5.2.0 orjson==3.13.0 dill multiprocess typer
#   device run: carry [".whl", "benchmarks/gpu/_tokenizer"], command "bash benchmarks/gpu/check.sh; cp benchmarks/results/gpu.* $OUT/"
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -d .whl ] && ! python3 -c "import trl" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
PY="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
exec "$PY" benchmarks/gpu/gpu_check.py "$@"
