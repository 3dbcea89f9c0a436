"""Serve any SentimentModel over the HTTP protocol in docs/http-protocol.md (what `http://` specs speak).

    server = make_server(model, "127.0.0.1", 0)      # port 0: the OS picks a free port
    print(server.url); server.serve_forever()

POST / (or /predict) `{"texts": [...]}` -> `{"labels": [...], "probabilities": [[...]]}`; GET / -> the labels.
Errors are JSON `{"error": "..."}` with 400 (bad request), 401 (token), 404, 411, 413, 500 (the model failed)
or 503 (the server is closing).
Requests are handled on threads; one model thread predicts for all of them (adapters need not be thread-safe),
taking every request waiting at that moment in one call: a client with several small requests in flight gets the
model's batching as if it had sent one large request (should that call fail, each request is retried alone, so
one bad request fails only itself). Predictions are cached like the suite caches them (by the model's
`input_keys` where it has them), so a suite through the server asks the model no more than in process; the cache
is dropped when it holds CACHE_ROWS rows.
Probabilities are sent as float64 written by `json`, which reads back bit for bit.
"""

from __future__ import annotations

import hmac
import json
import queue
import threading
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from robustness.errors import ModelRuntimeError, UsageError
from robustness.models.predictor import CachedPredictor

PATHS = ("/", "/predict")
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_TEXTS = 10_000
CACHE_ROWS = 200_000  # ~30 MB of keys and rows for a binary model
MAX_COALESCED_TEXTS = 4_096  # one model call takes waiting requests up to about this many texts
# Stated in every answer: the texts per request this server predicts best. The client's default follows it, so a
# suite sends what it would give the model in process (robustness/models/predictor.py's 1,024) in one request, and
# the model batches it as it would in process; a remote endpoint that states nothing keeps the client's 64.
STATED_BATCH_SIZE = 1_024


class ServerClosing(Exception):
    """A request that arrived while the server was closing (answered 503)."""

    def __init__(self):
        super().__init__("the server is shutting down; retry against a running one")


class ModelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, model, address: tuple[str, int], token: str | None = None, quiet: bool = True):
        self.model = model
        self.token = token
        self.quiet = quiet
        self.predictor = CachedPredictor(model, MAX_COALESCED_TEXTS)  # one model call per group taken
        self._requests: queue.Queue = queue.Queue()
        self._state_lock = threading.Lock()
        self._closed = False
        super().__init__(address, ModelRequestHandler)  # binds first: a busy port leaves no thread behind
        threading.Thread(target=self._predict_waiting, name="model", daemon=True).start()

    def predict(self, texts: list[str]):
        """Probabilities for `texts`, predicted by the model thread together with whatever else is waiting."""
        answer: Future = Future()
        with self._state_lock:
            if self._closed:
                raise ServerClosing()
            self._requests.put((texts, answer))
        return answer.result()

    def _predict_waiting(self) -> None:
        while True:
            first = self._requests.get()
            if first is None:
                break
            waiting, size, stop = [first], len(first[0]), False
            while size < STATED_BATCH_SIZE:  # small requests merge; a full-size one is a model call of its own
                try:
                    item = self._requests.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                waiting.append(item)
                size += len(item[0])
            self._answer(waiting)
            if stop:
                break
        while True:  # closed: nothing is queued after the stop mark, but fail anything left before it
            try:
                item = self._requests.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1].set_exception(ServerClosing())

    def _answer(self, waiting: list) -> None:
        try:
            proba = self._predict_now([text for texts, _ in waiting for text in texts])
        except BaseException as exc:  # a ModelRuntimeError becomes HTTP 500
            if len(waiting) == 1:
                waiting[0][1].set_exception(exc)
                return
            for item in waiting:  # one request's bad text must not fail the others taken with it
                self._answer([item])
            return
        start = 0
        for texts, answer in waiting:
            answer.set_result(proba[start:start + len(texts)])
            start += len(texts)

    def _predict_now(self, texts: list[str]):
        if self.predictor.n_cached > CACHE_ROWS:
            self.predictor = CachedPredictor(self.model, MAX_COALESCED_TEXTS)
        return self.predictor.predict(texts)

    def server_close(self) -> None:
        with self._state_lock:
            if not self._closed:
                self._closed = True
                self._requests.put(None)  # the model thread answers what came before, then fails the rest
        super().server_close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"


def make_server(model, host: str = "127.0.0.1", port: int = 0, *, token: str | None = None,
                quiet: bool = True) -> ModelServer:
    """A bound, not yet serving server for `model`; with `token`, requests need `Authorization: Bearer TOKEN`."""
    try:
        return ModelServer(model, (host, port), token=token, quiet=quiet)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port "
                         f"(0 picks a free one) or --host") from None


class ModelRequestHandler(BaseHTTPRequestHandler):
    server: ModelServer
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per client thread, not one per batch
    disable_nagle_algorithm = True  # headers and body are written apart: do not hold the body for an ACK

    def do_GET(self):
        if not self._path_ok() or not self._authorised():
            return
        self._send(200, {"labels": list(self.server.model.labels), "protocol": 1, "batch_size": STATED_BATCH_SIZE})

    def do_POST(self):
        if not self._path_ok() or not self._authorised():
            return
        texts = self._read_texts()
        if texts is None:
            return
        try:
            proba = self.server.predict(texts)
        except ModelRuntimeError as exc:
            self._send(500, {"error": str(exc)})
            return
        except ServerClosing as exc:
            self._send(503, {"error": str(exc)}, close=True)
            return
        self._send(200, {"labels": list(self.server.model.labels), "probabilities": proba.tolist(),
                         "batch_size": STATED_BATCH_SIZE})

    def _read_texts(self) -> list[str] | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._send(411, {"error": "send a Content-Length header with the JSON body"})
            return None
        if int(length) > MAX_BODY_BYTES:
            self._send(413, {"error": f"body of {length} bytes is over {MAX_BODY_BYTES}; send smaller batches"},
                       close=True)
            return None
        raw = self.rfile.read(int(length))
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._send(400, {"error": f"body is not UTF-8 JSON ({exc}); send {{\"texts\": [\"...\"]}}"})
            return None
        texts = payload.get("texts") if isinstance(payload, dict) else None
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            self._send(400, {"error": "body must be a JSON object with \"texts\": a list of strings"})
            return None
        if len(texts) > MAX_TEXTS:
            self._send(413, {"error": f"{len(texts)} texts in one request; send at most {MAX_TEXTS}"})
            return None
        return texts

    def _path_ok(self) -> bool:
        if self.path.split("?", 1)[0] in PATHS:
            return True
        self._discard_body()
        self._send(404, {"error": f"no endpoint at {self.path}; POST to / or /predict"})
        return False

    def _authorised(self) -> bool:
        expected = self.server.token
        if not expected:
            return True
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode("utf-8"), f"Bearer {expected}".encode("utf-8")):
            return True
        self._discard_body()
        self._send(401, {"error": "missing or wrong bearer token; send Authorization: Bearer TOKEN"})
        return False

    def _discard_body(self) -> None:
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) <= MAX_BODY_BYTES:
            self.rfile.read(int(length))

    def _send(self, status: int, payload: dict, close: bool = False) -> None:
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if not self.server.quiet:
            super().log_message(format, *args)  # method, path and status only: never headers
