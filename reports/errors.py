"""The one error the reports raise: an input dict without the shape its schema promises.

Kept inside `reports/` so the package imports nothing from the engine; the robustness commands turn it into
their DataError (same message, same exit code).
"""


class ReportError(Exception):
    """A results, loop-summary or comparison dict that lacks a field or holds a wrong value; the message
    names the field, the value and how to fix it, in one line."""
