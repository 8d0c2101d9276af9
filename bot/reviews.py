"""/review: choosing and formatting exact excerpts, and safe full-text search (no Discord I/O here).

Excerpts are shown character for character; spoiler passages go inside Discord spoiler tags.
User search text never reaches FTS5's MATCH as syntax: it is split into words and every word is quoted.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.content import ContentPack, Excerpt, Review
from bot.discussion.post import PostSource, source_line
from bot.errors import BadInput
from bot.facts import link_target, quote_input, spoiler
from bot.i18n import tr, tr_count
from bot.stopwords import fold, is_stop_word
from bot.storage.content_state import ContentStateStore, IndexedExcerpt, SearchHit

REVIEW_COLOUR = discord.Colour(0x8B1E1E)
AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
CUSTOM_ID_LIMIT = 100
PAGE_SIZE = 5
MAX_QUERY_TOKENS = 12
MAX_TOKEN_LENGTH = 40
EXCERPT_NAV_PREFIX = "review:excerpt"
SEARCH_PAGE_PREFIX = "review:search"
REVIEW_MATCH_CUTOFF = 0.75
"""Lowest difflib ratio that still counts as naming a review (one typo in four letters)."""
AUTOCOMPLETE_CUTOFF = 0.6
"""Looser than REVIEW_MATCH_CUTOFF: the list shows candidates while the member is still typing."""
REVIEW_MATCH_MARGIN = 0.05
"""How far the best review must lead the next one to be chosen without asking."""

_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: the characters FTS5's unicode61 tokenizer keeps together."""


# -- choosing excerpts ---------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The words of a title or of what a member typed, case and diacritics folded ("Für" → "fur")."""
    return [fold(word) for word in _WORD.findall(unicodedata.normalize("NFKC", text))]


