"""http(s): specs against real servers on 127.0.0.1: `robustness serve`'s, and a scripted one that fails on purpose
(503s, HTML, wrong shapes). Backoff is set to 0 so retries do not sleep."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from model_adapters.callable_adapter import CallableModel
from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.http_adapter import HttpOptions, connect_http_model

FAST = HttpOptions(backoff_s=0.0, retries=2, timeout_s=10)


def proba(texts):
    return np.array([[0.25, 0.75] if "good" in t else [0.6, 0.4] for t in texts])


class Scripted(BaseHTTPRequestHandler):
    """Answers each POST with the next scripted reply; "model" answers properly. Counts requests in flight."""

    def do_POST(self):
        server = self.server
        texts = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["texts"]
        with server.lock:
            server.in_flight += 1
            server.peak = max(server.peak, server.in_flight)
            reply = server.script.pop(0) if server.script else "model"
            server.seen_auth.append(self.headers.get("Authorization"))
            server.ports.append(self.client_address[1])  # one port per TCP connection the client opened
        server.gate.wait(5)  # lets a test hold requests open to observe concurrency
        if reply == "model":
            status, kind, body = 200, "application/json", json.dumps(
                {"labels": ["NEG", "POS"], "probabilities": proba(texts).tolist()})
        else:
            status, kind, body = reply
        with server.lock:
            server.in_flight -= 1
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        if 300 <= status < 400:
            self.send_header("Location", server.location)
        self.end_headers()
        self.wfile.write(data)
        if server.drop_idle:  # closes without saying so, as a server dropping an idle keep-alive connection does
            self.close_connection = True

    def log_message(self, *args):
        pass


class KeepAlive(Scripted):
    protocol_version = "HTTP/1.1"


@pytest.fixture
def scripted():
    """`url, server = scripted([reply, ...])`."""
    servers = []

    def start(script, handler=Scripted, drop_idle=False):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.script, server.lock, server.in_flight, server.peak = list(script), threading.Lock(), 0, 0
        server.seen_auth, server.gate, server.ports, server.drop_idle = [], threading.Event(), [], drop_idle
        server.location = "/"
        server.gate.set()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


UNAVAILABLE = (503, "application/json", '{"error": "warming up"}')


def test_retries_503_then_succeeds(scripted):
    url, server = scripted([UNAVAILABLE, UNAVAILABLE])  # the label probe fails twice, then works
    model = connect_http_model(url, options=FAST)
    assert model.labels == ("negative", "positive")
    server.script = [UNAVAILABLE, (429, "application/json", "{}")]
    np.testing.assert_allclose(model.predict_proba(["good", "bad"]), proba(["good", "bad"]))


def test_gives_up_after_the_retries_with_the_server_message(scripted):
    url, _ = scripted([UNAVAILABLE] * 3)
    with pytest.raises(ModelError, match=r"answered HTTP 503: warming up; .*after 3 attempt\(s\)") as info:
        connect_http_model(url, options=FAST)
    assert not isinstance(info.value, ModelRuntimeError)  # at load time: exit 2
    model_url, server = scripted([])
    model = connect_http_model(model_url, options=FAST)
    server.script = [UNAVAILABLE] * 3
    with pytest.raises(ModelRuntimeError, match="HTTP 503"):  # while running: exit 3
        model.predict_proba(["good"])


@pytest.mark.parametrize("reply, fragment", [
    ((200, "text/html", "<html><body>Welcome</body></html>"), "answered HTML, not JSON"),
    ((200, "application/json", "not json"), "not JSON"),
    ((200, "application/json", '{"probabilities": []}'), 'without a "labels" list'),
    ((200, "application/json", '{"labels": ["a", "b"], "probabilities": [[1, 0, 0]]}'), "expected (0, 2)"),
    ((404, "text/html", "<h1>Not found</h1>"), "HTTP 404: an HTML page; check the URL's path"),
    ((400, "application/json", '{"error": "texts missing"}'), "HTTP 400: texts missing"),
])
def test_wrong_answers_are_one_line_naming_the_url(scripted, reply, fragment):
    url, _ = scripted([reply])
    with pytest.raises(ModelError) as info:
        connect_http_model(url, options=FAST)
    message = str(info.value)
    assert fragment in message and message.startswith(url) and "\n" not in message


def test_wrong_shape_mid_run_is_a_runtime_error(scripted):
    url, server = scripted([])
    model = connect_http_model(url, options=FAST)
    server.script = [(200, "application/json", '{"labels": ["NEG", "POS"], "probabilities": [[0.5, 0.5]]}')]
    with pytest.raises(ModelRuntimeError, match=r"shape \(1, 2\), expected \(2, 2\)"):
        model.predict_proba(["a", "b"])


def test_unreachable_endpoint(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(ModelError, match=r"cannot reach the model .* after 3 attempt\(s\); start the server"):
        connect_http_model(url, options=FAST)


def test_batches_are_sent_concurrently_but_bounded(scripted):
    url, server = scripted([])
    model = connect_http_model(url, options=HttpOptions(batch_size=2, concurrency=3, backoff_s=0))
    texts = [f"text {i} good" if i % 3 else f"text {i}" for i in range(40)]
    np.testing.assert_allclose(model.predict_proba(texts), proba(texts))  # 20 batches, answers in order
    assert 1 <= server.peak <= 3


def test_connections_are_kept_alive_across_batches(scripted):
    """An HTTP/1.1 server keeps connections open: 50 batches travel over at most `concurrency` connections
    (opening one per batch cost more than predicting it)."""
    url, server = scripted([], handler=KeepAlive)
    model = connect_http_model(url, options=HttpOptions(batch_size=2, concurrency=3, backoff_s=0))
    texts = [f"text {i} good" if i % 2 else f"text {i}" for i in range(100)]
    for _ in range(3):
        np.testing.assert_allclose(model.predict_proba(texts), proba(texts))
    assert len(server.ports) == 151  # the label probe + 3 x 50 batches
    assert len(set(server.ports)) <= 4  # the probe's connection, then at most 3 in flight
    model.close()


def test_a_dropped_idle_connection_is_replaced_without_a_retry(scripted):
    """A server may close a kept-alive connection between requests; the next batch goes over a fresh one at once,
    even with retries off."""
    url, server = scripted([], handler=KeepAlive, drop_idle=True)
    model = connect_http_model(url, options=HttpOptions(retries=0, backoff_s=0, concurrency=1))
    for _ in range(3):
        np.testing.assert_allclose(model.predict_proba(["good", "bad"]), proba(["good", "bad"]))
    assert len(set(server.ports)) == 4


def test_bearer_token_is_sent_and_never_shown(scripted, monkeypatch):
    monkeypatch.setenv("TEST_MODEL_TOKEN", "tok-123-secret")
    url, server = scripted([])
    model = connect_http_model(url, options=HttpOptions(token_env="TEST_MODEL_TOKEN", backoff_s=0, retries=0))
    model.predict_proba(["good"])
    assert server.seen_auth == ["Bearer tok-123-secret"] * 2
    server.script = [(500, "application/json", '{"error": "bad token tok-123-secret"}')]
    with pytest.raises(ModelRuntimeError) as info:
        model.predict_proba(["good"])
    assert "tok-123-secret" not in str(info.value) + repr(model) + str(model.info) and "***" in str(info.value)


def test_missing_token_variable_and_refused_token(serve_model, monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN_VAR", raising=False)
    url = serve_model(CallableModel(proba), token="right")
    with pytest.raises(ModelError, match="--token-env NO_SUCH_TOKEN_VAR: the environment variable .* is not set"):
        connect_http_model(url, options=HttpOptions(token_env="NO_SUCH_TOKEN_VAR"))
    monkeypatch.setenv("WRONG_TOKEN", "not-the-token")
    with pytest.raises(ModelError, match="HTTP 401: missing or wrong bearer token; .*; pass --token-env"):
        connect_http_model(url, options=HttpOptions(token_env="WRONG_TOKEN"))
    monkeypatch.setenv("RIGHT_TOKEN", "right")
    assert connect_http_model(url, options=HttpOptions(token_env="RIGHT_TOKEN")).labels == ("negative", "positive")


def test_a_token_with_a_newline_is_refused_without_showing_it(serve_model, monkeypatch):
    url = serve_model(CallableModel(proba), token="right")
    monkeypatch.setenv("CRLF_TOKEN", "right\r\n")
    with pytest.raises(ModelError, match="whitespace or control characters") as info:
        connect_http_model(url, options=HttpOptions(token_env="CRLF_TOKEN"))
    assert "right" not in str(info.value) and "\n" not in str(info.value)


def test_a_redirect_names_where_it_points(scripted):
    url, server = scripted([(308, "text/plain", "")])
    server.location = "/v2/predict?key=secret"
    with pytest.raises(ModelError, match=r"HTTP 308, a redirect to http://127.0.0.1:\d+/v2/predict\?key=\*\*\*; "
                                         r"pass that URL instead") as info:
        connect_http_model(url, options=FAST)
    assert "secret" not in str(info.value)


def test_labels_override_renames_served_columns(serve_model):
    url = serve_model(CallableModel(proba, labels=("bad", "good")))
    assert connect_http_model(url).labels == ("bad", "good")
    assert connect_http_model(url, labels=("neg", "pos")).labels == ("negative", "positive")


def test_an_ipv6_host_without_a_port_keeps_its_address():
    """http://[::1]/ is host ::1 on port 80, not host ':' on port 1 (http.client would read ':1' as a port)."""
    from model_adapters.http_adapter import Transport

    plain, secure = Transport("http://[::1]/predict", 5.0), Transport("https://[::1]/", 5.0)
    assert (plain._host, plain._port, plain._target) == ("::1", 80, "/predict")
    assert (secure._host, secure._port) == ("::1", 443)


