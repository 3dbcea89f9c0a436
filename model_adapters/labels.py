"""Label names: the canonical binary pair and the aliases people write for it ("1", 1, "pos" all mean positive),
and the rules that read any other label set (neutral, 0/1/2 codes, star ratings, a user's VALUE=LABEL map).

Lives in the lowest layer because adapters, data loading and the engine all normalise labels the same way.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping, Sequence

from model_adapters.errors import DataError, UsageError

LABELS: tuple[str, ...] = ("negative", "positive")

_LABEL_ALIASES = {
    "0": "negative", "neg": "negative", "negative": "negative",
    "1": "positive", "pos": "positive", "positive": "positive",
}


def normalize_label(value, where: str) -> str:
    key = str(value).strip().lower()
    if key.endswith(".0"):  # pandas reads an int column with a gap as float: 1.0
        key = key[:-2]
    if key not in _LABEL_ALIASES:
        raise DataError(
            f"{where}: label {value!r} is not one of {sorted(_LABEL_ALIASES)}; "
            f"use pos/neg, positive/negative or 1/0"
        )
    return _LABEL_ALIASES[key]


# --- any label set: the data's raw values, read as a whole ------------------------------------------------

# The order every label set is shown in: the canonical sentiments first, then other names in natural order.
CANONICAL_ORDER: tuple[str, ...] = ("negative", "neutral", "positive")

_WORD_ALIASES = {
    "neg": "negative", "negative": "negative",
    "neu": "neutral", "neutral": "neutral",
    "pos": "positive", "positive": "positive",
}
# Integer codes read as sentiments: 0/1 (or just one of them), and the three-class sets only when all three are
# present, since a lone "2" or a 1..5 rating must not silently become "positive".
_CODE_SETS = (
    {"0": "negative", "1": "positive"},
    {"0": "negative", "1": "neutral", "2": "positive"},
    {"-1": "negative", "1": "positive"},
    {"-1": "negative", "0": "neutral", "1": "positive"},
)
_KNOWN = "positive/negative/neutral, pos/neg/neu, 0/1, 0/1/2 or -1/0/1"


def label_key(value) -> str:
    """How a raw label is compared: trimmed, lower-case, and 4.0 read as 4 (pandas turns int columns with gaps to float)."""
    key = str(value).strip().lower()
    if re.fullmatch(r"-?\d+\.0+", key):
        key = key.split(".")[0]
    return key


def canonical_label(value) -> str:
    """A label name as the harness writes it: pos/neg/neu aliases become their full word, other names stay as given."""
    key = label_key(value)
    if key in _WORD_ALIASES:
        return _WORD_ALIASES[key]
    return key if _is_integer(key) else str(value).strip()


def sort_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """Distinct labels in the documented order: negative < neutral < positive, then others naturally ("2" < "10")."""
    def order(label: str):
        if label in CANONICAL_ORDER:
            return (0, CANONICAL_ORDER.index(label), [], label)
        parts = [(0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", label) if p]
        return (1, 0, parts, label)

    return tuple(sorted(set(labels), key=order))


def parse_label_map(text: str, where: str = "--label-map") -> dict[str, str]:
    """'1=neg,2=neg,4=pos,5=pos' -> {'1': 'negative', ...}: keys as `label_key` compares them, values canonical."""
    mapping: dict[str, str] = {}
    for entry in str(text).split(","):
        raw, sep, target = entry.partition("=")
        if not entry.strip():
            continue
        if not sep or not raw.strip() or not target.strip():
            raise UsageError(f"{where}: entry {entry.strip()!r} is not VALUE=LABEL; write e.g. '1=neg,2=neg,4=pos,5=pos'")
        key = label_key(raw)
        if key in mapping:
            raise UsageError(f"{where}: value {raw.strip()!r} is mapped twice; keep one entry for it")
        mapping[key] = canonical_label(target)
    if not mapping:
        raise UsageError(f"{where} is empty; write VALUE=LABEL pairs such as '1=neg,2=neg,4=pos,5=pos'")
    return mapping


def interpret_labels(values: Sequence, label_map: Mapping[str, str] | None = None,
                     where: Callable[[object], str] = lambda value: "data") -> tuple[dict[str, str], str]:
    """{label_key(raw): label} for every raw label in `values`, and how they were read ("map", "codes", "names").

    With a map, every value present must be mapped. Without one: label words are canonicalised; integer codes
    {0,1} (or one of them) mean negative/positive, {0,1,2} and {-1,0,1} (all three present)
    negative/neutral/positive, {-1,1} negative/positive; any other set of two or more values keeps its names
    ("joy"; integers only as a consecutive scale such as 1..5 stars). `where(value)` says where a value first appears.
    """
    firsts: dict[str, object] = {}
    for value in values:
        firsts.setdefault(label_key(value), value)
    if label_map is not None:
        keyed = {label_key(k): v for k, v in label_map.items()}
        for key, value in firsts.items():
            if key not in keyed:
                raise DataError(f"{where(value)}: label {_shown(value)} is not in the label map "
                                f"({', '.join(f'{k}={v}' for k, v in keyed.items())}); map it too, e.g. "
                                f"'{key}=LABEL', or remove those rows")
        return {key: keyed[key] for key in firsts}, "map"
    integers = {key for key in firsts if _is_integer(key)}
    names = set(firsts) - integers
    codes = next((c for i, c in enumerate(_CODE_SETS) if integers == set(c) or (i == 0 and integers < set(c))), None)
    if codes is not None and all(key in _WORD_ALIASES for key in names):
        mapping = {key: _WORD_ALIASES[key] if key in _WORD_ALIASES else codes[key] for key in firsts}
        return mapping, "codes" if integers else "words"
    if len(firsts) == 1:
        value = next(iter(firsts.values()))
        raise DataError(f"{where(value)}: label {_shown(value)} is not one of {_KNOWN} and is the only label, so "
                        f"its meaning is unknown; pass a label map such as --label-map '{label_key(value)}=pos' "
                        f"or check the label column")
    if integers and names:
        first_int = firsts[min(integers, key=lambda k: int(k))]
        raise DataError(f"{where(first_int)}: labels mix integer codes ({', '.join(sort_labels(integers))}) with "
                        f"names ({', '.join(sort_labels(canonical_label(firsts[k]) for k in names))}); "
                        f"pass a label map such as --label-map '0=neg,1=pos' that names every value")
    numbers = sorted(int(key) for key in integers)
    if numbers and numbers != list(range(numbers[0], numbers[-1] + 1)):
        # Integers kept as names must look like a rating scale: {0, 1, 7} is far more likely a 0/1 file with a typo.
        odd = next((k for k in firsts if _is_integer(k) and k not in {"-1", "0", "1", "2"}), str(numbers[-1]))
        raise DataError(f"{where(firsts[odd])}: label {_shown(firsts[odd])} is not one of {_KNOWN}, and the integer "
                        f"labels ({', '.join(map(str, numbers))}) are not a consecutive rating scale; fix the value "
                        f"or pass a label map such as --label-map '{numbers[0]}=neg,{numbers[-1]}=pos' naming each one")
    return {key: canonical_label(value) for key, value in firsts.items()}, "names"


def _is_integer(key: str) -> bool:
    return re.fullmatch(r"-?\d+", key) is not None


def _shown(value) -> str:
    return repr(str(value).strip())
