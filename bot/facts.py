"""/film fact: choosing a fact without repeats per channel, and its embed (no Discord I/O here)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import discord

from bot.content import ContentPack, Fact
from bot.errors import BadInput
from bot.i18n import format_number, tr, tr_count
from bot.storage.content_state import ContentStateStore

FACT_COLOUR = discord.Colour(0xE8B500)
AUTOCOMPLETE_LIMIT = 25
ANY_CATEGORY = ""
"""The rotation key used when no category was asked for (the whole pool)."""
_CLAIM_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class FactDraw:
    """A chosen fact and where the channel's round stands after it."""

    fact: Fact
    category: str | None
    shown: int
    """How many facts of the pool this round has shown, this one included."""
    total: int


def category_name(category: str, lang: str) -> str:
    """The category's display name in the member's language."""
    return tr(lang, f"facts.category.{category}")


def resolve_category(pack: ContentPack, raw: str | None, lang: str) -> str | None:
    """The category slug for what the member typed (slug or display name, any case); None for no category.

    Raises BadInput listing the valid categories when it matches none.
    """
    if raw is None or not raw.strip():
        return None
    wanted = raw.strip().casefold()
    for category in pack.categories():
        names = {category, category_name(category, "en"), category_name(category, "de")}
        if wanted in {name.casefold() for name in names}:
            return category
    valid = ", ".join(pack.categories())
    raise BadInput(tr(lang, "facts.unknown_category", value=quote_input(raw), valid=valid))


def category_choices(pack: ContentPack, current: str, lang: str) -> list[tuple[str, str]]:
    """(name, value) pairs for the category autocomplete: categories whose slug or name contains `current`."""
    typed = current.strip().casefold()
    found: list[tuple[str, str]] = []
    for category in pack.categories():
        name = category_name(category, lang)
        if typed and typed not in category.casefold() and typed not in name.casefold():
            continue
        count = len(pack.facts_by_category(category))
        found.append((tr(lang, "facts.choice", name=name, facts=tr_count(lang, "count.facts", count))[:100], category))
    return found[:AUTOCOMPLETE_LIMIT]


def choose_fact(pool: Sequence[Fact], shown: Sequence[str], rng: random.Random) -> tuple[Fact, bool]:
    """A fact not shown in this round, and whether a new round starts with it.

    When every fact of the pool was shown, a new round begins; its first fact is not the one shown
    last (unless the pool has only one), so a channel never sees the same fact twice in a row.
    """
    if not pool:
        raise ValueError("the fact pool is empty")
    seen = set(shown)
    remaining = [fact for fact in pool if fact.id not in seen]
    if remaining:
        return rng.choice(remaining), False
    last = shown[-1] if shown else None
    fresh = [fact for fact in pool if fact.id != last] or list(pool)
    return rng.choice(fresh), True


async def draw_fact(
    store: ContentStateStore,
    pack: ContentPack,
    *,
    guild_id: int | None,
    channel_id: int,
    category: str | None,
    rng: random.Random,
    now: datetime,
) -> FactDraw:
    """Choose the channel's next fact in `category` (None: any) and record it, so that it is not repeated
    until the category is exhausted. Outside servers the guild id is 0."""
    pool = pack.facts_by_category(category)
    key = category or ANY_CATEGORY
    guild = guild_id or 0
    for _ in range(_CLAIM_ATTEMPTS):
        shown = await store.shown_facts(guild, channel_id, key)
        pool_ids = {fact.id for fact in pool}
        current = [fact_id for fact_id in shown if fact_id in pool_ids]  # facts removed from the pack don't count
        fact, new_round = choose_fact(pool, current, rng)
        if await store.record_fact(guild, channel_id, key, fact.id, now, new_round=new_round):
            done = 1 if new_round else len(current) + 1
            return FactDraw(fact=fact, category=category, shown=done, total=len(pool))
    raise RuntimeError(f"could not claim a fact in channel {channel_id} after {_CLAIM_ATTEMPTS} attempts")


def source_label(source: str, lang: str, review_titles: Mapping[str, str] | None = None) -> str:
    """A web source as a Markdown link named by its host; a review quoted by the bot by its title.

    `review_titles` maps a review's file (``reviews/….txt``) to its title; without it the file name is made
    readable.
    """
    if source.startswith(("http://", "https://")):
        host = urlsplit(source).netloc.removeprefix("www.")
        return f"[{host}]({link_target(source)})"
    title = (review_titles or {}).get(source)
    if title is None:
        title = source.removeprefix("reviews/").removesuffix(".txt").replace("-", " ").capitalize()
    return tr(lang, "facts.review_source", title=title)


def link_target(url: str) -> str:
    """A URL safe inside a Markdown link: parentheses (as in Wikipedia titles) would end the link early."""
    return url.replace("(", "%28").replace(")", "%29")


def spoiler(text: str) -> str:
    """Text inside Discord spoiler tags; '||' inside the text is broken up so it cannot end the tag early."""
    return "||" + text.replace("||", "|\u200b|") + "||"


def fact_embed(draw: FactDraw, lang: str, review_titles: Mapping[str, str] | None = None) -> discord.Embed:
    """The fact in the member's language, spoiler-tagged when it is a spoiler, with its source."""
    fact = draw.fact
    text = fact.text(lang)
    if fact.spoiler:
        text = f"{tr(lang, 'facts.spoiler_warning')}\n{spoiler(text)}"
    embed = discord.Embed(title=tr(lang, "facts.title"), description=text, colour=FACT_COLOUR)
    sources = [source_label(source, lang, review_titles) for source in (fact.source, *fact.see_also)]
    embed.add_field(name=tr(lang, "facts.source"), value=fit_lines(sources[:1], 1024), inline=False)
    if len(sources) > 1:
        embed.add_field(name=tr(lang, "facts.see_also"), value=fit_lines(sources[1:], 1024), inline=False)
    values = {
        "category": category_name(fact.category, lang),
        "shown": format_number(lang, draw.shown),
        "total": format_number(lang, draw.total),
    }
    footer_key = "facts.footer_category" if draw.category else "facts.footer_any"
    embed.set_footer(text=tr(lang, footer_key, **values))
    return embed


def fit_lines(lines: Sequence[str], limit: int) -> str:
    """Lines joined until `limit` (one embed field), ending with … when some had to be left out."""
    out: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit - 2:
            out.append("…")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def quote_input(raw: str, limit: int = 60) -> str:
    """User input shown back safely in a sentence: one line, no Markdown, no mentions, short."""
    text = " ".join(raw.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))
