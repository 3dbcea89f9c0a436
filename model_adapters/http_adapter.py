"""A model served over HTTP (`http://...`, `https://...`), spoken to with the protocol in docs/http-protocol.md.

POST `{"texts": [...]}` -> `{"labels": [...], "probabilities": [[...], ...]}`, in batches sent by a bounded pool
of threads, with retries and exponential backoff on 429, 5xx and connection errors. The labels are discovered
with an empty batch when the model is opened. A bearer token is read from an environment variable and kept
out of every message, record and repr. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.option_names import COMMAND_FLAGS, OptionNames
from model_adapters.protocol import ProbabilityModel, model_labels

PROTOCOL_DOC = "docs/http-protocol.md"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


DEFAULT_BATCH_SIZE = 64      # texts per request to a server that states no batch size (safe for slow endpoints)
MAX_STATED_BATCH = 4096      # a server's stated batch size is followed up to this many texts per request


@dataclass(frozen=True)
class HttpOptions:
    """How to talk to a served model; the defaults suit a model on the same network."""

    batch_size: int | None = None  # texts per request (None: what the server says it batches best, else 64)
    timeout_s: float = 30.0     # per request
    retries: int = 3            # extra attempts after a 429, a 5xx or a connection error
    backoff_s: float = 0.5      # first retry waits this long, then 2x, 4x, ...
    concurrency: int = 4        # requests in flight at once
    token_env: str | None = None  # name of the environment variable holding a bearer token
    names: OptionNames = COMMAND_FLAGS  # how errors name these options (flags, or the loop's fields)

    def __post_init__(self):
        for field, minimum in (("batch_size", 1), ("concurrency", 1), ("retries", 0)):
            if getattr(self, field) is not None and getattr(self, field) < minimum:
                raise ModelError(f"http option {field} must be at least {minimum}, got {getattr(self, field)}")
        if self.timeout_s <= 0 or self.backoff_s < 0:
            raise ModelError(f"http options: timeout_s must be positive and backoff_s non-negative, "
                             f"got {self.timeout_s} and {self.backoff_s}")


def redact_url(url: str) -> str:
    """The URL without user:password and with query values masked: what may be printed or recorded."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    query = "&".join(f"{key}=***" for key, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class HttpModel(ProbabilityModel):
    """A served model; open one with `connect_http_model`, which discovers its labels."""

    def __init__(self, url: str, labels: Sequence[str], options: HttpOptions = HttpOptions(),
                 token: str | None = None, served_labels: Sequence[str] | None = None):
        self.url = url
        self.labels = tuple(labels)
        self.options = options
        self.name = redact_url(url)
        self.info = {"family": "http", "url": self.name}
        self._served_labels = list(served_labels if served_labels is not None else labels)
        self._token = token
        self._transport = Transport(url, options.timeout_s, options.names)
        self._pool: ThreadPoolExecutor | None = None  # made on first use, kept: no thread start-up per call
        self._pool_lock = threading.Lock()
        self.sleep = time.sleep  # how a retry waits; tests replace it to record the waits instead of sleeping

    def __repr__(self) -> str:  # never the token
        return f"HttpModel({self.name!r}, labels={self.labels})"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        size = self.options.batch_size or DEFAULT_BATCH_SIZE
        batches = [texts[start:start + size] for start in range(0, len(texts), size)]
        if len(batches) == 1:
            return self._predict_batch(batches[0])
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.options.concurrency, thread_name_prefix="http-model")
        return np.concatenate(list(self._pool.map(self._predict_batch, batches)), axis=0)

    def close(self) -> None:
        """Close the request threads and the kept-alive connections (also done when the process exits)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self._transport.close()

    def _predict_batch(self, texts: list[str]) -> np.ndarray:
        answer = self.post({"texts": texts}, ModelRuntimeError)
        if answer["labels"] != self._served_labels:
            raise ModelRuntimeError(f"{self.name} answered with labels {answer['labels']}, but it served "
                                    f"{self._served_labels} when opened; restart the run against one model")
        return _probabilities(answer, len(texts), self.name, ModelRuntimeError)

    def post(self, payload: dict, error: type[ModelError]) -> dict:
        """POST `payload`, retrying on 429/5xx/connection errors; the JSON answer, or one `error` line."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            try:
                status, reply_headers, raw = self._transport.post(body, headers)
            except (http.client.HTTPException, OSError) as exc:  # URLError, timeouts, refused/reset: OSErrors
                if attempt == attempts - 1:
                    reason = getattr(exc, "reason", exc)
                    said = " ".join(str(reason).split())  # one line, whatever the server sent
                    raise error(self._scrub(
                        f"{self.name}: cannot reach the model ({type(reason).__name__}: {said}) after "
                        f"{attempts} attempt(s); start the server (e.g. `robustness serve --model DIR --port N`), "
                        f"check the URL, or raise {self.options.names.http_timeout}")) from None
                self.sleep(self._delay(attempt))
                continue
            if status < 300:
                return _json_answer(raw, reply_headers.get("Content-Type", ""), self.name, error)
            if status < 400:
                where = redact_url(urllib.parse.urljoin(self.url, reply_headers.get("Location", "")))
                raise error(self._scrub(f"{self.name} answered HTTP {status}, a redirect to {where}; "
                                        f"pass that URL instead (a POST is not re-sent to another address)"))
            if status not in RETRY_STATUSES or attempt == attempts - 1:
                raise error(self._scrub(_status_message(self.name, status, _error_detail(raw), attempt + 1,
                                                        self.options.names)))
            self.sleep(max(self._delay(attempt), _retry_after(reply_headers.get("Retry-After"))))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int) -> float:
        return self.options.backoff_s * (2 ** attempt)

    def _scrub(self, message: str) -> str:
        return message.replace(self._token, "***") if self._token else message