def test_a_garbled_answer_is_reported_on_one_line():
    """A server answering a broken status line: the error names the URL on one line, whatever bytes came back."""
    import socketserver

    class Garbage(socketserver.StreamRequestHandler):
        def handle(self):
            self.rfile.readline()
            self.wfile.write(b"garbage line\r\nmore\r\n\r\n")

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Garbage) as server:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with pytest.raises(ModelError) as info:
            connect_http_model(url, options=HttpOptions(retries=0, backoff_s=0, timeout_s=5))
        server.shutdown()
    message = str(info.value)
    assert message.startswith(url) and "garbage line" in message and "\n" not in message and "\r" not in message


class Counting:
    """A model that records the size of every batch it is asked to predict."""

    labels = ("negative", "positive")

    def __init__(self):
        self.calls = []

    def predict_proba(self, texts):
        self.calls.append(len(texts))
        return proba(texts)


def test_requests_follow_the_batch_size_the_server_states_unless_one_is_set(serve_model, scripted):
    from robustness.models.serve import STATED_BATCH_SIZE

    counting = Counting()
    url = serve_model(counting)
    texts = [f"review {i} good" for i in range(2 * STATED_BATCH_SIZE)]
    model = connect_http_model(url)  # robustness serve states its batch size: two requests of 1,024
    assert model.options.batch_size == STATED_BATCH_SIZE
    counting.calls.clear()
    model.predict_proba(texts)
    assert sum(counting.calls) == len(texts) and max(counting.calls) >= STATED_BATCH_SIZE
    assert connect_http_model(url, options=HttpOptions(batch_size=10)).options.batch_size == 10  # the user's wins
    plain, _ = scripted([])  # a server that states nothing gets the safe default
    assert connect_http_model(plain).options.batch_size == 64
