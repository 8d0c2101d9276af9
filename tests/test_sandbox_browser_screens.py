"""/film info and /discussion stats as a member sees them, in English and German, in a real browser.

Screenshots: film-info-en/-de, film-sources-en, stats-en/-de (artifacts/screenshots/; the README's with
WHIPLASH_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import aiohttp
import pytest
from PIL import Image

from bot.discussion import stats
from bot.sandbox.app import Sandbox
from tests.browser_helpers import (
    ARTIFACTS,
    act_as,
    answer_daily_posts,
    chromium,
    open_channel,
    page,
    run_command,
    sandbox,
    shot,
)

__all__ = ["chromium", "page", "sandbox"]  # the fixtures

REPLIES = [
    ("Andrew Neiman", "Fletcher pushes too hard, but the solo proves him right?"),
    ("Nicole", "Ich finde, der Film zeigt beides."),
    ("Andrew Neiman", "Not quite my tempo."),
]


async def _top_of(page: Any, embed: Any) -> None:
    await embed.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")


async def test_film_info_card_with_links_and_sources_in_english_and_german(page: Any, sandbox: Sandbox) -> None:
    await page.set_viewport_size({"width": 1280, "height": 1000})  # the whole card and its buttons in one shot
    await act_as(page, "Andrew Neiman")
    await run_command(page, "film info")
    card = page.locator(".message .embed").last
    await card.locator(".e-field-name", has_text="Main cast").wait_for()
    text = await card.inner_text()
    assert "Andrew Neiman, 19," in text and "Psychological drama · Music drama" in text
    assert not re.search(r"\[\d+\]", text), "no citation marks"
    message = page.locator(".message:has(.embed)").last
    labels = [label.strip("↗ ").strip() for label in await message.locator(".btn").all_inner_texts()]
    assert labels == ["Wikipedia", "IMDb", "Letterboxd", "Sources"], labels
    hrefs = [await link.get_attribute("href") for link in await message.locator("a.btn").all()]
    assert hrefs[1] == "https://www.imdb.com/title/tt2582802/"
    await _top_of(page, card)
    await shot(page, "film-info-en", docs=True)

    await message.locator(".btn", has_text="Sources").click()
    sources = page.locator(".message.ephemeral .embed").last
    await sources.locator(".e-title", has_text="Where the facts about Whiplash come from").wait_for()
    assert "Review “Whiplash – Filmkritik”" in await sources.inner_text()
    await _top_of(page, sources)
    await shot(page, "film-sources-en")

    await act_as(page, "Nicole")
    await run_command(page, "film info")
    card = page.locator(".message .embed").last
    await card.locator(".e-field-name", has_text="Hauptbesetzung").wait_for()
    text = await card.inner_text()
    assert "Psychodrama · Musikdrama · USA" in text and "106 Minuten" in text
    await _top_of(page, card)
    await shot(page, "film-info-de", docs=True)


async def _chart_on_both_themes(sandbox: Sandbox, src: str) -> None:
    """The chart PNG itself on Discord's dark and light page colours, saved next to the screenshots to look at."""
    async with aiohttp.ClientSession() as session, session.get(sandbox.url.rstrip("/") + src) as response:
        assert response.status == 200
        png = await response.read()
    chart = Image.open(io.BytesIO(png)).convert("RGBA")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for theme, colour in (("dark", stats.DISCORD_DARK), ("light", stats.DISCORD_LIGHT)):
        page = Image.new("RGBA", (chart.width + 80, chart.height + 80), colour)
        page.alpha_composite(chart, (40, 40))
        page.save(ARTIFACTS / f"stats-chart-on-{theme}.png")


async def _german_server(sandbox: Sandbox) -> None:
    world = sandbox.world
    assert world is not None
    schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
    assert schedule is not None
    await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, language="de"))


async def _week_stats(page: Any, persona: str, summary: str) -> tuple[Any, Any, str]:
    """`/discussion stats days:7` as `persona`: the card (once it says `summary`), its loaded chart, its text."""
    await act_as(page, persona)
    await run_command(page, "discussion stats", days="7")
    card = page.locator(".message .embed").last
    await card.locator(".e-desc", has_text=summary).wait_for()
    chart = card.locator("img.e-image")
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await chart.element_handle())
    return card, chart, await card.inner_text()


# One sandbox per language: read in German, an English server's stats sat under its English thread names.
@pytest.mark.parametrize("lang", ["en", "de"])
async def test_discussion_stats_with_replies_in_english_and_german(page: Any, sandbox: Sandbox, lang: str) -> None:
    await page.set_viewport_size({"width": 1280, "height": 900})
    if lang == "de":
        await _german_server(sandbox)
    await answer_daily_posts(sandbox, [REPLIES[: 1 + day % len(REPLIES)] for day in range(3)])
    await open_channel(page, "general")
    if lang == "en":
        card, chart, text = await _week_stats(page, "Terence Fletcher", "3 daily questions, 6 replies from 2 members.")
        assert await chart.evaluate("img => img.naturalWidth") == 1200
        assert "?" in text and not re.search(r"\bq\d{3}-", text), "questions by their text, never their ids"
        assert "1 reply" in text and "1 replies" not in text
        await _top_of(page, card)
        await shot(page, "stats-en", docs=True)
        await _chart_on_both_themes(sandbox, await chart.get_attribute("src") or "")
        return

    card, _, text = await _week_stats(page, "Nicole", "3 Tagesfragen, 6 Antworten von 2 Mitgliedern.")
    assert "Am aktivsten" in text and not re.search(r"\bq\d{3}-", text)
    assert "1 Antwort " in text and "1 Antworten" not in text
    await _top_of(page, card)
    await shot(page, "stats-de", docs=True)

    await run_command(page, "discussion stats", days="1")
    today = page.locator(".message .embed").last
    await today.locator(".e-title", has_text="Die Diskussion heute").wait_for()
    assert await today.locator("img.e-image").count() == 0
    await shot(page, "stats-today-de")
