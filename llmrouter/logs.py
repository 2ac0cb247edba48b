"""Logging for `llmrouter serve`: the line format, and stderr written in batches.

The access log writes a line per request; written one by one, each line is a system call (and,
under systemd, a message to journald) on every request. `BatchedStderr` lets lines gather and
writes them together `FLUSH_S` after the first one, from the event loop; a warning or worse, a
line logged away from the loop thread or before the loop runs, and the end of the process
(`logging.shutdown`) write at once. At most `FLUSH_S` of lines can be lost if the process is
killed outright. Nothing here reads the environment.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
import time

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FLUSH_S = 0.1


def setup(verbose: bool) -> BatchedStderr:
    """Root logging at INFO (the `llmrouter` logger at DEBUG with `--log`), to stderr."""
    # The format names no thread, process or source line: do not compute them for every record
    # (the logging HOWTO's "Optimization" switches; the source line costs a stack walk).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    handler = BatchedStderr()
    handler.setFormatter(Formatter(FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    if verbose:
        logging.getLogger("llmrouter").setLevel(logging.DEBUG)
    return handler


class Formatter(logging.Formatter):
    """The usual format; the date text is made once a second instead of once a line."""

    _second = -1
    _date = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._date = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = second
        return f"{self._date},{int(record.msecs):03d}"  # the default msec format, '%s,%03d'


class BatchedStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Lines to stderr, written in batches while the event loop runs (see the module text)."""

    def __init__(self, fd: int | None = None) -> None:
        raw = io.FileIO(sys.stderr.fileno() if fd is None else fd, "w", closefd=False)
        stream = io.TextIOWrapper(
            io.BufferedWriter(raw, 1 << 16), encoding="utf-8", errors="backslashreplace"
        )
        super().__init__(stream)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._due = False

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Batch from now on, flushing from `loop` (call it from the loop's thread)."""
        self.loop, self._loop_thread = loop, threading.get_ident()

    def detach(self) -> None:
        self.loop = None
        self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
        except Exception:  # logging's own rule: a broken handler never breaks the caller
            self.handleError(record)
            return
        loop = self.loop
        if loop is None or record.levelno >= logging.WARNING:
            self.flush()
        elif not self._due:
            if threading.get_ident() != self._loop_thread:
                self.flush()  # call_later is for the loop's own thread only
                return
            self._due = True
            loop.call_later(FLUSH_S, self.flush)

    def flush(self) -> None:
        self._due = False
        super().flush()
