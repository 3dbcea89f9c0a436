"""Inline SVG charts for the model comparison: grouped pass-rate bars, accuracy against the worst test, and
training curves. One colour per model throughout, so a reader can follow a model from chart to chart."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

PALETTE = ("#2f5d9e", "#e07b00", "#1f8a4c", "#c62828", "#7b4fa0", "#00838f", "#8d6e63", "#546e7a", "#ad1457")


def model_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _svg(width: int, height: int, title: str, parts: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')
    return Markup(head + "\n".join(parts) + "</svg>")


def _legend(names: list[str], y: float = 10, width: float = 750) -> tuple[list[str], float]:
    """Swatches with model names, wrapped onto more rows when they would leave the chart; returns the
    parts and the height the legend takes."""
    parts, x, row = [], 10.0, 0
    for k, name in enumerate(names):
        item = 34 + 6.3 * len(name)
        if x + item > width and x > 10:
            x, row = 10.0, row + 1
        parts.append(f'<g transform="translate({x:.0f},{y + 18 * row:.0f})"><rect width="12" height="12" '
                     f'fill="{model_colour(k)}"/><text x="18" y="11" class="legend">{escape(name)}</text></g>')
        x += item
    return parts, 18.0 * (row + 1)


def grouped_pass_rates(comparison: dict) -> Markup:
    """One row per test, one bar per model, Wilson 95% whiskers, the test's threshold as a dashed mark."""
    models, tests = comparison["models"], comparison["tests"]
    parts, legend_h = _legend([m["name"] for m in models])
    left, right, top, bar_h, gap = 190, 714, 22 + legend_h, 10, 12
    row_h = len(models) * (bar_h + 2) + gap
    height = int(top + len(tests) * row_h + 30)
    x = lambda r: left + max(0.0, min(1.0, r)) * (right - left)  # noqa: E731
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 24}" class="grid"/>'
                     f'<text x="{x(tick):.1f}" y="{height - 8}" class="tick" text-anchor="middle">{tick:.0%}</text>')
    for row, test in enumerate(tests):
        y0 = top + row * row_h
        parts.append(f'<text x="{left - 10}" y="{y0 + (row_h - gap) / 2 + 4:.1f}" class="label" text-anchor="end">{escape(test)}</text>')
        threshold = None
        for k, model in enumerate(models):
            entry = next((t for t in model["tests"] if t["name"] == test), None)
            y = y0 + k * (bar_h + 2)
            if entry is None or entry["pass_rate"] is None:
                parts.append(f'<text x="{left + 4}" y="{y + bar_h - 1:.1f}" class="na">{escape(model["name"])}: n/a</text>')
                continue
            threshold = entry.get("min_pass_rate")
            tip = f'{test} ({model["name"]}): {entry["pass_rate"]:.1%} of {entry["n_applicable"]}'
            if entry["ci_low"] is not None:
                tip += f', 95% CI {entry["ci_low"]:.1%}–{entry["ci_high"]:.1%}'
            parts.append(f'<rect x="{left}" y="{y:.1f}" width="{x(entry["pass_rate"]) - left:.1f}" height="{bar_h}" '
                         f'fill="{model_colour(k)}" class="bar"><title>{escape(tip)}</title></rect>')
            if entry["ci_low"] is not None:
                mid = y + bar_h / 2
                parts.append(f'<line x1="{x(entry["ci_low"]):.1f}" y1="{mid:.1f}" x2="{x(entry["ci_high"]):.1f}" '
                             f'y2="{mid:.1f}" class="whisker-key"/>')
            parts.append(f'<text x="{right + 4}" y="{y + bar_h - 1:.1f}" class="value">{entry["pass_rate"]:.0%}</text>')
        if threshold is not None:
            parts.append(f'<line x1="{x(threshold):.1f}" y1="{y0 - 2:.1f}" x2="{x(threshold):.1f}" '
                         f'y2="{y0 + row_h - gap + 2:.1f}" class="threshold"/>')
    return _svg(760, height, "pass rate per test, per model", parts)


