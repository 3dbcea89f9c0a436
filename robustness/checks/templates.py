"""Capability guards: CheckList-style minimum functionality tests on short template sentences.

Each capability (vocabulary, negation_of_positive, contrast, ...) is a few templates with the label a reader
gives, shipped as data (robustness/checks/data/minimum_functionality.yml, which names its source). A run
expands each capability's templates into a seeded, balanced sample of cases, predicts them in batches and
reports a failure rate with a Wilson interval. Case ids depend only on the template and its words, so two
models (the loop's before and after) are compared case by case with McNemar's exact test.

    config = capability_config_from_dict({"seed": 0, "sample": 200,
                                          "tests": {"negation_of_positive": {"max_failure_rate": 0.2}}})
    results = run_capabilities(model, config)      # {"capabilities": [...], "cases": [...]}
    paired = compare_capabilities(before_results, results)
"""

from __future__ import annotations

import difflib
import itertools
import random
import string
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from robustness.config_files import read_config_data, validation_error
from robustness.errors import ConfigError, DataError
from robustness.models.labels import Polarity, model_polarity
from robustness.models.predictor import CachedPredictor
from robustness.stats import mcnemar_exact, wilson_interval

SCHEMA_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DATA = DATA_DIR / "minimum_functionality.yml"
EXPECTATIONS = ("positive", "negative", "not_negative")
PAIRED_ALPHA = 0.05
MAX_EXAMPLES = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CapabilitySpec(_Strict):
    max_failure_rate: float | None = Field(None, ge=0.0, le=1.0)  # None: reported, never failed on its own
    sample: int | None = Field(None, ge=1, le=100_000)               # None: the block's sample


class CapabilityConfig(_Strict):
    """The capability block: `tests` names the capabilities to run (empty: every one in the data file)."""

    seed: int = 0
    sample: int = Field(200, ge=1, le=100_000)  # cases per capability, spread evenly over its templates
    batch_size: int = Field(256, ge=1, le=65_536)
    data: str | None = None                     # another templates file in the same format (None: the shipped one)
    tests: dict[str, CapabilitySpec | None] = Field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    text: str
    label: str
    than: str | None = None


@dataclass(frozen=True)
class Capability:
    name: str
    description: str
    templates: tuple[Template, ...]


@dataclass(frozen=True)
class CapabilitySet:
    source: str
    path: str
    lexicons: dict[str, tuple[str, ...]]
    capabilities: dict[str, Capability]


@dataclass(frozen=True)
class CapabilityCase:
    case_id: str
    capability: str
    template: int
    text: str
    label: str
    than: str | None = None


