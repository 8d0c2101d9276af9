"""What `/help` shows, clickable command mentions, and the operator's start-up hints (invite URL, sync).

Discord turns `</name sub:ID>` into a command the member clicks to run it. The ID is the one Discord gave the
command when it was synced, so the bot learns the ids from its own sync or by fetching the registered
commands once, and keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.i18n import command_translations, tr
from bot.permissions import REQUIRED_CHANNEL_PERMISSIONS, is_moderator_command

log = logging.getLogger(__name__)

HELP_COLOUR = discord.Colour(0x2B6CB0)

# Member commands first, in the order a newcomer meets them; moderator commands after them.
ORDER = ("film", "review", "discussion", "suggest", "privacy", "schedule", "prompts", "replies", "watchparty")

SYNC_HINT = (
    "Slash commands are not registered with Discord or are out of date, so members cannot see them: run "
    "`whiplash-bot sync` (all servers; they can take up to an hour to show) or `whiplash-bot sync --guild ID` "
    "(one server, at once)"
)

AnyCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


def invite_permissions() -> discord.Permissions:
    """What the bot asks for when invited: exactly what the daily post needs (README, §Creating)."""
    return discord.Permissions(**{attr: True for attr, _label in REQUIRED_CHANNEL_PERMISSIONS})


def invite_url(application_id: int) -> str:
    """The link that adds this bot, with its slash commands, to a server."""
    return discord.utils.oauth_url(
        application_id, permissions=invite_permissions(), scopes=("bot", "applications.commands")
    )


class CommandIds:
    """The ids Discord gave the synced commands, by top-level name: global ones, and a server's own.

    Learned from the bot's sync, else fetched once; an empty answer (nothing synced yet) is asked again
    next time, so a `whiplash-bot sync` run while the bot is up shows in `/help` without a restart.
    """

    def __init__(self) -> None:
        self._global: dict[str, int] = {}
        self._guilds: dict[int, dict[str, int]] = {}

    def remember(self, commands: Iterable[app_commands.AppCommand], guild_id: int | None) -> None:
        """Keep the ids of a sync's or a fetch's answer."""
        ids = {command.name: command.id for command in commands if command.type is discord.AppCommandType.chat_input}
        if guild_id is None:
            self._global = ids
        else:
            self._guilds[guild_id] = ids

    def needs_fetch(self, tree: app_commands.CommandTree[Any], guild_id: int | None) -> bool:
        """Whether `ids_for` must ask Discord (so the caller defers first)."""
        return not self._global or self._guild_missing(tree, guild_id)

    def _guild_missing(self, tree: app_commands.CommandTree[Any], guild_id: int | None) -> bool:
        """Some command has no global id and this server's own were not asked for yet (`sync --guild`)."""
        if guild_id is None or guild_id in self._guilds:
            return False
        wanted = {command.name for command in tree.get_commands(type=discord.AppCommandType.chat_input)}
        return bool(wanted - self._global.keys())

    async def ids_for(self, tree: app_commands.CommandTree[Any], guild_id: int | None) -> dict[str, int]:
        """The ids a member of this server clicks: the server's own commands over the global ones."""
        if not self._global:
            await self._fetch(tree, None)
        if self._guild_missing(tree, guild_id):
            assert guild_id is not None
            await self._fetch(tree, guild_id)
            self._guilds.setdefault(guild_id, {})  # asked once: the server has none of its own
        return {**self._global, **self._guilds.get(guild_id or 0, {})}

    async def _fetch(self, tree: app_commands.CommandTree[Any], guild_id: int | None) -> None:
        try:
            fetched = await tree.fetch_commands(guild=discord.Object(id=guild_id) if guild_id else None)
        except discord.HTTPException as exc:
            log.warning("Could not fetch the registered slash commands (%s): /help shows them unlinked", exc)
            return
        if fetched:
            self.remember(fetched, guild_id)


