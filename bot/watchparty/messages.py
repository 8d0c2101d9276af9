"""What a watch party looks like to members: the announcement, the reminder, the prompts, the closing message.

Everything here is in the party's language (the server's), with times as Discord timestamps that every member
sees in their own zone. The first line of each unprompted message is also how the party recognises its own
message after a crash (see `WatchParties._find`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import discord
from babel import dates as babel_dates

from bot.content.watchparty import WatchPrompt
from bot.i18n import tr, tr_count
from bot.storage.watchparty import WatchParty
from bot.watchparty.timing import REMINDER_LEAD, event_url

PARTY_COLOUR = discord.Colour(0xB8860B)
MENTIONS_PER_MESSAGE = 80  # ~23 characters each: a reminder part stays well inside 2,000 characters
EVENT_NAME_LIMIT = 100
EVENT_DESCRIPTION_LIMIT = 1000


def stamp(moment: datetime) -> str:
    """A Discord timestamp: the full date and time, and how long until then, in each member's own zone."""
    ts = int(moment.timestamp())
    return f"<t:{ts}:F> (<t:{ts}:R>)"


def relative(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:R>"


def _safe(text: str) -> str:
    """Moderator text as it reads, unable to format or ping."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def event_name(lang: str, film: str) -> str:
    return tr(lang, "watchparty.event_name", film=film)[:EVENT_NAME_LIMIT]


def event_description(synopsis: str) -> str:
    """The film card's synopsis, cut at a sentence to fit the event's 1,000 characters."""
    if len(synopsis) <= EVENT_DESCRIPTION_LIMIT:
        return synopsis
    cut = synopsis[:EVENT_DESCRIPTION_LIMIT]
    return cut[: cut.rfind(". ") + 1] or cut[: EVENT_DESCRIPTION_LIMIT - 1] + "…"


def where(party: WatchParty) -> str:
    """The party's place as a member reads it: a channel mention or the location."""
    if party.voice_channel_id is not None:
        return f"<#{party.voice_channel_id}>"
    return _safe(party.location or "")


def announcement(
    party: WatchParty, film: str, *, over: str | None = None
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The announcement: what, when, where, how many are interested, and a link to the event. `over` replaces
    the invitation once the party has ended, been stopped or called off (the event link goes with it)."""
    lang = party.language
    lead = tr_count(lang, "watchparty.lead", int(REMINDER_LEAD.total_seconds() // 60))
    embed = discord.Embed(
        title=tr(lang, "watchparty.title", film=film),
        description=over or tr(lang, "watchparty.intro", film=film, lead=lead),
        colour=PARTY_COLOUR,
    )
    embed.add_field(name=tr(lang, "watchparty.when"), value=stamp(party.starts_at), inline=False)
    embed.add_field(name=tr(lang, "watchparty.where"), value=where(party), inline=True)
    embed.add_field(
        name=tr(lang, "watchparty.interested"),
        value=tr_count(lang, "watchparty.interested_count", party.interested),
        inline=True,
    )
    if over is not None:
        return embed, None
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(label=tr(lang, "watchparty.open_event"), url=event_url(party.guild_id, party.event_id))
    )
    return embed, view


def reminder_parts(party: WatchParty, film: str, user_ids: Sequence[int]) -> list[str]:
    """The reminder, in parts of at most MENTIONS_PER_MESSAGE mentions of the interested members (one part
    without mentions when nobody is interested)."""
    lang = party.language
    place_key = "watchparty.reminder_where_channel" if party.voice_channel_id else "watchparty.reminder_where_location"
    place = tr(lang, place_key, channel=where(party), location=where(party))
    head = tr(lang, "watchparty.reminder", film=film, when=relative(party.starts_at), where=place)
    chunks = [user_ids[i : i + MENTIONS_PER_MESSAGE] for i in range(0, len(user_ids), MENTIONS_PER_MESSAGE)]
    if not chunks:
        return [head]
    return [f"{head}\n" + " ".join(f"<@{uid}>" for uid in chunk) for chunk in chunks]


def reminder_marker(content: str) -> str:
    """The first line of a reminder part (equal for every part; parts differ in their mentions)."""
    return content.split("\n", 1)[0]


def prompt_label(lang: str, position: int, total: int) -> str:
    return tr(lang, "watchparty.prompt_label", number=position + 1, total=total)


def prompt_content(lang: str, prompt: WatchPrompt, position: int, total: int) -> str:
    """A prompt as posted: which part of the film, then the sequence and the question behind spoiler bars."""
    sequence, question = prompt.sequence_for(lang), prompt.question_for(lang)
    if prompt.spoiler:
        sequence, question = f"||{sequence}||", f"||{question}||"
    return f"{prompt_label(lang, position, total)}\n{sequence}\n{question}"


def post_title(lang: str, film: str, starts: datetime, zone: ZoneInfo) -> str:
    """A forum announcement's title: the party and its time in the server's zone and language (a title shows
    no Discord timestamp), e.g. "Watch party: Whiplash, Sat, Nov 28 at 8:00 PM"."""
    local = starts.astimezone(zone)
    day = babel_dates.format_skeleton("MMMEd", local, locale=lang)
    time = babel_dates.format_time(local, "short", locale=lang)
    return tr(lang, "watchparty.post_title", film=film, day=day, time=time)[:100]


def closing_content(lang: str, film: str, *, forum: bool = False) -> str:
    """The after-film discussion's opening line: above its thread in a text channel, its post's first message
    in a forum."""
    return tr(lang, "watchparty.closing_forum" if forum else "watchparty.closing", film=film)


def thread_name(lang: str, film: str, *, after: bool = False) -> str:
    return tr(lang, "watchparty.after_thread_name" if after else "watchparty.thread_name", film=film)[:100]
