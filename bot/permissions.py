"""Who counts as a moderator, and what the bot needs in the discussion channel."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import NotModerator
from bot.i18n import tr

if TYPE_CHECKING:
    from bot.client import WhiplashBot

T = TypeVar("T")

# What the daily discussion needs in its channel, in the order /schedule check lists them (Add Reactions:
# the ⭐ the bot puts on a highlighted reply).
REQUIRED_CHANNEL_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
    ("create_public_threads", "Create Public Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("attach_files", "Attach Files"),
    ("add_reactions", "Add Reactions"),
)


# What forum mode needs in its forum (SPEC §11): a post is created with Send Messages ("Create Posts" in a
# forum's settings) and answered in with Send Messages in Threads ("Send Messages in Posts").
REQUIRED_FORUM_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Create Posts"),
    ("send_messages_in_threads", "Send Messages in Posts"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
    ("attach_files", "Attach Files"),
    ("add_reactions", "Add Reactions"),
)


_IMPLIED_BY_SEND = frozenset({"embed_links", "attach_files"})


def missing_forum_permissions(permissions: discord.Permissions, lang: str = "en", *, tags_to_create: bool) -> list[str]:
    """What the bot lacks in a forum, named as a forum's settings name them in `lang`; Manage Channels only
    when the forum still lacks tags that forum mode creates."""
    lacking = [attr for attr, _label in REQUIRED_FORUM_PERMISSIONS if not getattr(permissions, attr)]
    if "send_messages" in lacking:  # Discord takes these away with Send Messages: granting it gives them back
        lacking = [attr for attr in lacking if attr not in _IMPLIED_BY_SEND]
    missing = [tr(lang, f"permission.forum.{attr}") for attr in lacking]
    if tags_to_create and not permissions.manage_channels:
        missing.append(tr(lang, "permission.forum.manage_channels"))
    return missing


def missing_permissions(permissions: discord.Permissions, lang: str = "en") -> list[str]:
    """The required permissions that `permissions` lacks, named as Discord names them in `lang`."""
    return [
        tr(lang, f"permission.{attr}")
        for attr, _label in REQUIRED_CHANNEL_PERMISSIONS
        if not getattr(permissions, attr)
    ]


async def is_moderator(interaction: discord.Interaction[WhiplashBot]) -> bool:
    """Manage Server, or the moderator role configured with /schedule set."""
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    schedule = await interaction.client.storage.discussion.get_schedule(interaction.guild_id)
    role_id = schedule.moderator_role_id if schedule else None
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


async def require_moderator(interaction: discord.Interaction[WhiplashBot]) -> bool:
    """Refuse (NotModerator) anyone who is not a moderator, whatever Discord's command settings allowed."""
    if await is_moderator(interaction):
        return True
    raise NotModerator("not a moderator")


def moderator_only() -> Callable[[T], T]:
    """The app-command check form of `require_moderator`."""
    return app_commands.check(require_moderator)


def is_moderator_command(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> bool:
    """A moderator command: its top-level command carries default permissions (SPEC §5), so members' pickers
    hide it. Discord reads default permissions on top-level commands only, so the root decides."""
    root = command.root_parent or command
    return root.default_permissions is not None
