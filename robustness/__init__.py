"""Robustness testing harness for sentiment classifiers.

Kept import-light on purpose: `robustness --help` must answer in under a second, so heavy libraries
(torch, pandas, langtest) are imported inside the functions that need them.
"""

__version__ = "0.1.0"
