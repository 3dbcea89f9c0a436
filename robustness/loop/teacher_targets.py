"""What each retraining row should predict when the model before the loop is the teacher.

Gold labels ask a fine-tuned model to be more certain than it was on reviews it already fits; that pushes it
to memorise the training movies and costs clean accuracy. Teacher targets anchor it instead: a clean review
aims at a mix of its gold label and the old model's own probabilities, and an invariance row (a typo'd copy)
aims at the very same mix as its source review, which is what an INV test asks (the prediction must not move).
A DIR row (labelled with where its change points) aims at its source's mix with `dir_shift` of the other
labels' probability moved to its label: honest (one swapped adjective does not make a rave a pan) and still
the direction the test expects. Its anchor (dir_anchors) is the teacher's log-odds on the source review: the
point a directional hinge asks the row to move past by a margin, on the log-odds scale the suite judges on.
fine_tune_objective turns the `retrain:` settings into the one value train_lstm takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

import perturbations
from model_adapters import checked_proba
from robustness.data.datasets import Dataset
from robustness.errors import DataError, UsageError
from robustness.loop.augment import AugmentedRow
from robustness.loop.config import ModelSection, RetrainSection
from robustness.loop.models import load_spec
from robustness.models.labels import display_labels

if TYPE_CHECKING:
    from model_adapters.lstm.finetune import FineTuneObjective


def teacher_targets(teacher_proba: np.ndarray, train: Dataset, rows: Sequence[AugmentedRow], labels: Sequence[str],
                    teacher_weight: float, dir_shift: float) -> np.ndarray:
    """One probability row per training row: the train reviews first, then `rows`, as with_augmented orders them.

    `teacher_proba[i]` is the teacher's prediction on `train.texts[i]` (columns in `labels` order).
    """
    labels = list(labels)
    sources = _source_positions(train, rows)
    gold = np.zeros((len(train), len(labels)), dtype=np.float64)
    gold[np.arange(len(train)), [labels.index(label) for label in train.labels]] = 1.0
    anchored = teacher_weight * np.asarray(teacher_proba, dtype=np.float64) + (1 - teacher_weight) * gold
    extra = np.zeros((len(rows), len(labels)), dtype=np.float64)
    for k, row in enumerate(rows):
        target = anchored[sources[k]].copy()
        info = perturbations.get_perturbation(row.test)
        if info.expectation == "DIR":  # the row's label is where its change points: move dir_shift of the rest there
            toward = labels.index(row.label)
            moved = target * dir_shift
            moved[toward] = 0.0
            target -= moved
            target[toward] += moved.sum()
        extra[k] = target
    return np.concatenate([anchored, extra]).astype(np.float32)


def dir_anchors(teacher_proba: np.ndarray, train: Dataset, rows: Sequence[AugmentedRow],
                labels: Sequence[str]) -> np.ndarray:
    """Per training row (train reviews, then `rows`): [index of the label a DIR row's change points toward, the
    teacher's log-odds of that label on its source review]; [-1, 0] for every other row."""
    labels = list(labels)
    sources = _source_positions(train, rows)
    proba = np.clip(np.asarray(teacher_proba, dtype=np.float64), 1e-7, 1 - 1e-7)
    anchors = np.zeros((len(train) + len(rows), 2), dtype=np.float64)
    anchors[:, 0] = -1
    for k, row in enumerate(rows):
        if perturbations.get_perturbation(row.test).expectation == "DIR":
            toward = labels.index(row.label)
            p = proba[sources[k], toward]
            anchors[len(train) + k] = (toward, np.log(p) - np.log1p(-p))
    return anchors.astype(np.float32)


def _source_positions(train: Dataset, rows: Sequence[AugmentedRow]) -> list[int]:
    position = {source_id: i for i, source_id in enumerate(train.ids)}
    for k, row in enumerate(rows):
        if row.source_id not in position:
            raise DataError(f"augmented row {k + 1} (test {row.test}): source_id {row.source_id!r} is not a train "
                            f"review of this split; regenerate the rows from the same data and seed")
    return [position[row.source_id] for row in rows]


def fine_tune_objective(teacher_dir, train: Dataset, rows: Sequence[AugmentedRow],
                        retrain: RetrainSection, labels: Sequence[str] | None = None,
                        model_section: ModelSection | None = None) -> "FineTuneObjective":
    """What retraining on `with_augmented(train, rows)` aims at, from the `retrain:` settings: teacher targets
    (`targets: teacher`, the model in `teacher_dir` as the teacher), the directional hinge (`dir_margin` > 0,
    measured from the teacher's reading of each DIR row's source review) and, when fine-tuning with
    `grow_vocab`, the rows whose new words may join the vocabulary. Every per-row array is in
    `with_augmented(train, rows)` order: the train reviews, then `rows`. The teacher may be any model spec (opened
    as `model_section` says when it is `model.existing`: loop/models.py: open_model); its columns are put in the order of
    `labels`, the trained model's (default: the teacher's own)."""
    from model_adapters.lstm.finetune import FineTuneObjective  # torch: loaded only when a model is trained

    options = {}
    if retrain.grow_vocab and retrain.mode == "finetune":
        # only the words the perturbations made join the vocabulary, never a train review's own rare words
        options["grow_vocab_rows"] = np.arange(len(train) + len(rows)) >= len(train)
    if retrain.targets == "teacher" or retrain.dir_margin > 0:
        if teacher_dir is None:
            raise UsageError("retrain.targets teacher and retrain.dir_margin need the model before augmentation (the "
                             "teacher): pass it, or set retrain.targets: gold and retrain.dir_margin: 0")
        teacher = load_spec(teacher_dir, model_section)
        named = display_labels(teacher.labels)
        labels = list(labels) if labels is not None else named
        missing = [label for label in labels if label not in named]
        if missing:
            raise UsageError(f"teacher {teacher_dir} has no label(s) {missing} (its labels: {named}); the model "
                             f"trained on {labels} cannot learn from it: set retrain.targets: gold")
        proba = checked_proba(teacher, train.texts)[:, [named.index(label) for label in labels]]
        proba = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)  # a teacher label the data lacks
        if retrain.targets == "teacher":
            options["soft_targets"] = teacher_targets(proba, train, rows, labels, retrain.teacher_weight,
                                                      retrain.dir_shift)
        if retrain.dir_margin > 0:
            options |= {"dir_anchors": dir_anchors(proba, train, rows, labels), "dir_margin": retrain.dir_margin}
    return FineTuneObjective(**options)
