"""What each retraining row should predict when the model before the loop is the teacher.

Gold labels ask a fine-tuned model to be more certain than it was on reviews it already fits; that pushes it
to memorise the training movies and costs clean accuracy. Teacher targets anchor it instead: a clean review
aims at a mix of its gold label and the old model's own probabilities, and an invariance row (a typo'd copy)
aims at the very same mix as its source review, which is what an INV test asks (the prediction must not move).
A DIR row (labelled with where its change points) aims at its source's mix with `dir_shift` of the other
labels' probability moved to its label: honest (one swapped adjective does not make a rave a pan) and still
the direction the test expects.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from robustness.augment import AugmentedRow
from robustness.data import Dataset
from robustness.errors import DataError


def teacher_targets(teacher_proba: np.ndarray, train: Dataset, rows: Sequence[AugmentedRow], labels: Sequence[str],
                    teacher_weight: float, dir_shift: float) -> np.ndarray:
    """One probability row per training row: the train reviews first, then `rows`, as with_augmented orders them.

    `teacher_proba[i]` is the teacher's prediction on `train.texts[i]` (columns in `labels` order).
    """
    import perturbations

    labels = list(labels)
    gold = np.zeros((len(train), len(labels)), dtype=np.float64)
    gold[np.arange(len(train)), [labels.index(label) for label in train.labels]] = 1.0
    anchored = teacher_weight * np.asarray(teacher_proba, dtype=np.float64) + (1 - teacher_weight) * gold
    position = {source_id: i for i, source_id in enumerate(train.ids)}
    extra = np.zeros((len(rows), len(labels)), dtype=np.float64)
    for k, row in enumerate(rows):
        if row.source_id not in position:
            raise DataError(f"augmented row {k + 1} (test {row.test}): source_id {row.source_id!r} is not a train "
                            f"review of this split; regenerate the rows from the same data and seed")
        target = anchored[position[row.source_id]].copy()
        info = perturbations.get_perturbation(row.test)
        if info.expectation == "DIR":  # the row's label is where its change points: move dir_shift of the rest there
            toward = labels.index(row.label)
            moved = target * dir_shift
            moved[toward] = 0.0
            target -= moved
            target[toward] += moved.sum()
        extra[k] = target
    return np.concatenate([anchored, extra]).astype(np.float32)


def targets_from_model(model_dir, train: Dataset, rows: Sequence[AugmentedRow], teacher_weight: float,
                       dir_shift: float) -> np.ndarray:
    """teacher_targets with the model in `model_dir` as the teacher (its predictions on the clean train reviews)."""
    from model_adapters import checked_proba, load_model

    teacher = load_model(model_dir)
    return teacher_targets(checked_proba(teacher, train.texts), train, rows, teacher.labels, teacher_weight, dir_shift)


def retrain_options(init_from, train: Dataset, rows: Sequence[AugmentedRow], targets: str, grow_vocab: bool,
                    teacher_weight: float = 0.5, dir_shift: float = 0.3) -> dict:
    """train_lstm's keyword arguments for retraining on `train` + `rows` (targets 'gold' or 'teacher')."""
    options = {"grow_vocab_from": [row.text for row in rows]} if grow_vocab else {}
    if targets == "teacher":
        options["soft_targets"] = targets_from_model(init_from, train, rows, teacher_weight, dir_shift)
    return options
