"""skops: real pipelines saved with skops; untrusted types need --trust; a pickle is refused and never unpickled."""

from __future__ import annotations

import html
import pickle

import pytest
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from model_adapters.errors import ModelError
from model_adapters.skops_adapter import load_skops_model

TEXTS = ["good great film", "bad awful plot", "fine, ok", "great acting", "awful boring", "it was ok"]


def _save(tmp_path, labels, **vectorizer):
    pipeline = make_pipeline(TfidfVectorizer(**vectorizer), LogisticRegression()).fit(TEXTS, labels)
    path = tmp_path / "pipeline.skops"
    sio.dump(pipeline, path)
    return path, pipeline


def test_binary_pipeline_gets_canonical_labels(tmp_path):
    path, pipeline = _save(tmp_path, [1, 0, 1, 1, 0, 0])
    model = load_skops_model(path)
    assert model.labels == ("negative", "positive")
    assert model.predict_proba(["great"])[0, 1] == pytest.approx(pipeline.predict_proba(["great"])[0, 1])


def test_three_classes_are_normalised_and_can_be_renamed(tmp_path):
    path, _ = _save(tmp_path, ["POS", "NEG", "NEUTRAL", "POS", "NEG", "NEUTRAL"])
    assert load_skops_model(path).labels == ("negative", "neutral", "positive")  # classes_ order, normalised
    assert load_skops_model(path, labels=("a", "b", "c")).labels == ("a", "b", "c")


def test_untrusted_types_are_listed_until_trusted(tmp_path):
    path, _ = _save(tmp_path, [1, 0, 1, 1, 0, 0], preprocessor=html.unescape)
    with pytest.raises(ModelError, match=r"skops:.*pipeline.skops: .*html.unescape; .*pass --trust html.unescape") as info:
        load_skops_model(path)
    assert "\n" not in str(info.value)
    model = load_skops_model(path, trust=["html.unescape"])
    assert model.predict(["great &amp; good"]) in (["positive"], ["negative"])


def test_a_pickle_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name in ("model.pkl", "model.skops"):  # by suffix, and by content under a skops name
        path = tmp_path / name
        path.write_bytes(pickle.dumps(Trap(), protocol=4))
        with pytest.raises(ModelError, match=r"is a pickle.*never unpickled.*sio\.dump\(pipeline, 'model\.skops'\)"):
            load_skops_model(path)
    assert not marker.exists()


def test_not_a_skops_file_and_missing_file(tmp_path):
    junk = tmp_path / "junk.skops"
    junk.write_text("hello")
    with pytest.raises(ModelError, match="not a readable skops file"):
        load_skops_model(junk)
    with pytest.raises(ModelError, match="does not exist"):
        load_skops_model(tmp_path / "gone.skops")
