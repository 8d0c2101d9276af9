"""Fact choice without repeats, its storage on real SQLite files, and the fact embed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import ContentPack, Fact
from bot.errors import BadInput
from bot.facts import (
    FactDraw,
    category_choices,
    choose_fact,
    draw_fact,
    fact_embed,
    link_target,
    resolve_category,
    spoiler,
)
from bot.storage import Storage
from tests.harness import FakeClock


def test_choose_fact_exhausts_the_pool_before_a_new_round(content: ContentPack) -> None:
    pool = content.facts_by_category("music")
    rng = random.Random(7)
    shown: list[str] = []
    for _ in range(len(pool)):
        fact, new_round = choose_fact(pool, shown, rng)
        assert not new_round
        assert fact.id not in shown
        shown.append(fact.id)
    assert sorted(shown) == sorted(fact.id for fact in pool)
    fact, new_round = choose_fact(pool, shown, rng)
    assert new_round
    assert fact.id != shown[-1], "a new round must not start with the fact shown last"


@given(seed=st.integers(0, 2**32), rounds=st.integers(1, 3), category=st.sampled_from([None, "cast", "trivia"]))
@settings(max_examples=30, deadline=None)
def test_choose_fact_never_repeats_within_a_round(
    content: ContentPack, seed: int, rounds: int, category: str | None
) -> None:
    pool = content.facts_by_category(category)
    rng = random.Random(seed)
    history: list[str] = []
    current: list[str] = []
    for _ in range(rounds * len(pool)):
        fact, new_round = choose_fact(pool, current, rng)
        if new_round:
            assert len(current) == len(pool)
            current = []
        assert fact.id not in current
        if history:
            assert fact.id != history[-1]
        current.append(fact.id)
        history.append(fact.id)


def test_choose_fact_with_a_single_fact_repeats_it(content: ContentPack) -> None:
    only = content.facts[:1]
    fact, new_round = choose_fact(only, [only[0].id], random.Random(1))
    assert fact == only[0] and new_round
    with pytest.raises(ValueError, match="empty"):
        choose_fact((), [], random.Random(1))


def test_resolve_category_accepts_slugs_and_names_and_lists_the_valid_ones(content: ContentPack) -> None:
    assert resolve_category(content, None, "en") is None
    assert resolve_category(content, "  ", "en") is None
    assert resolve_category(content, "Box-Office", "en") == "box-office"
    assert resolve_category(content, "box office", "en") == "box-office"
    assert resolve_category(content, "Musik", "de") == "music"
    with pytest.raises(BadInput) as caught:
        resolve_category(content, "**drums** <@123>", "en")
    message = caught.value.message
    assert all(category in message for category in content.categories())
    assert "**" not in message.split("Choose")[0]  # user text is escaped
    with pytest.raises(BadInput) as german:
        resolve_category(content, "Schlagzeug", "de")
    assert "gibt es nicht" in german.value.message


def test_category_choices_filter_and_fit_autocomplete(content: ContentPack) -> None:
    everything = category_choices(content, "", "en")
    assert [value for _, value in everything] == list(content.categories())
    assert len(everything) <= 25 and all(1 <= len(name) <= 100 for name, _ in everything)
    assert [value for _, value in category_choices(content, "mus", "en")] == ["music"]
    assert [value for _, value in category_choices(content, "besetz", "de")] == ["cast"]
    assert category_choices(content, "zzz", "en") == []


def test_spoiler_tags_cannot_be_closed_early() -> None:
    assert spoiler("Andrew plays") == "||Andrew plays||"
    tagged = spoiler("a || b")
    assert tagged.startswith("||") and tagged.endswith("||") and "||" not in tagged[2:-2]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_fact_embed_fits_discord_and_shows_its_source(content: ContentPack, lang: str) -> None:
    for fact in content.facts:
        embed = fact_embed(FactDraw(fact=fact, category=fact.category, shown=1, total=9), lang)
        assert len(embed) <= 6000 and len(embed.description or "") <= 4096
        assert all(len(field.value or "") <= 1024 for field in embed.fields)
        assert fact.text(lang) in (embed.description or "")
        assert (embed.description or "").endswith(f"{fact.text(lang)}||") == fact.spoiler
        source_field = embed.fields[0].value or ""
        if fact.source.startswith("http"):
            assert f"]({link_target(fact.source)})" in source_field
            assert "(" not in source_field.split("](", 1)[1].rstrip(")")
        else:
            assert fact.source.removeprefix("reviews/").removesuffix(".txt") in source_field


async def test_draw_fact_rotation_survives_reopening_the_database(content: ContentPack, tmp_path: Path) -> None:
    pool = content.facts_by_category("crew")
    clock = FakeClock()
    seen: list[str] = []
    for _ in range(len(pool)):
        async with await Storage.open(tmp_path / "bot.db") as storage:  # a restart between every draw
            draw = await draw_fact(
                storage.content_state,
                content,
                guild_id=1,
                channel_id=2,
                category="crew",
                rng=random.Random(),
                now=clock(),
            )
        assert draw.fact.id not in seen
        seen.append(draw.fact.id)
        assert draw.shown == len(seen) and draw.total == len(pool)
    assert sorted(seen) == sorted(fact.id for fact in pool)
    async with await Storage.open(tmp_path / "bot.db") as storage:
        draw = await draw_fact(
            storage.content_state, content, guild_id=1, channel_id=2, category="crew", rng=random.Random(), now=clock()
        )
        assert draw.shown == 1 and draw.fact.id != seen[-1]
        assert await storage.content_state.shown_facts(1, 2, "crew") == [draw.fact.id]
        # other channels, other servers and the any-category pool keep their own rounds
        assert await storage.content_state.shown_facts(1, 3, "crew") == []
        assert await storage.content_state.shown_facts(9, 2, "crew") == []
        assert await storage.content_state.shown_facts(1, 2, "") == []


async def test_record_fact_refuses_a_fact_already_taken_in_the_round(tmp_path: Path) -> None:
    clock = FakeClock()
    async with await Storage.open(tmp_path / "bot.db") as storage:
        assert await storage.content_state.record_fact(1, 2, "", "a", clock(), new_round=False)
        assert not await storage.content_state.record_fact(1, 2, "", "a", clock(), new_round=False)
        assert await storage.content_state.record_fact(1, 2, "", "b", clock.advance(seconds=1), new_round=False)
        assert await storage.content_state.shown_facts(1, 2, "") == ["a", "b"]
        assert await storage.content_state.record_fact(1, 2, "", "a", clock.advance(seconds=1), new_round=True)
        assert await storage.content_state.shown_facts(1, 2, "") == ["a"]


async def test_draw_fact_ignores_facts_no_longer_in_the_pack(content: ContentPack, tmp_path: Path) -> None:
    pool = content.facts_by_category("trivia")
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.content_state.record_fact(0, 5, "trivia", "removed-from-the-pack", FakeClock()(), new_round=False)
        ids = set()
        for _ in range(len(pool)):
            draw = await draw_fact(
                storage.content_state,
                content,
                guild_id=None,
                channel_id=5,
                category="trivia",
                rng=random.Random(3),
                now=FakeClock()(),
            )
            ids.add(draw.fact.id)
        assert ids == {fact.id for fact in pool}


def test_fact_texts_differ_by_language(content: ContentPack) -> None:
    fact: Fact = content.facts[0]
    english = fact_embed(FactDraw(fact, None, 1, 63), "en")
    german = fact_embed(FactDraw(fact, None, 1, 63), "de")
    assert english.description == fact.text_en and german.description == fact.text_de
    assert english.fields[0].name == "Source" and german.fields[0].name == "Quelle"
