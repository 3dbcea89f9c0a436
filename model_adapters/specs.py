"""One resolver from a model spec to a SentimentModel, used by every command that takes `--model`.

    models/lstm                 a directory: our LSTM or TF-IDF artifact, a transformers save_pretrained dir, or a
                                normalized model (`robustness harden`: any of these specs behind the normalizer)
    hf:NAME_OR_DIR              transformers tokenizer + sequence classifier (local files unless allow_download)
    skops:FILE                  a scikit-learn pipeline saved with skops (untrusted types need `trust`)
    py:module:attr              a Python callable or object with labels + predict_proba
    http(s)://HOST/PATH         a served model speaking docs/http-protocol.md

`load_model_spec` returns the model with a secret-free spec and a fingerprint (a hash of the model's files, or
the URL and label set of a served model) for results.json.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from model_adapters.errors import ModelError, UsageError
from model_adapters.http_adapter import HttpOptions, redact_url
from model_adapters.lstm.config import PRECISIONS
from model_adapters.normalizer.model import (
    NormalizingModel,
    is_normalized_dir,
    load_known_words,
    manifest_digest,
    read_manifest,
    wrapped_spec,
)
from model_adapters.option_names import COMMAND_FLAGS, OptionNames
from model_adapters.protocol import SentimentModel

SPEC_FORMS = "a model directory, hf:NAME_OR_DIR, skops:FILE, py:module:attr or http(s)://URL"
PREFIXES = ("hf:", "skops:", "py:")
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ResolvedModel:
    """A loaded model and what results record about it; nothing here holds a secret."""

    model: SentimentModel
    kind: str                 # lstm | tfidf | hf | skops | py | http
    spec: str                 # the spec as given, with URL credentials and query values masked
    fingerprint: dict = field(default_factory=dict)

    def record(self) -> dict:
        """Merged into results.json's "model" block (`path` kept for readers that predate specs)."""
        return {"path": self.spec, "spec": self.spec, "kind": self.kind, "fingerprint": dict(self.fingerprint)}


def load_model_spec(spec: str | Path, *, allow_download: bool = False, trust: Sequence[str] = (),
                    labels: Sequence[str] | None = None, http: HttpOptions | None = None,
                    names: OptionNames = COMMAND_FLAGS, precision: str = "fp32") -> ResolvedModel:
    """Open the model `spec` names; any problem is one ModelError/UsageError line naming the spec and the fix.

    `labels` names the model's probability columns in order (needed by callables that name none; renames
    the labels of a transformers, skops, py or HTTP model). `trust` lists skops types the user trusts. `names` says
    how errors name these options: the commands' flags, or the loop's `model.spec.*` fields. `precision` bf16 opens
    an LSTM (also behind a normalizer) on its fast path, and is part of the fingerprint.
    """
    text = str(spec).strip()
    if precision not in PRECISIONS:
        raise UsageError(f"{names.precision} {precision!r} is not one of {', '.join(PRECISIONS)}")
    if precision != "fp32" and text.startswith(PREFIXES + ("http://", "https://")):
        raise _precision_refused(precision, f"{text} is not one", names)
    if text.startswith(("http://", "https://")):
        from model_adapters.http_adapter import connect_http_model

        model = connect_http_model(text, labels=labels, options=replace(http or HttpOptions(), names=names))
        return ResolvedModel(model, "http", model.name, {"url": model.name, "labels": list(model._served_labels)})
    if text.startswith("hf:"):
        return _transformers(text[3:], text, labels, allow_download, names)
    if text.startswith("skops:"):
        from model_adapters.skops_adapter import load_skops_model

        path = Path(text[6:])
        model = load_skops_model(path, trust=trust, labels=labels, where=text, names=names)
        return ResolvedModel(model, "skops", text, {"sha256": hash_files([path]), "labels": list(model.labels)})
    if text.startswith("py:"):
        from model_adapters.python_spec import load_python_model

        model = load_python_model(text[3:], labels=labels, where=text, names=names)
        return ResolvedModel(model, "py", text, _module_fingerprint(text[3:], model.labels))
    return _directory(Path(text), text, labels, names, precision)


def load_directory_model(path: str | Path, precision: str = "fp32") -> SentimentModel:
    """A model directory: a saved TF-IDF baseline, a transformers save_pretrained directory, a normalized model
    (`robustness harden`), or our LSTM."""
    if is_normalized_dir(path):
        return _normalized(Path(path), str(path), precision).model
    from model_adapters.hf_adapter import is_transformers_dir
    from model_adapters.sklearn_adapter import TFIDF_MANIFEST, load_tfidf_model

    if (Path(path) / TFIDF_MANIFEST).is_file():  # no torch needed for a bag of words
        return load_tfidf_model(path)
    if is_transformers_dir(path):
        from model_adapters.hf_adapter import load_transformers_model

        return load_transformers_model(str(path))
    from model_adapters.lstm.adapter import load_lstm_model

    return load_lstm_model(path, precision)


# What decides an LSTM directory's predictions (model_adapters/lstm/artifact.py): not metrics.json (how long
# training took), a training checkpoint or saved epochs, so the same weights always fingerprint alike.
LSTM_PREDICTION_FILES = ("weights.safetensors", "config.json", "vocab.json")


