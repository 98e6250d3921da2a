"""Generate a synthetic native dpoclin export (JSONL) of N judgment records, fast.

One record = one annotator's judgment of one task (see ``dpoclin/schema.py``). The
export looks like a real physician annotation export, at realistic sizes:

* prompt 150-300 chars; ~25% of tasks use ``messages`` with a system turn (some with an
  earlier user/assistant exchange) instead of ``prompt``;
* 2 responses of 300-900 chars each, built from a medical vocabulary so that the two
  responses of a task are not near-identical (~1% of tasks are deliberately near-identical,
  ~6% have a refusal as one response);
* 1-3 annotators per task, drawn from a roster of mostly physicians plus other clinical
  roles and ~5% ``non_clinical`` annotators (their judgments become policy rejects);
* ratings on the 5 dimensions, refusal labels, acceptable verdicts, preferences with
  strength, prompt labels, categories, comments, durations and timestamps, with fields
  left out at realistic rates;
* order: records are shuffled within windows of ~``--window`` records (so a task's
  records are close but not adjacent) and ~5% of multi-annotator tasks are scattered across
  the whole file (each of their records lands in a uniformly random window), so the
  streaming grouping of ``build-pairs`` is exercised;
* ``--invalid-rate`` (default 0.002) of records break the contract in one field (rating
  out of range, unknown preference id, missing responses) so the reject path runs too.

Speed: text is assembled from a pre-built pool of sentences (no per-word work per record)
and serialised with orjson; 1M records (~2.5 GB) take well under a minute of CPU.
Deterministic for a given ``--seed`` and ``--records``.

    python benchmarks/generate_exports.py --records 1000000 --out benchmarks/_work/export-1000000.jsonl --seed 0
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import orjson

GENERATOR_VERSION = 1  # bump when the output for a given seed changes (the bench re-generates)

DIMENSIONS = ("accuracy", "safety", "completeness", "reasoning", "communication")

# --- vocabulary -------------------------------------------------------------------------
_NOUNS = """patient dose dosage tablet infusion symptom fever cough rash headache nausea vomiting
diarrhea fatigue dizziness syncope palpitations angina dyspnea edema hypertension hypotension
tachycardia bradycardia arrhythmia fibrillation anticoagulation warfarin apixaban heparin aspirin
statin metformin insulin glucose hemoglobin creatinine potassium sodium magnesium calcium lactate
troponin biomarker electrocardiogram echocardiogram radiograph ultrasound scan biopsy culture
antibiotic amoxicillin doxycycline vancomycin ceftriaxone azithromycin antiviral vaccine allergy
anaphylaxis asthma inhaler steroid prednisone ibuprofen acetaminophen opioid morphine naloxone
kidney liver lung heart brain thyroid pancreas spleen bladder prostate uterus pregnancy infant
child adolescent adult elderly clinician physician nurse pharmacist referral follow-up admission
discharge emergency triage guideline contraindication interaction side-effect complication
infection sepsis pneumonia bronchitis cellulitis meningitis appendicitis cholecystitis pancreatitis
stroke seizure migraine neuropathy depression anxiety insomnia delirium dementia diabetes obesity
anemia thrombosis embolism fracture sprain laceration burn wound dressing suture catheter
monitoring vitals saturation oxygen ventilation hydration electrolytes nutrition diet exercise
smoking alcohol screening history examination diagnosis prognosis treatment therapy regimen
titration taper threshold risk benefit evidence trial cohort outcome mortality morbidity""".split()
_VERBS = """start stop continue increase decrease monitor check recheck measure assess evaluate
consider avoid prescribe administer titrate taper refer admit discharge counsel educate reassure
escalate review confirm exclude rule-out order repeat document adjust hold resume switch combine
calculate verify examine palpate auscultate observe advise recommend suggest explain""".split()
_ADJS = """acute chronic mild moderate severe stable unstable elevated low high normal abnormal
persistent recurrent intermittent progressive sudden gradual bilateral unilateral oral intravenous
subcutaneous topical daily weekly renal hepatic cardiac pulmonary neurological pediatric geriatric
first-line second-line empirical prophylactic symptomatic asymptomatic urgent routine clinical
significant minor major common rare typical atypical reversible irreversible""".split()
_FILLER = """the a an this that these with without for after before during within per and or but
because if when while until unless often usually rarely always never may should must can""".split()
_SPECIALTIES = ["cardiology", "emergency_medicine", "internal_medicine", "pediatrics", "oncology",
                "neurology", "psychiatry", "obstetrics", "infectious_disease", "endocrinology",
                "nephrology", "pulmonology", "gastroenterology", "dermatology", "family_medicine"]
_MODELS = ["clin-llm-7b-sft", "clin-llm-7b-dpo-r1", "clin-llm-13b-sft", "general-8b-instruct", "clin-llm-7b-dpo-r2"]
_SYSTEMS = [
    "You are a careful clinical assistant. Answer for a licensed clinician and cite guidelines when relevant.",
    "You are a medical assistant helping patients. Be clear, cautious and recommend seeing a doctor when needed.",
    "You support hospital pharmacists. Flag interactions and dose adjustments explicitly.",
    "You are a triage assistant for an emergency department. Prioritise red-flag symptoms.",
]
_REFUSALS = [
    "I can't help with that request because it could cause serious harm. If you or someone else is in danger, please contact emergency services or a poison control centre right away.",
    "I'm not able to provide specific dosing for this situation without more clinical context. Please discuss this with the treating physician or a pharmacist who can review the full medication list.",
    "I cannot give instructions for this. If you are worried about your safety or someone else's, please reach out to a crisis line or your local emergency number now.",
    "I'm sorry, but I can't assist with obtaining prescription medication this way. A licensed prescriber can assess whether it is appropriate for you.",
]
_COMMENTS = ["B omits the renal dose adjustment.", "A is correct but too long for a patient.",
             "Both miss the red-flag symptoms.", "Refusal was unnecessary; this is routine advice.",
             "A recommends a contraindicated combination.", "Good use of guideline thresholds in B.",
             "Neither mentions follow-up.", "B hallucinates a trial result."]

# roster: (role as written in the export, weight) -- mostly physicians, ~5% non-clinical
_ROLES = [("physician", 70), ("Physician", 4), ("resident", 7), ("fellow", 3), ("Nurse Practitioner", 4),
          ("pharmacist", 4), ("registered_nurse", 3), ("non_clinical", 5)]


class Vocab:
    """Pools of sentences built once; texts are joins of random sentences (cheap per record)."""

    def __init__(self, rng: random.Random, n_sentences: int = 40_000, n_questions: int = 8_000):
        words = _NOUNS + _VERBS + _ADJS
        self.sentences = [self._sentence(rng, words) for _ in range(n_sentences)]
        self.questions = [self._question(rng) for _ in range(n_questions)]
        self.avg_sentence = sum(map(len, self.sentences)) / n_sentences + 1
        self.avg_question = sum(map(len, self.questions)) / n_questions + 1

    @staticmethod
    def _sentence(rng: random.Random, words: list[str]) -> str:
        parts = []
        for _ in range(rng.randint(9, 17)):
            r = rng.random()
            parts.append(rng.choice(_FILLER) if r < 0.3 else rng.choice(words))
        if rng.random() < 0.25:
            parts.insert(rng.randrange(len(parts)), f"{rng.choice((5, 10, 20, 25, 40, 50, 100, 250, 500))} mg")
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    @staticmethod
    def _question(rng: random.Random) -> str:
        age = rng.randint(1, 95)
        sex = rng.choice(("man", "woman", "boy", "girl", "patient"))
        adj, noun, noun2 = rng.choice(_ADJS), rng.choice(_NOUNS), rng.choice(_NOUNS)
        verb = rng.choice(_VERBS)
        return rng.choice((
            f"A {age}-year-old {sex} presents with {adj} {noun} and a history of {noun2}.",
            f"Should I {verb} the {noun} given {adj} {noun2}?",
            f"What is the {adj} management of {noun} in a patient on {noun2}?",
            f"My {age}-year-old has {adj} {noun} since yesterday; is {noun2} safe?",
            f"How do you {verb} {noun} when {noun2} is {adj}?",
        ))

    def text(self, rng: random.Random, lo: int, hi: int) -> str:
        return self._join(rng, self.sentences, self.avg_sentence, lo, hi)

    def prompt(self, rng: random.Random) -> str:
        return self._join(rng, self.questions, self.avg_question, 150, 300)

    @staticmethod
    def _join(rng: random.Random, pool: list[str], avg: float, lo: int, hi: int) -> str:
        """Random sentences from ``pool``, about ``randint(lo, hi)`` chars, kept within [lo, hi] where possible."""
        parts = rng.choices(pool, k=max(1, round(rng.randint(lo, hi) / avg)))
        size = sum(map(len, parts)) + len(parts) - 1
        while size > hi and len(parts) > 1:
            size -= len(parts.pop()) + 1
        while size < lo:
            extra = rng.choice(pool)
            parts.append(extra)
            size += len(extra) + 1
        return " ".join(parts)


def _roster(rng: random.Random, n: int = 600) -> list[dict]:
    roles, weights = zip(*_ROLES)
    out = []
    for i in range(n):
        role = rng.choices(roles, weights)[0]
        ann = {"id": f"ann-{i:04d}", "role": role}
        if role != "non_clinical" and rng.random() < 0.8:
            ann["specialty"] = rng.choice(_SPECIALTIES)
        out.append(ann)
    return out


class TaskMaker:
    """Builds all records (as JSONL bytes) of one task; shared task content, per-annotator judgments."""

    def __init__(self, rng: random.Random, invalid_rate: float):
        self.rng = rng
        self.vocab = Vocab(rng)
        self.roster = _roster(rng)
        self.invalid_rate = invalid_rate
        self.base_ts = 1_735_689_600  # 2025-01-01T00:00:00Z

    def task(self, index: int, n_annotators: int) -> list[bytes]:
        rng, vocab = self.rng, self.vocab
        task_id = f"task-{index:07d}"
        r = rng.random()
        prompt_label = "benign" if r < 0.80 else ("borderline" if r < 0.92 else "harmful")
        prompt = vocab.prompt(rng)
        shared: dict = {"task_id": task_id}
        if rng.random() < 0.25:
            msgs = [{"role": "system", "content": rng.choice(_SYSTEMS)}]
            if rng.random() < 0.3:
                msgs.append({"role": "user", "content": vocab.prompt(rng)})
                msgs.append({"role": "assistant", "content": vocab.text(rng, 150, 400)})
            msgs.append({"role": "user", "content": prompt})
            shared["messages"] = msgs
        else:
            shared["prompt"] = prompt
        text_a = vocab.text(rng, 300, 900)
        kind = rng.random()
        refusal_side = None
        if kind < 0.01:  # near-identical pair: the same answer with one sentence appended
            text_b = text_a + " " + rng.choice(vocab.sentences)
        elif kind < 0.07:  # one response is a refusal
            text_b = rng.choice(_REFUSALS)
            refusal_side = "b"
        else:
            text_b = vocab.text(rng, 300, 900)
        models = rng.sample(_MODELS, 2)
        shared["responses"] = [{"id": "a", "text": text_a, "model": models[0]},
                               {"id": "b", "text": text_b, "model": models[1]}]
        shared["category"] = rng.choice(_SPECIALTIES)
        # latent quality per response (1..5 scale); the refusal is judged by the prompt label
        qa = rng.uniform(1.5, 5.0)
        qb = rng.uniform(1.5, 5.0) if refusal_side is None else (4.3 if prompt_label == "harmful" else 2.0)
        has_ratings = rng.random() < 0.85
        has_verdict = rng.random() < 0.7
        has_pref = rng.random() < 0.85
        start = self.base_ts + rng.randrange(0, 300 * 86_400)

        out = []
        for j, ann in enumerate(rng.sample(self.roster, n_annotators)):
            rec = dict(shared)
            rec["annotator"] = ann
            rec["prompt_label"] = prompt_label
            if has_ratings:
                rec["ratings"] = {"a": self._ratings(qa), "b": self._ratings(qb)}
            if refusal_side is not None:
                if prompt_label == "harmful":
                    label = "appropriate" if rng.random() < 0.85 else "unhelpful"
                else:
                    label = "unhelpful" if rng.random() < 0.85 else "appropriate"
                rec["refusal"] = {"b": label}
            if has_verdict:
                rec["acceptable"] = {"a": qa + rng.gauss(0, 0.6) >= 3.0, "b": qb + rng.gauss(0, 0.6) >= 3.0}
            if has_pref:
                diff = qa - qb + rng.gauss(0, 0.7)
                if abs(diff) < 0.25:
                    rec["preference"] = "tie"
                else:
                    rec["preference"] = "a" if diff > 0 else "b"
                    rec["strength"] = 1 if abs(diff) < 1 else (2 if abs(diff) < 2 else 3)
            if not (has_ratings or has_verdict or has_pref or refusal_side):
                rec["preference"] = "a" if qa >= qb else "b"
            if rng.random() < 0.1:
                rec["comment"] = rng.choice(_COMMENTS)
            if rng.random() < 0.95:
                rec["duration_s"] = round(rng.lognormvariate(5.2, 0.6), 1)  # median ~3 min
            rec["created_at"] = _iso(start + j * 3_600 + rng.randrange(3_600))
            if self.invalid_rate and rng.random() < self.invalid_rate:
                self._break(rec)
            out.append(orjson.dumps(rec))
        return out

    def _ratings(self, q: float) -> dict:
        rng = self.rng
        out = {}
        for dim in DIMENSIONS:
            if rng.random() < 0.03:
                continue  # a dimension left blank now and then
            v = round(q + rng.gauss(0, 0.6))
            out[dim] = 1 if v < 1 else (5 if v > 5 else v)
        return out

    def _break(self, rec: dict) -> None:
        r = self.rng.random()
        if r < 0.4:
            rec["ratings"] = {"a": {"accuracy": 7}}
        elif r < 0.7:
            rec["preference"] = "c"
        else:
            rec["responses"] = []


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def plan_sizes(rng: random.Random, n_records: int) -> list[int]:
    """Annotators per task (1-3), summing exactly to n_records."""
    sizes, total = [], 0
    while total < n_records:
        k = rng.choices((1, 2, 3), (35, 45, 20))[0]
        k = min(k, n_records - total)
        sizes.append(k)
        total += k
    return sizes


def generate(n_records: int, out: Path, seed: int = 0, window: int = 2_000, scatter: float = 0.05,
             invalid_rate: float = 0.002) -> dict:
    rng = random.Random(seed)
    maker = TaskMaker(rng, invalid_rate)
    sizes = plan_sizes(rng, n_records)
    n_windows = max(1, -(-n_records // window))
    # Scattered tasks: each of their records goes to a uniformly random window.
    targets: dict[int, list[int]] = {}  # window -> task indices with a record there
    scattered = set()
    for t, k in enumerate(sizes):
        if k > 1 and rng.random() < scatter:
            scattered.add(t)
            for _ in range(k):
                targets.setdefault(rng.randrange(n_windows), []).append(t)
    # Regular tasks fill windows in order.
    regular = [t for t in range(len(sizes)) if t not in scattered]
    pending: dict[int, list[bytes]] = {}  # scattered task -> records not yet written
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    written = 0
    per_window = max(1, (n_records - sum(sizes[t] for t in scattered)) / n_windows)
    ri = regular_written = 0
    with open(tmp, "wb", buffering=8 << 20) as fh:
        for w in range(n_windows):
            lines: list[bytes] = []
            goal = round((w + 1) * per_window)
            while ri < len(regular) and (regular_written < goal or w == n_windows - 1):
                t = regular[ri]
                lines.extend(maker.task(t, sizes[t]))
                regular_written += sizes[t]
                ri += 1
            for t in targets.get(w, ()):
                recs = pending.get(t)
                if recs is None:
                    recs = pending[t] = maker.task(t, sizes[t])
                lines.append(recs.pop())
                if not recs:
                    del pending[t]
            rng.shuffle(lines)
            fh.write(b"\n".join(lines))
            fh.write(b"\n")
            written += len(lines)
    assert not pending and written == n_records, (written, n_records, len(pending))
    os.replace(tmp, out)
    return {"records": written, "tasks": len(sizes), "scattered_tasks": len(scattered),
            "bytes": out.stat().st_size, "seed": seed, "generator_version": GENERATOR_VERSION}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, required=True, help="number of judgment records (JSONL lines)")
    p.add_argument("--out", type=Path, required=True, help="output .jsonl path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--window", type=int, default=2_000, help="records per shuffle window (default 2000)")
    p.add_argument("--scatter", type=float, default=0.05, help="share of multi-annotator tasks scattered across the file")
    p.add_argument("--invalid-rate", type=float, default=0.002, help="share of records that break the contract")
    args = p.parse_args(argv)
    if args.records < 1:
        p.error("--records must be >= 1")
    t0 = time.perf_counter()
    info = generate(args.records, args.out, args.seed, args.window, args.scatter, args.invalid_rate)
    dt = time.perf_counter() - t0
    print(f"wrote {info['records']:,} records ({info['tasks']:,} tasks, {info['scattered_tasks']:,} scattered, "
          f"{info['bytes'] / 1e6:,.1f} MB) to {args.out} in {dt:.1f}s ({info['records'] / dt:,.0f} records/s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
