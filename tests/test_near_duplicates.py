"""Near-duplicate prompt detection: normalisation, MinHash estimates, LSH grouping, the prompt index."""

from __future__ import annotations

import random

import pytest

from dpoclin import near_duplicates as nd

Q = "What is the usual adult dose of amoxicillin for acute otitis media in an otherwise healthy patient"


def _jaccard(a: str, b: str) -> float:
    def grams(t):
        w = nd.normalise(t).split()
        return set(w) | {f"{x} {y}" for x, y in zip(w, w[1:])}
    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb)


def test_normalise_ignores_case_spacing_and_punctuation():
    assert nd.normalise("  What's   the DOSE?!\n") == nd.normalise("what s the dose") == "what s the dose"
    assert nd.exact_key("Dose of X?") == nd.exact_key("dose   of x") != nd.exact_key("dose of y")


def test_prompt_text_is_the_user_turns():
    chat = [{"role": "system", "content": "You are a triage bot."}, {"role": "user", "content": "Chest pain?"},
            {"role": "assistant", "content": "Since when?"}, {"role": "user", "content": "An hour."}]
    assert nd.prompt_text(chat) == "Chest pain?\nAn hour."
    assert nd.prompt_text("Chest pain?") == "Chest pain?"


def test_minhash_estimates_jaccard_within_its_error():
    rng = random.Random(0)
    words = Q.split()
    for _ in range(30):
        other = " ".join(w for w in words if rng.random() < 0.85) + " " + " ".join(rng.sample(words, 3))
        true = _jaccard(Q, other)
        assert abs(nd.estimated_jaccard(nd.signature(Q), nd.signature(other)) - true) < 0.2  # > 3 standard errors


def test_groups_join_duplicates_transitively_and_nothing_else():
    texts = [Q, Q.upper() + "?", Q + " please", "How do I treat a sprained ankle at home after a fall", Q + " please thanks"]
    groups = nd.group_prompts([nd.exact_key(t) for t in texts], [nd.signature(t) for t in texts], nd.DEFAULT_THRESHOLD)
    assert groups == [0, 0, 0, 3, 0]


@pytest.mark.parametrize("seed", range(5))
def test_grouping_finds_what_a_pairwise_scan_finds_on_clear_cases(seed):
    """Pairs well above the threshold are always joined; pairs well below it never are."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)]
    base = [" ".join(rng.sample(vocab, 20)) for _ in range(40)]
    texts = base + [b + " extra" for b in base[:20]]  # Jaccard(b, b + " extra") = 39/41 ~ 0.95
    groups = nd.group_prompts([nd.exact_key(t) for t in texts], [nd.signature(t) for t in texts], nd.DEFAULT_THRESHOLD)
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            true = _jaccard(texts[i], texts[j])
            if true >= 0.93:
                assert groups[i] == groups[j]
            elif true <= 0.5:
                assert groups[i] != groups[j]


def test_index_matches_exact_and_near_duplicates_only():
    index = nd.PromptIndex([Q, "How do I treat a sprained ankle at home after a fall"], nd.DEFAULT_THRESHOLD)
    assert index.match(Q.lower() + "???") == 0
    assert index.match(Q + " please") == 0
    assert index.match("How do I treat a sprained ankle at home after a fall yesterday") == 1
    assert index.match("What is the usual paediatric dose of amoxicillin") is None