def connect_http_model(url: str, *, labels: Sequence[str] | None = None, options: HttpOptions = HttpOptions(),
                       where: str | None = None) -> HttpModel:
    """Open a served model: read the token, ask for an empty batch to learn the labels, check the answer."""
    where = where or redact_url(url)
    token = None
    if options.token_env:
        token = os.environ.get(options.token_env)
        if not token:
            raise ModelError(f"{options.names.token_env} {options.token_env}: the environment variable {options.token_env} is not "
                             f"set or empty; export it with the bearer token before running")
    if token and any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
        raise ModelError(f"{options.names.token_env} {options.token_env}: the token holds whitespace or control characters (a "
                         f"trailing newline or carriage return?); export it without them")
    probe = HttpModel(url, ("?", "?"), options, token)
    try:
        answer = probe.post({"texts": []}, ModelError)
    finally:
        probe.close()
    _probabilities(answer, 0, where, ModelError)
    served = answer["labels"]
    if options.batch_size is None:  # the batch the server says it predicts best (robustness serve: one model call)
        stated = answer.get("batch_size")
        usable = isinstance(stated, int) and not isinstance(stated, bool) and stated >= 1
        options = replace(options, batch_size=min(stated, MAX_STATED_BATCH) if usable else DEFAULT_BATCH_SIZE)
    return HttpModel(url, model_labels(served, labels, where, options.names), options, token, served_labels=served)


class _NoDelay:
    """Sends each write at once: http.client writes headers and body separately, and with Nagle's algorithm the
    body then waits for the server's delayed ACK (~40 ms per request on a kept-alive connection)."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _NoDelayHTTPConnection(_NoDelay, http.client.HTTPConnection):
    pass


class _NoDelayHTTPSConnection(_NoDelay, http.client.HTTPSConnection):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as its 3xx answer, as on a direct connection (urllib would re-send a POST as a GET)."""

    def redirect_request(self, *args, **kwargs):
        return None


