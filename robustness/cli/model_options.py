"""The options that say how to open `--model SPEC`, declared once and shared by every command that takes a model.

    @click.command()
    @click.option("--model", "model_spec", required=True, help=MODEL_HELP)
    @model_spec_options                      # the command receives `model_options: ModelOptions`
    def predict(model_spec, model_options): model = model_options.load(model_spec).model
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import click

from model_adapters.http_adapter import HttpOptions
from model_adapters.lstm.config import PRECISIONS

MODEL_HELP = ("The model: a directory (LSTM, TF-IDF baseline or transformers), hf:NAME_OR_DIR, skops:FILE, "
              "py:module:attr, or http(s)://URL of a served model (docs/http-protocol.md).")
_DEFAULT_HTTP = HttpOptions()


def _names(ctx, param, value):
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if not names:
        raise click.BadParameter("give comma-separated names, e.g. negative,positive", ctx, param)
    return names


_OPTIONS = [
    click.option("--allow-download", is_flag=True,
                 help="Let hf:NAME fetch the model from the Hugging Face Hub (default: local files only)."),
    click.option("--trust", "trust", default=None, callback=_names, metavar="TYPES",
                 help="skops types you trust, comma-separated (loading lists the ones the file needs)."),
    click.option("--labels", "labels", default=None, callback=_names, metavar="A,B[,C]",
                 help="Names of the model's probability columns, in order (for models that name none, or to rename)."),
    click.option("--precision", type=click.Choice(PRECISIONS), default="fp32", show_default=True,
                 help="An LSTM's arithmetic: fp32 is the reference; bf16 predicts about 2x faster on CPUs with "
                      "AVX512-BF16 or AMX, within rounding of fp32 (recorded in results.json)."),
    click.option("--token-env", default=None, metavar="NAME",
                 help="Environment variable holding a bearer token for an http(s) model (never written anywhere)."),
    click.option("--http-batch-size", type=click.IntRange(min=1), default=None,
                 help="Texts per request to an http(s) model (default: the batch size the server states, else 64)."),
    click.option("--http-timeout", type=click.FloatRange(min=0, min_open=True), default=_DEFAULT_HTTP.timeout_s,
                 show_default=True, help="Seconds per request to an http(s) model."),
    click.option("--http-retries", type=click.IntRange(min=0), default=_DEFAULT_HTTP.retries, show_default=True,
                 help="Retries after a 429, a 5xx or a connection error (exponential backoff)."),
    click.option("--http-concurrency", type=click.IntRange(min=1), default=_DEFAULT_HTTP.concurrency,
                 show_default=True, help="Requests in flight at once to an http(s) model."),
]
_KEYS = ("allow_download", "trust", "labels", "token_env", "http_batch_size", "http_timeout", "http_retries",
         "http_concurrency", "precision")


@dataclass(frozen=True)
class ModelOptions:
    allow_download: bool = False
    trust: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    http: HttpOptions = _DEFAULT_HTTP
    precision: str = "fp32"

    def stored(self) -> dict:
        """These options as a normalized model directory stores them (a token only by its variable's name)."""
        http = self.http
        return {"allow_download": self.allow_download, "trust": list(self.trust),
                "labels": list(self.labels) if self.labels is not None else None,
                "http": {"batch_size": http.batch_size, "timeout_s": http.timeout_s, "retries": http.retries,
                         "concurrency": http.concurrency, "token_env": http.token_env}}

    def load(self, spec):
        """The ResolvedModel for `spec` (model, kind, secret-free spec, fingerprint)."""
        from model_adapters.specs import load_model_spec

        return load_model_spec(spec, allow_download=self.allow_download, trust=self.trust, labels=self.labels,
                               http=self.http, precision=self.precision)


def model_spec_options(command):
    """Adds the options above and hands the command one `model_options: ModelOptions` instead."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        given = {key: kwargs.pop(key) for key in _KEYS}
        kwargs["model_options"] = ModelOptions(
            allow_download=given["allow_download"], trust=given["trust"] or (), labels=given["labels"],
            http=HttpOptions(batch_size=given["http_batch_size"], timeout_s=given["http_timeout"],
                             retries=given["http_retries"], concurrency=given["http_concurrency"],
                             token_env=given["token_env"]), precision=given["precision"])
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
