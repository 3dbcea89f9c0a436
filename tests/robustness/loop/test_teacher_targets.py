"""Teacher targets: anchored on the model before the loop; INV rows copy their source, DIR rows point their way."""

import numpy as np
import pytest

from robustness.data.datasets import Dataset
from robustness.errors import DataError
from robustness.loop.augment import AugmentedRow
from robustness.loop.teacher_targets import teacher_targets

LABELS = ("negative", "positive")
TRAIN = Dataset(ids=("a", "b", "c"), texts=("fine", "awful", "so so"), labels=("positive", "negative", "positive"),
                source="inline")
TEACHER = np.array([[0.1, 0.9], [0.8, 0.2], [0.6, 0.4]])


def row(source_id, test, label="positive"):
    return AugmentedRow(text="x", label=label, source_id=source_id, test=test, seed=1)


def test_train_rows_mix_gold_and_teacher_and_inv_rows_copy_their_source():
    rows = [row("c", "add_typo"), row("a", "uppercase")]
    targets = teacher_targets(TEACHER, TRAIN, rows, LABELS, teacher_weight=0.5, dir_shift=0.3)
    np.testing.assert_allclose(targets[:3], [[0.05, 0.95], [0.9, 0.1], [0.3, 0.7]], rtol=1e-6)
    np.testing.assert_allclose(targets[3], targets[2])
    np.testing.assert_allclose(targets[4], targets[0])
    np.testing.assert_allclose(targets.sum(1), 1.0, rtol=1e-6)
    only_gold = teacher_targets(TEACHER, TRAIN, [], LABELS, teacher_weight=0.0, dir_shift=0.3)
    np.testing.assert_array_equal(only_gold, [[0, 1], [1, 0], [0, 1]])


def test_dir_rows_move_part_of_the_probability_toward_where_their_change_points():
    rows = [row("a", "sentiment_antonym_swap", "negative"), row("b", "sentiment_antonym_swap", "negative"),
            row("b", "adjective_antonym_swap", "positive")]
    targets = teacher_targets(TEACHER, TRAIN, rows, LABELS, teacher_weight=0.5, dir_shift=0.3)
    np.testing.assert_allclose(targets[3], [0.05 + 0.95 * 0.3, 0.95 * 0.7], rtol=1e-6)  # less positive, still positive
    np.testing.assert_allclose(targets[4], [0.9 + 0.1 * 0.3, 0.1 * 0.7], rtol=1e-6)  # even a negative review: less positive
    np.testing.assert_allclose(targets[5], [0.9 * 0.7, 0.1 + 0.9 * 0.3], rtol=1e-6)  # boring -> interesting: more positive
    np.testing.assert_allclose(targets.sum(1), 1.0, rtol=1e-6)


def test_a_row_from_outside_the_train_split_is_refused_by_name():
    with pytest.raises(DataError, match="augmented row 1 \\(test add_typo\\): source_id 'zz' is not a train review"):
        teacher_targets(TEACHER, TRAIN, [row("zz", "add_typo")], LABELS, teacher_weight=0.5, dir_shift=0.3)


def test_dir_anchors_hold_the_label_a_dir_row_points_to_and_the_teachers_log_odds_of_it_on_the_source():
    from robustness.loop.teacher_targets import dir_anchors

    rows = [row("a", "sentiment_antonym_swap", "negative"), row("c", "add_typo"),
            row("b", "adjective_antonym_swap", "positive")]
    anchors = dir_anchors(TEACHER, TRAIN, rows, LABELS)
    assert anchors.shape == (6, 2)
    np.testing.assert_array_equal(anchors[:3], [[-1, 0]] * 3)  # clean train reviews
    np.testing.assert_allclose(anchors[3], [0, np.log(0.1 / 0.9)], rtol=1e-6)  # a: teacher 0.1 negative
    np.testing.assert_array_equal(anchors[4], [-1, 0])  # INV row
    np.testing.assert_allclose(anchors[5], [1, np.log(0.2 / 0.8)], rtol=1e-6)  # b: teacher 0.2 positive
    with pytest.raises(DataError, match="source_id 'zz'"):
        dir_anchors(TEACHER, TRAIN, [row("zz", "add_typo")], LABELS)


def test_the_objective_follows_the_retrain_settings(tiny_lstm_dir):
    """Gold targets without a hinge need no teacher; growth marks only the augmented rows; a teacher is asked for
    soft targets and hinge anchors, and without one the error names the settings."""
    from robustness.errors import UsageError
    from robustness.loop.config import RetrainSection
    from robustness.loop.teacher_targets import fine_tune_objective

    rows = [row("c", "add_typo"), row("a", "sentiment_antonym_swap", "negative")]
    gold = fine_tune_objective(None, TRAIN, rows, RetrainSection(targets="gold", grow_vocab=True))
    assert gold.soft_targets is None and gold.dir_anchors is None
    assert gold.grow_vocab_rows.tolist() == [False, False, False, True, True]
    scratch = fine_tune_objective(None, TRAIN, rows, RetrainSection(mode="scratch", targets="gold"))
    assert scratch.grow_vocab_rows is None  # a model from scratch builds its own vocabulary
    taught = fine_tune_objective(tiny_lstm_dir, TRAIN, rows, RetrainSection(teacher_weight=1.0, dir_shift=0.05,
                                                                            dir_margin=1.0))
    assert taught.soft_targets.shape == (5, 2) and taught.dir_margin == 1.0
    assert taught.dir_anchors[:, 0].tolist() == [-1, -1, -1, -1, 0]  # only the DIR row, toward negative
    with pytest.raises(UsageError, match="retrain.targets teacher and retrain.dir_margin need the model"):
        fine_tune_objective(None, TRAIN, rows, RetrainSection())
