"""A scikit-learn pipeline saved with skops (`skops:FILE`), loaded without ever unpickling.

skops lists the types in a file it does not trust by default; loading stops with that list until the user
names each of them with `--trust`, so running someone else's code is always a decision the user made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from model_adapters.errors import ModelError
from model_adapters.option_names import COMMAND_FLAGS, OptionNames
from model_adapters.sklearn_adapter import SklearnModel

MISSING_EXTRA = "skops: needs the skops extra: pip install '.[skops]'"
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".dill")
HOW_TO_SAVE = "save it with skops instead: import skops.io as sio; sio.dump(pipeline, 'model.skops')"


def load_skops_model(path: str | Path, *, trust: Sequence[str] = (), labels: Sequence[str] | None = None,
                     where: str | None = None, names: OptionNames = COMMAND_FLAGS) -> SklearnModel:
    """A fitted estimator with `predict_proba` from a .skops file; its labels are its `classes_` (normalised)
    unless `labels` names them."""
    path = Path(path)
    where = where or f"skops:{path}"
    if path.suffix.lower() in PICKLE_SUFFIXES or _starts_like_a_pickle(path):
        raise ModelError(f"{where} is a pickle, which can run any code when loaded and is never unpickled here; "
                         f"{HOW_TO_SAVE}")
    if not path.is_file():
        raise ModelError(f"{where}: file {path} does not exist; pass a file written by skops.io.dump")
    try:
        import skops.io as sio
    except ImportError:
        raise ModelError(MISSING_EXTRA) from None
    try:
        untrusted = list(sio.get_untrusted_types(file=path))
    except Exception as exc:  # a zip that is not a skops file, a truncated file, a newer format ...
        raise ModelError(f"{where}: not a readable skops file ({type(exc).__name__}: {exc}); {HOW_TO_SAVE}") from None
    missing = [name for name in untrusted if name not in set(trust)]
    if missing:
        raise ModelError(f"{where}: the file uses types skops does not trust by default: {', '.join(missing)}; "
                         f"if you trust the file's author, pass {names.trust} {','.join(missing)}")
    try:
        estimator = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"{where}: cannot load ({type(exc).__name__}: {exc}); re-save it with skops.io.dump") from None
    info = {"family": "sklearn", "estimator": type(estimator).__name__, "trusted_types": untrusted}
    return SklearnModel(estimator, name=path.name, info=info, labels=labels)


def _starts_like_a_pickle(path: Path) -> bool:
    """Pickle protocol 2+ starts with 0x80 and the protocol number; a skops file is a zip ("PK")."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
    except OSError:
        return False
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5
