"""The bot and its command tree."""

from __future__ import annotations

import logging
import math
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot.clockcheck import ClockCheck, trace_config
from bot.errors import NotModerator, UserFacingError
from bot.help import SYNC_HINT, CommandIds, commands_differ, invite_url
from bot.i18n import WhiplashTranslator, tr, tr_count
from bot.services import Services, build_services
from bot.sharding import ShardScope
from bot.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.content import ContentPack
    from bot.storage import Storage

log = logging.getLogger(__name__)


def extension_names() -> list[str]:
    """Every extension in `cogs/` (modules and packages; names starting with `_` are private parts)."""
    return sorted(
        f"{cogs.__name__}.{info.name}" for info in pkgutil.iter_modules(cogs.__path__) if not info.name.startswith("_")
    )


class WhiplashTree(app_commands.CommandTree["WhiplashBot"]):
    """The one error path: an ephemeral sentence to the user, the traceback to the log."""

    async def on_error(
        self, interaction: discord.Interaction[WhiplashBot], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, UserFacingError):
            message = original.message
        elif isinstance(original, NotModerator):
            message = tr(interaction.locale, "error.not_moderator")
        elif isinstance(original, app_commands.NoPrivateMessage):
            message = tr(interaction.locale, "error.guild_only")
        elif isinstance(original, app_commands.MissingPermissions | app_commands.CheckFailure):
            message = tr(interaction.locale, "error.not_allowed")
        elif isinstance(original, app_commands.CommandOnCooldown):
            wait = tr_count(interaction.locale, "count.seconds", max(1, math.ceil(original.retry_after)))
            message = tr(interaction.locale, "error.cooldown", wait=wait)
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("Command %s failed in guild %s", command, interaction.guild_id, exc_info=original)
            message = tr(interaction.locale, "error.unexpected")
        await send_ephemeral(interaction, message)

    async def sync(self, *, guild: discord.abc.Snowflake | None = None) -> list[app_commands.AppCommand]:
        """Register the commands, and keep the ids Discord gave them for clickable mentions (/help)."""
        synced = await super().sync(guild=guild)
        self.client.command_ids.remember(synced, guild.id if guild is not None else None)
        return synced


