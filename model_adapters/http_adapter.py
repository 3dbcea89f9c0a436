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
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.protocol import ProbabilityModel, model_labels

PROTOCOL_DOC = "docs/http-protocol.md"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class HttpOptions:
    """How to talk to a served model; the defaults suit a model on the same network."""

    batch_size: int = 64        # texts per request
    timeout_s: float = 30.0     # per request
    retries: int = 3            # extra attempts after a 429, a 5xx or a connection error
    backoff_s: float = 0.5      # first retry waits this long, then 2x, 4x, ...
    concurrency: int = 4        # requests in flight at once
    token_env: str | None = None  # name of the environment variable holding a bearer token

    def __post_init__(self):
        for field, minimum in (("batch_size", 1), ("concurrency", 1), ("retries", 0)):
            if getattr(self, field) < minimum:
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
        self._opener = _opener_for(url)

    def __repr__(self) -> str:  # never the token
        return f"HttpModel({self.name!r}, labels={self.labels})"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        size = self.options.batch_size
        batches = [texts[start:start + size] for start in range(0, len(texts), size)]
        if len(batches) == 1:
            return self._predict_batch(batches[0])
        with ThreadPoolExecutor(max_workers=min(self.options.concurrency, len(batches))) as pool:
            return np.concatenate(list(pool.map(self._predict_batch, batches)), axis=0)

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
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with self._opener.open(request, timeout=self.options.timeout_s) as response:
                    return _json_answer(response.read(), response.headers.get("Content-Type", ""), self.name, error)
            except urllib.error.HTTPError as exc:
                detail = _error_detail(exc)
                if exc.code not in RETRY_STATUSES or attempt == attempts - 1:
                    raise error(self._scrub(_status_message(self.name, exc.code, detail, attempt + 1))) from None
                delay = max(self._delay(attempt), _retry_after(exc.headers.get("Retry-After")))
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout,
                    TimeoutError) as exc:
                if attempt == attempts - 1:
                    reason = getattr(exc, "reason", exc)
                    raise error(self._scrub(
                        f"{self.name}: cannot reach the model ({type(reason).__name__}: {reason}) after "
                        f"{attempts} attempt(s); start the server (e.g. `robustness serve --model DIR --port N`), "
                        f"check the URL, or raise --http-timeout")) from None
                delay = self._delay(attempt)
            time.sleep(delay)
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
            raise ModelError(f"--token-env {options.token_env}: the environment variable {options.token_env} is not "
                             f"set or empty; export it with the bearer token before running")
    probe = HttpModel(url, ("?", "?"), options, token)
    answer = probe.post({"texts": []}, ModelError)
    _probabilities(answer, 0, where, ModelError)
    served = answer["labels"]
    return HttpModel(url, model_labels(served, labels, where), options, token, served_labels=served)


def _opener_for(url: str):
    """Loopback servers are reached directly, never through a proxy from the environment."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelError(f"{redact_url(url)}: not an http(s) URL with a host; pass e.g. http://127.0.0.1:8000/")
    if parts.username or parts.password:
        raise ModelError(f"{redact_url(url)}: credentials in the URL are not sent (they would end up in logs); "
                         f"put a bearer token in an environment variable and pass --token-env NAME")
    if parts.hostname in LOOPBACK_HOSTS:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


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


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(2000).decode("utf-8", errors="replace")
    except Exception:
        return ""
    try:
        message = json.loads(raw).get("error")
    except (json.JSONDecodeError, AttributeError):
        message = None
    text = str(message) if message else ("an HTML page" if raw.lstrip()[:1] == "<" else raw.strip())
    return " ".join(text.split())[:200]


def _status_message(where: str, status: int, detail: str, attempts: int) -> str:
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        fix = "pass --token-env NAME with the environment variable holding the bearer token, and check the token"
    elif status == 404:
        fix = "check the URL's path: it must be the model's prediction endpoint"
    elif status in RETRY_STATUSES:
        fix = f"the server kept failing after {attempts} attempt(s); check its logs or raise --http-retries"
    else:
        fix = f"the request was refused; the endpoint must follow {PROTOCOL_DOC}"
    return f"{where} answered HTTP {status}{said}; {fix}"


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back to our own backoff
