"""How the user spells the options that open a model, for the error messages that name them: the commands' flags
by default, the loop config's `model.spec.*` fields when the loop opens `model.existing`. One error text, told in
the terms of whoever asked, without any layer rewriting another's messages."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class OptionNames:
    token_env: str = "--token-env"
    labels: str = "--labels"
    trust: str = "--trust"
    allow_download: str = "--allow-download"
    http_timeout: str = "--http-timeout"
    http_retries: str = "--http-retries"
    precision: str = "--precision"

    @classmethod
    def prefixed(cls, prefix: str) -> "OptionNames":
        """Every option named `PREFIX<field>`, e.g. model.spec.token_env."""
        return cls(**{field.name: f"{prefix}{field.name}" for field in fields(cls)})


COMMAND_FLAGS = OptionNames()
