"""The error family every user-facing mistake is raised as; the CLI maps each to an exit code.

A leaf module in the lowest layer that raises them, so every package above may raise these without pulling in the engine.
"""


class RobustnessError(Exception):
    """A problem the user can fix; the message names what, where, and how to fix it, in one line."""

    exit_code = 2


class UsageError(RobustnessError):
    """A wrong option, path or value given on the command line."""


class ConfigError(RobustnessError):
    """A suite, loop or training config that does not validate."""


class DataError(RobustnessError):
    """A data file that cannot be read or does not have the expected shape."""


class ModelError(RobustnessError):
    """A model artifact that cannot be loaded (exit 2) or a model that fails at run time (see ModelRuntimeError)."""


class ModelRuntimeError(ModelError):
    """The model loaded but failed while predicting: it raised, returned NaN, or returned the wrong shape."""

    exit_code = 3


EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_INTERNAL = 4  # a bug (uncaught exception), never a user mistake
