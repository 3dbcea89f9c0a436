"""Tokenizer and vocabulary: negations survive, unknown words map to OOV, files round-trip."""

import random

import numpy as np
import pytest

from model_adapters.lstm.tokenizer import OOV, OOV_ID, PAD, Vocabulary, head_tail, tokenize, tokenize_head_tail
from robustness.errors import ModelError


def test_tokenize_lowercases_splits_punctuation_and_keeps_negations():
    assert tokenize("I DON'T like it. Can't; won’t!") == ["i", "do", "n't", "like", "it", ".", "ca", "n't", ";", "wo", "n't", "!"]
    assert tokenize("It's 'quoted' 10/10") == ["it", "'s", "'", "quoted", "'", "10", "/", "10"]


def test_vocabulary_round_trip_and_oov(tmp_path):
    vocab = Vocabulary.build(["good movie", "bad movie", "movie"], max_size=4)
    assert vocab.tokens[:2] == (PAD, OOV)
    assert vocab.tokens[2] == "movie"  # most frequent first
    ids = vocab.encode("movie bad wonderful")
    assert ids.dtype == np.int32
    assert vocab.decode(ids) == ["movie", "bad", OOV]
    assert ids[2] == OOV_ID
    vocab.save(tmp_path / "vocab.json")
    assert Vocabulary.load(tmp_path / "vocab.json") == vocab


def test_min_freq_drops_rare_words():
    vocab = Vocabulary.build(["a a b"], max_size=100, min_freq=2)
    assert vocab.tokens == (PAD, OOV, "a")


def test_damaged_vocab_file_is_a_model_error(tmp_path):
    (tmp_path / "vocab.json").write_text('{"tokens": ["x", "y"]}')
    with pytest.raises(ModelError, match="vocab.json"):
        Vocabulary.load(tmp_path / "vocab.json")
    with pytest.raises(ModelError, match="does not exist"):
        Vocabulary.load(tmp_path / "nope.json")


def test_head_tail_keeps_beginning_and_end():
    ids = np.arange(10)
    assert head_tail(ids, 4, 0.5).tolist() == [0, 1, 8, 9]
    assert head_tail(ids, 4, 0.0).tolist() == [6, 7, 8, 9]
    assert head_tail(ids, 20, 0.5).tolist() == list(range(10))


def test_partial_tokenization_matches_full_tokenization():
    rng = random.Random(3)
    words = ["good", "don't", "bad!", "it's", "(great)", "...", "wasn't", "x", "plot,", "ca"]
    for _ in range(200):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 400)))
        head, tail = rng.randint(0, 40), rng.randint(0, 40)
        full = tokenize(text)
        expected = full if len(full) <= head + tail else full[:head] + (full[len(full) - tail:] if tail else [])
        assert tokenize_head_tail(text, head, tail, chars_per_token=3) == expected


def test_negation_marking_prefixes_the_next_words_up_to_punctuation():
    from model_adapters.lstm.tokenizer import mark_negation

    tokens = tokenize("It wasn't bad at all, but never good. Without doubt great!")
    assert mark_negation(tokens) == ["it", "was", "n't", "not_bad", "not_at", "not_all", ",", "but", "never", "not_good",
                                     ".", "without", "doubt", "great", "!"]
    assert mark_negation(["good", "film"]) == ["good", "film"]
    assert mark_negation(tokenize("not a very good film at all")) == [  # three words at most: punctuation may be missing
        "not", "not_a", "not_very", "not_good", "film", "at", "all"]


def _marked_by_definition(tokens: list[str]) -> list[str]:
    """Negation marking written plainly, token by token, as the docstring defines it."""
    from model_adapters.lstm.tokenizer import _SCOPE_ENDS, NEGATION_SCOPE, NEGATORS

    marked, left = [], 0
    for token in tokens:
        if token in _SCOPE_ENDS:
            left = 0
            marked.append(token)
        elif token in NEGATORS:
            left = NEGATION_SCOPE
            marked.append(token)
        else:
            marked.append("not_" + token if left else token)
            left = max(0, left - 1)
    return marked


def test_negation_marking_follows_its_definition_on_real_reviews_and_odd_sequences(imdb_archive):
    from model_adapters.lstm.tokenizer import mark_negation
    from robustness.data.datasets import load_dataset, sample_dataset

    texts = list(sample_dataset(load_dataset(imdb_archive, "test"), 300, seed=2).texts)
    texts += ["not not good", "no. bad", "never , ever good film here", "not", "", "nothing nobody none x y z w"]
    for text in texts:
        tokens = tokenize(text)
        assert mark_negation(tokens) == _marked_by_definition(tokens), text
        assert mark_negation(tokens) is not tokens  # a new list: callers may change it


@pytest.mark.parametrize("field", ["negation_marking", "drop_stray_marks"])
def test_tokenizer_settings_are_saved_and_older_models_lack_them(field):
    from model_adapters.lstm.config import ARCHITECTURE_FIELDS, validate_config
    from model_adapters.lstm.presets import resolve_config

    assert field in ARCHITECTURE_FIELDS  # fine-tuning keeps the tokenization its vocabulary was built with
    old = {k: v for k, v in resolve_config("tiny").to_dict().items() if k != field}
    assert getattr(validate_config(old), field) is False
    assert validate_config(old).to_dict() == resolve_config("tiny").to_dict()  # the same fingerprint as before


def test_negation_marking_changes_tokens_only_when_asked():
    from model_adapters.lstm.batching import tokenize_texts
    from model_adapters.lstm.presets import resolve_config

    marked = resolve_config("tiny", negation_marking=True)
    assert tokenize_texts(["not good"], marked) == [["not", "not_good"]]
    assert tokenize_texts(["not good"], resolve_config("tiny")) == [["not", "good"]]
    # `full` marks negation (the loop's antonym results); its saved config says so, so older full models,
    # whose config.json lacks the field, keep reading "not good" as before
    assert resolve_config("full").negation_marking and resolve_config("full").to_dict()["negation_marking"] is True


def test_stray_marks_inside_words_are_dropped_only_when_asked():
    from model_adapters.lstm.batching import tokenize_texts
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.tokenizer import drop_stray_marks

    # OCR noise inside a word goes; marks beside digits, spaces and HTML line breaks stay
    assert drop_stray_marks("n^ot tl)e a|l x^2 (good) film<br />The") == "not tle al x^2 (good) film<br />The"
    marked = resolve_config("tiny", negation_marking=True, drop_stray_marks=True)
    assert tokenize_texts(["was n^ot good"], marked) == [["was", "not", "not_good"]]
    assert tokenize_texts(["was n^ot good"], resolve_config("tiny", negation_marking=True)) == [
        ["was", "n", "^", "ot", "good"]]
    assert resolve_config("full").drop_stray_marks and resolve_config("full").to_dict()["drop_stray_marks"] is True
