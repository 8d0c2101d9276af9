"""Issue 13: how a process notices that its PostgreSQL shard lease is gone (`ShardLease.lost`).

The lease is session-level advisory locks on one connection: the session's end is the lease's end. Two ways
it ends, each with its own way of noticing: the server closes the session (restart, `pg_terminate_backend`),
which asyncpg's termination listener reports at once; or the network is cut, which closes nothing and shows
only as a ping that gets no answer. The cut is a real one: a loopback relay in front of the real server that
stops passing bytes on, leaving both sockets open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.storage.postgres import ShardLease
from tests.backends import create_database
from tests.postgres import PostgresServer


async def test_a_lease_whose_session_the_server_ends_is_lost_at_once(pg_server: PostgresServer) -> None:
    url = await create_database(pg_server)
    lease = await ShardLease.acquire(url, 2, [0, 1])
    try:
        watching = asyncio.create_task(lease.lost(every=3600))  # no ping in this test's time: the listener tells
        pid = await lease._conn.fetchval("SELECT pg_backend_pid()")
        admin = await asyncpg.connect(url)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        reason = await asyncio.wait_for(watching, 30)
        assert reason == f"the connection to 127.0.0.1:{pg_server.port} closed"
    finally:
        await lease.release()
    again = await ShardLease.acquire(url, 2, [0, 1])  # the server freed the locks: another process may take them
    await again.release()


async def test_a_lease_behind_a_cut_network_is_lost_when_its_ping_gets_no_answer(pg_server: PostgresServer) -> None:
    url = await create_database(pg_server)
    async with relay(pg_server.port) as (port, cut):
        parts = urlsplit(url)
        through = urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{pg_server.port}", f":{port}")))
        lease = await ShardLease.acquire(through, 2, [1])
        try:
            watching = asyncio.create_task(lease.lost(every=0.01, answer_within=1))
            done, _ = await asyncio.wait({watching}, timeout=0.3)
            assert not done  # pings answered: the lease is held, nothing to report
            cut.set()
            reason = await asyncio.wait_for(watching, 30)
            assert reason == f"127.0.0.1:{port} did not answer for 1 s"
        finally:
            await asyncio.wait_for(lease.release(), 30)  # a dead session is let go, not waited on forever


async def test_releasing_the_lease_is_not_reported_as_losing_it(pg_server: PostgresServer) -> None:
    url = await create_database(pg_server)
    lease = await ShardLease.acquire(url, 2, [0])
    watching = asyncio.create_task(lease.lost(every=3600))
    await asyncio.sleep(0)
    watching.cancel()  # what `run` does before it releases: the watch ends first
    with pytest.raises(asyncio.CancelledError):
        await watching
    await lease.release()
    await lease.release()  # twice is harmless (the shutdown path may reach it after a loss)


@contextlib.asynccontextmanager
async def relay(target_port: int) -> AsyncIterator[tuple[int, asyncio.Event]]:
    """A loopback TCP relay to `target_port`; once the event is set it drops every byte, closing nothing."""
    cut = asyncio.Event()
    tasks: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if not cut.is_set():
                writer.write(data)
                await writer.drain()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", target_port)
        writers.extend((client_w, server_w))
        for task in (pump(client_r, server_w), pump(server_r, client_w)):
            tasks.add(asyncio.create_task(task))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], cut
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in writers:
            writer.close()


def test_asyncpgs_failed_reconnects_are_logged_as_one_line_with_their_reason() -> None:
    """While PostgreSQL restarts, asyncpg's pool logs each failed reconnect with a traceback: `run` makes it a line."""
    import logging
    import sys

    from bot.__main__ import _reason_not_traceback

    try:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
    except OSError:
        record = logging.LogRecord(
            "asyncpg.pool", logging.WARNING, __file__, 1, "Failed to restore the pool connection %s; retrying",
            ("floor",), sys.exc_info(),
        )  # fmt: skip
    assert _reason_not_traceback(record)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Failed to restore the pool connection floor; retrying: [Errno 111] Connect call failed ('127.0.0.1', 5432)"
    )
