"""Which of a model's labels is the positive and which the negative one: the one resolver that DIR tests,
capability tests, the loop's guards, bias gaps and augmentation all use, for any label set.

A DIR change points toward "positive" or "negative" sentiment (good -> bad points negative). With k labels the
suite must know which label that raises and which it lowers: the suite config's `harness.positive_label` and
`harness.negative_label`, else the labels named positive/negative, else for a binary model the 2nd and the 1st.
Other labels (neutral, 3 stars) are neither. Without a positive and a negative label a DIR case that points
somewhere cannot be judged and counts as not applicable (`harness: {positive_label: "5", negative_label: "1"}`
for a star-rating model).

Augmented DIR rows are labelled with the same two labels: a change toward negative on a review whose gold label
is the positive or the negative one gives the negative label (the binary rule: good -> bad makes a pan). A review
with another gold label (neutral, 3 stars) gives no row: one swapped adjective does not tell how far it moves,
and a label it does not earn would teach the model a wrong class; the suite still judges such cases (P(positive)
must drop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from model_adapters.labels import canonical_label, interpret_labels, label_key
from robustness.errors import ConfigError, ModelError, RobustnessError

DIRECTIONS = ("negative", "positive")  # what a perturbation's `direction` returns


@dataclass(frozen=True)
class Polarity:
    """The model's labels (as the suite names them) and which of them is positive / negative (None: unknown)."""

    labels: tuple[str, ...]
    positive: str | None
    negative: str | None

    @property
    def known(self) -> bool:
        return self.positive is not None and self.negative is not None

    def lowered_column(self, toward: str | None) -> int | None:
        """The probability column a change toward `toward` sentiment must lower: toward negative lowers
        P(positive label), toward positive lowers P(negative label); None when it points nowhere or is unknown."""
        lowered = {"negative": self.positive, "positive": self.negative}.get(toward) if self.known else None
        return None if lowered is None else self.labels.index(lowered)

    def shift_column(self) -> int:
        """The column whose mean shift results report as `mean_prob_shift`: P(positive label), else the last."""
        return self.labels.index(self.positive) if self.positive is not None else len(self.labels) - 1

    def row_label(self, toward: str | None, source_label: str) -> str | None:
        """The label of an augmented DIR row whose change points `toward`, made from a review labelled
        `source_label`: the label it points to when the source is one of the two poles, else None (no row)."""
        if not self.known or toward not in DIRECTIONS or source_label not in (self.positive, self.negative):
            return None
        return self.positive if toward == "positive" else self.negative

    def poles(self, needed_by: str = "capability tests") -> tuple[int, int]:
        """The columns of the positive and the negative label; a ModelError saying how to name them when unknown."""
        if not self.known:
            raise ModelError(f"{needed_by} need a positive and a negative label; the model's labels are "
                             f"{', '.join(self.labels)}: name them with harness: {{positive_label: ..., "
                             f"negative_label: ...}}")
        return self.labels.index(self.positive), self.labels.index(self.negative)

    def to_dict(self) -> dict:
        return {"positive": self.positive, "negative": self.negative}


def resolve_polarity(labels: Sequence[str], positive_label: str | None = None, negative_label: str | None = None,
                     where: str = "harness") -> Polarity:
    """The Polarity of `labels` (display names): the configured names, else the defaults above. A configured name
    that is not one of `labels`, or the same label for both, is a ConfigError naming the field."""
    labels = tuple(labels)
    chosen = {}
    for role, given in (("positive", positive_label), ("negative", negative_label)):
        if given is None:
            chosen[role] = role if role in labels else None
            continue
        name = canonical_label(given)
        if name not in labels:
            raise ConfigError(f"{where}.{role}_label: {given!r} is not a label of the model ({', '.join(labels)}); "
                              f"name one of them")
        chosen[role] = name
    if len(labels) == 2:  # a binary model: the one label left over is the other pole (1/0, good/bad as sorted)
        if chosen["positive"] is None:
            chosen["positive"] = labels[1] if chosen["negative"] != labels[1] else labels[0]
        if chosen["negative"] is None:
            chosen["negative"] = labels[0] if chosen["positive"] != labels[0] else labels[1]
    if chosen["positive"] is not None and chosen["positive"] == chosen["negative"]:
        raise ConfigError(f"{where}: positive_label and negative_label are both {chosen['positive']!r}; "
                          f"name two different labels")
    return Polarity(labels, chosen["positive"], chosen["negative"])


def display_labels(model_labels) -> list[str]:
    """Model labels named as robustness.data.datasets names the data's, so gold and predictions compare: pos/neg words
    canonical, 0/1 codes negative/positive, 0/1/2 negative/neutral/positive, other names (1..5 stars) as they are."""
    try:
        mapping, _ = interpret_labels(model_labels)
    except RobustnessError:
        return [str(label) for label in model_labels]
    labels = [mapping[label_key(label)] for label in model_labels]
    return labels if len(set(labels)) == len(labels) else [str(label) for label in model_labels]


def model_polarity(model_labels, positive_label: str | None = None, negative_label: str | None = None,
                   where: str = "harness") -> Polarity:
    """The Polarity of a model: its labels named as the data's (display_labels), then resolve_polarity."""
    return resolve_polarity(display_labels(model_labels), positive_label, negative_label, where)


COMMAND_LABEL_FIX = "name the model's columns with --labels (in order) or map the data's labels to the model's"


def check_data_labels(model, dataset, data_path, where: str = "--data", fix: str = COMMAND_LABEL_FIX) -> None:
    """Gold labels the model cannot predict would make every case fail silently: one line, exit 2, before the run.
    `where` and `fix` name the option or config field the caller's user sets."""
    unknown = sorted(set(dataset.labels) - set(display_labels(model.labels)))
    if unknown:
        raise ModelError(f"{where} {data_path or dataset.source}: label(s) {unknown} are not among the model's "
                         f"labels {list(model.labels)}; {fix}")
