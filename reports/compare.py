"""Render a model comparison (compare.json from robustness.compare.run) as self-contained HTML and as Markdown.

Reads data only: the explanations were computed by the harness and stored in the JSON. HTML autoescapes
every value (reviews are untrusted text); Markdown escapes every value through the environment's finalizer.
"""

from __future__ import annotations

from reports.compare_charts import accuracy_vs_robustness, grouped_pass_rates, model_colour, training_curves
from reports.errors import ReportError
from reports.render import _css, _html_env, _markdown_env

COMPARE_KIND = "model_comparison"
TOP_WORDS = 5
MIN_SCALE = 0.02  # probability change that gets full colour at least: near-zero effects stay pale


def check_comparison(comparison, where: str = "comparison") -> None:
    """The fields the renderers rely on, with a one-line error naming the first one missing."""
    if not isinstance(comparison, dict) or comparison.get("kind") != COMPARE_KIND:
        raise ReportError(f"{where}: not a model comparison (kind != {COMPARE_KIND!r}); pass compare.json from `robustness compare`")
    for key in ("schema_version", "models", "tests", "pairwise", "seed"):
        if key not in comparison:
            raise ReportError(f"{where}: field '{key}' is missing; re-run `robustness compare`")
    for k, model in enumerate(comparison["models"]):
        for key in ("name", "clean", "tests"):
            if key not in model:
                raise ReportError(f"{where}: models[{k}] has no '{key}'; re-run `robustness compare`")


def render_compare_html(comparison: dict) -> str:
    check_comparison(comparison)
    curves = [(title, chart) for title, chart in (
        ("Validation accuracy per epoch", training_curves(comparison, "validation_accuracy", "validation accuracy per epoch")),
        ("Training loss per epoch", training_curves(comparison, "train_loss", "training loss per epoch")),
    ) if chart is not None]
    return _html_env().get_template("compare.html.j2").render(
        c=comparison, css=_css(), colours=[model_colour(k) for k in range(len(comparison["models"]))],
        bars=grouped_pass_rates(comparison), scatter=accuracy_vs_robustness(comparison), curves=curves,
        rows=test_rows(comparison), failures=failure_views(comparison),
    )


def render_compare_markdown(comparison: dict) -> str:
    check_comparison(comparison)
    return _markdown_env().get_template("compare.md.j2").render(
        c=comparison, rows=test_rows(comparison), failures=failure_views(comparison))


def test_rows(comparison: dict) -> list[dict]:
    """One row per test: each model's entry for it (or None), in model order."""
    rows = []
    for test in comparison["tests"]:
        entries = [next((t for t in m["tests"] if t["name"] == test), None) for m in comparison["models"]]
        rows.append({"name": test, "entries": entries})
    return rows


def failure_views(comparison: dict) -> list[dict]:
    """Per model, its explained failures as highlighted segments of the original and the perturbed review."""
    views = []
    for model in comparison["models"]:
        items = []
        for failure in model.get("failures") or []:
            explanation = failure.get("explanation") or {}
            original, perturbed = explanation.get("original"), explanation.get("perturbed")
            scale = max([abs(w["importance"]) for side in (original, perturbed) if side for w in side["words"]] + [MIN_SCALE])
            items.append({
                "failure": failure, "label": (original or {}).get("label"),
                "original": highlight(failure["original"], original, scale),
                "perturbed": highlight(failure["perturbed"], perturbed, scale),
                "top_original": top_words(original), "top_perturbed": top_words(perturbed),
            })
        views.append({"name": model["name"], "items": items})
    return views


def highlight(text: str, explanation: dict | None, scale: float) -> list[dict]:
    """Plain and highlighted segments covering `text`: words that supported the label in green, words that
    worked against it in red, opacity by how much deleting them moved the probability."""
    if not explanation:
        return [{"text": text, "style": None, "title": None}]
    segments, cursor = [], 0
    for word in explanation["words"]:
        start, end, value = word["start"], word["end"], word["importance"]
        if start < cursor or end > len(text):
            continue
        if start > cursor:
            segments.append({"text": text[cursor:start], "style": None, "title": None})
        alpha = min(1.0, abs(value) / scale)
        colour = "31,138,76" if value > 0 else "198,40,40"
        style = f"background: rgba({colour},{alpha * 0.6:.2f})" if alpha >= 0.05 else None
        segments.append({"text": text[start:end], "style": style, "title": f"{value:+.3f}" if style else None})
        cursor = end
    if cursor < len(text):
        segments.append({"text": text[cursor:], "style": None, "title": None})
    return segments


def top_words(explanation: dict | None, k: int = TOP_WORDS) -> list[tuple[str, float]]:
    """The k words whose removal moved the probability most (either way), strongest first, minus any that
    moved nothing. Pure reading of an explanation dict (robustness.compare.explain writes them), so it lives here."""
    if not explanation:
        return []
    words = sorted(explanation["words"], key=lambda w: abs(w["importance"]), reverse=True)
    return [(w["word"], w["importance"]) for w in words[:k] if w["importance"] != 0]


__all__ = ["check_comparison", "render_compare_html", "render_compare_markdown", "top_words"]
