"""Progress on stderr for long work: a tqdm bar on a terminal, plain periodic lines anywhere else.

A carriage-return bar in a CI log is one unreadable line per refresh; there each bar becomes a line like
`suite: 12,800/25,000 case (51%), 1m02s` at most every `every_s` seconds, and a last line when it closes.
Training, the suite and the download all make their bars here, so every command behaves the same.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

PLAIN_EVERY_S = 30.0


def progress_bar(total: int, desc: str, unit: str = "it", enabled: bool = True, *, file: TextIO | None = None,
                 unit_scale: bool = False, leave: bool = True, every_s: float = PLAIN_EVERY_S):
    """A bar with tqdm's `update`, `set_postfix` and `close` (and a context manager): tqdm on a terminal, a
    PlainProgress otherwise, a silent one when not `enabled`."""
    stream = file if file is not None else sys.stderr
    if enabled and _is_terminal(stream):
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=stream, unit_scale=unit_scale, leave=leave,
                    dynamic_ncols=True)
    return PlainProgress(total, desc, unit, stream, enabled=enabled, every_s=every_s, leave=leave)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or file-like stream without a descriptor
        return False


class PlainProgress:
    """Periodic `desc: done/total unit (pct%), elapsed [postfix]` lines; the first after `every_s` seconds, so
    short work prints only its closing line (none with `leave=False`, as tqdm clears such a bar)."""

    def __init__(self, total: int, desc: str, unit: str, file: TextIO, *, enabled: bool = True,
                 every_s: float = PLAIN_EVERY_S, leave: bool = True, clock=time.monotonic):
        self.total, self.desc, self.unit, self.file = total, desc, unit, file
        self.enabled, self.every_s, self.leave, self.clock = enabled, every_s, leave, clock
        self.n = 0
        self.postfix = ""
        self.started = self.last = clock()
        self.closed = False

    def update(self, n: int = 1) -> None:
        self.n += n
        now = self.clock()
        if self.enabled and now - self.last >= self.every_s:
            self.last = now
            self._write(now)

    def set_postfix(self, **values) -> None:
        self.postfix = ", ".join(f"{key}={value}" for key, value in values.items())

    def close(self) -> None:
        if self.enabled and self.leave and not self.closed:
            self._write(self.clock())
        self.closed = True

    def line(self, now: float) -> str:
        done = f"{self.n:,}/{self.total:,} {self.unit}" if self.total else f"{self.n:,} {self.unit}"
        share = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        extra = f" [{self.postfix}]" if self.postfix else ""
        return f"{self.desc}: {done}{share}, {_clock(now - self.started)}{extra}"

    def _write(self, now: float) -> None:
        print(self.line(now), file=self.file, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
