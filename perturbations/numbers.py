"""Numbers family (LangTest `number_to_word`): spell out numbers, "3" -> "three", "3.5" -> "three point five".

Only stand-alone numbers are spelled out (not "5th", "1990s", "1,000", "7/10", "12-13"); the spelling follows
LangTest's (British "and": 101 -> "one hundred and one") without its stray comma before "point".
"""

from __future__ import annotations

import random
import re

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.common_params import prob
from perturbations.registry import register

# Not part of a word, a list ("1,000"), a range ("12-13"), a ratio ("7/10") or a time ("10:30").
_NUMBER = re.compile(r"(?<![\w.,/:-])[0-9]+(?:\.[0-9]+)?(?![\w/:-]|[.,][0-9])")
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ("", "thousand", "million", "billion", "trillion")


def _below_thousand(n: int) -> str:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(f"{_UNITS[hundreds]} hundred")
    if rest:
        if hundreds:
            words.append("and")
        if rest < 20:
            words.append(_UNITS[rest])
        else:
            tens, units = divmod(rest, 10)
            words.append(_TENS[tens] + (f"-{_UNITS[units]}" if units else ""))
    return " ".join(words)


def integer_to_words(n: int) -> str:
    """English words for 0 <= n < 10**15; digit by digit beyond that."""
    if n == 0:
        return "zero"
    if n >= 1000 ** len(_SCALES):
        return " ".join(_UNITS[int(d)] for d in str(n))
    groups = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            groups.append(_below_thousand(group) + (f" {_SCALES[scale]}" if _SCALES[scale] else ""))
        scale += 1
    return " ".join(reversed(groups))


def number_to_words(token: str) -> str:
    whole, _, fraction = token.partition(".")
    words = integer_to_words(int(whole))
    if fraction:
        words += " point " + " ".join(_UNITS[int(d)] for d in fraction)
    return words


@register("number_to_word", family="numbers", randomized=False,
          params=(prob(1.0, "probability of spelling out each number"),))
def number_to_word(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Spell out stand-alone numbers in words ("3" -> "three")."""
    edits = []
    for m in _NUMBER.finditer(text):
        if prob < 1.0 and rng.random() >= prob:
            continue
        edits.append(Edit(m.start(), m.end(), number_to_words(m.group())))
    return from_edits(text, edits)
