"""http(s): an answer's "probabilities" must be one row per text and one column per label (docs/http-protocol.md).

A server that answers the transposed matrix (one row per label) holds exactly as many numbers as a right one; a
check of the size alone would reshape it into plausible-looking rows that belong to no text. Three texts and two
labels make the transposed answer 2 x 3, told apart from 3 x 2 by its shape (two texts and two labels could not
be: a 2 x 2 answer looks the same either way round). Real servers on 127.0.0.1, from test_http_adapter.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.http_adapter import HttpOptions, connect_http_model
from tests.model_adapters.test_http_adapter import FAST, scripted  # noqa: F401  (scripted: the server fixture)

TEXTS = ["a wonderful film", "dull and far too long", "fine"]
ROWS = [[0.1, 0.9], [0.8, 0.2], [0.4, 0.6]]  # one row per text: what the server means
TRANSPOSED = [list(column) for column in zip(*ROWS)]  # one row per label: 2 x 3


def answer(probabilities) -> tuple[int, str, str]:
    return 200, "application/json", json.dumps({"labels": ["NEG", "POS"], "probabilities": probabilities})


def test_rows_per_text_are_read_as_sent(scripted):  # noqa: F811
    """The control: the same numbers the right way round are accepted, row for row."""
    url, server = scripted([])
    model = connect_http_model(url, options=FAST)
    server.script = [answer(ROWS)]
    np.testing.assert_array_equal(model.predict_proba(TEXTS), np.array(ROWS))


def test_a_transposed_answer_is_refused(scripted):  # noqa: F811
    url, server = scripted([])
    model = connect_http_model(url, options=FAST)
    server.script = [answer(TRANSPOSED)]
    with pytest.raises(ModelRuntimeError) as info:
        model.predict_proba(TEXTS)
    message = str(info.value)
    assert message.startswith(url) and "\n" not in message
    assert 'answered "probabilities" of shape (2, 3), expected (3, 2): one row per text, one column per label' \
        in message


def test_a_transposed_answer_to_one_of_several_batches_is_refused(scripted):  # noqa: F811
    """Batches sent by the thread pool are checked one by one: a size check would reshape each transposed 2 x 3
    answer to 3 x 2 and concatenate them into a 6 x 2 array of rows that belong to no text."""
    url, server = scripted([])
    model = connect_http_model(url, options=HttpOptions(batch_size=3, concurrency=2, backoff_s=0, retries=0))
    server.script = [answer(TRANSPOSED), answer(TRANSPOSED)]
    with pytest.raises(ModelRuntimeError, match=r"shape \(2, 3\), expected \(3, 2\)"):
        model.predict_proba(TEXTS + TEXTS)
    model.close()


def test_a_transposed_answer_is_not_retried(scripted):  # noqa: F811
    """A wrong shape is the endpoint's bug, not a busy server: one request, one error, no retry."""
    url, server = scripted([])
    model = connect_http_model(url, options=HttpOptions(backoff_s=0, retries=3))
    server.script = [answer(TRANSPOSED), answer(ROWS)]
    with pytest.raises(ModelError, match="shape"):
        model.predict_proba(TEXTS)
    assert len(server.ports) == 2  # the label probe and the one prediction request
