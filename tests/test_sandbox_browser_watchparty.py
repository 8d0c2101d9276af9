"""A watch party as members see it, in English and German, in a real browser.

The moderator schedules a party in the Cinema voice channel for the day after tomorrow at 20:00 (Berlin), two
members mark interest, the clock jumps to the reminder and to showtime, the moderator starts the party and
presses "Next question" in the page; then the film runs to its end. Screenshots: watchparty-en, watchparty-de
(the event in the sidebar with its interested members, and the announcement), watchparty-start-en/-de (the
reminder and the start), watchparty-thread-en, watchparty-thread-de
(the party thread with its questions revealed, and the way to the after-film thread). In forum mode:
watchparty-forum-en/-de (the forum with the announcement as a post tagged with the film) and
watchparty-forum-post-en/-de (the post: the announcement, the reminder, the start and the first questions).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.emulator import StoredMessage
from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, reveal_spoilers, sandbox, shot
from tests.harness import eventually

__all__ = ["chromium", "page", "sandbox"]  # the fixtures

BERLIN = ZoneInfo("Europe/Berlin")
TEXT = {
    "en": {
        "moderator": "Terence Fletcher",
        "locale": "en-US",
        "title": "🍿 Watch party: Whiplash",
        "interested": "2 members",
        "sidebar": "2 interested",
        "thread": "Watch party: Whiplash",
        "next": "Next question",
        "after": "After the film: Whiplash",
        "advanced": "The next question is posted.",
        "weekday": "day",
        "started": "The watch party has started in",
        "edited": "(edited)",
        "composer": "Message #Watch party: Whiplash — / commands",
        "ahead": r"\d+ days?(, \d+ hours?)? ahead of real time$",
        "personas": ["Moderator · English", "Member · English", "Member · German", "Moderator · German"],
        "post_title": "Watch party: Whiplash, ",
        "reader": "Andrew Neiman",
    },
    "de": {
        "moderator": "Mona",
        "locale": "de",
        "title": "🍿 Watchparty: Whiplash",
        "interested": "2 Mitglieder",
        "sidebar": "2 interessiert",
        "thread": "Watchparty: Whiplash",
        "next": "Nächste Frage",
        "after": "Nach dem Film: Whiplash",
        "advanced": "Die nächste Frage ist gepostet.",
        "weekday": "tag",
        "started": "Die Watchparty hat in",
        "edited": "(bearbeitet)",
        "composer": "Nachricht #Watchparty: Whiplash — / Befehle",
        "ahead": r"\d+ Tage?(, \d+ Stunden?)? vor der echten Zeit$",
        "personas": ["Moderator · Englisch", "Mitglied · Englisch", "Mitglied · Deutsch", "Moderatorin · Deutsch"],
        "post_title": "Watchparty: Whiplash, ",
        "reader": "Nicole",
    },
}


def _bot_messages(sandbox: Sandbox, channel: Any) -> list[StoredMessage]:
    return [m for m in sandbox.emu.messages_in(channel) if m.author_id == sandbox.emu.bot.id]


async def _jump(sandbox: Sandbox, moment: datetime) -> None:
    """Move the clock as the page's buttons do (the daily poster runs too), to a moment they cannot pick."""
    await sandbox.jump_to(moment)


async def _invite(sandbox: Sandbox, lang: str) -> tuple[Any, datetime, Any]:
    """The moderator schedules a party in two days at 20:00 in the Cinema; the members mark interest.
    Returns the moderator, the start and the moderator's answer."""
    world = sandbox.world
    assert world is not None
    emu, text = sandbox.emu, TEXT[lang]
    moderator = next(p for p in world.personas if (p.member.user.global_name or "") == text["moderator"])
    cinema = next(c for c in world.guild.channels.values() if c.name == "Cinema")
    day = (sandbox.clock().astimezone(BERLIN) + timedelta(days=2)).date()
    starts = datetime(day.year, day.month, day.day, 20, 0, tzinfo=BERLIN)
    options = {"when": f"{day.isoformat()} 20:00", "channel": cinema}
    handle = await emu.invoke(
        world.guild, world.daily, moderator.member, "watchparty schedule", options, locale=text["locale"]
    )
    answer = await handle.message(timeout=10)
    (event,) = emu.events_in(world.guild)
    for persona in world.personas:
        if not persona.is_moderator:
            emu.mark_interested(event, persona.member)
    return moderator, starts, answer


