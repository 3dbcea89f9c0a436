"""How numbers and text look in every report, shared by the HTML and Markdown templates as Jinja filters."""

from __future__ import annotations

import re

_DASH = "–"


def pct(value, digits: int = 1) -> str:
    """0.9234 -> '92.3%'; None (not computable) -> a dash, never 'nan%'."""
    if value is None:
        return _DASH
    return f"{value * 100:.{digits}f}%"


def pt(value, digits: int = 1) -> str:
    """A difference of two rates in percentage points, signed: 0.031 -> '+3.1 pt'."""
    if value is None:
        return _DASH
    points = value * 100
    if round(points, digits) == 0:
        return f"±{0:.{digits}f} pt"
    sign = "+" if points > 0 else "−"
    return f"{sign}{abs(points):.{digits}f} pt"


def pval(value) -> str:
    if value is None:
        return _DASH
    if value < 0.001:
        return "<0.001"
    return f"{value:.3f}"


def secs(value) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    if value >= 120:
        return f"{value / 60:.1f} min"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def num(value) -> str:
    """Counts with thousands separators; anything else unchanged."""
    if value is None:
        return _DASH
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class MdSafe(str):
    """Markdown produced on purpose (markers around escaped text): the Markdown finalizer leaves it alone."""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md_escape(value) -> str:
    """Make any value inert in GitHub Markdown: no HTML, no emphasis, no table breaks, one line."""
    if isinstance(value, MdSafe):
        return value
    if value is None:
        return ""
    text = str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return MdSafe(re.sub(r"\s*[\r\n]+\s*", " ", text))


def md_mark(text: str, marker: str) -> MdSafe:
    """Wrap the non-blank core of `text` in `marker` (e.g. '~~' or '**'); emphasis fails next to spaces."""
    text = re.sub(r"\s+", " ", str(text))
    core = text.strip()
    if not core:
        return MdSafe(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return MdSafe(f"{lead}{marker}{md_escape(core)}{marker}{trail}")


FILTERS = {"pct": pct, "pt": pt, "pval": pval, "secs": secs, "num": num}
