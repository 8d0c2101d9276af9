"""What a daily post looks like: pure formatting, no Discord calls."""

from __future__ import annotations

from datetime import date

import discord

from bot.discussion.pool import PoolPrompt
from bot.i18n import tr

POST_COLOUR = discord.Colour(0xC8102E)


def post_marker(number: int, day: date) -> str:
    """The locale-independent tag in every post's footer; recovery after a crash looks for it."""
    return f"#{number} · {day.isoformat()}"


def quote_passage(passage: str, *, spoiler: bool) -> str:
    """The passage as a Discord block quote, inside spoiler tags when it gives the plot away."""
    body = f"||{passage}||" if spoiler else passage
    return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))


def build_post_embed(
    prompt: PoolPrompt, *, number: int, day: date, lang: str, review_title: str | None, credit: str | None
) -> discord.Embed:
    """The daily post: the prompt, the passage it grew from, the review's title and a running number."""
    parts = [f"**{prompt.text_for(lang)}**"]
    if prompt.passage:
        parts.append(quote_passage(prompt.passage, spoiler=prompt.spoiler))
    embed = discord.Embed(
        title=tr(lang, "post.title", number=number),
        description="\n\n".join(parts),
        colour=POST_COLOUR,
    )
    if review_title:
        source = review_title if not credit else f"{review_title}\n{credit}"
        embed.add_field(name=tr(lang, "post.from"), value=source[:1024], inline=False)
    if prompt.spoiler:
        embed.add_field(name=tr(lang, "post.spoiler_name"), value=tr(lang, "post.spoiler_value"), inline=False)
    embed.set_footer(text=f"{tr(lang, 'post.footer')} {post_marker(number, day)}")
    return embed


def ping_for(role_id: int | None) -> tuple[str | None, discord.AllowedMentions]:
    """Message content and allowed mentions: only the configured role can ever be pinged."""
    if role_id is None:
        return None, discord.AllowedMentions.none()
    mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(id=role_id)])
    return f"<@&{role_id}>", mentions
