"""A thread that runs one SQLite statement at a time while the event loop goes on (Database.write_parallel).

Python's sqlite3 module lets go of the GIL only inside SQLite's own calls (prepare, step), and a thread that
wants the GIL back while the event loop is busy waits until the loop idles: each of the loop's `epoll` calls
drops and retakes the GIL, which restarts the waiting thread's 5 ms switch interval (CPython 3.11, take_gil).
So a batch sent as one `executemany` to a thread (a step per row) crawls while messages keep coming. Here the
hand-overs are made explicit and few: a job is one statement that inserts a whole batch in a single step, and

1. submitting it, the event loop blocks on `started` until the thread has taken the job (the loop lets go of
   the GIL to wait; the thread binds the parameters and lets go of the GIL in SQLite's step);
2. SQLite's step (the rows, the indexes, the COMMIT of the statement's implicit transaction) runs without
   the GIL, on the machine's other core, while the loop handles messages;
3. the loop then looks in every POLL_SECONDS whether the statement is done, waiting up to POLL_WAIT for it
   with the GIL let go: a thread whose step has ended takes the GIL then, finishes, and releases `done`. (A
   loop that idles lets the thread have the GIL at once: the thread then wakes it without waiting for a poll.)

Blocking waits on the event loop are deliberate and short: 1. lasts as long as the thread's wake-up and the
binding (~2 µs a row), 3. at most POLL_WAIT. Measured side by side in the bench's rig (bench/README §1).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

# A poll that comes before the statement's end blocks the loop for POLL_WAIT for nothing: every 2 ms, the polls
# cost the loop 1.5–3.2 µs a message at full speed, every 5 ms 0.65–1.1 (~6 ms a batch of 1,000; the bench's rig).
POLL_SECONDS = 0.005
POLL_WAIT = 0.0002  # room for the thread to wake up on the other core and take the GIL
START_TIMEOUT = 10.0  # a thread that has not taken a job by then is not coming back


class WriterStopped(sqlite3.OperationalError):
    """The writer thread is gone (closed, or did not take a job): the caller writes another way."""


class _Job:
    __slots__ = ("done", "error", "finished", "params", "sql", "started")

    def __init__(self, sql: str, params: Sequence[Any], finished: asyncio.Future[None]) -> None:
        self.sql = sql
        self.params = params
        self.error: BaseException | None = None
        self.started = threading.Lock()
        self.started.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        self.finished = finished  # resolved from the thread, for a loop that idles meanwhile


def _resolve(finished: asyncio.Future[None]) -> None:
    if not finished.done():
        finished.set_result(None)


class StatementWriter:
    """Owns one SQLite connection (autocommit: each statement is its own transaction) and the thread using it.

    Callers serialize their jobs (Database.write_parallel holds the database's write lock).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn  # opened with check_same_thread=False; used by the thread only, except for a pragma
        self._inbox: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn, take = self.conn, self._inbox.get
        try:
            while (job := take()) is not None:
                job.started.release()
                try:
                    conn.execute(job.sql, job.params)
                except BaseException as exc:  # handed to the caller; the thread serves the next job
                    job.error = exc
                finally:
                    job.done.release()
                with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits
                    job.finished.get_loop().call_soon_threadsafe(_resolve, job.finished)  # wakes an idle loop
        finally:
            conn.close()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def max_parameters(self) -> int:
        """What one statement may bind on this SQLite (999 before 3.32). Asked between jobs, under the write lock."""
        return self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    async def execute(self, sql: str, params: Sequence[Any]) -> None:
        """Run `sql` in the thread; returns when it has committed, raises what it raised."""
        if not self.alive:
            raise WriterStopped("the database writer thread has stopped")
        job = _Job(sql, params, asyncio.get_running_loop().create_future())
        self._inbox.put(job)
        if not job.started.acquire(timeout=START_TIMEOUT):  # the GIL goes to the thread until SQLite's step
            raise WriterStopped("the database writer thread did not take its job")
        try:
            # The thread resolves `finished` once it has the GIL back, which it gets at once while the loop idles
            # but not while the loop is busy: then the poll hands the GIL over.
            while not job.done.acquire(timeout=POLL_WAIT):
                await asyncio.wait((job.finished,), timeout=POLL_SECONDS)
        except BaseException:
            job.done.acquire()  # cancelled: the statement runs to its end (milliseconds) before anything else
            raise
        if job.error is not None:
            raise job.error

    async def close(self) -> None:
        """Stop the thread after the job it runs, and close its connection."""
        if self.alive:
            self._inbox.put(None)
            await asyncio.to_thread(self._thread.join)