def review_match_score(review: Review, typed: str) -> float:
    """How well `typed` names the review, from 0 to 1: 1 for its id or title, 0.95 when the title holds the typed
    words in a row, 0.9 when they are part of a word of it, else the best difflib ratio against the title, the id,
    or any run of their words of about the typed length (so "brutl symphny" still finds "A Brutal Symphony …")."""
    wanted = _words(typed)
    if not wanted:
        return 0.0
    title = _words(review.title)
    ident = review.id.split("-")
    if wanted in (title, ident):
        return 1.0
    n = len(wanted)
    if any(title[i : i + n] == wanted for i in range(len(title) - n + 1)):
        return 0.95
    joined = " ".join(wanted)
    candidates = [" ".join(title), " ".join(ident)]
    if any(joined in candidate for candidate in candidates):
        return 0.9  # part of a word of the title, as while typing ("kritik" in "Filmkritik")
    for words in (title, ident):
        for size in {max(1, n - 1), n, n + 1}:
            candidates += [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    return max(difflib.SequenceMatcher(None, joined, candidate).ratio() for candidate in candidates)


def resolve_review(pack: ContentPack, raw: str | None, lang: str) -> Review | None:
    """The review named by id, title, part of its title or a near miss; None when no review was given.

    BadInput with one sentence (naming reviews by title, never by id) when nothing fits or several fit equally.
    """
    if raw is None or not raw.strip():
        return None
    scored = sorted(
        ((review_match_score(r, raw), i, r) for i, r in enumerate(pack.reviews)), key=lambda s: (-s[0], s[1])
    )
    good = [(score, review) for score, _, review in scored if score >= REVIEW_MATCH_CUTOFF]
    if good and (len(good) == 1 or good[0][0] - good[1][0] >= REVIEW_MATCH_MARGIN or good[0][0] == 1.0):
        return good[0][1]
    if len(good) > 1:
        titles = _title_list([review for _, review in good], lang)
        raise BadInput(tr(lang, "reviews.ambiguous_review", value=quote_input(raw), titles=titles))
    raise BadInput(tr(lang, "reviews.unknown_review", value=quote_input(raw), titles=_title_list(pack.reviews, lang)))


def _title_list(reviews: Sequence[Review], lang: str) -> str:
    """Review titles quoted the way the language quotes, in a sentence (at most ten, then '…')."""
    opening, closing = ("„", "“") if lang == "de" else ("“", "”")
    titles = [f"{opening}{discord.utils.escape_markdown(r.title)}{closing}" for r in reviews[:10]]
    return ", ".join(titles) + (", …" if len(reviews) > 10 else "")


def excerpt_themes(pack: ContentPack, review_id: str | None = None) -> tuple[str, ...]:
    """Themes that at least one excerpt (of one review, or of any) carries, sorted."""
    excerpts = pack.excerpts_for(review_id) if review_id else pack.excerpts
    return tuple(sorted({theme for excerpt in excerpts for theme in excerpt.themes}))


def theme_name(theme: str, lang: str) -> str:
    """A theme as members read it, in their language ("self-worth" → "Self-worth" / "Selbstwert"); a theme
    the locale files do not name yet reads as its words."""
    try:
        return tr(lang, f"theme.{theme}")
    except KeyError:
        return theme.replace("-", " ").capitalize()


def _theme_list(themes: Sequence[str], lang: str) -> str:
    return ", ".join(sorted(theme_name(theme, lang) for theme in themes))


def resolve_theme(pack: ContentPack, raw: str | None, lang: str) -> str | None:
    """The theme named by its name in English or German or its key (any case); None when none was given;
    BadInput listing the themes by name when no excerpt has it."""
    if raw is None or not raw.strip():
        return None
    wanted = raw.strip().casefold()
    themes = excerpt_themes(pack)
    for theme in themes:
        if wanted in {theme, theme_name(theme, "en").casefold(), theme_name(theme, "de").casefold()}:
            return theme
    raise BadInput(tr(lang, "reviews.unknown_theme", value=quote_input(raw), valid=_theme_list(themes, lang)))


def matching_excerpts(pack: ContentPack, review: Review | None, theme: str | None, lang: str) -> tuple[Excerpt, ...]:
    """The excerpts that fit the options; BadInput when the combination has none."""
    if theme is None:
        found = pack.excerpts_for(review.id) if review else pack.excerpts
    else:
        found = pack.excerpts_with_theme(theme, review.id if review else None)
    if found:
        return found
    if review is not None and theme is not None:
        themes = _theme_list(excerpt_themes(pack, review.id), lang)
        name = theme_name(theme, lang)
        raise BadInput(tr(lang, "reviews.no_passage_with_theme", review=review.title, theme=name, themes=themes))
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


def review_source(review: Review, lang: str) -> str:
    """The review as a source line, the same as under the daily post: title (linked where known), what kind
    of text it is, author and site where the pack knows them, and nothing about what it does not know."""
    attribution = review.attribution
    return source_line(
        lang,
        PostSource(
            title=review.title,
            kind=review.kind,
            language=review.language,
            author=attribution.author,
            site=attribution.publication,
            url=attribution.url,
        ),
    )


def review_list_embed(pack: ContentPack, lang: str) -> discord.Embed:
    """Every review: title, language, kind, number of excerpts (one embed, within Discord's limits)."""
    embed = discord.Embed(title=tr(lang, "reviews.list_title"), colour=REVIEW_COLOUR)
    for review in pack.reviews[:25]:
        value = tr(
            lang,
            "reviews.list_entry",
            language=tr(lang, f"reviews.language.{review.language}"),
            kind=tr(lang, f"reviews.kind.{review.kind}"),
            excerpts=tr_count(lang, "count.excerpts", len(pack.excerpts_for(review.id))),
        )
        if review.spoiler:
            value += "\n" + tr(lang, "reviews.has_spoilers")
        value += "\n" + review_source(review, lang)
        if len(embed) + len(review.title) + len(value) > 5800:
            break
        embed.add_field(name=review.title[:256], value=value[:1024], inline=False)
    embed.set_footer(text=tr(lang, "reviews.list_footer", reviews=tr_count(lang, "count.reviews", len(pack.reviews))))
    return embed


def excerpt_embed(pack: ContentPack, excerpt: Excerpt, lang: str) -> discord.Embed:
    """The passage exactly as written (spoiler-tagged if needed), its heading, review and attribution."""
    review = pack.review(excerpt.review_id)
    body = spoiler(excerpt.text) if excerpt.spoiler else excerpt.text
    if excerpt.heading:
        body = f"**{excerpt.heading}**\n\n{body}"
    embed = discord.Embed(title=review.title[:256], description=body, colour=REVIEW_COLOUR)
    attribution = excerpt.attribution
    if attribution != review.attribution:  # a paragraph the review quotes from another work: its own credit
        credit = _link(attribution.credit, attribution.url)
        if attribution.license and attribution.license not in attribution.credit:
            credit += f" · {attribution.license}"
    else:
        credit = review_source(review, lang)
    embed.add_field(name=tr(lang, "reviews.attribution"), value=credit[:1024], inline=False)
    total = len(pack.excerpts_for(excerpt.review_id))
    footer = tr(lang, "reviews.excerpt_footer", position=excerpt.position, total=total)
    if excerpt.parts > 1:
        footer += " · " + tr(lang, "reviews.part", part=excerpt.part, parts=excerpt.parts)
    if excerpt.spoiler:
        footer += " · " + tr(lang, "reviews.spoiler_footer")
    embed.set_footer(text=footer)
    return embed


# -- autocomplete --------------------------------------------------------------------------------------


def _shorten(text: str, limit: int = CHOICE_NAME_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def review_choices(pack: ContentPack, current: str, lang: str) -> list[tuple[str, str]]:
    """(name, value) pairs for the autocomplete: each review's title and language in the member's language,
    best match first; the value (the review's id) is never shown to the member."""
    typed = current.strip()
    scored = [(review_match_score(review, typed) if typed else 1.0, i, review) for i, review in enumerate(pack.reviews)]
    fitting = sorted((s for s in scored if s[0] >= AUTOCOMPLETE_CUTOFF), key=lambda s: (-s[0], s[1]))
    choices = []
    for _, _, review in fitting[:AUTOCOMPLETE_LIMIT]:
        suffix = " · " + tr(lang, f"reviews.language.{review.language}")
        choices.append((_shorten(review.title, CHOICE_NAME_LIMIT - len(suffix)) + suffix, review.id))
    return choices


def theme_choices(pack: ContentPack, current: str, review_id: str | None, lang: str) -> list[tuple[str, str]]:
    """(name, value) pairs: themes of the chosen review (or of every review) by their name in the member's
    language, those whose name starts with what was typed first, then those that contain it."""
    typed = current.strip().casefold()
    known_review = review_id if review_id and pack.excerpts_for(review_id) else None
    named = sorted((theme_name(theme, lang), theme) for theme in excerpt_themes(pack, known_review))
    starts = [(name, theme) for name, theme in named if name.casefold().startswith(typed) or theme.startswith(typed)]
    contains = [(n, t) for n, t in named if (typed in n.casefold() or typed in t) and (n, t) not in starts]
    return [(_shorten(name), theme) for name, theme in (starts + contains)[:AUTOCOMPLETE_LIMIT]]


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


async def ensure_search_index(store: ContentStateStore, pack: ContentPack) -> bool:
    """Build the search index when the pack changed since the last start; True if it was rebuilt."""
    return await store.ensure_excerpt_index(index_rows(pack), pack_digest(pack))


@dataclass(frozen=True, slots=True)
class SearchPage:
    tokens: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    page: int
    pages: int
    total: int
    any_word: bool


async def search_excerpts(store: ContentStateStore, query: str, page: int, lang: str) -> SearchPage:
    """One page of search results: passages with every word first; if none has all, passages with any.

    Stop words ("and", "oder") are left out: they would match nearly every passage and be marked in all of them.

    BadInput (a sentence, never an FTS error) for a query without words or without any match.
    """
    typed = tokenize_query(query)
    tokens = [token for token in typed if not is_stop_word(token)]
    match = build_match_query(tokens)
    if match is None:
        raise BadInput(tr(lang, "reviews.search_only_stop_words" if typed else "reviews.search_no_words"))
    any_word = False
    total = await store.count_excerpt_matches(match)
    if total == 0 and len(tokens) > 1:
        any_word = True
        match = build_match_query(tokens, any_word=True)
        assert match is not None
        total = await store.count_excerpt_matches(match)
    if total == 0:
        raise BadInput(tr(lang, "reviews.search_nothing", query=quote_input(" ".join(tokens))))
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 1), pages)
    hits = await store.search_excerpts(match, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
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
    found = tr_count(lang, "reviews.search_found", result.total)
    embed.set_footer(text=tr(lang, "reviews.search_footer", page=result.page, pages=result.pages, found=found))
    return embed
