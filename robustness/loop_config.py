"""The augment-and-retrain loop's config (loop.yml), validated on load like the suite config.

    model:   {preset: quick, existing: null, seed: 13}
    data:    {path: null, validation_fraction: 0.1, max_train: null, test_sample: null}
    suite:   {config: null, sample: 500, seed: 7, fresh_seed: 8}
    augment: {ratio: 0.3, mode: proportional, seed: 11, dir_policy: directed, margin: 0.0, select: random, pool: 3,
              failures_for: [], variants: 1}
    retrain: {mode: finetune, epochs: null, learning_rate: null, targets: teacher, teacher_weight: 0.5,
              dir_shift: 0.3, dir_margin: 0.0, dir_anchor: teacher, inv_tolerance: null, grow_vocab: true, blend: 1.0,
              keep_epoch: best, save_epochs: false}

Every section and field is optional; the defaults run a short loop on the quick preset: fine-tune the model
(2 epochs at a third of its preset's learning rate unless set) on targets anchored on it, with the augmented
rows' new words added to its vocabulary. benchmarks/configs/loop_full_imdb.yml is the config that met every
target of the loop on full IMDB (failure-driven adjective rows, three antonym copies per review, teacher
weight 1.0, a gentle antonym target with the directional hinge). `mode: scratch` trains a new model (gold or
teacher targets; its own vocabulary).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from robustness.errors import ConfigError


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


class SuiteSection(_Strict):
    config: str | None = None          # suite config path; default: the shipped default.yml
    sample: int | None = Field(500, ge=1)
    seed: int = 7
    fresh_seed: int | None = 8         # a second suite seed after retraining; None skips the check


class AugmentSection(_Strict):
    ratio: float = Field(0.3, gt=0.0, le=5.0)
    mode: Literal["proportional", "langtest"] = "proportional"
    seed: int = 11
    dir_policy: Literal["exclude", "flip", "directed"] = "directed"
    include_passing: bool = False
    margin: float = Field(0.0, ge=0.0, lt=1.0)   # aim this far above each bar (tests just passing get rows too)
    select: Literal["random", "failures"] = "random"  # failures: rows the 'before' model fails first (hard_rows.py)
    pool: int = Field(3, ge=1, le=20)  # with select failures: candidates per row wanted
    variants: int = Field(1, ge=1, le=10)  # perturbed copies of one train review per test, each with its own seed
    failures_for: list[str] = Field(default_factory=list)  # with select failures: only these tests (empty: every test)

    @field_validator("failures_for")
    @classmethod
    def _known_tests(cls, names: list[str]) -> list[str]:
        import perturbations

        for name in names:
            try:
                perturbations.get_perturbation(name)
            except KeyError as exc:  # its message names the closest test
                raise ValueError(str(exc)) from None
        return names

    @model_validator(mode="after")
    def _failures_for_needs_failures(self):
        if self.failures_for and self.select != "failures":
            raise ValueError("failures_for names the tests that take failure-driven rows; it needs select: failures")
        return self


class RetrainSection(_Strict):
    mode: Literal["scratch", "finetune"] = "finetune"
    epochs: int | None = Field(None, ge=1, le=100)  # None: 2 when fine-tuning, the preset's from scratch
    learning_rate: float | None = Field(None, gt=0.0, le=1.0)  # e.g. lower for finetune; None: the preset's
    targets: Literal["gold", "teacher"] = "teacher"  # teacher: anchor on the 'before' model (robustness/teacher_targets.py)
    teacher_weight: float = Field(0.5, ge=0.0, le=1.0)  # share of the teacher's probabilities in a teacher target
    dir_shift: float = Field(0.3, gt=0.0, lt=1.0)  # how much of the other labels' probability a DIR row's target moves
    dir_margin: float = Field(0.0, ge=0.0, le=10.0)  # > 0: DIR rows must gain this much log-odds over their source (finetune.directional_hinge)
    dir_anchor: Literal["teacher", "pair"] = "teacher"  # the source as the teacher read it, or as the model reads it while training
    inv_tolerance: float | None = Field(None, ge=0.0, le=10.0)  # set: INV rows' log-odds follow their source's within it (finetune.invariance_penalty)
    grow_vocab: bool = True            # finetune: add the tokens the perturbations made (OCR typos, slang)
    blend: float = Field(1.0, gt=0.0, le=1.0)  # finetune: keep this share of the fine-tuned weights, the rest the 'before' model's
    keep_epoch: Literal["best", "last"] = "best"  # the epoch with the best validation accuracy, or the last one run
    save_epochs: bool = False  # also keep every epoch's model under model_after/epochs/N, to test them afterwards

    @model_validator(mode="after")
    def _finetune_only(self):
        if self.grow_vocab and self.mode != "finetune" and "grow_vocab" in self.model_fields_set:
            raise ValueError("grow_vocab needs mode finetune (a model trained from scratch builds its own vocabulary)")
        if self.blend < 1.0 and self.mode != "finetune":
            raise ValueError("blend below 1 needs mode finetune: it mixes the fine-tuned weights with the 'before' model's")
        if self.dir_anchor == "pair" and not self.dir_margin:
            raise ValueError("dir_anchor pair needs a dir_margin > 0 (e.g. 1.0): it says what the directional hinge measures from")
        return self


class LoopConfig(_Strict):
    model: ModelSection = Field(default_factory=ModelSection)
    data: DataSection = Field(default_factory=DataSection)
    suite: SuiteSection = Field(default_factory=SuiteSection)
    augment: AugmentSection = Field(default_factory=AugmentSection)
    retrain: RetrainSection = Field(default_factory=RetrainSection)

    def to_dict(self) -> dict:
        return self.model_dump()


def load_loop_config(path: str | Path | None) -> LoopConfig:
    """Read loop.yml (None: all defaults); errors name the file and the dotted field."""
    if path is None:
        return LoopConfig()
    from robustness.config import read_config_data

    return loop_config_from_dict(read_config_data(Path(path), what="loop config"), source=str(path))


def loop_config_from_dict(data: Any, source: str = "<dict>") -> LoopConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the loop config root must be a mapping, got {type(data).__name__}")
    try:
        return LoopConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "<root>"
        if error["type"] == "extra_forbidden":
            raise ConfigError(f"{source}: {field}: unknown key; see the loop config fields in robustness/loop_config.py") from None
        shown = repr(error.get("input")) if not isinstance(error.get("input"), (dict, list)) else type(error.get("input")).__name__
        raise ConfigError(f"{source}: {field}: {error['msg'].lower()} (got {shown})") from None
