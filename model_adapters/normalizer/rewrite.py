"""What the normalizer rewrites in a text: only the words the wrapped model cannot read, each to a word it can.

In order, for a word that is not known: Unicode compatibility forms (NFKC: full-width and mathematical letters),
look-alike letters from other scripts, marks inside a word, digits and symbols written for letters, elongations
(3+ repeats), one typo away, two words glued together, two typos away. Invisible characters (zero-width, soft
hyphen) are dropped everywhere, and two neighbours that make a known word when joined (one of them unknown) are
joined. A word none of these makes known is left as it is: the model reads it as it always did.

Everything here is a pure function of the text and the known words: no randomness, no model calls.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from model_adapters.normalizer.words import MAX_WORD_LENGTH, KnownWords

INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"
INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS), None)
READABLE = "readable"                      # a chunk the model reads as it is
# Cyrillic and Greek letters that look like Latin ones (Unicode's confusables, the common part)
CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ո": "n", "ս": "u", "А": "A", "В": "B", "Е": "E", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Υ": "Y", "Χ": "X",
})
LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
APOSTROPHES = "'\u2019"
CORE_EDGE = "@$"                           # symbols that may start or end a word ("@wful", "cla$$")
# a word glued from a prefix or a suffix is one word ("crassness", "nonanimated"), not two run together
PREFIXES = frozenset("non un in im dis mis pre re over under out anti semi sub super inter multi".split())
SUFFIXES = frozenset("ness less able ible ful ment ship hood like ish ism ist ity ous ive ing ings ed ers est ly".split())
MAX_VARIANTS = 64                          # leet and elongation variants tried per word
WHITESPACE = re.compile(r"(\s+)")
NUMBER_WORD = re.compile(r"\d+(?:s|st|nd|rd|th|am|pm|k|m|ish|x)", re.IGNORECASE)  # 70s, 1st, 5pm
CLITIC = re.compile(r"(?:n't|'s|'re|'ve|'d|'ll|'m)$")


@dataclass(frozen=True)
class Rewrite:
    """One word (or two split halves) rewritten: what became what, by which rule."""

    original: str
    replacement: str
    rule: str


def normalize_text(text: str, words: KnownWords, cache: dict | None = None) -> tuple[str, list[Rewrite]]:
    """`text` with its unreadable words rewritten, and the rewrites. `cache` (whitespace-delimited chunk -> what to
    do with it) is shared across calls: the suite sees the same chunks in thousands of texts, so a text costs one
    split and a dictionary look-up per chunk, and white space is kept exactly as it was."""
    cache = {} if cache is None else cache
    if any(ch in text for ch in INVISIBLE_CHARS):
        text = text.translate(INVISIBLE)
    chunks = text.split()
    verdicts = _verdicts(chunks, words, cache)
    if verdicts.count(READABLE) == len(verdicts) or not _changes(chunks, verdicts, words, cache):
        return text, []
    parts = WHITESPACE.split(text)  # chunk, space, chunk, ..., chunk (the first and last may be ""): kept exactly
    chunks = parts[0::2]
    verdicts = _verdicts(chunks, words, cache)
    rewrites: list[Rewrite] = []
    consumed: set[int] = set()
    for j, verdict in enumerate(verdicts):
        if verdict is READABLE or j in consumed:
            continue
        # "gre at", "wonder ful": an unreadable chunk joins the one after it, else a readable one before it
        pairs = [(j, j + 1)] + ([(j - 1, j)] if j > 0 and verdicts[j - 1] is READABLE else [])
        for a, b in pairs:
            if b < len(chunks) and a not in consumed and b not in consumed and parts[2 * a + 1] == " ":
                joined = _cached_join(chunks[a], chunks[b], words, cache)
                if joined is not None:
                    rewrites.append(Rewrite(f"{chunks[a]} {chunks[b]}", joined, "joined_halves"))
                    parts[2 * a], parts[2 * a + 1], parts[2 * b] = joined, "", ""
                    consumed.update((a, b))
                    break
        else:
            start, stop, replacement, rule = verdict
            if replacement is not None:
                chunk = chunks[j]
                rewrites.append(Rewrite(chunk[start:stop], replacement, rule))
                parts[2 * j] = chunk[:start] + replacement + chunk[stop:]
    return ("".join(parts), rewrites) if rewrites else (text, [])


def _verdicts(chunks: list[str], words: KnownWords, cache: dict) -> list:
    verdicts = [cache.get(chunk) for chunk in chunks]
    if None not in verdicts:
        return verdicts
    for j, verdict in enumerate(verdicts):
        if verdict is None:
            verdicts[j] = cache[chunks[j]] = _chunk_verdict(chunks[j], words)
    return verdicts


def _changes(chunks: list[str], verdicts: list, words: KnownWords, cache: dict) -> bool:
    """Whether anything in the text will be rewritten: a fixable word, or an unreadable one that joins a neighbour
    (most texts with an unknown name change nothing and skip the exact re-splitting)."""
    for j, verdict in enumerate(verdicts):
        if verdict is READABLE:
            continue
        if verdict[2] is not None:
            return True
        if (j + 1 < len(chunks) and _cached_join(chunks[j], chunks[j + 1], words, cache) is not None) or \
                (j > 0 and _cached_join(chunks[j - 1], chunks[j], words, cache) is not None):
            return True
    return False


def _cached_join(a: str, b: str, words: KnownWords, cache: dict) -> str | None:
    key = (a, b)
    if key not in cache:
        cache[key] = _joined(a, b, words)
    return cache[key]


def _chunk_verdict(chunk: str, words: KnownWords):
    """READABLE, or (core start, core end, replacement or None, rule) for a chunk whose word is not known."""
    core = _core(chunk)
    if core is None:
        return READABLE
    word = chunk[core[0]:core[1]]
    if _readable(word, words):
        return READABLE
    replacement, rule = rewrite_word(word, words)
    return core[0], core[1], replacement, rule


def rewrite_word(word: str, words: KnownWords) -> tuple[str | None, str | None]:
    """(replacement, rule) for one word, or (None, None) when it is known, a number, or nothing makes it known."""
    if _readable(word, words):
        return None, None
    steps = [("compatibility_form", _compatibility), ("look_alike", _look_alikes)]
    current = word
    for rule, step in steps:  # these only undo encodings, so each keeps its result for the next
        changed = step(current)
        if changed != current:
            current = changed
            if _readable(current, words):
                return _cased(current, word), rule
    for rule, find in (("inner_mark", _without_inner_marks), ("digits_for_letters", _leet),
                       ("elongation", _unstretched)):
        found = find(current, words)
        if found is not None:
            return _cased(found, word), rule
    letters = current.lower()
    if not letters.isalpha() or not letters.isascii() or any(a in current for a in APOSTROPHES) \
            or _name_like(current) or words.is_english(letters):
        # a name ("Kubrick") or a real word the model lacks ("quaint") is no typo: nearest-word search would put
        # another word in its place. An unreadable word is left exactly as it was (Cyrillic stays Cyrillic).
        return None, None
    near = words.nearest(letters, 1) if len(letters) >= 4 else None
    if near is not None and near[0][0] == letters[0]:  # a typo seldom hits the first letter; a new word often does
        return _cased(near[0], word), "typo"
    glued = _unglued(letters, words)
    if glued is not None:
        return _cased(glued, word), "glued_words"
    near = words.nearest(letters, 2) if len(letters) >= 7 else None
    if near is not None and near[0][0] == letters[0]:
        return _cased(near[0], word), "typo"
    return None, None


def _core(chunk: str) -> tuple[int, int] | None:
    """Where the word sits inside a whitespace-delimited chunk, without the punctuation around it ("(great!)")."""
    keep = [i for i, ch in enumerate(chunk) if ch.isalnum() or ch in CORE_EDGE]
    if not keep:
        return None
    return keep[0], keep[-1] + 1


def _readable(word: str, words: KnownWords) -> bool:
    lower = word.lower()
    if lower in words or len(word) < 2:
        return True
    if any(ch.isdigit() for ch in word) and not any(ch.isalpha() for ch in word):
        return True  # a number, a date, a score: 10/10
    lower = CLITIC.sub("", lower.replace("\u2019", "'"))  # "doesn't" -> "does", "film's" -> "film"
    if lower in words:
        return True
    parts = [p for p in re.split(r"[-']", lower) if p]
    return len(parts) > 1 and all(p in words or len(p) < 2 for p in parts)


def _name_like(word: str) -> bool:
    """Capitalised ("Kubrick") or with a capital inside ("McClane"): most likely a name, which typo correction must
    not touch. A SHOUTED word is corrected like a lowercase one."""
    return len(word) > 1 and word[0].isupper() and not word.isupper()


def _compatibility(word: str) -> str:
    return unicodedata.normalize("NFKC", word)


def _look_alikes(word: str) -> str:
    return word.translate(CONFUSABLES)


def _without_inner_marks(word: str, words: KnownWords) -> str | None:
    """"g.o.o.d", "gr,eat": marks inside a word (apostrophes and hyphens are real)."""
    stripped = "".join(ch for ch in word if ch.isalnum() or ch in APOSTROPHES or ch in "-" or ch in LEET)
    if stripped != word and _readable(stripped, words):
        return stripped
    return None


def _leet(word: str, words: KnownWords) -> str | None:
    """Digits and symbols written for letters ("h4t3", "@wful"), when the word has letters too."""
    if not any(ch.isalpha() for ch in word) or not any(ch in LEET for ch in word) or NUMBER_WORD.fullmatch(word):
        return None
    options = [LEET.get(ch, ch) for ch in word.lower()]
    return _best(("".join(v) for v in itertools.islice(itertools.product(*options), MAX_VARIANTS)), words)


def _unstretched(word: str, words: KnownWords) -> str | None:
    """Runs of 3+ repeated letters cut to 2 or 1 ("sooooo goooood" -> "so good")."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"([^\W\d_])\1{2,}", word.lower())]
    if not runs:
        return None
    lower = word.lower()
    candidates = []
    for lengths in itertools.islice(itertools.product((2, 1), repeat=len(runs)), MAX_VARIANTS):
        pieces, last = [], 0
        for (start, end), keep in zip(runs, lengths):
            pieces += [lower[last:start], lower[start] * keep]
            last = end
        pieces.append(lower[last:])
        candidates.append("".join(pieces))
    return _best(candidates, words)


