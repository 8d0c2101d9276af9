"""A loopback Discord emulator (REST v10 + gateway) for end-to-end tests of the real discord.py client.

Quick start (inside an async pytest fixture)::

    from bot.emulator import DiscordEmulator

    emu = DiscordEmulator(token="test-token")
    await emu.start()
    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    guild = emu.add_guild("Film Club")
    channel = emu.add_text_channel(guild, "general")
    ...  # start the bot, await emu.wait_until_ready(), invoke commands, assert on emu.messages_in(channel)
    await emu.stop()
    emu.assert_no_violations()

Modules: ``server`` (DiscordEmulator, HTTP plumbing), ``gateway``, ``rest/`` (routes), ``world`` (guilds,
channels, roles, members), ``inject`` (user messages, slash commands, clicks, modals), ``interactions``
(handles), ``commands`` (slash command payloads), ``limits``/``command_limits`` (body validation),
``permissions``, ``mentions``, ``models``, ``recorder``, ``netguard``. See README.md in this folder.
"""

from . import netguard, permissions
from .core import EmulatorError
from .interactions import InteractionHandle, InteractionRecord
from .limits import VALID_LOCALES, Errors
from .models import Channel, Guild, Member, Role, StoredAttachment, StoredMessage, User
from .permissions import Overwrite
from .recorder import FaultRule, RecordedRequest
from .server import DiscordEmulator
from .snowflake import DISCORD_EPOCH_MS, snowflake_time, time_snowflake

__all__ = [
    "DISCORD_EPOCH_MS",
    "VALID_LOCALES",
    "Channel",
    "DiscordEmulator",
    "EmulatorError",
    "Errors",
    "FaultRule",
    "Guild",
    "InteractionHandle",
    "InteractionRecord",
    "Member",
    "Overwrite",
    "RecordedRequest",
    "Role",
    "StoredAttachment",
    "StoredMessage",
    "User",
    "netguard",
    "permissions",
    "snowflake_time",
    "time_snowflake",
]
