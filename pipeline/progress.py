"""A one-line progress display for ingest, written to stderr."""

from __future__ import annotations

import shutil
from typing import Any, TextIO

BAR_WIDTH = 24


class ProgressLine:
    """``[#####-----] 12/40 file.pdf`` redrawn in place on a terminal; plain lines otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.width = shutil.get_terminal_size((100, 20)).columns

    def start(self, path: str) -> None:
        if self.tty:
            self._draw(f"… {path}")

    def done(self, outcome: Any, index: int, total: int, verbose: bool = False) -> None:
        bar = self._bar(index, total)
        line = f"{bar} {index}/{total} {outcome.status:<8} {outcome.path}"
        if outcome.status == "failed":
            self._print(f"FAILED {outcome.path}: {outcome.error} [{outcome.error_code}]")
            if verbose and outcome.detail:
                self._print(outcome.detail.rstrip())
        elif outcome.doc_status == "partial":
            self._print(f"PARTIAL {outcome.path}: {outcome.error}")
        if self.tty:
            self._draw(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _bar(self, index: int, total: int) -> str:
        filled = BAR_WIDTH * index // max(total, 1)
        return "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "]"

    def _draw(self, text: str) -> None:
        self.stream.write("\r" + text[: self.width - 1].ljust(self.width - 1))
        self.stream.flush()

    def _print(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * (self.width - 1) + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()