class Transport:
    """POSTs to one URL. A server reached directly (loopback, or no proxy configured for it) is spoken to over
    kept-alive HTTP/1.1 connections, one per request in flight, reused across batches: opening a TCP (and TLS)
    connection per batch cost more than the batch itself. Through a proxy from the environment, urllib opens
    one connection per request as before. Returns (status, headers, body) for every HTTP answer."""

    def __init__(self, url: str, timeout_s: float, names: OptionNames = COMMAND_FLAGS):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelError(f"{redact_url(url)}: not an http(s) URL with a host; pass e.g. http://127.0.0.1:8000/")
        if parts.username or parts.password:
            raise ModelError(f"{redact_url(url)}: credentials in the URL are not sent (they would end up in logs); "
                             f"put a bearer token in an environment variable and pass {names.token_env} NAME")
        self.url, self.timeout_s = url, timeout_s
        self._scheme, self._host = parts.scheme, parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)  # never parsed out of an IPv6 host
        self._target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        loopback = parts.hostname in LOOPBACK_HOSTS  # loopback servers never go through a proxy
        proxied = not loopback and parts.scheme in urllib.request.getproxies() and \
            not urllib.request.proxy_bypass(parts.hostname)
        self._opener = urllib.request.build_opener(_NoRedirects()) if proxied else None
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post(self, body: bytes, headers: dict) -> tuple[int, "http.client.HTTPMessage", bytes]:
        if self._opener is not None:
            return self._post_via_urllib(body, headers)
        connection, reused = self._connection()
        try:
            return self._exchange(connection, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ssl.SSLEOFError):
            if not reused:
                raise
            # The server closed a kept-alive connection while it sat idle (servers time idle ones out): the others
            # idle as long are likely closed too. One fresh connection, outside the retry budget; a prediction
            # is idempotent, so the rare resend of a request the server did read costs only time.
            self.close()
            return self._exchange(self._new_connection(), body, headers)

    def _exchange(self, connection: http.client.HTTPConnection, body: bytes, headers: dict):
        """One request and its answer; the connection is kept for the next request unless either side closes it."""
        try:
            connection.request("POST", self._target, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            with self._lock:
                self._idle.append(connection)
        return response.status, response.headers, raw

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._new_connection(), False

    def _new_connection(self) -> http.client.HTTPConnection:
        kind = _NoDelayHTTPSConnection if self._scheme == "https" else _NoDelayHTTPConnection
        return kind(self._host, self._port, timeout=self.timeout_s)

    def _post_via_urllib(self, body: bytes, headers: dict):
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            try:
                raw = exc.read(2000)
            except Exception:
                raw = b""
            return exc.code, exc.headers, raw

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _json_answer(raw: bytes, content_type: str, where: str, error: type[ModelError]) -> dict:
    text = raw.decode("utf-8", errors="replace")
    if "html" in content_type.lower() or text.lstrip()[:1] == "<":
        raise error(f"{where} answered HTML, not JSON: this is not a model endpoint; point at the URL that "
                    f"answers POST {{\"texts\": [...]}} as described in {PROTOCOL_DOC}")
    try:
        answer = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where} answered something that is not JSON ({exc.msg} at char {exc.pos}); the endpoint must "
                    f"speak the protocol in {PROTOCOL_DOC}") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("labels"), list) or \
            not all(isinstance(label, str) for label in answer["labels"]) or len(answer["labels"]) < 2:
        raise error(f"{where} answered without a \"labels\" list of at least two names; the endpoint must answer "
                    f"{{\"labels\": [...], \"probabilities\": [[...]]}} ({PROTOCOL_DOC})")
    return answer


def _probabilities(answer: dict, n: int, where: str, error: type[ModelError]) -> np.ndarray:
    rows, k = answer.get("probabilities"), len(answer["labels"])
    try:
        proba = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):
        proba = None
    if not isinstance(rows, list) or proba is None or (
            proba.shape != (n, k) and not (n == 0 and proba.size == 0)):
        shape = None if proba is None else proba.shape
        raise error(f"{where} answered \"probabilities\" of shape {shape}, expected ({n}, {k}): one row per text, "
                    f"one column per label; fix the endpoint to follow {PROTOCOL_DOC}")
    return proba.reshape(n, k)


def _error_detail(raw: bytes) -> str:
    raw = raw[:2000].decode("utf-8", errors="replace")
    try:
        message = json.loads(raw).get("error")
    except (json.JSONDecodeError, AttributeError):
        message = None
    text = str(message) if message else ("an HTML page" if raw.lstrip()[:1] == "<" else raw.strip())
    return " ".join(text.split())[:200]


def _status_message(where: str, status: int, detail: str, attempts: int, names: OptionNames = COMMAND_FLAGS) -> str:
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        fix = f"pass {names.token_env} NAME with the environment variable holding the bearer token, and check the token"
    elif status == 404:
        fix = "check the URL's path: it must be the model's prediction endpoint"
    elif status in RETRY_STATUSES:
        fix = f"the server kept failing after {attempts} attempt(s); check its logs or raise {names.http_retries}"
    else:
        fix = f"the request was refused; the endpoint must follow {PROTOCOL_DOC}"
    return f"{where} answered HTTP {status}{said}; {fix}"


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back to our own backoff
