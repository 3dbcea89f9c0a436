"""The trend page: each test's pass rate and 95% interval over the recorded runs, as inline SVG (no scripts, no
network), with the threshold and every run's model and tags in a tooltip."""

from __future__ import annotations

from markupsafe import Markup, escape

from reports.render import _css, _html_env

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 150, 44, 12, 10, 22


def render_trend_html(series: dict[str, list[dict]]) -> str:
    tests = [{"name": name, "points": points, "chart": trend_chart(name, points),
              "last": points[-1], "first": points[0]} for name, points in series.items()]
    runs = sorted({p["run"] for points in series.values() for p in points})
    return _html_env().get_template("trend.html.j2").render(tests=tests, n_runs=len(runs), css=_css())


def trend_chart(name: str, points: list[dict]) -> Markup:
    """One test: the interval as a band, the pass rate as a line with a dot per run, the threshold dashed."""
    values = [p["value"] for p in points if p["value"] is not None]
    lows = [p["ci_low"] for p in points if p["ci_low"] is not None]
    highs = [p["ci_high"] for p in points if p["ci_high"] is not None]
    thresholds = [p["threshold"] for p in points if p["threshold"] is not None]
    bottom = min(values + lows + thresholds, default=0.0)
    top = max(values + highs + thresholds, default=1.0)
    if points and not points[0]["is_score"]:
        bottom, top = min(bottom, 1.0), 1.0
    pad = max((top - bottom) * 0.08, 0.005)
    bottom, top = bottom - pad, top + pad
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (0.5 if n == 1 else i / (n - 1))

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - bottom) / (top - bottom))

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(name)} over {n} runs" '
             f'class="trend">']
    for v in (bottom + pad, top - pad):
        parts.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end" class="axis">{v:.3f}</text>')
    band = [(x(i), p) for i, p in enumerate(points) if p["ci_low"] is not None and p["ci_high"] is not None]
    if len(band) > 1:
        upper = " ".join(f"{bx:.1f},{y(p['ci_high']):.1f}" for bx, p in band)
        lower = " ".join(f"{bx:.1f},{y(p['ci_low']):.1f}" for bx, p in reversed(band))
        parts.append(f'<polygon points="{upper} {lower}" class="band"/>')
    for bx, p in band if len(band) == 1 else []:
        parts.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{y(p["ci_low"]):.1f}" y2="{y(p["ci_high"]):.1f}" '
                     f'class="whisker"/>')
    if thresholds:
        ty = y(thresholds[-1])
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" class="threshold"/>')
    line = [(x(i), y(p["value"])) for i, p in enumerate(points) if p["value"] is not None]
    if len(line) > 1:
        parts.append('<polyline points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py in line) + '" class="line"/>')
    for i, p in enumerate(points):
        if p["value"] is None:
            continue
        tip = (f"run {p['run']} · {p['created_at']} · {p['model']}" + (f" · {', '.join(p['tags'])}" if p["tags"] else "")
               + f" · {p['value']:.3f}" + (f" [{p['ci_low']:.3f}, {p['ci_high']:.3f}]" if p["ci_low"] is not None else "")
               + f" · {p['status']}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p["value"]):.1f}" r="3.5" class="dot {escape(p["status"] or "")}">'
                     f'<title>{escape(tip)}</title></circle>')
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 6}" text-anchor="middle" class="axis">{p["run"]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
