"""Which servers this process serves: Discord's shard routing, as one small pure predicate.

Discord sends a server's events to exactly one shard, `(guild_id >> 22) % shard_count`. A process that runs
some shards must likewise do the scheduled work (posts, purge, backfill, READY sweep) only for those shards'
servers: another process runs the rest. `ShardScope` is that set, handed to every place that picks servers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a server's events to (Discord's formula, `api:events/gateway` §Sharding)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The shards one process runs, out of `count` in all."""

    count: int = 1
    ids: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a bot has at least one shard")
        if not self.ids or any(not 0 <= shard < self.count for shard in self.ids):
            raise ValueError(f"shard ids must lie in 0..{self.count - 1}")
        if list(self.ids) != sorted(set(self.ids)):
            object.__setattr__(self, "ids", tuple(sorted(set(self.ids))))

    @classmethod
    def every(cls, count: int = 1) -> ShardScope:
        """All `count` shards: the whole bot in one process."""
        return cls(count, tuple(range(count)))

    @property
    def complete(self) -> bool:
        """True when this process runs every shard, so no server belongs to another process."""
        return len(self.ids) == self.count

    @property
    def share(self) -> float:
        """This process's part of the bot: its shards over all of them (1.0 when it runs every shard).

        Discord's global rate limit (50 requests a second) counts every request of the bot's token, from every
        process; a process running 1 shard of 2 may therefore spend only half of it.
        """
        return len(self.ids) / self.count

    def sql_ids(self) -> str:
        """The ids as the stores' shard condition takes them: ",0,2,".

        The condition, the same static text on SQLite and PostgreSQL, with parameters `(sql_ids(), count)`:
        `? LIKE '%,' || CAST(((guild_id >> 22) % ?) AS TEXT) || ',%'`.
        """
        return "," + ",".join(str(shard) for shard in self.ids) + ","

    def owns(self, guild_id: int) -> bool:
        """Is this server's work this process's? (Discord sends its events to one of our shards.)"""
        return self.complete or shard_of(guild_id, self.count) in self.ids

    def only_own(self, guild_ids: Iterable[int]) -> list[int]:
        """The given servers that this process serves, in their order."""
        return [guild_id for guild_id in guild_ids if self.owns(guild_id)]


ALL_SHARDS = ShardScope()
"""The unsharded bot: one shard, every server."""


def parse_shard_ids(text: str, count: int) -> tuple[int, ...]:
    """Parse SHARD_IDS (`0-3`, `0,2`, `0-1,4`) into sorted ids; ValueError with a sentence when malformed."""
    ids: set[int] = set()
    for part in text.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError("must be shard numbers or ranges such as 0-3 or 0,2")
        first, last = int(low), int(high) if dash else int(low)
        if first > last:
            raise ValueError(f"the range {part} runs backwards")
        if last >= count:
            raise ValueError(f"shard {last} does not exist with SHARD_COUNT={count} (shards are 0 to {count - 1})")
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


class ShardLease(Protocol):
    """A claim on this process's shards, held for the whole run: a second process claiming one of them fails.

    SQLite: the database's single-instance lock already admits one process, which runs every shard, so its
    lease is a no-op (`NoLease`). PostgreSQL: session-level advisory locks on one dedicated connection (not a
    pooled one: the locks belong to the session, and the server drops them when the process dies):
    `pg_try_advisory_lock(key, shard_id)` for each shard of the scope, plus a lock on the layout so that two
    processes started with different SHARD_COUNTs (whose servers overlap) cannot both run. `acquire` takes all
    or none and raises `ShardTaken` with one line, which `run` prints before connecting to Discord.
    """

    async def acquire(self, scope: ShardScope) -> None:
        """Claim every shard of `scope`, or raise ShardTaken naming one held elsewhere (claiming none)."""

    async def release(self) -> None:
        """Give the shards back (also done by the database when the process dies)."""


class ShardTaken(Exception):
    """Another process runs a shard this one was asked to run; the message is one line for the operator."""


class NoLease:
    """The lease of a database that admits one process anyway (SQLite: see `InstanceLock`)."""

    async def acquire(self, scope: ShardScope) -> None:
        return None

    async def release(self) -> None:
        return None


def describe(scope: ShardScope) -> str:
    """The scope as the log says it: `shards 0-1 of 2`."""
    return f"shard{'s' if len(scope.ids) > 1 else ''} {_ranges(scope.ids)} of {scope.count}"


def _ranges(ids: Sequence[int]) -> str:
    parts: list[str] = []
    start = prev = ids[0]
    for shard in [*ids[1:], None]:
        if shard is not None and shard == prev + 1:
            prev = shard
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if shard is not None:
            start = prev = shard
    return ",".join(parts)
