"""Registry of named perturbations with declared, validated parameters.

A perturbation is a plain function `fn(text, rng, **params) -> Perturbed` registered under a stable string
name. Parameters are declared up front (type, default, range) so that configs are validated before any
text is touched, and unknown names are answered with the valid options.
"""

from __future__ import annotations

import difflib
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from perturbations.base import Perturbed
from perturbations.errors import PerturbationParameterError, UnknownPerturbationError

_REGISTRY: dict[str, "PerturbationInfo"] = {}
EXPECTATIONS = ("INV", "DIR")
# What a test probes, so the engine can group results: robustness to noise, or bias (a name, pronoun or country
# swap that must not move the prediction).
CATEGORIES = ("robustness", "bias")


@dataclass(frozen=True)
class Param:
    """One declared parameter. `kind` is float, int, bool, str or list (a list of strings unless `item_check`).
    A `required` parameter has no usable default (a user's word list): leaving it out is an error."""

    name: str
    kind: type
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    item_check: Callable[[str, Any], Any] | None = None
    help: str = ""
    required: bool = False

    def describe_range(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind in (int, float):
            low = "-inf" if self.low is None else self.low
            high = "inf" if self.high is None else self.high
            article = "an" if self.kind is int else "a"
            return f"{article} {self.kind.__name__} in [{low}, {high}]"
        if self.kind is list:
            return "a list of strings" if self.item_check is None else "a list (see description)"
        return f"a {self.kind.__name__}"

    def check(self, perturbation: str, value: Any) -> Any:
        where = f"parameter '{self.name}' of perturbation '{perturbation}'"
        if self.choices is not None:
            if value not in self.choices:
                raise PerturbationParameterError(f"{where} is {value!r}; expected {self.describe_range()}")
            return value
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise PerturbationParameterError(f"{where} is {value!r}; expected {self.describe_range()}")
            value = float(value)
        elif self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise PerturbationParameterError(f"{where} is {value!r}; expected {self.describe_range()}")
        elif self.kind is bool:
            if not isinstance(value, bool):
                raise PerturbationParameterError(f"{where} is {value!r}; expected true or false")
        elif self.kind is str:
            if not isinstance(value, str):
                raise PerturbationParameterError(f"{where} is {value!r}; expected a string")
        elif self.kind is list:
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise PerturbationParameterError(f"{where} is {value!r}; expected a list")
            if self.item_check is not None:
                return tuple(self.item_check(where, item) for item in value)
            if not value or not all(isinstance(item, str) and item for item in value):
                raise PerturbationParameterError(f"{where} is {value!r}; expected a non-empty list of non-empty strings")
            return tuple(value)
        if self.kind in (int, float):
            if value != value or value in (float("inf"), float("-inf")):  # NaN slips past both range comparisons
                raise PerturbationParameterError(f"{where} is {value!r}; expected a finite number, {self.describe_range()}")
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                raise PerturbationParameterError(f"{where} is {value!r}; expected {self.describe_range()}")
        return value


@dataclass(frozen=True)
class PerturbationInfo:
    """What the engine needs to know about one perturbation, and the way to run it."""

    name: str
    family: str
    expectation: str
    description: str
    params: tuple[Param, ...]
    function: Callable[..., Perturbed] = field(repr=False)
    randomized: bool = True  # False when, at default parameters, the output does not depend on the seed
    category: str = "robustness"  # one of CATEGORIES; results are grouped by it
    # DIR only: `direction(original, edits)` names the label a case's change moves meaning toward ("negative":
    # P(positive) must drop, whatever the model predicted first), or None when this change points nowhere
    # (first -> last): such a case owes no direction and is not applicable. Without it, plain DIR asks that
    # P(originally predicted label) drop.
    direction: Callable[[str, tuple], str | None] | None = field(default=None, repr=False)
    _checked_defaults: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default) for p in self.params}

    def validate_params(self, params: dict | None) -> dict[str, Any]:
        """Return the full parameter dict (defaults filled in), or raise naming the bad parameter."""
        params = dict(params or {})
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            valid = ", ".join(sorted(declared)) or "none"
            raise PerturbationParameterError(
                f"unknown parameter '{unknown[0]}' for perturbation '{self.name}'; valid parameters: {valid}")
        missing = [p for p in self.params if p.required and p.name not in params]
        if missing:
            raise PerturbationParameterError(
                f"parameter '{missing[0].name}' of perturbation '{self.name}' is required: {missing[0].help}")
        if not self._checked_defaults:  # defaults go through the same checks once (lists become tuples)
            self._checked_defaults.update({p.name: p.check(self.name, p.default) for p in self.params
                                           if not p.required})
        return {name: p.check(self.name, params[name]) if name in params else self._checked_defaults[name]
                for name, p in declared.items()}

    def apply(self, text: str, rng: random.Random, **params) -> Perturbed:
        """Perturb `text` using only `rng` for randomness; edits are in the original text's coordinates."""
        if not isinstance(text, str):
            raise TypeError(f"perturbation '{self.name}' needs a str, got {type(text).__name__}")
        if not isinstance(rng, random.Random):
            raise TypeError(f"perturbation '{self.name}' needs a random.Random, got {type(rng).__name__}")
        return self.function(text, rng, **self.validate_params(params))


def register(name: str, *, family: str, expectation: str = "INV", params: tuple[Param, ...] = (),
             description: str | None = None, randomized: bool = True,
             direction: Callable[[str, tuple], str | None] | None = None, category: str = "robustness"):
    """Decorator: register `fn(text, rng, **params) -> Perturbed` under `name`; the description defaults to
    the first line of its docstring."""
    if expectation not in EXPECTATIONS:
        raise ValueError(f"expectation must be one of {EXPECTATIONS}, got {expectation!r}")
    if direction is not None and expectation != "DIR":
        raise ValueError(f"perturbation '{name}': a direction only makes sense for a DIR test")
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {CATEGORIES}, got {category!r}")

    def decorate(fn):
        if name in _REGISTRY:
            raise ValueError(f"perturbation '{name}' is registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        summary = description or (doc[0] if doc else name)
        _REGISTRY[name] = PerturbationInfo(name=name, family=family, expectation=expectation,
                                           description=summary, params=tuple(params),
                                           function=fn, randomized=randomized, direction=direction,
                                           category=category)
        return fn

    return decorate


def registered_names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def get_perturbation(name: str) -> PerturbationInfo:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        pass
    close = difflib.get_close_matches(str(name), list(_REGISTRY), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; valid names: {', '.join(registered_names())}"
    raise UnknownPerturbationError(f"unknown perturbation '{name}'{hint}")


def perturb(name: str, text: str, seed: str | int, **params) -> Perturbed:
    """Convenience for one-off calls and tests: a fresh `random.Random(seed)` per call."""
    return get_perturbation(name).apply(text, random.Random(seed), **params)