def commands_differ(tree: app_commands.CommandTree[Any], registered: Sequence[app_commands.AppCommand]) -> bool:
    """Whether the commands registered with Discord differ from this version's (names, options, permissions)."""
    local = {
        command.name: _shape(command.to_dict(tree), top=True)
        for command in tree.get_commands(type=discord.AppCommandType.chat_input)
    }
    remote = {}
    for command in registered:
        if command.type is not discord.AppCommandType.chat_input:
            continue
        payload = dict(command.to_dict())
        permissions = command.default_member_permissions
        payload["default_member_permissions"] = None if permissions is None else permissions.value
        remote[command.name] = _shape(payload, top=True)
    return local != remote


def _shape(payload: Mapping[str, Any], *, top: bool = False) -> tuple[Any, ...]:
    """What a member sees of a command or option: names, descriptions, types, requirements, choices."""
    options = tuple(_shape(option) for option in payload.get("options") or [])
    choices = tuple((c["name"], c["value"]) for c in payload.get("choices") or [])
    permissions = payload.get("default_member_permissions") if top else None
    return (
        payload["name"],
        payload.get("type", 1),
        payload.get("description", ""),
        bool(payload.get("required", False)),
        choices,
        None if permissions is None else int(permissions),
        options,
    )


def mention(command: AnyCommand, ids: Mapping[str, int]) -> str:
    """A command the member clicks (`</name sub:ID>`), or its name when Discord has not given it an id yet."""
    root = command.root_parent or command
    command_id = ids.get(root.name)
    if command_id is None:
        return f"`/{command.qualified_name}`"
    return f"</{command.qualified_name}:{command_id}>"


def _describe(lang: str, command: AnyCommand) -> str:
    text = command.description
    if lang == "de":
        return command_translations().get(text, text)
    return text


def _sort_key(command: AnyCommand) -> tuple[int, str]:
    return (ORDER.index(command.name) if command.name in ORDER else len(ORDER), command.name)


def help_embed(
    tree: app_commands.CommandTree[Any], lang: str, *, moderator: bool, ids: Mapping[str, int]
) -> discord.Embed:
    """The commands this member can use, grouped by top-level command, in their language.

    Members see one line per command with what it does; moderators also get theirs, one line of clickable
    names per top-level command (their descriptions are in the picker), so the card stays short.
    """
    embed = discord.Embed(title=tr(lang, "help.title"), description=tr(lang, "help.intro"), colour=HELP_COLOUR)
    roots = sorted(tree.get_commands(type=discord.AppCommandType.chat_input), key=_sort_key)
    moderator_lines: list[tuple[str, str]] = []
    for root in roots:
        if root.name == "help" or not isinstance(root, app_commands.Command | app_commands.Group):
            continue
        leaves = _leaves(root)
        if not is_moderator_command(root):
            value = "\n".join(f"{mention(leaf, ids)} – {_describe(lang, leaf)}" for leaf in leaves)
            embed.add_field(name=_heading(lang, root), value=value[:1024], inline=False)
        elif moderator:
            moderator_lines.append((_heading(lang, root), " · ".join(mention(leaf, ids) for leaf in leaves)))
    if moderator_lines:
        together = "\n".join(f"**{heading}:** {value}" for heading, value in moderator_lines)
        if len(together) <= 1024:
            embed.add_field(name=tr(lang, "help.for_moderators"), value=together, inline=False)
        else:  # one field per command when they no longer fit in one
            for heading, value in moderator_lines:
                embed.add_field(name=f"{tr(lang, 'help.for_moderators')}: {heading}", value=value[:1024], inline=False)
        embed.set_footer(text=tr(lang, "help.moderator_footer"))
    return embed


def _heading(lang: str, root: AnyCommand) -> str:
    key = f"help.heading.{root.name}"
    return tr(lang, key) if _has_key(key) else _describe(lang, root)


def _has_key(key: str) -> bool:
    try:
        tr("en", key)
    except KeyError:
        return False
    return True


def _leaves(root: AnyCommand) -> list[app_commands.Command[Any, ..., Any]]:
    if isinstance(root, app_commands.Command):
        return [root]
    out: list[app_commands.Command[Any, ..., Any]] = []
    for child in root.commands:
        out.extend(_leaves(child))
    return out
