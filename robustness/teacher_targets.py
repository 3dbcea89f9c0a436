"""What each retraining row should predict when the model before the loop is the teacher.

Gold labels ask a fine-tuned model to be more certain than it was on reviews it already fits; that pushes it
to memorise the training movies and costs clean accuracy. Teacher targets anchor it instead: a clean review
aims at a mix of its gold label and the old model's own probabilities, and an invariance row (a typo'd copy)
aims at the very same mix as its source review, which is what an INV test asks (the prediction must not move).
A DIR row (labelled with where its change points) aims at its source's mix with `dir_shift` of the other
labels' probability moved to its label: honest (one swapped adjective does not make a rave a pan) and still
the direction the test expects. Its anchor (dir_anchors) is the teacher's log-odds on the source review: the
point a directional hinge asks the row to move past by a margin, on the log-odds scale the suite judges on.
paired_sources pairs each INV row (the invariance penalty) or DIR row (the hinge anchored on the model as it
trains) with its source review.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from robustness.augment import AugmentedRow
from robustness.data import Dataset
from robustness.errors import DataError, UsageError

DIR_ANCHORS = ("teacher", "pair")  # what the directional hinge measures a DIR row's gain from (retrain_options)


def teacher_targets(teacher_proba: np.ndarray, train: Dataset, rows: Sequence[AugmentedRow], labels: Sequence[str],
                    teacher_weight: float, dir_shift: float) -> np.ndarray:
    """One probability row per training row: the train reviews first, then `rows`, as with_augmented orders them.

    `teacher_proba[i]` is the teacher's prediction on `train.texts[i]` (columns in `labels` order).
    """
    import perturbations

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
    import perturbations

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


def paired_sources(train: Dataset, rows: Sequence[AugmentedRow], expectation: str) -> np.ndarray:
    """Per training row (train reviews, then `rows`): the row of its source review for rows of an `expectation`
    ("INV", "DIR") test, -1 for every other."""
    import perturbations

    sources = np.full(len(train) + len(rows), -1, dtype=np.int64)
    for k, (row, source) in enumerate(zip(rows, _source_positions(train, rows))):
        if perturbations.get_perturbation(row.test).expectation == expectation:
            sources[len(train) + k] = source
    return sources


def _source_positions(train: Dataset, rows: Sequence[AugmentedRow]) -> list[int]:
    position = {source_id: i for i, source_id in enumerate(train.ids)}
    for k, row in enumerate(rows):
        if row.source_id not in position:
            raise DataError(f"augmented row {k + 1} (test {row.test}): source_id {row.source_id!r} is not a train "
                            f"review of this split; regenerate the rows from the same data and seed")
    return [position[row.source_id] for row in rows]


def retrain_options(init_from, train: Dataset, rows: Sequence[AugmentedRow], targets: str, grow_vocab: bool,
                    teacher_weight: float = 0.5, dir_shift: float = 0.3, dir_margin: float = 0.0,
                    inv_tolerance: float | None = None, dir_anchor: str = "teacher") -> dict:
    """train_lstm's keyword arguments for retraining on `train` + `rows` (targets 'gold' or 'teacher'); with
    `dir_margin` > 0 (needs a model to start from) DIR rows also get the directional hinge, measured from the
    teacher's reading of their source review (`dir_anchor` "teacher") or from the source as the model reads it
    while training ("pair"), and with an `inv_tolerance` INV rows follow their source review (the invariance
    penalty). Every per-row option, `grow_vocab`'s mask of the rows whose new words may join included, is in
    `with_augmented(train, rows)` order: the train reviews, then `rows`."""
    if dir_anchor not in DIR_ANCHORS:
        raise UsageError(f"dir_anchor {dir_anchor!r} is unknown; choose one of {', '.join(DIR_ANCHORS)}")
    # only the words the perturbations made join the vocabulary, never a train review's own rare words
    options = {"grow_vocab_rows": np.arange(len(train) + len(rows)) >= len(train)} if grow_vocab else {}
    if inv_tolerance is not None:
        options |= {"inv_sources": paired_sources(train, rows, "INV"), "inv_tolerance": inv_tolerance}
    if targets == "teacher" or dir_margin > 0:
        from model_adapters import checked_proba, load_model

        teacher = load_model(init_from)
        proba = checked_proba(teacher, train.texts)
        if targets == "teacher":
            options["soft_targets"] = teacher_targets(proba, train, rows, teacher.labels, teacher_weight, dir_shift)
        if dir_margin > 0:
            options |= {"dir_anchors": dir_anchors(proba, train, rows, teacher.labels), "dir_margin": dir_margin}
            if dir_anchor == "pair":
                options["dir_sources"] = paired_sources(train, rows, "DIR")
    return options
