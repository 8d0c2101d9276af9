"""What a moderator sees when the machine's clock is off Discord's: /schedule post-now refuses, in their language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]


async def test_post_now_on_a_machine_clock_a_day_fast_says_so_in_english_and_german(
    page: Any, sandbox: Sandbox
) -> None:
    bot = sandbox.bot
    assert bot is not None
    # The sandbox's bot and emulator share one clock; only the clock check is given a machine clock a day fast.
    bot.clock_check.clock = lambda: sandbox.clock() + timedelta(days=1)
    world = sandbox.world
    assert world is not None
    await act_as(page, "Terence Fletcher")
    await open_channel(page, "general")
    await run_command(page, "schedule post-now")
    answer = page.locator(".message.ephemeral .content").last
    await answer.wait_for()
    text = await answer.text_content() or ""
    assert "clock" in text and "5 minutes" in text, text
    await shot(page, "clock-wrong-en")

    nicole = next(p for p in world.personas if p.locale == "de")
    sandbox.emu.set_member_roles(world.guild, nicole.member, [world.moderators])
    await act_as(page, "Nicole")
    await run_command(page, "schedule post-now")
    answer = page.locator(".message.ephemeral .content", has_text="Uhr").last
    await answer.wait_for()
    text = await answer.text_content() or ""
    assert "Rechners" in text and "5 Minuten" in text, text
    await shot(page, "clock-wrong-de")
    assert not any(m.embeds for m in sandbox.emu.messages_in(world.daily))  # nothing was posted
