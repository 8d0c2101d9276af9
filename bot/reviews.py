"""/review: choosing and formatting exact excerpts, and safe full-text search (no Discord I/O here).

Excerpts are shown character for character; spoiler passages go inside Discord spoiler tags.
User search text never reaches FTS5's MATCH as syntax: it is split into words and every word is quoted.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.content import ContentPack, Excerpt, Review
from bot.errors import BadInput
from bot.facts import link_target, quote_input, spoiler
from bot.i18n import tr
from bot.storage.content_state import ContentStateQueries, IndexedExcerpt, SearchHit

REVIEW_COLOUR = discord.Colour(0x8B1E1E)
AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
CUSTOM_ID_LIMIT = 100
PAGE_SIZE = 5
MAX_QUERY_TOKENS = 12
MAX_TOKEN_LENGTH = 40
EXCERPT_NAV_PREFIX = "review:excerpt"
SEARCH_PAGE_PREFIX = "review:search"

_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: the characters FTS5's unicode61 tokenizer keeps together."""


# -- choosing excerpts ---------------------------------------------------------------------------------


def resolve_review(pack: ContentPack, raw: str | None, lang: str) -> Review | None:
    """The review named by id or title (any case); None when no review was given; BadInput otherwise."""
    if raw is None or not raw.strip():
        return None
    wanted = raw.strip().casefold()
    for review in pack.reviews:
        if wanted in (review.id.casefold(), review.title.casefold()):
            return review
    valid = ", ".join(review.id for review in pack.reviews)
    raise BadInput(tr(lang, "reviews.unknown_review", value=quote_input(raw), valid=valid))


def excerpt_themes(pack: ContentPack, review_id: str | None = None) -> tuple[str, ...]:
    """Themes that at least one excerpt (of one review, or of any) carries, sorted."""
    excerpts = pack.excerpts_for(review_id) if review_id else pack.excerpts
    return tuple(sorted({theme for excerpt in excerpts for theme in excerpt.themes}))


def resolve_theme(pack: ContentPack, raw: str | None, lang: str) -> str | None:
    """The theme as typed (any case); None when none was given; BadInput when no excerpt has it."""
    if raw is None or not raw.strip():
        return None
    wanted = raw.strip().casefold()
    themes = excerpt_themes(pack)
    if wanted in themes:
        return wanted
    raise BadInput(tr(lang, "reviews.unknown_theme", value=quote_input(raw), valid=", ".join(themes)))


def matching_excerpts(pack: ContentPack, review: Review | None, theme: str | None, lang: str) -> tuple[Excerpt, ...]:
    """The excerpts that fit the options; BadInput when the combination has none."""
    if theme is None:
        found = pack.excerpts_for(review.id) if review else pack.excerpts
    else:
        found = pack.excerpts_with_theme(theme, review.id if review else None)
    if found:
        return found
    if review is not None and theme is not None:
        themes = ", ".join(excerpt_themes(pack, review.id))
        raise BadInput(tr(lang, "reviews.no_passage_with_theme", review=review.id, theme=theme, themes=themes))
    raise BadInput(tr(lang, "reviews.no_passage"))


def pick_excerpt(candidates: Sequence[Excerpt], rng: random.Random) -> Excerpt:
    return rng.choice(list(candidates))


def neighbours(pack: ContentPack, excerpt: Excerpt) -> tuple[Excerpt | None, Excerpt | None]:
    """The excerpts before and after this one in its review (None at either end)."""
    siblings = pack.excerpts_for(excerpt.review_id)
    index = next(i for i, item in enumerate(siblings) if item.id == excerpt.id)
    before = siblings[index - 1] if index > 0 else None
    after = siblings[index + 1] if index + 1 < len(siblings) else None
    return before, after


# -- custom ids that survive restarts --------------------------------------------------------------------


def excerpt_key(excerpt_id: str) -> str:
    """A short stable key for an excerpt in a custom_id: its id, or a hash when the id is too long."""
    if len(excerpt_id) <= 60 and ":" not in excerpt_id:
        return excerpt_id
    return "#" + hashlib.sha256(excerpt_id.encode()).hexdigest()[:20]


def find_excerpt(pack: ContentPack, key: str) -> Excerpt | None:
    """The excerpt a custom_id key names (None if the pack no longer has it)."""
    for excerpt in pack.excerpts:
        if excerpt_key(excerpt.id) == key:
            return excerpt
    return None


