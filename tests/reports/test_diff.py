"""Word-level highlighting: edits in original coordinates are trusted when they rebuild the perturbed text."""

from __future__ import annotations

from perturbations.base import Edit, apply_edits
from reports.diff import word_diff


def _text(segments, kinds=("same", "del")):
    return "".join(s.text for s in segments if s.kind in kinds)


def _marked(segments, kind):
    return [s.text for s in segments if s.kind == kind]


def test_character_edit_is_widened_to_the_whole_word():
    original = "The acting was great, truly."
    edits = [Edit(17, 18, "r")]  # great -> grrat: one character
    perturbed = apply_edits(original, edits)
    diff = word_diff(original, perturbed, [[e.start, e.end, e.replacement] for e in edits])
    assert diff.source == "edits"
    assert _marked(diff.original, "del") == ["great,"]
    assert _marked(diff.perturbed, "ins") == ["grrat,"]
    assert _text(diff.original) == original
    assert _text(diff.perturbed, ("same", "ins")) == perturbed


def test_edits_in_one_word_merge_and_separate_words_stay_apart():
    original = "good film and good cast"
    edits = [[0, 1, "G"], [2, 3, "0"], [19, 23, "crew"]]
    perturbed = "G0od film and good crew"
    diff = word_diff(original, perturbed, edits)
    assert _marked(diff.original, "del") == ["good", "cast"]
    assert _marked(diff.perturbed, "ins") == ["G0od", "crew"]


def test_insertion_edit_shows_the_new_word_only_on_the_perturbed_side():
    original = "a good film"
    perturbed = "a very good film"
    diff = word_diff(original, perturbed, [[2, 2, "very "]])
    assert diff.source == "edits"
    assert _text(diff.perturbed, ("same", "ins")) == perturbed
    assert "very" in "".join(_marked(diff.perturbed, "ins"))


def test_wrong_or_missing_edits_fall_back_to_a_word_diff():
    original, perturbed = "the plot was dull and slow", "the plot was boring and slow"
    for edits in (None, [], [[0, 3, "xyz"]], [[5, 2, "x"]], [[0, 999, "x"]], [["a", "b"]]):
        diff = word_diff(original, perturbed, edits)
        assert diff.source == "difflib"
        assert _marked(diff.original, "del") == ["dull"]
        assert _marked(diff.perturbed, "ins") == ["boring"]


def test_long_unchanged_text_is_trimmed_at_word_boundaries():
    left = " ".join(f"w{i}" for i in range(200))
    right = " ".join(f"v{i}" for i in range(200))
    original, perturbed = f"{left} bad {right}", f"{left} good {right}"
    diff = word_diff(original, perturbed, None, context=40)
    kinds = [s.kind for s in diff.perturbed]
    assert kinds == ["gap", "same", "ins", "same", "gap"]
    assert all(len(s.text) <= 41 for s in diff.perturbed if s.kind == "same")
    assert diff.perturbed[1].text.startswith(" w") and diff.perturbed[3].text.endswith(" ")
    full = word_diff(original, perturbed, None, context=None)
    assert _text(full.perturbed, ("same", "ins")) == perturbed
