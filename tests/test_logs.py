"""The serve command's stderr handler: lines are written in batches from the event loop,
warnings and lines logged before the loop runs at once, and nothing is lost at the end."""

from __future__ import annotations

import asyncio
import logging
import os

from llmrouter.logs import FLUSH_S, BatchedStderr, Formatter


def pending(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return b""


async def test_lines_are_batched_while_the_loop_runs() -> None:
    read, write = os.pipe()
    os.set_blocking(read, False)
    handler = BatchedStderr(write)
    handler.setFormatter(Formatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("llmrouter.test-batched")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(handler)
    try:
        log.info("before the loop is attached")
        assert pending(read) == b"INFO llmrouter.test-batched: before the loop is attached\n"
        handler.attach(asyncio.get_running_loop())
        log.info("one")
        log.info("two")
        assert pending(read) == b""  # gathered, not yet written
        await asyncio.sleep(FLUSH_S * 2)
        assert (
            pending(read) == b"INFO llmrouter.test-batched: one\nINFO llmrouter.test-batched: two\n"
        )
        log.info("three")
        log.warning("four")  # a warning writes at once, with what came before it
        assert pending(read).splitlines() == [
            b"INFO llmrouter.test-batched: three",
            b"WARNING llmrouter.test-batched: four",
        ]
        log.info("five")
        handler.detach()  # the app's cleanup: whatever is left is written
        assert pending(read) == b"INFO llmrouter.test-batched: five\n"
        await asyncio.sleep(FLUSH_S * 2)  # the timer armed for "five" finds nothing to write
        assert pending(read) == b""
    finally:
        log.removeHandler(handler)
        handler.close()
        os.close(read)
        os.close(write)


def test_the_date_text_matches_the_standard_formatter() -> None:
    ours = Formatter("%(asctime)s %(message)s")
    standard = logging.Formatter("%(asctime)s %(message)s")
    for created in (0.0, 1_764_000_000.001, 1_764_000_000.999, 1_764_000_001.5):
        record = logging.LogRecord("x", logging.INFO, "p", 1, "m", None, None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == standard.format(record)
