"""The one schema of the augment-and-retrain stages (loop.yml), validated on load like the suite config.

    model:   {preset: quick, existing: null, seed: 13, epochs: null}
    data:    {path: null, validation_fraction: 0.1, max_train: null, test_sample: null}
    suite:   {config: null, sample: 500, seed: 7, fresh_seed: 8}
    augment: {ratio: 0.3, mode: proportional, seed: 11, dir_policy: directed, margin: 0.0, select: random, pool: 3,
              failures_for: [], variants: 1}
    retrain: {mode: finetune, epochs: null, learning_rate: null, targets: teacher, teacher_weight: 0.5,
              dir_shift: 0.3, dir_margin: 0.0, grow_vocab: true, save_epochs: false}

`robustness loop` reads all of it; `robustness augment --config` reads `augment:` (with `data:`, `model.seed`
and `suite.config`), `robustness train --config` reads `retrain:` (with `model:` and `data:`), so augment then
train by hand with the same file reproduces the loop. Every field is optional and has its one default here;
`--set section.field=value` overrides one (with_settings). Each field is described in docs/loop-config.md.
The defaults run a short loop on the quick preset: fine-tune the model (2 epochs at a third of its preset's
learning rate unless set) on targets anchored on it, with the augmented rows' new words added to its
vocabulary. The shipped recipe robustness/configs/loop_full_imdb.yml met every target of the loop on full IMDB.
`mode: scratch` trains a new model (gold or teacher targets; its own vocabulary).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from robustness.errors import ConfigError


def known_tests(names: list[str]) -> list[str]:
    """`names` unchanged when each is a registered perturbation; else the registry's message naming the closest."""
    import perturbations

    for name in names:
        try:
            perturbations.get_perturbation(name)
        except KeyError as exc:
            raise ValueError(str(exc)) from None
    return names


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ModelSection(_Strict):
    preset: str = "quick"              # trains the 'before' model when `existing` is not given
    existing: str | None = None        # an existing model directory to start from
    seed: int = 13
    epochs: int | None = Field(None, ge=1, le=100)


class DataSection(_Strict):
    path: str | None = None            # default: the IMDB archive from the cache or ../shared/data
    validation_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    max_train: int | None = Field(None, ge=10)   # seeded subsample of train, for quick demos
    test_sample: int | None = Field(None, ge=10)  # clean metrics on this many test reviews (None: all)
    test_path: str | None = None       # the loop's test reviews when `path` is a flat file (CSV, ...) without splits
    text_column: str | None = None     # a table's text column (None: detect text, review, sentence, ...)
    label_column: str | None = None    # a table's label column (None: detect label, sentiment, class, ...)
    label_map: dict[str, str] | None = None  # raw label -> label name, e.g. {1: neg, 5: pos} or "1=neg,5=pos"

    @field_validator("label_map", mode="before")
    @classmethod
    def _label_map(cls, value):
        """The CLI's "1=neg,2=neg" or a YAML mapping (keys may be numbers) as {"1": "negative", ...}."""
        from model_adapters.labels import canonical_label, label_key, parse_label_map

        if isinstance(value, str):
            try:
                return parse_label_map(value, "label_map")
            except Exception as exc:  # UsageError: reported as this field's error
                raise ValueError(str(exc).partition("label_map")[2].lstrip(": ") or str(exc)) from None
        if isinstance(value, dict):
            return {label_key(k): canonical_label(v) for k, v in value.items()}
        return value

    def layout(self, announce=None):
        """The TableLayout every data load of the loop, `train` and `augment` reads tables with."""
        from robustness.tables import TableLayout

        return TableLayout(text_column=self.text_column, label_column=self.label_column, label_map=self.label_map,
                           announce=announce)


class SuiteSection(_Strict):
    config: str | None = None          # suite config path or shipped name (suite_95); default: the shipped default.yml
    sample: int | None = Field(500, ge=1)
    seed: int = 7
    fresh_seed: int | None = 8         # a second suite seed after retraining; None skips the check


class AugmentSection(_Strict):
    ratio: float = Field(0.3, gt=0.0, le=5.0)
    mode: Literal["proportional", "langtest"] = "proportional"
    seed: int = 11
    dir_policy: Literal["exclude", "directed"] = "directed"  # antonym-swap rows: left out, or labelled where they point
    margin: float = Field(0.0, ge=0.0, lt=1.0)   # aim this far above each bar (tests just passing get rows too)
    select: Literal["random", "failures"] = "random"  # failures: rows the 'before' model fails first (hard_rows.py)
    pool: int = Field(3, ge=1, le=20)  # with select failures: candidates per row wanted
    variants: int = Field(1, ge=1, le=10)  # perturbed copies of one train review per test, each with its own seed
    failures_for: list[str] = Field(default_factory=list)  # with select failures: only these tests (empty: every test)

    @field_validator("failures_for")
    @classmethod
    def _known_tests(cls, names: list[str]) -> list[str]:
        return known_tests(names)

    @model_validator(mode="after")
    def _consistent(self):
        if self.failures_for and self.select != "failures":
            raise ValueError("failures_for names the tests that take failure-driven rows; it needs select: failures")
        if self.margin and self.mode == "langtest":
            raise ValueError("margin applies to the proportional budget; drop it for mode langtest")
        return self


