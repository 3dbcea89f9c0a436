"""Render suite results and loop summaries as HTML and Markdown through Jinja2 templates.

HTML autoescapes everything (reviews are untrusted text and may contain markup); Markdown escapes every
value through the environment's finalizer, so a template cannot forget to.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from reports import transfer, view
from reports.charts import pass_rate_chart
from reports.formatting import FILTERS, MdSafe, md_escape, md_mark
from reports.inputs import check_loop_summary, check_results

TEMPLATES = Path(__file__).parent / "templates"
MARKDOWN_EXAMPLES_PER_TEST = 2  # PR comments have a size limit and readers skim
MARKDOWN_CONTEXT = 80


@lru_cache(maxsize=1)
def _html_env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


@lru_cache(maxsize=1)
def _markdown_env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False, finalize=md_escape,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update({name: _md_safe(f) for name, f in FILTERS.items()})
    env.filters["md_mark"] = md_mark
    env.filters["status_md"] = lambda s: MdSafe({"pass": "✅ pass", "fail": "❌ fail"}.get(s, f"⚪ {md_escape(s)}"))
    env.filters["gate_md"] = lambda passed: MdSafe("✅ pass" if passed else "❌ fail")
    env.filters["headline"] = view.headline  # a number for `pct`, not text: no escaping
    return env


def _md_safe(function):
    return lambda *args, **kwargs: md_escape(function(*args, **kwargs))


@lru_cache(maxsize=1)
def _css() -> Markup:
    return Markup((TEMPLATES / "report.css").read_text(encoding="utf-8"))


def _suite_context(results: dict, baseline: dict | None, examples_per_test: int | None, context: int | None) -> dict:
    check_results(results)
    if baseline is not None:
        check_results(baseline, where="baseline")
    rows = view.test_rows(results, baseline)
    groups = _limit(view.example_groups(results, context), examples_per_test)
    return {
        "gate": view.gate_view(results), "rows": rows, "baseline": baseline,
        "sections": view.category_sections(rows, results),
        "regressions": [r["name"] for r in rows if r["regressed"]],
        "improvements": [r["name"] for r in rows if r["improved"]],
        "removed": view.removed_tests(results, baseline),
        "example_groups": groups, "n_examples": sum(len(g["examples"]) for g in groups),
        "meta": view.meta_view(results), "schema_version": results.get("schema_version"),
    }


def render_suite_html(results: dict, baseline: dict | None = None) -> str:
    """A self-contained page for one suite run; with `baseline`, deltas and pass->fail regressions."""
    context = _suite_context(results, baseline, None, 160)
    context["chart"] = pass_rate_chart(view.suite_chart_rows(results), "Pass rate per test with 95% intervals and thresholds")
    context["css"] = _css()
    return _html_env().get_template("suite.html.j2").render(context)


def render_suite_markdown(results: dict, baseline: dict | None = None) -> str:
    """A short Markdown summary for a pull-request comment."""
    context = _suite_context(results, baseline, MARKDOWN_EXAMPLES_PER_TEST, MARKDOWN_CONTEXT)
    return _markdown_env().get_template("suite.md.j2").render(context)


def _loop_context(summary: dict, examples_per_test: int | None, context: int | None) -> dict:
    check_loop_summary(summary)
    paired = view.paired_rows(summary)
    clean = view.clean_view(summary)
    after_examples = _limit(view.example_groups(summary["after"], context), examples_per_test)
    models = {"before": {}, "after": {}, **(summary.get("models") or {})}
    for key in ("before", "after"):
        models[key] = models[key] or summary[key].get("model") or {}
    return {
        "summary": summary, "verdict": view.verdict_view(summary, paired, clean),
        "transfer": transfer.transfer_view(summary), "guards": transfer.guards_view(summary),
        "fix": transfer.fix_view(summary),
        "rows": view.before_after_rows(summary), "paired": paired, "clean": clean,
        "paired_alpha": (summary.get("paired") or {}).get("alpha", 0.05),
        "paired_method": (summary.get("paired") or {}).get("method", "mcnemar"),
        "augmentation": summary.get("augmentation"), "models": models,
        "seeds": summary.get("seeds") or {"suite": summary["before"].get("seed")},
        "versions": summary.get("versions") or summary["after"].get("versions") or {},
        "timings": summary.get("timings") or {},
        "config_json": view.pretty_json(summary.get("config")),
        "labels": (summary["after"].get("model") or {}).get("labels"),
        "after_examples": after_examples, "n_examples": sum(len(g["examples"]) for g in after_examples),
    }


def render_before_after_html(summary: dict) -> str:
    """The one-minute page for a release manager: verdict, per-test table, chart, paired counts, examples."""
    context = _loop_context(summary, None, 160)
    context["before_examples"] = view.example_groups(summary["before"], 160)
    context["chart"] = pass_rate_chart(view.before_after_chart_rows(summary["before"], summary["after"]),
                                       "Pass rate per test before and after the fix, with 95% intervals and thresholds")
    context["css"] = _css()
    return _html_env().get_template("before_after.html.j2").render(context)


def render_before_after_markdown(summary: dict) -> str:
    context = _loop_context(summary, MARKDOWN_EXAMPLES_PER_TEST, MARKDOWN_CONTEXT)
    return _markdown_env().get_template("before_after.md.j2").render(context)


def _limit(groups: list[dict], per_test: int | None) -> list[dict]:
    if per_test is None:
        return groups
    return [{**g, "examples": g["examples"][:per_test]} for g in groups]