async def _schedule(sandbox: Sandbox, lang: str) -> tuple[Any, datetime]:
    """Schedule the party as the moderator, and two members mark interest."""
    world = sandbox.world
    assert world is not None
    text = TEXT[lang]
    if lang == "de":
        schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
        assert schedule is not None
        await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, language="de"))
    moderator, starts, answer = await _invite(sandbox, lang)
    assert "<t:" in answer.content and "2026-" not in answer.content, answer.content

    def counted() -> bool:
        announced = [
            m for m in _bot_messages(sandbox, world.daily) if m.embeds and m.embeds[0].get("title") == text["title"]
        ]
        return bool(announced) and any(f["value"] == text["interested"] for f in announced[0].embeds[0]["fields"])

    await eventually(counted, timeout=10)
    sandbox._push()
    return moderator, starts


async def _showtime(sandbox: Sandbox, lang: str, moderator: Any, starts: datetime) -> Any:
    """The reminder 15 minutes before, then the moderator starts the party at 20:00."""
    world = sandbox.world
    assert world is not None
    emu = sandbox.emu
    text = TEXT[lang]
    await _jump(sandbox, starts - timedelta(minutes=15))
    await eventually(lambda: any(m.content.startswith("⏰") for m in _bot_messages(sandbox, world.daily)), timeout=10)
    await _jump(sandbox, starts)
    handle = await emu.invoke(world.guild, world.daily, moderator.member, "watchparty start", {}, locale=text["locale"])
    await handle.message(timeout=10)
    thread = next(t for t in emu.threads if t.name == text["thread"])
    await eventually(lambda: any(m.content.startswith("🎬 **") for m in _bot_messages(sandbox, thread)), timeout=10)
    sandbox._push()
    return thread