class RetrainSection(_Strict):
    mode: Literal["scratch", "finetune"] = "finetune"
    epochs: int | None = Field(None, ge=1, le=100)  # None: 2 when fine-tuning, the preset's from scratch
    learning_rate: float | None = Field(None, gt=0.0, le=1.0)  # e.g. lower for finetune; None: the preset's
    targets: Literal["gold", "teacher"] = "teacher"  # teacher: anchor on the 'before' model (robustness/teacher_targets.py)
    teacher_weight: float = Field(0.5, ge=0.0, le=1.0)  # share of the teacher's probabilities in a teacher target
    dir_shift: float = Field(0.3, gt=0.0, lt=1.0)  # how much of the other labels' probability a DIR row's target moves
    dir_margin: float = Field(0.0, ge=0.0, le=10.0)  # > 0: DIR rows must gain this much log-odds over their source (finetune.directional_hinge)
    grow_vocab: bool = True            # finetune: add the tokens the perturbations made (OCR typos, slang)
    save_epochs: bool = False  # also keep every epoch's model under MODEL/epochs/N, to test them afterwards

    @model_validator(mode="after")
    def _finetune_only(self):
        if self.grow_vocab and self.mode != "finetune" and "grow_vocab" in self.model_fields_set:
            raise ValueError("grow_vocab needs mode finetune (a model trained from scratch builds its own vocabulary)")
        return self


# Held out by default: one family of each kind (character noise, a lexicon swap, formatting) that the recipe's
# suite (suite_95) does not test or, for american_to_british (99.5% before the loop), gives no rows: holding them
# out leaves the recipe's rows and model unchanged (robustness/transfer.py; docs/loop-config.md).
DEFAULT_HOLDOUT = ("homoglyph_swap", "leetspeak", "split_word", "american_to_british", "fun_font",
                   "insert_punctuation")


class HoldoutSection(_Strict):
    tests: list[str] = Field(default_factory=lambda: list(DEFAULT_HOLDOUT))  # never augmented; run before and after
    min_pass_rate: float | None = Field(None, ge=0.0, le=1.0)  # bar of a held-out test the suite lacks (None: its default)

    @field_validator("tests")
    @classmethod
    def _known_tests(cls, names: list[str]) -> list[str]:
        return known_tests(names)


class GuardsSection(_Strict):
    capabilities: list[str] | None = None   # capability guards run before and after (None: all; []: none)
    sample: int = Field(200, ge=10, le=100_000)  # cases per capability
    seed: int = 17

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, names: list[str] | None) -> list[str] | None:
        from robustness.capabilities import capability_names, check_capability_name

        known = capability_names()
        for name in names or []:
            try:
                check_capability_name(name, known, "capability guard")
            except ConfigError as exc:
                raise ValueError(str(exc).partition(": ")[2]) from None
        return names


class LoopConfig(_Strict):
    model: ModelSection = Field(default_factory=ModelSection)
    data: DataSection = Field(default_factory=DataSection)
    suite: SuiteSection = Field(default_factory=SuiteSection)
    augment: AugmentSection = Field(default_factory=AugmentSection)
    retrain: RetrainSection = Field(default_factory=RetrainSection)
    holdout: HoldoutSection = Field(default_factory=HoldoutSection)
    guards: GuardsSection = Field(default_factory=GuardsSection)

    def to_dict(self) -> dict:
        return self.model_dump()


def load_loop_config(path: str | Path | None) -> LoopConfig:
    """Read loop.yml, a path or a shipped config's name (None: all defaults); errors name the file and the dotted
    field."""
    if path is None:
        return LoopConfig()
    from robustness.config import read_config_data
    from robustness.shipped import resolve_config_path

    path = resolve_config_path(path, "loop config")
    return loop_config_from_dict(read_config_data(path, what="loop config"), source=str(path))


def with_settings(config: LoopConfig, settings: Sequence[str], source: str = "--set") -> LoopConfig:
    """`config` with `section.field=value` overrides (VALUE read as a YAML scalar or flow list: 0.5, true, null,
    [a, b]), validated by the same schema; an error names the dotted field."""
    import yaml

    overrides = {}
    for item in settings:
        key, sep, raw = item.partition("=")
        section, dot, field = key.strip().partition(".")
        if not sep or not dot or not field or "." in field:
            raise ConfigError(f"{source} {item!r}: write SECTION.FIELD=VALUE, e.g. {source} retrain.teacher_weight=1.0")
        if section not in LoopConfig.model_fields:
            raise ConfigError(f"{source} {item!r}: unknown section {section!r}; the sections are "
                              f"{', '.join(LoopConfig.model_fields)}")
        try:
            overrides[section, field] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            raise ConfigError(f"{source} {item!r}: the value is not a YAML scalar or list; quote it or fix it") from None
    return with_overrides(config, overrides, source)


def with_overrides(config: LoopConfig, overrides: dict[tuple[str, str], Any], source: str) -> LoopConfig:
    """`config` with {(section, field): value} applied on top of what the file set, validated again (fields the
    file left out stay unset, so a rule like grow_vocab's 'set explicitly' still reads the file)."""
    data = config.model_dump(exclude_unset=True)
    for (section, field), value in overrides.items():
        data.setdefault(section, {})[field] = value
    return loop_config_from_dict(data, source=source)


def loop_config_from_dict(data: Any, source: str = "<dict>") -> LoopConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the loop config root must be a mapping, got {type(data).__name__}")
    try:
        config = LoopConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "<root>"
        if error["type"] == "extra_forbidden":
            raise ConfigError(f"{source}: {field}: unknown key; see the fields in docs/loop-config.md") from None
        shown = repr(error.get("input")) if not isinstance(error.get("input"), (dict, list)) else type(error.get("input")).__name__
        raise ConfigError(f"{source}: {field}: {error['msg'].lower()} (got {shown})") from None
    held_out = [name for name in config.augment.failures_for if name in config.holdout.tests]
    if held_out:  # asking for rows of a held-out family is a contradiction, not a silent no-op
        raise ConfigError(f"{source}: augment.failures_for: {', '.join(held_out)} is held out (holdout.tests): the "
                          f"augmenter never makes its rows; drop it from one of the two lists")
    return config
