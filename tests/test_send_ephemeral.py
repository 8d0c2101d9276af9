"""Telling someone about an error over a dropped connection: it returns and logs one warning (issue 10 §6)."""

from __future__ import annotations

import logging
from datetime import date
from types import SimpleNamespace
from unittest.mock import AsyncMock, MagicMock, create_autospec

import aiohttp
import discord
import pytest

from bot.client import send_ephemeral
from bot.discussion.poster import DailyPoster


def dropping_interaction(error: BaseException) -> MagicMock:
    """An Interaction whose answer fails in transport, as when the connection to Discord drops."""
    interaction = create_autospec(discord.Interaction, spec_set=True, instance=True)
    interaction.id = 1234
    response = create_autospec(discord.InteractionResponse, spec_set=True, instance=True)
    response.is_done.return_value = False
    response.send_message = AsyncMock(side_effect=error)
    interaction.response = response
    return interaction


@pytest.mark.parametrize(
    "error",
    [aiohttp.ClientConnectionError("Connection lost"), ConnectionResetError(104, "reset by peer"), TimeoutError()],
    ids=["aiohttp", "reset", "timeout"],
)
async def test_a_transport_error_while_answering_is_logged_once(
    error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = dropping_interaction(error)
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        await send_ephemeral(interaction, "Something went wrong.")
    interaction.response.send_message.assert_awaited_once_with("Something went wrong.", ephemeral=True)
    warnings = [r for r in caplog.records if r.name == "bot.client"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "1234" in warnings[0].getMessage() and warnings[0].exc_info is None


@pytest.mark.parametrize(
    "error",
    [aiohttp.ClientConnectionError("Connection lost"), ConnectionResetError(104, "reset by peer"), TimeoutError()],
    ids=["aiohttp", "reset", "timeout"],
)
async def test_a_transport_error_while_reporting_a_failed_post_is_logged_once(
    error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    """The poster's report to the log channel goes the same way: one warning, not marked reported, no raise."""
    channel = create_autospec(discord.TextChannel, instance=True)
    channel.guild = None
    channel.send = AsyncMock(side_effect=error)
    bot = MagicMock()
    bot.get_channel.return_value = channel
    bot.storage.discussion.mark_error_reported = AsyncMock()
    poster = DailyPoster(bot, MagicMock(), bot.storage.discussion)
    schedule = SimpleNamespace(guild_id=7, log_channel_id=99, language="en")
    post = SimpleNamespace(guild_id=7, post_date=date(2027, 3, 28), error="the channel is gone", error_reported=False)
    with caplog.at_level(logging.WARNING, logger="bot.discussion.poster"):
        await poster._report(schedule, post)  # type: ignore[arg-type]
    channel.send.assert_awaited_once()
    bot.storage.discussion.mark_error_reported.assert_not_awaited()  # told again on the next try
    warnings = [r for r in caplog.records if r.name == "bot.discussion.poster"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
