"""The shard predicate and SHARD_IDS parsing: pure functions (issue 13, sharding)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sharding import ALL_SHARDS, NoLease, ShardScope, describe, parse_shard_ids, shard_of


def guild_on(shard: int, count: int, n: int = 0) -> int:
    """A plausible guild id (a snowflake) that Discord routes to `shard` of `count`."""
    return ((1_000_000 + n) * count + shard) << 22 | 0x12345


def test_shard_of_is_discords_formula() -> None:
    assert shard_of(197038439483310086, 2) == 0  # 197038439483310086 >> 22 = 46977624770
    assert shard_of(197038439483310086, 3) == 2
    assert shard_of(guild_on(3, 4), 4) == 3
    assert shard_of(123, 1) == 0


@given(st.integers(min_value=1, max_value=64), st.data())
def test_each_guild_belongs_to_exactly_one_process_when_the_shards_are_split(count: int, data: st.DataObject) -> None:
    guild_id = data.draw(st.integers(min_value=1 << 22, max_value=(1 << 63) - 1))
    split = data.draw(st.integers(min_value=0, max_value=count))
    first = ShardScope(count, tuple(range(split))) if split else None
    second = ShardScope(count, tuple(range(split, count))) if split < count else None
    owners = [scope for scope in (first, second) if scope is not None and scope.owns(guild_id)]
    assert len(owners) == 1


def test_scope_owns_only_its_shards_guilds() -> None:
    scope = ShardScope(2, (0,))
    assert scope.owns(guild_on(0, 2)) and not scope.owns(guild_on(1, 2))
    assert scope.only_own([guild_on(1, 2), guild_on(0, 2, 1), guild_on(1, 2, 2)]) == [guild_on(0, 2, 1)]
    assert not scope.complete
    assert ShardScope.every(2).complete and ShardScope.every(2).owns(guild_on(1, 2))
    assert ALL_SHARDS.owns(guild_on(5, 7)) and ShardScope(1, (0,)) == ALL_SHARDS


def test_scope_rejects_ids_outside_the_count_and_sorts_its_ids() -> None:
    with pytest.raises(ValueError):
        ShardScope(2, (2,))
    with pytest.raises(ValueError):
        ShardScope(0, ())
    assert ShardScope(4, (3, 1, 1)).ids == (1, 3)


@pytest.mark.parametrize(
    ("text", "count", "ids"),
    [("0-3", 4, (0, 1, 2, 3)), ("0,2", 4, (0, 2)), ("2, 0", 4, (0, 2)), ("0-1,4", 8, (0, 1, 4)), ("5", 6, (5,))],
)
def test_shard_ids_accept_lists_and_ranges(text: str, count: int, ids: tuple[int, ...]) -> None:
    assert parse_shard_ids(text, count) == ids


@pytest.mark.parametrize(("text", "count"), [("0-4", 4), ("4", 4), ("a", 4), ("3-1", 4), ("", 4), ("-1", 4), ("1-", 4)])
def test_shard_ids_refuse_malformed_or_outside_values(text: str, count: int) -> None:
    with pytest.raises(ValueError):
        parse_shard_ids(text, count)


def test_describe_reads_as_ranges() -> None:
    assert describe(ShardScope(8, (0, 1, 2, 5, 7))) == "shards 0-2,5,7 of 8"
    assert describe(ShardScope(2, (1,))) == "shard 1 of 2"


async def test_the_sqlite_lease_admits_every_scope() -> None:
    lease = NoLease()
    await lease.acquire(ShardScope(2, (0,)))
    await lease.release()
