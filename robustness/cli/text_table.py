"""The plain-text tables commands print (test results, comparisons, ablation effects)."""

from __future__ import annotations

from typing import Sequence


def text_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """One line per row, columns left-aligned to their widest cell, two spaces apart, no trailing blanks."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