def _unglued(letters: str, words: KnownWords) -> str | None:
    """Two known words run together ("greatmovie"): the split whose rarer part is the most frequent."""
    if len(letters) < 6 or len(letters) > 2 * MAX_WORD_LENGTH:  # no two known words make a longer one
        return None
    best, best_score = None, 0
    for cut in range(1, len(letters)):
        left, right = letters[:cut], letters[cut:]
        if (len(left) >= 3 or left == "a") and len(right) >= 3 and left in words and right in words \
                and left not in PREFIXES and right not in SUFFIXES:
            score = min(words.count(left), words.count(right))
            if score > best_score:
                best, best_score = f"{left} {right}", score
    return best


def _joined(a: str, b: str, words: KnownWords) -> str | None:
    """"gre at" -> "great": two words with one space between, one of them unknown, that are a known word joined
    (punctuation after the second stays: "terri ble," -> "terrible,")."""
    tail = len(b)
    while tail and not b[tail - 1].isalnum():
        tail -= 1
    b, after = b[:tail], b[tail:]
    if not (a.isalpha() and b.isalpha()) or (a.lower() in words and b.lower() in words):
        return None
    joined = (a + b).lower()
    return _cased(joined, a + b) + after if joined in words else None


def _best(candidates, words: KnownWords) -> str | None:
    known = [c for c in dict.fromkeys(candidates) if c in words]
    return max(known, key=lambda c: (words.count(c), c)) if known else None


def _cased(replacement: str, original: str) -> str:
    """The replacement in the original's casing: SHOUTED, Title or lower."""
    letters = [ch for ch in original if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return replacement.upper()
    if letters and letters[0].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement
