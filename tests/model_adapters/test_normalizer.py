"""The normalizer rewrites only what the model cannot read, each rule on its own, deterministically."""

from __future__ import annotations

import random

import numpy as np
import pytest

from model_adapters.normalizer.model import NormalizingModel
from model_adapters.normalizer.rewrite import normalize_text, rewrite_word
from model_adapters.normalizer.words import KnownWords, load_words, save_words, words_from_texts, words_from_vocabulary
from robustness.errors import DataError

VOCABULARY = ("the a an and of to is was this that it film movie plot acting good great bad awful terrible horrible "
              "boring wonderful so not but very really story actors love loved hate wonder wonderful movie stars "
              "ending director cast music scenes hotel lot at").split()
ENGLISH = frozenset(VOCABULARY) | {"quaint", "colour"}


@pytest.fixture(scope="module")
def words():
    counts = {word: 1000 - rank for rank, word in enumerate(dict.fromkeys(VOCABULARY))}
    return KnownWords(counts, english=ENGLISH)


@pytest.mark.parametrize("text, expected, rule", [
    ("ｇｒｅａｔ film", "great film", "compatibility_form"),                       # full-width letters
    ("\U0001d420\U0001d42b\U0001d41e\U0001d41a\U0001d42d film", "great film", "compatibility_form"),  # math bold
    ("the \u0430cting was \u0430wful", "the acting was awful", "look_alike"),      # Cyrillic a
    ("the plot was g.o.o.d", "the plot was good", "inner_mark"),
    ("h0rr1ble acting", "horrible acting", "digits_for_letters"),
    ("@wful film", "awful film", "digits_for_letters"),
    ("so boooooring", "so boring", "elongation"),
    ("the mov ie was great", "the movie was great", "joined_halves"),
    ("a wonder ful story", "a wonderful story", "joined_halves"),
    ("a greatmovie indeed", "a great movie indeed", "glued_words"),
    ("the actng was bad", "the acting was bad", "typo"),
    ("TERRIBEL acting", "TERRIBLE acting", "typo"),                               # shouting keeps its case
    ("a wonderfull film", "a wonderful film", "typo"),
])
def test_each_rule_makes_a_word_known(words, text, expected, rule):
    normalized, rewrites = normalize_text(text, words)
    assert normalized == expected
    assert rule in {r.rule for r in rewrites}


@pytest.mark.parametrize("text", [
    "the film was great and the acting was good",   # every word known
    "Kubrick made this film",                        # a name: no typo correction
    "Wonderfull film",                               # capitalised, so perhaps a name: no typo correction either
    "a quaint hotel",                                # a real English word the model lacks: left alone
    "rated 10/10 in 1999, the 70s were great",       # numbers
    "the plot... was so - boring!",                  # punctuation around words
    "привет мир, καλό φιλμ",                          # words in other scripts: no look-alike half-rewrite
    "the x\u00a8yz movie and q\u00b4rst",             # NFKC would add a space inside the word: left alone
])
def test_what_the_model_reads_or_no_rule_fixes_is_left_alone(words, text):
    assert normalize_text(text, words) == (text, [])


def test_invisible_characters_go_and_white_space_stays_exactly(words):
    text = "the  film\n\nwas\tgo\u200bod \u00adand\r\nthe plot awfull  "
    normalized, _ = normalize_text(text, words)
    assert normalized == "the  film\n\nwas\tgood and\r\nthe plot awful  "


def test_results_do_not_depend_on_the_cache_or_the_order(words):
    texts = ["the actng was bad", "h0rr1ble acting", "the mov ie", "so boooooring", "Kubrick", "a greatmovie"] * 3
    cold = [normalize_text(t, words)[0] for t in texts]
    cache: dict = {}
    shuffled = texts[:]
    random.Random(3).shuffle(shuffled)
    warm = {t: normalize_text(t, words, cache)[0] for t in shuffled}
    assert [warm[t] for t in texts] == cold


def test_a_known_word_is_never_rewritten(words):
    assert all(rewrite_word(word, words) == (None, None) for word in VOCABULARY)


def test_known_words_from_a_vocabulary_and_texts_and_their_file(tmp_path):
    counts = words_from_vocabulary(["<pad>", "the", "not_good", "good", "!", "film"], reference={"film": 50})
    assert counts == {"the": 3, "good": 2, "film": 51}  # plain words only; rank, plus the reference count
    assert words_from_texts(["Good film, good plot", "a film"]) == {"good": 2, "film": 2}
    many = {f"word{chr(97 + i % 26)}{chr(97 + i // 26)}": i for i in range(150)}
    many = {k.replace("word", "w"): v for k, v in many.items() if k.replace("word", "w").isalpha()}
    path = save_words(tmp_path / "words.tsv", many)
    assert load_words(path) == many


@pytest.mark.parametrize("content, fragment", [
    ("good\t12\nbad twelve\n", "words.tsv:2: expected 'word<TAB>count'"),
    ("good\t12\n", "fewer than 10"),
    (b"\xff\xfe", "cannot read the known-words file"),
])
def test_a_bad_words_file_is_one_line_naming_it(tmp_path, content, fragment):
    path = tmp_path / "words.tsv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataError, match=fragment.replace("<", ".").replace(">", ".")) as info:
        load_words(path)
    assert "\n" not in str(info.value)


class Counting:
    """A real (bag-of-words) model that counts the texts it is asked about."""

    labels = ("negative", "positive")

    def __init__(self):
        self.seen: list[str] = []

    def predict_proba(self, texts):
        self.seen.extend(texts)
        score = np.array([t.lower().count("great") - t.lower().count("awful") for t in texts], dtype=float)
        p = 1 / (1 + np.exp(-score))
        return np.stack([1 - p, p], axis=1)


def test_the_wrapper_predicts_on_normalized_text_and_keys_by_it(words):
    inner = Counting()
    model = NormalizingModel(inner, words, wraps="py:counting")
    assert model.labels == inner.labels
    proba = model.predict_proba(["ｇｒｅａｔ film", "great film", "@wful film"])
    assert proba.shape == (3, 2) and proba[0, 1] == proba[1, 1] > 0.5 > proba[2, 1]
    assert inner.seen == ["great film", "great film", "awful film"]
    keys = model.input_keys(["ｇｒｅａｔ film", "great film", "good film"])
    assert keys[0] == keys[1] != keys[2]  # the suite predicts the first two once
    assert [r.rule for r in model.explain("so boooooring")] == ["elongation"]