def capability_config_from_dict(data: Any, source: str = "<dict>") -> CapabilityConfig:
    """Validate a capability block; an error names the dotted field, an unknown capability the closest one."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the capability block must be a mapping, got {type(data).__name__}")
    try:
        config = CapabilityConfig.model_validate(data)
    except ValidationError as exc:
        keys = (f"the keys are {', '.join(CapabilityConfig.model_fields)} and, per capability, "
                f"{', '.join(CapabilitySpec.model_fields)}")
        raise ConfigError(validation_error(exc, source, unknown_key=lambda _: keys)) from None
    known = load_capabilities(config.data).capabilities
    for name in config.tests:
        check_capability_name(name, known, f"{source}: tests")
    return config


def check_capability_name(name: str, known, where: str) -> None:
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"the capabilities are {', '.join(known)}"
        raise ConfigError(f"{where}: unknown capability '{name}'; {hint}")


def capability_names(data: str | Path | None = None) -> list[str]:
    return list(load_capabilities(data).capabilities)


def load_capabilities(path: str | Path | None = None) -> CapabilitySet:
    """Read and check a templates file: every {slot} has a word list, every label is known, a source is named."""
    path = Path(path) if path is not None else DEFAULT_DATA
    raw = read_config_data(path, what="capability templates")
    if not isinstance(raw, dict) or not isinstance(raw.get("source"), str) or not raw["source"].strip():
        raise DataError(f"{path}: a capability templates file needs a 'source:' line naming where it comes from")
    lexicons_raw = raw.get("lexicons")
    if not isinstance(lexicons_raw, dict) or not lexicons_raw:
        raise DataError(f"{path}: lexicons: a mapping of slot name -> list of words is required")
    lexicons = {}
    for slot, words in lexicons_raw.items():
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
            raise DataError(f"{path}: lexicons.{slot}: a non-empty list of words is required")
        lexicons[str(slot)] = tuple(words)
    capabilities = {}
    for name, body in (raw.get("capabilities") or {}).items():
        where = f"{path}: capabilities.{name}"
        templates = body.get("templates") if isinstance(body, dict) else None
        if not isinstance(templates, list) or not templates:
            raise DataError(f"{where}.templates: a non-empty list of {{text, label}} entries is required")
        checked = tuple(_template(entry, lexicons, f"{where}.templates[{i}]") for i, entry in enumerate(templates))
        capabilities[str(name)] = Capability(str(name), str(body.get("description", "")), checked)
    if not capabilities:
        raise DataError(f"{path}: capabilities: at least one capability is required")
    return CapabilitySet(source=raw["source"].strip(), path=str(path), lexicons=lexicons, capabilities=capabilities)


def _template(entry, lexicons: dict, where: str) -> Template:
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        raise DataError(f"{where}: write {{text: \"The {{thing}} was {{pos_adj}}.\", label: positive}}")
    label, than = entry.get("label"), entry.get("than")
    if label not in EXPECTATIONS:
        raise DataError(f"{where}.label: {label!r} is not one of {', '.join(EXPECTATIONS)}")
    if than is not None and (label == "not_negative" or not isinstance(than, str)):
        raise DataError(f"{where}.than: a sentence to compare with, for a positive or negative label only")
    slots = _slots(entry["text"])
    if than is not None and not _slots(than) <= slots:
        raise DataError(f"{where}.than: uses slots the text does not fill")
    for slot in slots:
        if slot not in lexicons:
            raise DataError(f"{where}: slot '{{{slot}}}' has no word list under lexicons")
    return Template(entry["text"], label, than)


def _slots(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def expand_cases(capability: Capability, lexicons: dict, sample: int, seed: int) -> list[CapabilityCase]:
    """`sample` cases taken round-robin from the templates, each template's fills in a seeded order: positive and
    negative templates stay balanced, and a case depends only on (seed, capability, template, words)."""
    orders = []
    for index, template in enumerate(capability.templates):
        slots = sorted(_slots(template.text))
        fills = [dict(zip(slots, words)) for words in itertools.product(*(lexicons[s] for s in slots))]
        random.Random(f"{seed}:capability:{capability.name}:{index}").shuffle(fills)
        orders.append([(index, template, fill) for fill in fills])
    cases = []
    for index, template, fill in itertools.islice(_round_robin(orders), sample):
        words = "|".join(fill[slot] for slot in sorted(fill))
        cases.append(CapabilityCase(case_id=f"{capability.name}/{index}/{words}", capability=capability.name,
                                    template=index, text=template.text.format_map(fill), label=template.label,
                                    than=template.than.format_map(fill) if template.than else None))
    return cases


def _round_robin(orders):
    for row in itertools.zip_longest(*orders):
        yield from (item for item in row if item is not None)


def run_capabilities(model, config: CapabilityConfig | None = None, polarity: Polarity | None = None) -> dict:
    """Every capability of `config` (all when it names none) on `model`: failure rates with Wilson intervals and
    one record per case (text, expected label, prediction, P(positive)) for case-by-case comparison. `polarity`
    says which label is positive and which negative (the suite's harness; default: model_polarity's)."""
    config = config or CapabilityConfig()
    data = load_capabilities(config.data)
    names = list(config.tests) or list(data.capabilities)
    polarity = polarity or model_polarity(model.labels)
    labels = list(polarity.labels)
    positive, negative = polarity.poles("capability guards")
    predictor = CachedPredictor(model, config.batch_size)
    summaries, records = [], []
    for name in names:
        spec = config.tests.get(name) or CapabilitySpec()
        cases = expand_cases(data.capabilities[name], data.lexicons, spec.sample or config.sample, config.seed)
        own = judge_cases(cases, predictor.predict, labels, positive, negative)
        n, failed = len(own), sum(not r["passed"] for r in own)
        low, high = wilson_interval(failed, n)
        status = None if spec.max_failure_rate is None else (
            "pass" if failed / n <= spec.max_failure_rate + 1e-12 else "fail")
        summaries.append({"name": name, "description": data.capabilities[name].description, "n": n, "n_failed": failed,
                          "failure_rate": failed / n if n else None, "ci_low": low, "ci_high": high,
                          "max_failure_rate": spec.max_failure_rate, "status": status,
                          "examples": [r for r in own if not r["passed"]][:MAX_EXAMPLES]})
        records.extend(own)
    failed_names = [s["name"] for s in summaries if s["status"] == "fail"]
    return {"schema_version": SCHEMA_VERSION, "kind": "capability_results", "source": data.source,
            "data": data.path, "seed": config.seed, "sample": config.sample, "labels": labels,
            "config": config.model_dump(), "passed": not failed_names, "failed": failed_names,
            "capabilities": summaries, "cases": records}


def judge_cases(cases: list[CapabilityCase], predict, labels, positive: int, negative: int) -> list[dict]:
    """Predict `cases` (their texts, then the `than` sentences of those that have one) with `predict(texts) ->
    (n, k)` and judge each: one record per case (text, expected label, prediction, P(positive), passed)."""
    proba = predict([c.text for c in cases])
    references = [c.than for c in cases if c.than]
    than_rows = iter(predict(references) if references else ())
    return [_record(case, row, next(than_rows) if case.than else None, labels, positive, negative)
            for case, row in zip(cases, proba)]


def _record(case: CapabilityCase, row, reference, labels, positive: int, negative: int) -> dict:
    predicted = int(row.argmax())
    if case.label == "not_negative":
        passed = predicted != negative
    else:
        column = positive if case.label == "positive" else negative
        passed = predicted == column and (reference is None or float(row[column]) >= float(reference[column]) - 1e-9)
    return asdict(case) | {"predicted": labels[predicted], "p_positive": round(float(row[positive]), 6),
                           "passed": bool(passed)}


def compare_capabilities(before: dict, after: dict, alpha: float = PAIRED_ALPHA) -> list[dict]:
    """Per capability, the cases both runs judged, paired on case_id: fixed, regressed, McNemar's exact p, and
    `significantly_worse` when p < alpha and more cases regressed than were fixed."""
    was = {c["case_id"]: c["passed"] for c in before.get("cases", [])}
    rows: dict[str, dict] = {}
    for case in after.get("cases", []):
        if case["case_id"] not in was:
            continue
        row = rows.setdefault(case["capability"], {"capability": case["capability"], "n_paired": 0, "failed_before": 0,
                                                   "failed_after": 0, "fixed": 0, "regressed": 0})
        old, new = bool(was[case["case_id"]]), bool(case["passed"])
        row["n_paired"] += 1
        row["failed_before"] += not old
        row["failed_after"] += not new
        row["fixed"] += (not old) and new
        row["regressed"] += old and not new
    for row in rows.values():
        n = row["n_paired"]
        row["failure_rate_before"], row["failure_rate_after"] = row["failed_before"] / n, row["failed_after"] / n
        row["ci_before"] = list(wilson_interval(row["failed_before"], n))
        row["ci_after"] = list(wilson_interval(row["failed_after"], n))
        row["mcnemar_p"] = mcnemar_exact(row["regressed"], row["fixed"])
        row["significantly_worse"] = row["mcnemar_p"] < alpha and row["regressed"] > row["fixed"]
        row["significantly_better"] = row["mcnemar_p"] < alpha and row["fixed"] > row["regressed"]
    return list(rows.values())


def capability_block_of(names: list[str] | None, sample: int, seed: int) -> CapabilityConfig:
    """The capability block the loop's guards run (every shipped capability when `names` is None)."""
    return CapabilityConfig(seed=seed, sample=sample, tests={name: None for name in (names or [])})


__all__ = ["CapabilityConfig", "CapabilitySpec", "capability_config_from_dict", "load_capabilities", "expand_cases",
           "run_capabilities", "compare_capabilities", "capability_names", "judge_cases"]
