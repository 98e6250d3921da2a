"""The run directory's README.md: what was trained, on what, how, and how it did on held-out data."""

from __future__ import annotations

from dpoclin import __version__
from dpoclin.heldout import markdown_table
from dpoclin.recipe import Recipe

LIMITATIONS = (
    "This model was aligned on physician preference data with dpoclin. Alignment changes what the model "
    "prefers to say; it does not add clinical knowledge. Before any clinical use, evaluate over-refusal of "
    "benign questions and unsafe compliance with harmful ones on prompts from your deployment "
    "(`dpoclin eval-refusals`), and keep a clinician in the loop."
)


def _metrics_table(metrics: dict) -> str:
    rows = [(k.removeprefix("eval_"), v) for k, v in sorted(metrics.items())
            if k.startswith(("eval_loss", "eval_rewards", "eval_kl")) and isinstance(v, (int, float))]
    if not rows:
        return "_No held-out split was evaluated._\n"
    lines = ["| metric | value |", "|---|---:|"] + [f"| {k} | {v:.4f} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def _data_lines(manifest: dict) -> str:
    lines = []
    for name, info in manifest.get("files", {}).items():
        lines.append(f"- `{info['path']}` ({name}), sha256 `{info['sha256'][:16]}…`")
    for split in ("train", "eval"):
        if c := manifest.get(split):
            lines.append(f"- {split}: {c['pairs']} pairs; {c['kto']} KTO-labelled answers ({c['kto_desirable']} desirable / "
                         f"{c['kto_undesirable']} undesirable), {c['kto_on_pairs']} of them scored in their pair's forward pass")
    return "\n".join(lines) or "- (none recorded)"


def _refusal_section(doc: dict | None) -> str:
    if not doc:
        return "_Not evaluated in this run (eval.enabled false): run `dpoclin eval-refusals --model <this dir> --baseline <base model>`._\n"
    from dpoclin.report import headline

    lines = [f"- {line}" for line in headline(doc["tuned"], doc["baseline"], doc["comparison"], max_category_lines=5)]
    return "\n".join(lines) + "\n\nThe full report (tables, intervals, per-category results, plots) is in `eval/report.html` and `eval/report.md`.\n"


def model_card(recipe: Recipe, manifest: dict, weights, metrics: dict, heldout: dict | None = None, refusals: dict | None = None) -> str:
    """Markdown for the run directory's README.md."""
    o, p, t = recipe.objective, recipe.peft, recipe.training
    adapter = (f"LoRA r={p.r}, alpha={p.alpha}, dropout={p.dropout}, target `{p.target_modules}`; load it with "
               "`peft.AutoPeftModelForCausalLM.from_pretrained(<this dir>)`") if p.method != "none" else "full fine-tune"
    return f"""---
library_name: {"peft" if p.method != "none" else "transformers"}
tags: [dpoclin, dpo, kto, clinical, preference-alignment]
---
# {recipe.description or o.recipe} — aligned with dpoclin {__version__}

- **Base model:** `{recipe.model.name}`
- **Objective:** `{o.recipe}` — L = {weights.w_dpo}·L_DPO(β={weights.beta_dpo}) + {weights.w_kto}·L_KTO(β={weights.beta_kto}, λ_D={weights.desirable_weight}, λ_U={weights.undesirable_weight}) + {weights.w_sft}·L_SFT; pair weights {"on" if weights.use_pair_weights else "off"}
- **Adapter:** {adapter}
- **Training:** {t.epochs} epoch(s), max_steps {t.max_steps}, batch {t.per_device_batch_size} × {t.gradient_accumulation_steps} accumulation × {recipe.distributed.num_processes} process(es), lr {t.learning_rate} ({t.lr_scheduler}), seed {t.seed}

## Data
{_data_lines(manifest)}

## Safety and helpfulness: tuned vs reference on `{recipe.eval.prompts}`
{_refusal_section(refusals)}
## Held-out results (test split: tasks never seen in training)
{markdown_table(heldout) if heldout else ""}
Reward accuracy: share of held-out pairs where the tuned model's implicit reward ranks the physicians' choice
first. Log-prob accuracy: share where the model gives the chosen answer the higher log-probability, tuned vs
the reference (before training). over_refusal pairs measure helpfulness, unsafe_compliance pairs measure safety.

All held-out losses and rewards:

{_metrics_table(metrics)}

## Reproduce
`run.yaml` is the resolved recipe, `env.json` the package versions, seed and git commit, `data_manifest.json`
the input hashes and KTO weights, `metrics.jsonl` every logged step.

## Limitations
{LIMITATIONS}
"""