def accuracy_vs_robustness(comparison: dict) -> Markup:
    """Clean accuracy (x) against the worst test's pass rate (y); marker area grows with reviews per second."""
    models = comparison["models"]
    width, height, left, right, top, bottom = 760, 360, 70, 720, 30, 310
    points = [(m["clean"]["accuracy"], (m["worst_test"] or {}).get("pass_rate"), m) for m in models]
    xs = [p[0] for p in points if p[0] is not None] or [0.5]
    ys = [p[1] for p in points if p[1] is not None] or [0.5]
    x_lo, x_hi = _range(xs)
    y_lo, y_hi = _range(ys)
    sx = lambda v: left + (v - x_lo) / (x_hi - x_lo) * (right - left)  # noqa: E731
    sy = lambda v: bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - top)  # noqa: E731
    speeds = [m["inference_reviews_per_s"] for m in models if m.get("inference_reviews_per_s")]
    fastest = max(speeds) if speeds else None
    parts = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="grid"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="grid"/>',
             f'<text x="{(left + right) / 2}" y="{height - 10}" class="tick" text-anchor="middle">clean accuracy</text>',
             f'<text x="16" y="{(top + bottom) / 2}" class="tick" text-anchor="middle" '
             f'transform="rotate(-90 16 {(top + bottom) / 2})">worst test pass rate</text>']
    for v in (x_lo, (x_lo + x_hi) / 2, x_hi):
        parts.append(f'<text x="{sx(v):.1f}" y="{bottom + 16}" class="tick" text-anchor="middle">{v:.1%}</text>')
    for v in (y_lo, (y_lo + y_hi) / 2, y_hi):
        parts.append(f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" class="tick" text-anchor="end">{v:.0%}</text>')
    placed: list[tuple[float, float, float]] = []  # (x from, x to, y) of labels already drawn
    for k, (acc, worst, model) in enumerate(points):
        if acc is None or worst is None:
            continue
        speed = model.get("inference_reviews_per_s")
        radius = 5 + 13 * math.sqrt(speed / fastest) if speed and fastest else 6
        label = f'{model["name"]} ({speed:,.0f} reviews/s)' if speed else model["name"]
        tip = f'{model["name"]}: accuracy {acc:.1%}, worst test {model["worst_test"]["name"]} {worst:.1%}'
        parts.append(f'<circle cx="{sx(acc):.1f}" cy="{sy(worst):.1f}" r="{radius:.1f}" fill="{model_colour(k)}" '
                     f'fill-opacity="0.75"><title>{escape(tip)}</title></circle>'
                     + _point_label(sx(acc), sy(worst), radius, label, sx(acc) > (left + right) / 2, placed))
    return _svg(width, height, "clean accuracy against worst-test pass rate (marker size: speed)", parts)


def _free_y(placed: list, x0: float, x1: float, y: float, line: float = 14.0) -> float:
    """Move a label down until it overlaps no label already placed (clustered models); x0-x1 is its extent."""
    while any(x0 < px1 and px0 < x1 and abs(py - y) < line for px0, px1, py in placed):
        y += line
    placed.append((x0, x1, y))
    return y


def _point_label(x: float, y: float, radius: float, label: str, right_half: bool, placed: list) -> str:
    """A marker's label on its right, or on its left in the right half so it stays inside the chart; moved
    down when it would overlap an earlier label."""
    width = 6.6 * len(label)
    if right_half:
        y = _free_y(placed, x - radius - 4 - width, x - radius - 4, y)
        return f'<text x="{x - radius - 4:.1f}" y="{y + 4:.1f}" class="label" text-anchor="end">{escape(label)}</text>'
    y = _free_y(placed, x + radius + 4, x + radius + 4 + width, y)
    return f'<text x="{x + radius + 4:.1f}" y="{y + 4:.1f}" class="label">{escape(label)}</text>'


def training_curves(comparison: dict, key: str, title: str) -> Markup | None:
    """One line per model over epochs for a metrics.json history field; None when no model has a history."""
    series = [(k, m["name"], [(h["epoch"], h.get(key)) for h in m.get("history") or [] if h.get(key) is not None])
              for k, m in enumerate(comparison["models"])]
    series = [s for s in series if s[2]]
    if not series:
        return None
    legend, legend_h = _legend([name for _, name, _ in series])
    width, left, right, top = 760, 60, 740, 22 + legend_h
    bottom = top + 185
    height = bottom + 35
    epochs = [e for _, _, pts in series for e, _ in pts]
    values = [v for _, _, pts in series for _, v in pts]
    e_hi = max(max(epochs), 2)
    v_lo, v_hi = _range(values)
    sx = lambda e: left + (e - 1) / (e_hi - 1) * (right - left)  # noqa: E731
    sy = lambda v: bottom - (v - v_lo) / (v_hi - v_lo) * (bottom - top)  # noqa: E731
    parts = legend
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="grid"/>')
    for e in range(1, e_hi + 1):
        parts.append(f'<text x="{sx(e):.1f}" y="{bottom + 15}" class="tick" text-anchor="middle">{e}</text>')
    for v in (v_lo, (v_lo + v_hi) / 2, v_hi):
        parts.append(f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" class="tick" text-anchor="end">{v:.3g}</text>')
    for k, name, pts in series:
        path = " ".join(f"{sx(e):.1f},{sy(v):.1f}" for e, v in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{model_colour(k)}" stroke-width="2">'
                     f'<title>{escape(name)}</title></polyline>')
        parts += [f'<circle cx="{sx(e):.1f}" cy="{sy(v):.1f}" r="3" fill="{model_colour(k)}">'
                  f'<title>{escape(name)} epoch {e}: {v:.4f}</title></circle>' for e, v in pts]
    return _svg(width, height, title, parts)


def _range(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.1, 0.01)
    return lo - pad, hi + pad
