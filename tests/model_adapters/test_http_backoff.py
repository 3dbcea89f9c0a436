"""http(s): how long the client waits before each retry (docs/http-protocol.md, "What the client does").

Without `Retry-After` the waits double: backoff_s, 2 x backoff_s, 4 x backoff_s, ...; a `Retry-After: N` (seconds)
answer is waited for (never less than the backoff, at most 30 s). A real server on 127.0.0.1 answers 429/503 then
200; the model's `sleep` is replaced by a recorder, so the requested waits are read without sleeping them.
"""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler

import numpy as np
import pytest

from model_adapters.errors import ModelRuntimeError
from model_adapters.http_adapter import HttpModel, HttpOptions, connect_http_model
from tests.model_adapters.test_http_adapter import proba, scripted  # noqa: F401  (scripted: the server fixture)

BACKOFF = HttpOptions(backoff_s=0.25, retries=3, timeout_s=10)


class WithHeaders(BaseHTTPRequestHandler):
    """Answers each POST with the next scripted (status, headers) and a JSON error; when the script is empty, the
    model's answer. Records one entry per request in `server.ports`."""

    def do_POST(self):
        server = self.server
        texts = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["texts"]
        with server.lock:
            reply = server.script.pop(0) if server.script else None
            server.ports.append(self.client_address[1])
        if reply is None:
            status, headers = 200, {}
            body = json.dumps({"labels": ["NEG", "POS"], "probabilities": proba(texts).tolist()})
        else:
            (status, headers), body = reply, json.dumps({"error": "busy"})
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def opened(scripted, options=BACKOFF):  # noqa: F811
    """A model connected to a fresh server (the label probe answered at once), with its waits recorded."""
    url, server = scripted([], handler=WithHeaders)
    model = connect_http_model(url, options=options)
    waits: list[float] = []
    model.sleep = waits.append
    server.ports.clear()
    return model, server, waits


def test_a_retry_sleeps_for_real_by_default(scripted):  # noqa: F811
    url, _ = scripted([], handler=WithHeaders)
    assert connect_http_model(url, options=BACKOFF).sleep is time.sleep


def test_retry_after_seconds_is_the_wait_before_the_retry(scripted):  # noqa: F811
    model, server, waits = opened(scripted)
    server.script = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "2"})]
    np.testing.assert_allclose(model.predict_proba(["good", "bad"]), proba(["good", "bad"]))
    assert waits == [7.0, 2.0]  # not the backoff's 0.25 and 0.5
    assert len(server.ports) == 3


@pytest.mark.parametrize("retry_after, wait", [
    ("120", 30.0),                             # capped: a server cannot park the run for minutes
    ("0", 0.25),                               # never shorter than the backoff
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.25),   # an HTTP date is not read: the backoff
])
def test_retry_after_is_capped_and_never_shortens_the_backoff(scripted, retry_after, wait):  # noqa: F811
    model, server, waits = opened(scripted)
    server.script = [(503, {"Retry-After": retry_after})]
    model.predict_proba(["good"])
    assert waits == [wait]


def test_without_retry_after_the_waits_double(scripted):  # noqa: F811
    model, server, waits = opened(scripted)
    server.script = [(503, {}), (429, {}), (503, {})]
    np.testing.assert_allclose(model.predict_proba(["good", "bad"]), proba(["good", "bad"]))
    assert waits == [0.25, 0.5, 1.0]
    assert len(server.ports) == 4


def test_no_wait_after_the_last_attempt(scripted):  # noqa: F811
    model, server, waits = opened(scripted, HttpOptions(backoff_s=0.25, retries=2, timeout_s=10))
    server.script = [(503, {})] * 3
    with pytest.raises(ModelRuntimeError, match=r"HTTP 503: busy; .*after 3 attempt\(s\)"):
        model.predict_proba(["good"])
    assert waits == [0.25, 0.5]  # between the three attempts, none before giving up
    assert len(server.ports) == 3


def test_an_unreachable_server_is_retried_with_the_same_doubling_waits():
    with socket.socket() as probe:  # a port nothing listens on: each attempt is refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = HttpModel(f"http://127.0.0.1:{port}/", ("negative", "positive"), BACKOFF)
    waits: list[float] = []
    model.sleep = waits.append
    with pytest.raises(ModelRuntimeError, match=r"cannot reach the model .* after 4 attempt\(s\)"):
        model.predict_proba(["good"])
    assert waits == [0.25, 0.5, 1.0]