def hash_files(paths: Sequence[Path], only: Sequence[str] | None = None) -> str:
    """sha256 over every file under `paths` (name, size and bytes, in sorted order): the weights' identity.
    `only` keeps the files of a directory with these names (relative to it)."""
    files = []
    for path in paths:
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                     and "__pycache__" not in p.parts)
    if only is not None:
        files = [file for file in files if str(file.relative_to(paths[0])) in only]
    digest = hashlib.sha256()
    for file in files:
        name = file.name if len(paths) == 1 and paths[0].is_file() else str(file.relative_to(paths[0]))
        digest.update(f"{name}\0{file.stat().st_size}\0".encode("utf-8"))
        with open(file, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def _directory(path: Path, text: str, labels, names: OptionNames = COMMAND_FLAGS,
               precision: str = "fp32") -> ResolvedModel:
    if path.suffix.lower() in (".pkl", ".pickle", ".joblib"):
        raise UsageError(f"model {text}: a pickle is never loaded; save the pipeline with skops "
                         f"(skops.io.dump(pipeline, 'model.skops')) and pass skops:model.skops")
    if not path.exists():
        raise UsageError(f"model {text} does not exist; pass {SPEC_FORMS}")
    if path.is_file():
        hint = f"skops:{text}" if path.suffix.lower() == ".skops" else SPEC_FORMS
        raise UsageError(f"model {text} is a file, not a directory; pass {hint}")
    if labels is not None:
        raise UsageError(f"{names.labels} applies to hf:, skops:, py: and http models; the model in {text} names "
                         f"its own labels: drop {names.labels}")
    if is_normalized_dir(path):
        return _normalized(path, text, precision)
    from model_adapters.hf_adapter import is_transformers_dir
    from model_adapters.sklearn_adapter import TFIDF_MANIFEST

    kind = "hf" if is_transformers_dir(path) else "tfidf" if (path / TFIDF_MANIFEST).is_file() else "lstm"
    if precision != "fp32" and kind != "lstm":
        raise _precision_refused(precision, f"{text} holds a {kind} model", names)
    if kind == "hf":
        return _transformers(text, text, None, False, names)
    model = load_directory_model(path, precision)
    fingerprint = {"sha256": hash_files([path], LSTM_PREDICTION_FILES if kind == "lstm" else None)}
    return ResolvedModel(model, kind, text, _with_precision(fingerprint, precision))


def _precision_refused(precision: str, what: str, names: OptionNames) -> UsageError:
    return UsageError(f"{names.precision} {precision} applies to LSTM model directories; {what}: drop {names.precision}")


def _with_precision(fingerprint: dict, precision: str) -> dict:
    """A fingerprint names a precision other than the fp32 reference (fp32 fingerprints stay as they always were)."""
    return fingerprint | ({"precision": precision} if precision != "fp32" else {})


def wrapped_options(options: dict) -> dict:
    """load_model_spec's keyword arguments from a normalizer manifest's `options` (never a secret: a token is named
    by its environment variable)."""
    http = options.get("http")
    return {"allow_download": bool(options.get("allow_download", False)), "trust": tuple(options.get("trust") or ()),
            "labels": tuple(options["labels"]) if options.get("labels") else None,
            "http": HttpOptions(**http) if http else None}


def _normalized(path: Path, text: str, precision: str = "fp32") -> ResolvedModel:
    """A directory written by `robustness harden`: the model it wraps, opened with its stored options, behind the
    normalizer. A wrapped model that does not open is one line naming both."""
    manifest = read_manifest(path)
    inner_spec = wrapped_spec(manifest, path)
    shown = redact_url(manifest["wraps"]) if manifest["wraps"].startswith(("http://", "https://")) else manifest["wraps"]
    if not inner_spec.startswith(PREFIXES + ("http://", "https://")) and is_normalized_dir(inner_spec):
        raise ModelError(f"model {text} wraps {shown}, itself a normalized model; harden the model underneath "
                         f"instead")
    try:
        inner = load_model_spec(inner_spec, **wrapped_options(manifest.get("options") or {}), precision=precision)
    except (ModelError, UsageError, TypeError) as exc:
        raise ModelError(f"model {text}: the model it wraps ({shown}) does not open: {exc}") from None
    recorded = (manifest.get("wrapped_fingerprint") or {}).get("sha256")
    if recorded and inner.fingerprint.get("sha256") not in (None, recorded):
        raise ModelError(f"model {text}: the model it wraps ({shown}) changed since it was hardened, so its known "
                         f"words may be stale; run `robustness harden` on it again")
    model = NormalizingModel(inner.model, load_known_words(path, manifest), wraps=inner.spec, path=text,
                             words_source=str(manifest.get("words_source", "")))
    fingerprint = {"sha256": manifest_digest(path), "wraps": inner.record()}
    return ResolvedModel(model, "normalized", text, _with_precision(fingerprint, precision))


def _transformers(target: str, spec: str, labels, allow_download: bool,
                  names: OptionNames = COMMAND_FLAGS) -> ResolvedModel:
    from model_adapters.hf_adapter import load_transformers_model

    model = load_transformers_model(target, labels=labels, allow_download=allow_download, where=spec, names=names)
    local = Path(target)
    fingerprint = ({"sha256": hash_files([local])} if local.is_dir()
                   else {"name": target, "revision": model.info.get("revision")})
    return ResolvedModel(model, "hf", spec, fingerprint | {"labels": list(model.labels)})


def _module_fingerprint(target: str, labels) -> dict:
    module = sys.modules.get(target.partition(":")[0])
    source = getattr(module, "__file__", None)
    found = {"labels": list(labels)}
    return found | ({"sha256": hash_files([Path(source)])} if source and Path(source).is_file() else {})
