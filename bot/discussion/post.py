"""What a daily post looks like: pure formatting, no Discord calls.

Everything here is written in the server's language (`lang`), never the reader's: the post is one message
for the whole server. Top to bottom a member sees the question (it also names the thread), a spoiler warning
before any spoiler, the passage the question grew from (only the passage itself hidden when it is a
spoiler), a label and the project's translation when the passage is in another language, the source, and
the question's running number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import discord

from bot.content import ContentPack
from bot.discussion.polls import build_poll
from bot.discussion.pool import PoolPrompt
from bot.i18n import SUPPORTED, format_number, language, tr
from bot.storage import Schedule

POST_COLOUR = discord.Colour(0xC8102E)

# The review kinds of the pack, as the post names them (an encyclopedia+essay is read as an essay).
_KIND_WORD = {"essay": "essay", "encyclopedia+essay": "essay", "review": "review"}


@dataclass(frozen=True, slots=True)
class PostSource:
    """Where a passage comes from, as far as the pack knows it."""

    title: str
    kind: str  # a ReviewKind
    language: str  # the passage's language ('en' or 'de')
    author: str | None = None
    site: str | None = None
    url: str | None = None
    credit: str | None = None  # a paragraph quoted from another work (e.g. Wikipedia): its own credit line


def server_language(schedule: Schedule | None, guild: discord.Guild | None) -> str:
    """The language of everything the bot posts unprompted in a server's channels (daily post, thread name,
    reports, cards in the log channel): the one set with `/schedule set language`, else the server's
    preferred locale. Answers to a command use the member's language instead."""
    if schedule is not None and schedule.language:
        return language(schedule.language)
    return language(guild.preferred_locale if guild else None)


def post_footer(lang: str, number: int) -> str:
    """The footer of post `number`: its running number in words a member reads ("Question of the day no. 12").

    The footer is also how the poster recognises its own unconfirmed post after a crash (see daily_post_number).
    """
    return tr(lang, "post.footer", number=format_number(lang, number))


@cache
def _footer_patterns() -> tuple[re.Pattern[str], ...]:
    patterns = []
    for lang in SUPPORTED:
        template = tr(lang, "post.footer", number="\x00")
        head, _, tail = re.escape(template).partition("\x00")
        patterns.append(re.compile(f"^{head}([0-9][0-9.,\u00a0\u202f’']*){tail}$"))
    return tuple(patterns)


def daily_post_number(footer: str | None) -> int | None:
    """The running number of a daily post from its footer, in either language; None for any other footer."""
    for pattern in _footer_patterns():
        match = pattern.match(footer or "")
        if match:
            return int(re.sub(r"\D", "", match.group(1)))
    return None


def quote_passage(passage: str, *, spoiler: bool) -> str:
    """The passage as a Discord block quote, each line inside spoiler tags when it gives the plot away."""
    lines = []
    for line in passage.split("\n"):
        if not line.strip():
            lines.append(">")
        else:
            lines.append(f"> ||{line}||" if spoiler else f"> {line}")
    return "\n".join(lines)


def source_line(lang: str, source: PostSource) -> str:
    """The source as a reader wants it: the title (linked where the pack has an address), what kind of text
    it is, and its author and site where the pack knows them; nothing about what it does not know."""
    if source.credit:
        credit = discord.utils.escape_markdown(source.credit)
        return f"[{credit}]({source.url})" if source.url else credit
    title = discord.utils.escape_markdown(source.title).replace("]", "\\]")
    if source.url:
        title = f"[{title}]({source.url})"
    what = tr(lang, f"post.kind.{_KIND_WORD.get(source.kind, 'essay')}")
    if source.author:
        what = tr(lang, "post.source_by", what=what, author=discord.utils.escape_markdown(source.author))
    if source.site:
        what = tr(lang, "post.source_on", what=what, site=discord.utils.escape_markdown(source.site))
    return tr(lang, "post.source", title=title, what=what)


def post_source(content: ContentPack, prompt: PoolPrompt) -> PostSource | None:
    """The source of a prompt's passage: its review, or the work a paragraph of the review quotes."""
    if prompt.review_id is None:
        return None
    try:
        review = content.review(prompt.review_id)
    except KeyError:
        return None
    attribution, credit = review.attribution, None
    if prompt.passage:
        for excerpt in content.excerpts_for(review.id):
            quoted = prompt.passage in excerpt.text or excerpt.text in prompt.passage
            if quoted and excerpt.attribution != review.attribution:
                attribution, credit = excerpt.attribution, excerpt.attribution.credit
                break
    return PostSource(
        title=review.title,
        kind=review.kind,
        language=review.language,
        author=attribution.author,
        site=attribution.publication,
        url=attribution.url,
        credit=credit,
    )


def build_post_embed(prompt: PoolPrompt, *, number: int, lang: str, source: PostSource | None) -> discord.Embed:
    """The daily post in the server's language `lang` (see the module docstring for its order)."""
    parts: list[str] = []
    if prompt.passage:
        if prompt.spoiler:
            parts.append(tr(lang, "post.spoiler_warning"))
        passage_lang = source.language if source else lang
        original, translation = prompt.passage_for(lang, passage_lang)
        if passage_lang != lang:
            kind = _KIND_WORD.get(source.kind, "essay") if source else "essay"
            parts.append(tr(lang, f"post.from_other.{kind}.{passage_lang}"))
        parts.append(quote_passage(original, spoiler=prompt.spoiler))
        if translation:
            parts.append(tr(lang, "post.translation") + "\n" + quote_passage(translation, spoiler=prompt.spoiler))
    embed = discord.Embed(
        title=prompt.text_for(lang),
        description="\n\n".join(parts)[:4096] or None,
        colour=POST_COLOUR,
    )
    if source is not None:
        embed.add_field(name=tr(lang, "post.source_name"), value=source_line(lang, source)[:1024], inline=False)
    embed.set_footer(text=post_footer(lang, number))
    return embed


@dataclass(frozen=True, slots=True)
class PostMessage:
    """Everything the daily post's message carries: the embed and, for a prompt with a stance, its poll.

    A text channel's post and a forum post's first message are both built from this, so both carry the poll.
    """

    embed: discord.Embed
    poll: discord.Poll | None = None


def build_post_message(
    prompt: PoolPrompt, *, number: int, lang: str, source: PostSource | None, poll_hours: int
) -> PostMessage:
    """The daily post's message in the server's language: the embed, and the stance poll running `poll_hours`."""
    embed = build_post_embed(prompt, number=number, lang=lang, source=source)
    poll = build_poll(prompt.stance, lang, poll_hours) if prompt.stance is not None else None
    return PostMessage(embed, poll)


def thread_url(guild_id: int, thread_id: int) -> str:
    """The address that opens a thread in Discord."""
    return f"https://discord.com/channels/{guild_id}/{thread_id}"


def thread_button(lang: str, guild_id: int, thread_id: int) -> discord.ui.View:
    """A link button under the post that opens its thread."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=tr(lang, "post.to_thread"), url=thread_url(guild_id, thread_id)))
    return view


def ping_for(role_id: int | None) -> tuple[str | None, discord.AllowedMentions]:
    """Message content and allowed mentions: only the configured role can ever be pinged."""
    if role_id is None:
        return None, discord.AllowedMentions.none()
    mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(id=role_id)])
    return f"<@&{role_id}>", mentions
