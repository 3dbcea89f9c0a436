"""What every perturbation returns: the new text and the edits that turn the original into it.

Edits are in original-text coordinates, sorted and non-overlapping, so `apply_edits(original, edits)`
rebuilds the perturbed text exactly; reports use them to highlight changes without offset drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace original[start:end] with `replacement`."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Perturbed:
    original: str
    text: str
    edits: tuple[Edit, ...]

    @property
    def edit_spans(self) -> tuple[tuple[int, int, str], ...]:
        """The edits as plain (start, end, replacement) tuples, the shape case records and DIR directions use."""
        return tuple((e.start, e.end, e.replacement) for e in self.edits)

    @property
    def changed(self) -> bool:
        """A perturbation that changed nothing makes a case "not applicable", never a pass."""
        return self.text != self.original


def apply_edits(original: str, edits) -> str:
    pieces, cursor = [], 0
    for edit in edits:
        if edit.start < cursor or edit.end < edit.start or edit.end > len(original):
            raise ValueError(f"edits overlap or fall outside the text: {edit}")
        pieces.append(original[cursor:edit.start])
        pieces.append(edit.replacement)
        cursor = edit.end
    pieces.append(original[cursor:])
    return "".join(pieces)


def from_edits(original: str, edits) -> Perturbed:
    """Build a Perturbed from edits, dropping no-op edits so `edits` is empty exactly when unchanged."""
    kept = tuple(e for e in edits if original[e.start:e.end] != e.replacement)
    return Perturbed(original=original, text=apply_edits(original, kept), edits=kept)
