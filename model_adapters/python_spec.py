"""`py:module:attr`: a model written in Python by the user, found by import.

`attr` (dotted for nested names, e.g. `py:team.models:classifier.predict_proba`) may be
- a callable from a list of texts to probabilities (n, k): needs `--labels`, unless it has a `labels` attribute;
- an object with `labels` and `predict_proba(texts)` (`--labels` renames or supplies them);
- a fitted scikit-learn classifier (`classes_` + `predict_proba` on raw texts).
Importing the module runs the user's own code, as running their script would; the current directory is
searched first, so `py:my_model:predict` finds ./my_model.py.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Sequence

from model_adapters.callable_adapter import CallableModel
from model_adapters.errors import ModelError
from model_adapters.option_names import COMMAND_FLAGS, OptionNames
from model_adapters.protocol import model_labels

FORMAT = "py:module:attr (e.g. py:my_model:predict_proba)"


def load_python_model(target: str, *, labels: Sequence[str] | None = None, batch_size: int = 256,
                      where: str | None = None, names: OptionNames = COMMAND_FLAGS):
    """The object `module:attr` names, behind the SentimentModel protocol."""
    where = where or f"py:{target}"
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ModelError(f"{where}: expected {FORMAT}")
    obj = _attribute(_import(module_name, where), attr, where)
    if hasattr(obj, "predict_proba") and hasattr(obj, "classes_") and not hasattr(obj, "labels"):
        from model_adapters.sklearn_adapter import SklearnModel

        return SklearnModel(obj, name=target, info={"family": "python", "spec": where}, labels=labels)
    if hasattr(obj, "predict_proba"):
        fn, found = obj.predict_proba, getattr(obj, "labels", None)
    elif callable(obj):
        fn, found = obj, getattr(obj, "labels", None)
    else:
        raise ModelError(f"{where}: {attr} is a {type(obj).__name__}, neither a callable nor an object with "
                         f"predict_proba; point at a function from texts to probabilities")
    model = CallableModel(fn, labels=model_labels(found, labels, where, names), name=target, batch_size=batch_size)
    model.info = {"family": "python", "spec": where}
    return model


def _import(module_name: str, where: str):
    here = os.getcwd()
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        hint = ("run from the directory that holds it or add that directory to PYTHONPATH"
                if missing == module_name.split(".")[0] or missing == module_name else f"install {missing}")
        raise ModelError(f"{where}: cannot import module {module_name!r} (no module named {missing!r}); {hint}") from None
    except Exception as exc:  # the module itself failed while importing: the user's code
        raise ModelError(f"{where}: importing {module_name!r} raised {type(exc).__name__}: {exc}; "
                         f"fix the module so that `python -c 'import {module_name}'` works") from None
    finally:
        if added:
            sys.path.remove(here)


def _attribute(module, attr: str, where: str):
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            public = sorted(name for name in dir(obj) if not name.startswith("_"))[:12]
            raise ModelError(f"{where}: {type(obj).__name__ if obj is not module else 'module ' + module.__name__} "
                             f"has no attribute {part!r}; available: {', '.join(public) or 'none'}")
        obj = getattr(obj, part)
    return obj