def search_page_id(page: int, tokens: Sequence[str]) -> str | None:
    """custom_id of a search page button, or None when the query is too long to carry in one."""
    custom_id = f"{SEARCH_PAGE_PREFIX}:{page}:{' '.join(tokens)}"
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


# -- embeds -------------------------------------------------------------------------------------------


def _link(text: str, url: str | None) -> str:
    if not url:
        return text
    label = text.replace("[", "(").replace("]", ")")
    return f"[{label}]({link_target(url)})"


def review_list_embed(pack: ContentPack, lang: str) -> discord.Embed:
    """Every review: title, language, kind, number of excerpts (one embed, within Discord's limits)."""
    embed = discord.Embed(title=tr(lang, "reviews.list_title"), colour=REVIEW_COLOUR)
    for review in pack.reviews[:25]:
        value = tr(
            lang,
            "reviews.list_entry",
            id=review.id,
            language=tr(lang, f"reviews.language.{review.language}"),
            kind=tr(lang, f"reviews.kind.{review.kind}"),
            count=len(pack.excerpts_for(review.id)),
        )
        if review.spoiler:
            value += "\n" + tr(lang, "reviews.has_spoilers")
        value += "\n" + _link(review.attribution.credit, review.attribution.url)
        if len(embed) + len(review.title) + len(value) > 5800:
            break
        embed.add_field(name=review.title[:256], value=value[:1024], inline=False)
    embed.set_footer(text=tr(lang, "reviews.list_footer", count=len(pack.reviews)))
    return embed


def excerpt_embed(pack: ContentPack, excerpt: Excerpt, lang: str) -> discord.Embed:
    """The passage exactly as written (spoiler-tagged if needed), its heading, review and attribution."""
    review = pack.review(excerpt.review_id)
    body = spoiler(excerpt.text) if excerpt.spoiler else excerpt.text
    if excerpt.heading:
        body = f"**{excerpt.heading}**\n\n{body}"
    embed = discord.Embed(title=review.title[:256], description=body, colour=REVIEW_COLOUR)
    attribution = excerpt.attribution
    credit = _link(attribution.credit, attribution.url)
    if attribution.license and attribution.license not in attribution.credit:
        credit += f" · {attribution.license}"
    embed.add_field(name=tr(lang, "reviews.attribution"), value=credit[:1024], inline=False)
    total = len(pack.excerpts_for(excerpt.review_id))
    footer = tr(lang, "reviews.excerpt_footer", position=excerpt.position, total=total, review=review.id)
    if excerpt.parts > 1:
        footer += " · " + tr(lang, "reviews.part", part=excerpt.part, parts=excerpt.parts)
    if excerpt.spoiler:
        footer += " · " + tr(lang, "reviews.spoiler_footer")
    embed.set_footer(text=footer)
    return embed


# -- autocomplete --------------------------------------------------------------------------------------


