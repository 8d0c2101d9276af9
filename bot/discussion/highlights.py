"""Highlights and reaction counts on logged replies (SPEC §11, issue 14 §1).

A moderator highlights a reply with the "Highlight reply" message context menu: the mark is stored and the
bot adds its ⭐ to the message (no ping, no message in the channel). Members' reactions on replies are
counted from the raw reaction events; the bot's own ⭐ and other bots' reactions are not. After a restart
the backfill compares each reply's reactions (the counts in the history it reads anyway) with what is stored
and, only where they differ, reads that emoji's users from Discord to store them exactly.
"""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.discussion.logger import PostRef, ReactionScan, ReplyLogger
from bot.storage import HighlightResult, Storage

log = logging.getLogger(__name__)

STAR = "⭐"
ARCHIVED_THREAD = 50083  # Discord's code: nobody can react in an archived thread


def emoji_key(emoji: discord.PartialEmoji | discord.Emoji | str) -> str:
    """How an emoji is stored: the unicode character, or a custom emoji's id (its name can change)."""
    if isinstance(emoji, str):
        return emoji
    if emoji.id is not None:
        return str(emoji.id)
    return emoji.name or ""


async def highlight(
    storage: Storage,
    logger: ReplyLogger,
    message: discord.Message,
    guild_id: int,
    moderator_id: int,
    now: datetime,
) -> str:
    """Highlight `message` for the server `guild_id`; returns the answer's i18n key. Refusals store nothing.

    The ⭐ is (re-)added on an already highlighted reply too, in case someone removed it.
    """
    if message.author.bot or message.webhook_id is not None:
        return "highlight.bot_message"
    if message.guild is not None and message.guild.id != guild_id:
        return "highlight.not_reply"
    if logger.pending:
        await logger.flush(max_attempts=1)  # a reply written a moment ago is still in the queue
    result = await storage.highlights.highlight_reply(guild_id, message.id, moderator_id, now)
    if result is HighlightResult.NOT_A_REPLY:
        return "highlight.not_reply"
    try:
        await message.add_reaction(STAR)
    except discord.HTTPException as exc:
        log.warning("Could not add the highlight star to message %s in server %s: %s", message.id, guild_id, exc)
        if result is not HighlightResult.HIGHLIGHTED:
            return "highlight.already"
        return "highlight.done_archived" if exc.code == ARCHIVED_THREAD else "highlight.done_no_star"
    return "highlight.done" if result is HighlightResult.HIGHLIGHTED else "highlight.already"


class ReactionCounter:
    """Turns raw reaction events on logged replies into stored reaction rows."""

    def __init__(self, storage: Storage, logger: ReplyLogger, bot_user_id: int | None) -> None:
        self.storage = storage
        self.logger = logger
        self.bot_user_id = bot_user_id

    def _relevant(self, guild_id: int | None, channel_id: int) -> bool:
        """Reactions in a tracked post's thread or channel: everything else is skipped without a query."""
        if guild_id is None:
            return False
        return self.logger.post_for(channel_id, None) is not None or any(
            ref.channel_id == channel_id for ref in self.logger.tracked_posts
        )

    async def added(self, event: discord.RawReactionActionEvent) -> bool:
        """A reaction was added; returns whether it was counted."""
        if event.user_id == self.bot_user_id or (event.member is not None and event.member.bot):
            return False
        if not self._relevant(event.guild_id, event.channel_id):
            return False
        assert event.guild_id is not None
        if self.logger.pending:
            await self.logger.flush(max_attempts=1)  # a reaction on a reply still queued for writing
        return await self.storage.highlights.add_reaction(
            event.guild_id, event.message_id, event.user_id, emoji_key(event.emoji)
        )

    async def removed(self, event: discord.RawReactionActionEvent) -> bool:
        if event.guild_id is None or not self._relevant(event.guild_id, event.channel_id):
            return False
        return await self.storage.highlights.remove_reaction(
            event.guild_id, event.message_id, event.user_id, emoji_key(event.emoji)
        )

    async def cleared(self, event: discord.RawReactionClearEvent) -> int:
        if event.guild_id is None or not self._relevant(event.guild_id, event.channel_id):
            return 0
        return await self.storage.highlights.clear_reactions(event.guild_id, event.message_id)

    async def cleared_emoji(self, event: discord.RawReactionClearEmojiEvent) -> int:
        if event.guild_id is None or not self._relevant(event.guild_id, event.channel_id):
            return 0
        return await self.storage.highlights.clear_reactions(event.guild_id, event.message_id, emoji_key(event.emoji))


async def reconcile_reactions(storage: Storage, ref: PostRef, scan: ReactionScan) -> int:
    """Make the stored reactions of the post's replies match the history just read; returns replies changed.

    `scan` holds the replies the backfill read (run after its queued replies were written). Where an emoji's
    count in the history (less the bot's own) equals the stored rows, nothing is asked; otherwise that
    emoji's users are read from Discord and stored exactly (bots left out). Stored emoji a read reply no
    longer has were removed while the bot was away.
    """
    tallies = await storage.highlights.reaction_tallies(ref.guild_id, ref.post_date, ref.thread_id)
    by_id = {message.id: message for message in scan.reacted}
    changed = 0
    for message_id in sorted(scan.read & (tallies.keys() | by_id.keys())):
        stored = tallies.get(message_id, {})
        message = by_id.get(message_id)
        seen: set[str] = set()
        touched = False
        for reaction in message.reactions if message is not None else []:
            key = emoji_key(reaction.emoji)
            seen.add(key)
            if stored.get(key, 0) == reaction.count - (1 if reaction.me else 0):
                continue
            users = [user.id async for user in reaction.users(limit=None) if not user.bot]
            await storage.highlights.replace_reactions(ref.guild_id, message_id, key, users)
            touched = True
        for key in stored.keys() - seen:
            await storage.highlights.clear_reactions(ref.guild_id, message_id, key)
            touched = True
        changed += touched
    return changed


async def reconcile_all(storage: Storage, refs: list[PostRef], scans: dict[int, ReactionScan]) -> int:
    """`reconcile_reactions` for every post the backfill read; one post failing does not stop the others."""
    changed = 0
    for ref in refs:
        scan = scans.get(ref.thread_id)
        if scan is None:
            continue
        try:
            changed += await reconcile_reactions(storage, ref, scan)
        except Exception as exc:  # Discord or the database failing for one post: the next backfill retries
            log.warning("Reaction counts of post %s could not be brought up to date: %s", ref.thread_id, exc)
    if changed:
        log.info("Backfill updated the reaction counts of %d replies", changed)
    return changed