async def send_ephemeral(interaction: discord.Interaction[Any], message: str) -> None:
    """Answer with an ephemeral sentence, whether or not the interaction was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell the user about an error in interaction %s", interaction.id, exc_info=True)
    except (aiohttp.ClientError, OSError) as exc:  # OSError covers ConnectionResetError and TimeoutError
        # A dropped connection must not escape as "Task exception was never retrieved": one line, no traceback.
        log.warning("Could not tell the user about an error in interaction %s: %r", interaction.id, exc)


class WhiplashBot(commands.Bot):
    """A commands.Bot whose dependencies are handed in by `bot.__main__` (no globals)."""

    def __init__(
        self,
        *,
        settings: Settings,
        storage: Storage,
        content: ContentPack,
        clock: Clock = utcnow,
        extensions: list[str] | None = None,
        scheduler_tick_seconds: float = 300.0,  # the poster's safety re-check; it sleeps until due
        **options: Any,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.guild_reactions = True  # reactions on replies are counted (SPEC §11); not privileged
        intents.guild_polls = True  # stance polls' vote events (SPEC §11); not privileged
        # The bot never joins voice: discord.py's warnings that PyNaCl and davey are missing would only
        # send operators after libraries they do not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        # Every REST response's Date header is Discord's clock: one check, handed to the poster and the purge.
        clock_check = ClockCheck(clock)
        options.setdefault("http_trace", trace_config(clock_check))
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=WhiplashTree,
            help_command=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            **options,
        )
        self.settings = settings
        self.storage = storage
        self.content = content
        self.clock = clock
        self.clock_check = clock_check
        clock_check.probe = self.application_info  # a cheap GET when the last reading is old
        self.scheduler_tick_seconds = scheduler_tick_seconds
        self._message_hooks: list[Callable[[discord.Message], object]] = []
        self._extensions = extension_names() if extensions is None else extensions
        self.command_ids = CommandIds()
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The shared services (bot/services.py), built once: by `setup_hook` before the extensions load, or on
        first use where extensions are loaded without logging in (tests that only read the command tree)."""
        if self._services is None:
            self._services = build_services(self)
        return self._services

    def add_message_hook(self, hook: Callable[[discord.Message], object]) -> None:
        """Call `hook(message)` inline for every MESSAGE_CREATE, before the async listeners.

        For cheap, synchronous work on every message (the reply logger): a cog listener costs discord.py
        a new task per message, which is most of the price of logging at high message rates.
        """
        self._message_hooks.append(hook)

    def remove_message_hook(self, hook: Callable[[discord.Message], object]) -> None:
        self._message_hooks.remove(hook)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "message" and self._message_hooks:
            for hook in self._message_hooks:
                try:
                    hook(args[0])
                except Exception:
                    log.exception("Message hook %r failed", hook)
        super().dispatch(event_name, *args, **kwargs)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(WhiplashTranslator())
        services = self.services  # built here, once, before any extension takes its part
        log.debug("Services ready: %s", ", ".join(services.__dataclass_fields__))
        for name in self._extensions:
            await self.load_extension(name)
        log.info("Loaded %d extensions: %s", len(self._extensions), ", ".join(self._extensions))
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to the development server %s", len(synced), guild.id)
        await self.operator_hints()

    async def operator_hints(self) -> None:
        """What an operator needs in the first minutes: the invite link and, if needed, how to sync commands."""
        if self.application_id is not None:
            log.info("Invite the bot to a server with: %s", invite_url(self.application_id))
        if self.settings.dev_guild_id is not None:
            return  # just synced to the development server
        try:
            registered = await self.tree.fetch_commands()
        except discord.HTTPException as exc:
            log.warning("Could not check the registered slash commands (%s)", exc)
            return
        if registered:
            self.command_ids.remember(registered, None)
        if commands_differ(self.tree, registered):
            log.warning(SYNC_HINT)

    async def on_ready(self) -> None:
        user = self.user
        log.info("Ready as %s (%s) in %d servers", user, user.id if user else "?", len(self.guilds))
        # self.guilds is READY's list, servers unavailable in an outage included: one missing from it is gone.
        count, shards = self.own_shards()
        gone = await self.storage.guilds.guilds_ready(
            (guild.id for guild in self.guilds), self.clock(), shard_count=count, shard_ids=shards
        )
        if gone:
            log.info("%d servers removed the bot while it was offline; their data goes after the grace", len(gone))

    def own_shards(self) -> tuple[int, list[int]]:
        """How many shards the bot has, and those this process connects (the one shard when unsharded)."""
        count = self.shard_count or 1
        if isinstance(self, discord.AutoShardedClient):  # launches shard_ids, or every shard
            return count, sorted(self.shard_ids or range(count))
        return count, [self.shard_id or 0]

    def shard_scope(self) -> ShardScope:
        """The servers this process serves: its shards' (every server when it runs all shards).

        Asked afresh each time: an AutoShardedBot learns Discord's recommended count only when it connects,
        and then runs every shard anyway.
        """
        count, shards = self.own_shards()
        return ShardScope(count, tuple(shards))

    async def on_shard_connect(self, shard_id: int) -> None:
        log.info("Shard %s of %s connected", shard_id, self.shard_count)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.storage.guilds.guilds_seen([guild.id], self.clock())

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.storage.guilds.guild_removed(guild.id, self.clock())


class ShardedWhiplashBot(WhiplashBot, commands.AutoShardedBot):
    """The bot as `run` starts it: every shard of SHARD_IDS (default: all of Discord's recommended count).

    With SHARD_COUNT unset it asks Discord (GET /gateway/bot) how many shards to run, and runs them all here.
    """