def _shorten(text: str, limit: int = CHOICE_NAME_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def review_choices(pack: ContentPack, current: str) -> list[tuple[str, str]]:
    """(name, value) pairs: reviews whose id or title contains what was typed."""
    typed = current.strip().casefold()
    found = [
        (_shorten(review.title), review.id)
        for review in pack.reviews
        if not typed or typed in review.id.casefold() or typed in review.title.casefold()
    ]
    return found[:AUTOCOMPLETE_LIMIT]


def theme_choices(pack: ContentPack, current: str, review_id: str | None) -> list[tuple[str, str]]:
    """(name, value) pairs: themes of the chosen review (or of every review) that start with, then contain,
    what was typed."""
    typed = current.strip().casefold()
    known_review = review_id if review_id and pack.excerpts_for(review_id) else None
    themes = excerpt_themes(pack, known_review)
    starts = [theme for theme in themes if theme.startswith(typed)]
    contains = [theme for theme in themes if typed in theme and theme not in starts]
    return [(_shorten(theme), theme) for theme in (starts + contains)[:AUTOCOMPLETE_LIMIT]]


# -- full-text search ----------------------------------------------------------------------------------


def tokenize_query(text: str) -> list[str]:
    """The words of a search (letters and digits only), lower-cased, without duplicates, capped in number
    and length so that no input can make an expensive or malformed query."""
    tokens: list[str] = []
    for match in _WORD.finditer(unicodedata.normalize("NFKC", text)):
        token = match.group().casefold()[:MAX_TOKEN_LENGTH]
        if token not in tokens:
            tokens.append(token)
        if len(tokens) == MAX_QUERY_TOKENS:
            break
    return tokens


def build_match_query(tokens: Sequence[str], *, any_word: bool = False) -> str | None:
    """An FTS5 MATCH expression in which every word is a quoted string: FTS syntax characters and
    keywords (NEAR, AND, OR, NOT, *, ^, :, parentheses) typed by the user are just text.

    All words must occur, or any of them with `any_word`. None when there is nothing to search for.
    """
    quoted = ['"' + token.replace('"', '""') + '"' for token in tokens if token]
    if not quoted:
        return None
    return (" OR " if any_word else " AND ").join(quoted)


def pack_digest(pack: ContentPack) -> str:
    """A hash of everything the search index holds, to rebuild it only when the pack changed."""
    rows = [[e.id, e.review_id, e.heading or "", e.text] for e in pack.excerpts]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def index_rows(pack: ContentPack) -> list[IndexedExcerpt]:
    return [IndexedExcerpt(e.id, e.review_id, e.heading or "", e.text) for e in pack.excerpts]


async def ensure_search_index(storage: ContentStateQueries, pack: ContentPack) -> bool:
    """Build the search index when the pack changed since the last start; True if it was rebuilt."""
    return await storage.ensure_excerpt_index(index_rows(pack), pack_digest(pack))


@dataclass(frozen=True, slots=True)
class SearchPage:
    tokens: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    page: int
    pages: int
    total: int
    any_word: bool


async def search_excerpts(storage: ContentStateQueries, query: str, page: int, lang: str) -> SearchPage:
    """One page of search results: passages with every word first; if none has all, passages with any.

    BadInput (a sentence, never an FTS error) for a query without words or without any match.
    """
    tokens = tokenize_query(query)
    match = build_match_query(tokens)
    if match is None:
        raise BadInput(tr(lang, "reviews.search_no_words"))
    any_word = False
    total = await storage.count_excerpt_matches(match)
    if total == 0 and len(tokens) > 1:
        any_word = True
        match = build_match_query(tokens, any_word=True)
        assert match is not None
        total = await storage.count_excerpt_matches(match)
    if total == 0:
        raise BadInput(tr(lang, "reviews.search_nothing", query=quote_input(" ".join(tokens))))
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 1), pages)
    hits = await storage.search_excerpts(match, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return SearchPage(tuple(tokens), tuple(hits), page, pages, total, any_word)


def search_embed(pack: ContentPack, result: SearchPage, lang: str) -> discord.Embed:
    """At most PAGE_SIZE passages, best first, matched words in bold, spoiler passages spoiler-tagged."""
    title = tr(lang, "reviews.search_title", query=_shorten(" ".join(result.tokens), 200))
    embed = discord.Embed(title=_shorten(title, 256), colour=REVIEW_COLOUR)
    lines: list[str] = []
    if result.any_word:
        lines.append(tr(lang, "reviews.search_any_word") + "\n")
    used = len(lines[0]) if lines else 0
    start = (result.page - 1) * PAGE_SIZE
    for number, hit in enumerate(result.hits, start=start + 1):
        try:
            excerpt = pack.excerpt(hit.excerpt_id)
        except KeyError:
            continue  # the index is rebuilt at start-up; a stale row is skipped, not shown
        snippet = " ".join(hit.snippet.split())
        text = spoiler(snippet) if excerpt.spoiler else snippet
        where = _shorten(pack.review(excerpt.review_id).title, 90)
        heading = f" · {_shorten(' '.join(hit.heading.split()), 120)}" if excerpt.heading else ""
        passage = tr(lang, "reviews.passage", position=excerpt.position)
        line = f"**{number}. {where}**{heading} · {passage}\n{text}\n"
        if used + len(line) + 1 > 4000:
            break
        lines.append(line)
        used += len(line) + 1
    embed.description = "\n".join(lines)
    embed.set_footer(text=tr(lang, "reviews.search_footer", page=result.page, pages=result.pages, total=result.total))
    return embed
