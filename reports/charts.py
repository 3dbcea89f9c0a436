"""Hand-built inline SVG charts: no JavaScript, no fonts or scripts fetched, prints as crisp vectors.

One chart shape serves both reports: a row per test, a bar per run (one run for a suite, before and
after for the loop), the Wilson 95% interval as a whisker and the test's threshold as a dashed mark.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

STATUS_COLOURS = {"pass": "#1f8a4c", "fail": "#c62828", "insufficient": "#8a8f98"}
NEUTRAL_COLOUR = "#b7c0cc"  # the "before" run: context, not the verdict
THRESHOLD_COLOUR = "#e07b00"


@dataclass(frozen=True)
class Bar:
    """One run's result for one test; `rate` None when no case was applicable."""

    series: str
    rate: float | None
    low: float | None
    high: float | None
    status: str
    neutral: bool = False


@dataclass(frozen=True)
class ChartRow:
    label: str
    threshold: float | None
    bars: tuple[Bar, ...]


_WIDTH, _LEFT, _RIGHT, _TOP = 760, 190, 714, 46
_BAR_H, _BAR_GAP, _ROW_GAP = 12, 4, 14
_MAX_LABEL = 24  # characters that fit left of the bars at the label's font size


def pass_rate_chart(rows: list[ChartRow], title: str) -> Markup:
    """An SVG of pass rates (0-100%) with interval whiskers and threshold marks, one row per test."""
    n_bars = max((len(r.bars) for r in rows), default=1)
    row_h = n_bars * (_BAR_H + _BAR_GAP) - _BAR_GAP + _ROW_GAP
    height = _TOP + max(len(rows), 1) * row_h + 28
    bottom = height - 26
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    parts += _legend(rows)
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{_TOP - 6}" x2="{x:.1f}" y2="{bottom}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" class="tick" text-anchor="middle">{tick:.0%}</text>')
    for index, row in enumerate(rows):
        parts += _row(row, _TOP + index * row_h, row_h)
    if not rows:
        parts.append(f'<text x="{_LEFT}" y="{_TOP + 10}" class="na">no tests in this run</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _x(rate: float) -> float:
    return _LEFT + max(0.0, min(1.0, rate)) * (_RIGHT - _LEFT)


def _row(row: ChartRow, top: float, row_h: float) -> list[str]:
    bars_h = row_h - _ROW_GAP
    shown = row.label if len(row.label) <= _MAX_LABEL else row.label[:_MAX_LABEL - 1] + "…"  # the rest would be cut
    parts = [f'<text x="{_LEFT - 10}" y="{top + bars_h / 2 + 4:.1f}" class="label" text-anchor="end">'
             f"{escape(shown)}<title>{escape(row.label)}</title></text>"]
    for k, bar in enumerate(row.bars):
        y = top + k * (_BAR_H + _BAR_GAP)
        parts += _bar(row.label, bar, y)
    if row.threshold is not None:
        x = _x(row.threshold)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 3:.1f}" x2="{x:.1f}" y2="{top + bars_h + 3:.1f}" '
                     f'class="threshold"><title>{escape(row.label)}: threshold {row.threshold:.0%}</title></line>')
    return parts


def _bar(label: str, bar: Bar, y: float) -> list[str]:
    mid = y + _BAR_H / 2
    if bar.rate is None:
        return [f'<text x="{_LEFT + 4}" y="{mid + 4:.1f}" class="na">{escape(bar.series)}: n/a '
                f"(no applicable cases)</text>"]
    colour = NEUTRAL_COLOUR if bar.neutral else STATUS_COLOURS.get(bar.status, NEUTRAL_COLOUR)
    tip = f"{label} ({bar.series}): {bar.rate:.1%}"
    if bar.low is not None and bar.high is not None:
        tip += f", 95% CI {bar.low:.1%}–{bar.high:.1%}"
    tip += f", {bar.status}"
    parts = [f'<rect x="{_LEFT}" y="{y:.1f}" width="{_x(bar.rate) - _LEFT:.1f}" height="{_BAR_H}" '
             f'fill="{colour}" class="bar"><title>{escape(tip)}</title></rect>']
    if bar.low is not None and bar.high is not None:
        x1, x2 = _x(bar.low), _x(bar.high)
        parts.append(f'<g class="whisker"><line x1="{x1:.1f}" y1="{mid:.1f}" x2="{x2:.1f}" y2="{mid:.1f}"/>'
                     f'<line x1="{x1:.1f}" y1="{y + 2:.1f}" x2="{x1:.1f}" y2="{y + _BAR_H - 2:.1f}"/>'
                     f'<line x1="{x2:.1f}" y1="{y + 2:.1f}" x2="{x2:.1f}" y2="{y + _BAR_H - 2:.1f}"/></g>')
    parts.append(f'<text x="{_RIGHT + 4}" y="{mid + 4:.1f}" class="value">{bar.rate:.0%}</text>')
    return parts


def _legend(rows: list[ChartRow]) -> list[str]:
    """Swatches for what the colours mean; the neutral swatch only when a run is drawn neutral."""
    entries: list[tuple[str, str]] = []
    neutral = sorted({b.series for r in rows for b in r.bars if b.neutral})
    for series in neutral:
        entries.append((f'<rect width="12" height="12" fill="{NEUTRAL_COLOUR}"/>', series))
    coloured = [s for s in dict.fromkeys(b.series for r in rows for b in r.bars if not b.neutral)]
    prefix = f"{coloured[0]}: " if coloured and neutral else ""
    entries.append((f'<rect width="12" height="12" fill="{STATUS_COLOURS["pass"]}"/>', f"{prefix}pass"))
    entries.append((f'<rect width="12" height="12" fill="{STATUS_COLOURS["fail"]}"/>', f"{prefix}fail"))
    if any(b.status == "insufficient" and not b.neutral for r in rows for b in r.bars):
        entries.append((f'<rect width="12" height="12" fill="{STATUS_COLOURS["insufficient"]}"/>',
                        f"{prefix}too few cases"))
    entries.append(('<line x1="0" y1="6" x2="14" y2="6" class="whisker-key"/>', "95% interval"))
    entries.append(('<line x1="6" y1="-1" x2="6" y2="13" class="threshold"/>', "threshold"))
    parts, x = [], 10.0
    for swatch, text in entries:
        parts.append(f'<g transform="translate({x:.0f},8)">{swatch}'
                     f'<text x="18" y="11" class="legend">{escape(text)}</text></g>')
        x += 30 + 6.3 * len(text)  # about the width of 11px text; the legend must stay inside the viewBox
    return parts
