"""Forum mode: the daily post as a forum post, tagged (SPEC §11).

When the schedule's channel is a forum, each day's prompt is a post in it: its title the question, its first
message the same embed the daily post has in a text channel, and its tags the film, "Spoilers" when the passage
is one, and the families of up to three of its themes (content/forum_tags.yaml), in the server's language.

Discord lets a forum hold 20 tags and a post carry 5. Missing tags are created with Modify Channel (which needs
Manage Channels), keeping every tag the server has: when room is short the film and spoiler tags come first,
then as many theme tags as fit. A post is never held back for want of a tag.

A forum post is a thread whose first message has the thread's id, so the reply logger, the backfill, stats,
streaks, highlights and privacy treat it as the daily post's thread. Discord takes no nonce for a forum post;
a crash between creating it and recording it is recovered by looking for it among the forum's active posts
(its first message carries the running number, as in a text channel) before a new one is made, and a second
copy made by discord.py repeating a request whose answer was lost is deleted (`settle_posts`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import discord

from bot.content import ContentPack
from bot.content.forum import TAG_NAME_LIMIT, families_of
from bot.discussion.pool import PoolPrompt
from bot.i18n import tr

log = logging.getLogger(__name__)

MAX_FORUM_TAGS = 20  # tags on one forum
MAX_POST_TAGS = 5  # tags on one post
THEME_TAGS = 3  # theme families on one post


def _key(name: str) -> str:
    return name.strip().casefold()


def film_tag(content: ContentPack) -> str:
    """The film's tag: its title, within Discord's 20 characters."""
    return content.film.title.value[:TAG_NAME_LIMIT]


def spoiler_tag(lang: str) -> str:
    """The spoiler tag in the server's language."""
    return tr(lang, "forum.tag.spoilers")


def post_tags(prompt: PoolPrompt, content: ContentPack, lang: str) -> list[str]:
    """The tag names of a prompt's post, most important first: the film, "Spoilers" when the passage gives the
    plot away, then the families of its themes (at most 3). At most 5 in all, each once."""
    names = [film_tag(content)]
    if prompt.spoiler and prompt.passage:
        names.append(spoiler_tag(lang))
    names += [family.name_for(lang) for family in families_of(prompt.themes, content.theme_families, THEME_TAGS)]
    unique: list[str] = []
    for name in names:
        if _key(name) not in {_key(n) for n in unique}:
            unique.append(name)
    return unique[:MAX_POST_TAGS]


def every_tag(content: ContentPack, lang: str) -> list[str]:
    """Every tag forum mode may ask for in a server's language (what /schedule check looks at)."""
    return [film_tag(content), spoiler_tag(lang), *(family.name_for(lang) for family in content.theme_families)]


@dataclass(frozen=True, slots=True)
class TagPlan:
    """Which of the wanted tags the forum has, and which to create (in the order wanted, as room allows)."""

    existing: tuple[str, ...]
    create: tuple[str, ...]
    left_out: tuple[str, ...]  # wanted, missing, and no room (or no permission) to create


def plan_tags(available: Sequence[str], wanted: Sequence[str], *, can_create: bool = True) -> TagPlan:
    """Plan the tags of one post on a forum that has the tags `available` (names, matched ignoring case).

    Missing tags are created in the order of `wanted` (film, spoiler, themes) while the forum stays within
    20 tags; the server's own tags are never touched.
    """
    have = {_key(name) for name in available}
    room = MAX_FORUM_TAGS - len(available) if can_create else 0
    existing, create, left_out = [], [], []
    for name in wanted:
        if _key(name) in have:
            existing.append(name)
        elif room > 0:
            create.append(name)
            room -= 1
        else:
            left_out.append(name)
    return TagPlan(tuple(existing), tuple(create), tuple(left_out))


def missing_tags(forum: discord.ForumChannel, content: ContentPack, lang: str) -> list[str]:
    """The tags forum mode would still have to create in `forum` (only as many as the forum has room for)."""
    return list(plan_tags([tag.name for tag in forum.available_tags], every_tag(content, lang)).create)


async def ensure_tags(forum: discord.ForumChannel, wanted: Sequence[str]) -> list[discord.ForumTag]:
    """The forum's tags for `wanted`, creating the missing ones that fit (Manage Channels permitting).

    A refusal costs the new tags, not the post: it is logged and the post goes out with the tags there are. A forum
    that requires a tag refuses an untagged post, so when none of `wanted` can be had there, a tag anyone may apply
    stands in.
    """
    me = forum.guild.me
    can_create = me is not None and forum.permissions_for(me).manage_channels
    plan = plan_tags([tag.name for tag in forum.available_tags], wanted, can_create=can_create)
    if plan.left_out:
        log.info("Forum %s: no room or permission for the tags %s", forum.id, ", ".join(plan.left_out))
    tags = list(forum.available_tags)
    if plan.create:
        try:
            edited = await forum.edit(available_tags=[*tags, *(discord.ForumTag(name=name) for name in plan.create)])
        except discord.HTTPException as exc:
            log.warning("Forum %s: the tags %s could not be created: %s", forum.id, ", ".join(plan.create), exc)
        else:
            if isinstance(edited, discord.ForumChannel):
                tags = list(edited.available_tags)
    by_name = {_key(tag.name): tag for tag in tags}
    chosen = [by_name[_key(name)] for name in wanted if _key(name) in by_name][:MAX_POST_TAGS]
    if not chosen and forum.flags.require_tag:
        chosen = [tag for tag in tags if not tag.moderated][:1]
    return chosen


async def our_posts(
    bot: discord.Client, forum: discord.ForumChannel, claimed_at: datetime, is_ours: Callable[[discord.Message], bool]
) -> list[discord.Message]:
    """The first messages of the bot's posts in `forum` since a claim that `is_ours` recognises (by the running
    number), oldest first, among the forum's active posts."""
    me = bot.user
    if me is None:
        return []
    since = discord.utils.time_snowflake(claimed_at - timedelta(minutes=1))
    try:
        threads = await forum.guild.active_threads()
    except discord.Forbidden:
        return []
    found = []
    for thread in sorted(threads, key=lambda t: t.id):
        if thread.parent_id != forum.id or thread.owner_id != me.id or thread.id < since:
            continue
        try:
            starter = await thread.fetch_message(thread.id)  # a post's first message has the thread's id
        except (discord.NotFound, discord.Forbidden):
            continue
        if is_ours(starter):
            found.append(starter)
    return found


async def settle_posts(
    bot: discord.Client, forum: discord.ForumChannel, claimed_at: datetime, is_ours: Callable[[discord.Message], bool]
) -> discord.Message | None:
    """The day's post in `forum`, if it is there: the oldest of the bot's posts with its running number.

    A forum post takes no nonce, and discord.py repeats a request Discord answered with a 5xx, so an answer lost
    after Discord made the post can make it twice. The younger copies are deleted (Manage Threads permitting;
    otherwise logged), so members keep the one the bot records.
    """
    posts = await our_posts(bot, forum, claimed_at, is_ours)
    if not posts:
        return None
    keep, extra = posts[0], posts[1:]
    for message in extra:
        if not isinstance(message.channel, discord.Thread):
            continue
        try:
            await message.channel.delete()  # the post is a thread: deleting it removes its first message too
            log.warning("Forum %s: deleted a second copy (%s) of the post %s", forum.id, message.id, keep.id)
        except discord.HTTPException as exc:
            log.error(
                "Forum %s: post %s is a copy of %s and could not be deleted: %s", forum.id, message.id, keep.id, exc
            )
    return keep
