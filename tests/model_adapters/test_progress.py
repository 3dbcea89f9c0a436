"""Progress in a CI log is plain periodic lines, never carriage-return bars; on a terminal it is tqdm."""

from __future__ import annotations

import io

from model_adapters.progress import PlainProgress, progress_bar


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_plain_lines_come_every_period_and_once_at_the_end():
    clock, out = Clock(), io.StringIO()
    bar = PlainProgress(1000, "suite", "case", out, every_s=30, clock=clock)
    for step in range(10):
        clock.now += 10  # 10 s a step: a line at 30, 60, 90 s
        bar.update(100)
    bar.set_postfix(loss="0.25")
    bar.close()
    bar.close()  # closing twice writes nothing more
    lines = out.getvalue().splitlines()
    assert lines == ["suite: 300/1,000 case (30%), 30s", "suite: 600/1,000 case (60%), 1m00s",
                     "suite: 900/1,000 case (90%), 1m30s", "suite: 1,000/1,000 case (100%), 1m40s [loss=0.25]"]
    assert "\r" not in out.getvalue()


def test_disabled_and_unleft_bars_are_silent():
    clock, out = Clock(), io.StringIO()
    for bar in (PlainProgress(5, "x", "it", out, enabled=False, every_s=1, clock=clock),
                PlainProgress(5, "epoch 1/2", "batch", out, leave=False, every_s=100, clock=clock)):
        with bar:
            bar.update(5)
    assert out.getvalue() == ""


def test_a_terminal_gets_tqdm_and_a_file_gets_plain_lines():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    from tqdm import tqdm

    assert isinstance(progress_bar(3, "suite", "case", file=Terminal()), tqdm)
    assert isinstance(progress_bar(3, "suite", "case", file=io.StringIO()), PlainProgress)
    assert isinstance(progress_bar(3, "suite", "case", enabled=False, file=Terminal()), PlainProgress)
