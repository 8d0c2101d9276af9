"""/schedule show, /privacy status and /film fact in the sandbox page, as moderators and members read them in
English and German (issue 12). Screenshots: schedule-show-en/-de (README), privacy-status-en/-de, film-fact-en/-de.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


async def _a_few_changes(sandbox: Sandbox) -> None:
    """Fletcher moves the post to 08:00 on weekdays with a ping, then pauses and resumes it (the real commands)."""
    world = sandbox.world
    assert world is not None
    fletcher = world.moderator.member
    changes: list[tuple[str, dict[str, Any] | None]] = [
        (
            "schedule set",
            {
                "channel": world.daily,
                "time": "08:00",
                "timezone": "Europe/Berlin",
                "days": "mon-fri",
                "ping_role": world.moderators,
            },
        ),
        ("schedule pause", None),
        ("schedule resume", None),
    ]
    for command, options in changes:
        await (await sandbox.emu.invoke(world.guild, world.general, fletcher, command, options)).message(timeout=10)


async def _show_schedule(page: Any, who: str, heading: str) -> Any:
    await act_as(page, who)
    await run_command(page, "schedule show")
    card = page.locator(".message .embed").last
    await card.locator(".e-field-name", has_text=heading).wait_for()
    await card.evaluate("e => e.closest('.message').scrollIntoView({block: 'end'})")
    return card


# One sandbox per language: read in German, an English server's schedule sat under its English thread name.
@pytest.mark.parametrize("lang", ["en", "de"])
async def test_schedule_show_reads_as_sentences_in_english_and_german(page: Any, sandbox: Sandbox, lang: str) -> None:
    if lang == "de":
        world = sandbox.world
        assert world is not None
        schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
        assert schedule is not None
        await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, language="de"))
    await page.click("#jump-next")  # one daily post, so "Recent posts" has a question to link
    await open_channel(page, "daily-discussion")
    await page.locator(".thread-chip").first.wait_for()
    await _a_few_changes(sandbox)
    await open_channel(page, "general")

    if lang == "en":
        card = await _show_schedule(page, "Terence Fletcher", "Latest changes")
        text = await card.inner_text()
        assert "moved the daily post to 08:00 (Europe/Berlin)" in text and "Monday to Friday" in text
        assert "paused the daily posts" in text and "@Moderators" in text
        assert await card.locator("a", has_text="?").count() >= 1  # the post, linked by its question
        assert "channel_id" not in text and "https://" not in text and not ISO_DATE.search(text)
        await shot(page, "schedule-show-en", docs=True)
        return

    card = await _show_schedule(page, "Mona", "Letzte Änderungen")
    text = await card.inner_text()
    assert "hat den täglichen Beitrag auf 08:00 Uhr (Europe/Berlin) verlegt" in text
    assert "Montag bis Freitag" in text and "pausiert" in text
    for english in ("moved", "paused", "every day", "Recent posts"):
        assert english not in text
    assert await card.locator("a", has_text="?").count() >= 1
    assert "https://" not in text and not ISO_DATE.search(text)
    await shot(page, "schedule-show-de", docs=True)


# One sandbox per language: in one, the German status sat under the English fact card Andrew had asked for.
@pytest.mark.parametrize(("who", "lang"), [("Andrew Neiman", "en"), ("Nicole", "de")])
async def test_privacy_status_and_a_film_fact_in_both_languages(
    page: Any, sandbox: Sandbox, who: str, lang: str
) -> None:
    await act_as(page, who)
    await run_command(page, "privacy status")
    status = page.locator(".message.ephemeral .content").last
    await status.wait_for()
    text = await status.inner_text()
    assert "DATA_KEY" not in text and ("365 days" in text if lang == "en" else "365 Tage lang" in text), text
    await shot(page, f"privacy-status-{lang}", docs=lang == "de")

    await run_command(page, "film fact")
    title = "A fact about Whiplash (2014)" if lang == "en" else "Wissenswertes über Whiplash (2014)"
    card = page.locator(".message .embed", has=page.locator(".e-title", has_text=title)).last
    await card.locator(".e-footer").wait_for()
    text = await card.inner_text()
    footer = await card.locator(".e-footer").inner_text()
    assert "round" not in footer and "Runde" not in footer and "content pack" not in text.lower()
    assert re.fullmatch(r".+ · (fact|Fakt) \d+ (of|von) \d+", footer), footer
    await card.evaluate("e => e.closest('.message').scrollIntoView({block: 'end'})")
    await shot(page, f"film-fact-{lang}")