async def _next_post_ahead(page: Any, sandbox: Sandbox) -> None:
    """The sidebar's "Next daily post" is still to come after the clock jumped days ahead (it read Dec 2 on Dec 4
    when the test moved the clock without waking the daily poster)."""
    upcoming = await sandbox.next_post_at()
    assert upcoming is not None and upcoming > sandbox.clock(), (upcoming, sandbox.clock())
    await page.wait_for_function(
        """iso => document.querySelector('#clock-next').textContent.includes(new Intl.DateTimeFormat(
            S.state.locale, {dateStyle: 'medium', timeStyle: 'short'}).format(new Date(iso)))""",
        arg=upcoming.isoformat(),
    )


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_a_watch_party_in_the_page(page: Any, sandbox: Sandbox, lang: str) -> None:
    text = TEXT[lang]
    await page.set_viewport_size({"width": 1280, "height": 1300})
    await act_as(page, text["moderator"])
    moderator, starts = await _schedule(sandbox, lang)

    # Before the show: the event in the sidebar with its date and interested members, and the announcement.
    await open_channel(page, "daily-discussion")
    card = page.locator("#events .event")
    await card.wait_for()
    await page.wait_for_function("t => document.querySelector('#events').innerText.includes(t)", arg=text["sidebar"])
    assert text["weekday"] in (await card.inner_text()).lower()
    announcement = page.locator(".message .embed", has_text=text["title"]).last
    await announcement.wait_for()
    await page.wait_for_function(
        "t => [...document.querySelectorAll('.message .embed')].some(e => e.innerText.includes(t))",
        arg=text["interested"],
    )
    shown = await announcement.inner_text()
    assert "Cinema" in shown, shown
    await shot(page, f"watchparty-{lang}")

    # Showtime: the reminder names the interested members, the moderator starts the party.
    thread = await _showtime(sandbox, lang, moderator, starts)
    await page.locator(".message", has_text="⏰").last.wait_for()
    await page.locator(".message.ephemeral", has_text=text["started"]).last.wait_for()
    await _next_post_ahead(page, sandbox)
    await shot(page, f"watchparty-start-{lang}")

    await open_channel(page, text["thread"])
    await page.locator(".message .btn", has_text=text["next"]).last.click()
    await page.locator(".message.ephemeral", has_text=text["advanced"]).wait_for()  # answered before time jumps
    assert len([m for m in _bot_messages(sandbox, thread) if m.content.startswith("🎬 **")]) == 2
    await _jump(sandbox, starts + timedelta(minutes=107))
    world = sandbox.world
    assert world is not None
    after = await eventually(lambda: [t for t in sandbox.emu.threads if t.name == text["after"]], timeout=10)
    await eventually(lambda: any(after[0].mention in m.content for m in _bot_messages(sandbox, thread)), timeout=10)
    await page.wait_for_selector(f".message:has-text('{text['after']}')")
    await reveal_spoilers(page)
    await _next_post_ahead(page, sandbox)
    # The page's own words are in the reader's language too: an edited prompt (its button taken away) and the
    # composer (German nouns keep their capital).
    assert await page.locator(".message .edited").first.inner_text() == text["edited"]
    assert await page.locator("#composer").get_attribute("placeholder") == text["composer"]
    assert await page.locator("#personas .persona small").all_inner_texts() == text["personas"]  # no "de", "en-US"
    ahead = await page.locator("#clock-next").inner_text()  # "2 Tage, 16 Stunden", not "2 d 16 h"
    assert re.search(text["ahead"], ahead), ahead
    await shot(page, f"watchparty-thread-{lang}")


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_a_watch_party_in_a_forum_in_the_page(page: Any, sandbox: Sandbox, lang: str) -> None:
    """Forum mode: the announcement is a forum post tagged with the film, and the party is held in it."""
    text = TEXT[lang]
    world = sandbox.world
    assert world is not None and world.forum is not None
    forum, emu = world.forum, sandbox.emu
    schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
    assert schedule is not None  # the daily discussion moved into the forum, as /schedule set does it
    await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, channel_id=forum.id, language=lang))
    await page.set_viewport_size({"width": 1280, "height": 1000})
    moderator, starts, _ = await _invite(sandbox, lang)
    post = await eventually(
        lambda: next((t for t in emu.threads if t.parent_id == forum.id and t.owner_id == emu.bot.id), None),
        timeout=10,
    )
    assert post.name.startswith(text["post_title"]), post.name

    def counted() -> bool:
        first = emu.get_message(post.id)
        return first is not None and any(f["value"] == text["interested"] for f in first.embeds[0]["fields"])

    await eventually(counted, timeout=10)
    await _jump(sandbox, starts - timedelta(minutes=15))
    await eventually(lambda: any(m.content.startswith("⏰") for m in _bot_messages(sandbox, post)), timeout=10)
    await _jump(sandbox, starts)
    handle = await emu.invoke(world.guild, world.daily, moderator.member, "watchparty start", {}, locale=text["locale"])
    await handle.message(timeout=10)
    await _jump(sandbox, starts + timedelta(minutes=16))
    await eventually(
        lambda: len([m for m in _bot_messages(sandbox, post) if m.content.startswith("🎬 **")]) == 2, timeout=10
    )
    sandbox._push()

    await act_as(page, text["reader"])  # a member whose client speaks the server's language
    await open_channel(page, "question-forum")
    card = page.locator(".forum-post", has_text=text["post_title"]).first
    await card.wait_for()
    assert await card.locator(".fp-tags .forum-tag").all_inner_texts() == ["Whiplash"]
    await shot(page, f"watchparty-forum-{lang}")
    await card.click()
    await page.locator(".message .embed", has_text=text["title"]).wait_for()
    await page.locator(".message", has_text="⏰").last.wait_for()
    await reveal_spoilers(page)
    await shot(page, f"watchparty-forum-post-{lang}")
