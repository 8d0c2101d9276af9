"""The /film info card and its source pages (pure formatting, testable without Discord).

The card reads like a film magazine's fact box: a synopsis, the genres, the people, the numbers. It carries no
citation marks; every source it draws on is one click away, on the pages the "Sources" button opens, none left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import discord

from bot.content import ContentPack, Film
from bot.facts import link_target
from bot.i18n import tr, tr_count

FILM_COLOUR = discord.Colour(0xE8B500)
FIELD_LIMIT = 1024
SOURCE_PAGE_LIMIT = 3800
"""Characters of source lines on one page: an embed description holds 4096, the rest is headroom."""
MAIN_CAST = 4
LINK_LABEL_LIMIT = 70


@dataclass(frozen=True, slots=True)
class FilmLink:
    """A link button under the card: the site's name and the film's page on it."""

    label: str
    url: str


def film_links(film: Film) -> tuple[FilmLink, ...]:
    """The film's pages on Wikipedia, IMDb and Letterboxd, in that order."""
    links = film.links
    return (
        FilmLink("Wikipedia", links.wikipedia_url),
        FilmLink("IMDb", links.imdb_url),
        FilmLink("Letterboxd", links.letterboxd_url),
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def film_card(film: Film, lang: str) -> discord.Embed:
    """The /film info card: synopsis, genres, director, writer, runtime, main cast, music, awards, box office."""
    genres = " · ".join(_capitalised(genre) for genre in film.genres(lang))
    embed = discord.Embed(
        title=tr(lang, "film.card_title", title=film.title.value, year=film.year.value),
        description=f"{film.synopsis.text(lang)}\n\n*{genres} · {film.country_name(lang)}*",
        colour=FILM_COLOUR,
    )
    embed.add_field(name=tr(lang, "film.director"), value=film.director.value)
    embed.add_field(name=tr(lang, "film.writer"), value=film.writer.value)
    embed.add_field(
        name=tr(lang, "film.runtime"), value=tr_count(lang, "film.runtime_minutes", film.runtime_minutes.value)
    )
    cast = [
        tr(
            lang,
            "film.cast_line",
            actor=member.actor,
            character=_character(member.character, member.character_de, lang),
        )
        for member in film.main_cast(MAIN_CAST)
    ]
    embed.add_field(name=tr(lang, "film.cast"), value="\n".join(cast)[:FIELD_LIMIT], inline=False)
    music = film.music
    piece = music.title_piece
    embed.add_field(
        name=tr(lang, "film.composer"),
        value=(
            tr(lang, "film.score_by", composer=music.composer.value)
            + "\n"
            + tr(lang, "film.title_piece", title=piece.title, composers=_and(lang, piece.composers))
        )[:FIELD_LIMIT],
        inline=False,
    )
    awards = film.awards.summary_de if lang == "de" else film.awards.summary_en
    embed.add_field(name=tr(lang, "film.awards"), value=awards[:FIELD_LIMIT], inline=False)
    box = film.box_office.summary_de if lang == "de" else film.box_office.summary_en
    embed.add_field(name=tr(lang, "film.box_office"), value=_capitalised(box)[:FIELD_LIMIT], inline=False)
    embed.set_footer(text=tr(lang, "film.footer"))
    return embed


def _character(english: str, german: str | None, lang: str) -> str:
    return german if lang == "de" and german else english


def _and(lang: str, names: Sequence[str]) -> str:
    """Names joined the way the language lists them ("A, B and C" / "A, B und C")."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {tr(lang, 'film.and')} {names[-1]}"


# -- the source pages behind the "Sources" button --------------------------------------------------------


def card_sources(film: Film) -> list[tuple[str, tuple[str, ...]]]:
    """Each part of the card (a locale key for its heading) with the sources it rests on, in card order."""
    music = film.music
    box = film.box_office
    cast = [source for member in film.main_cast(MAIN_CAST) for source in member.sources]
    return [
        ("film.sources.film", (*film.title.sources, *film.year.sources, *film.genre.sources, *film.country.sources)),
        ("film.sources.synopsis", film.synopsis.sources),
        ("film.sources.people", (*film.director.sources, *film.writer.sources)),
        ("film.runtime", film.runtime_minutes.sources),
        ("film.cast", (*cast, *film.cast.sources)),
        ("film.composer", (*music.composer.sources, *music.title_piece.sources)),
        ("film.awards", tuple(source for entry in film.awards.entries for source in entry.sources)),
        (
            "film.box_office",
            (
                *box.worldwide_usd.sources,
                *(source for figure in box.figures for source in figure.sources),
                *film.budget_usd.sources,
            ),
        ),
        ("film.sources.links", film.links.sources),
    ]


def distinct_sources(film: Film) -> list[str]:
    """Every source the card rests on, once each, in the order first cited."""
    return list(dict.fromkeys(source for _, sources in card_sources(film) for source in sources))


def source_link(source: str, pack: ContentPack, lang: str) -> str:
    """A source as a Markdown link a reader can judge before clicking: the site and what the page is about.

    A shipped review is named by its title (never its file name) and links to where it was published.
    """
    if source.startswith(("http://", "https://")):
        return f"[{_escape(web_label(source))}]({link_target(source)})"
    review_id = source.removeprefix("reviews/").removesuffix(".txt")
    try:
        review = pack.review(review_id)
    except KeyError:
        return tr(lang, "film.sources.review", title=review_id)
    label = tr(lang, "film.sources.review", title=review.title)
    url = review.attribution.url
    return f"[{_escape(label)}]({link_target(url)})" if url else _escape(label)


def web_label(url: str) -> str:
    """ "theguardian.com · whiplash japan oscar box office": the host and the page's last meaningful name."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.").removeprefix("m.")
    names = [unquote(piece) for piece in parts.path.split("/") if piece]
    names = [name.rsplit(".", 1)[0] if name.endswith((".html", ".htm", ".aspx", ".php")) else name for name in names]
    meaningful = [name for name in names if name.casefold() not in {"index", "overview", "amp", "article", "wiki"}]
    page = meaningful[-1].replace("_", " ").replace("-", " ") if meaningful else ""
    label = f"{host} · {page}" if page and not page.isdigit() else host
    return label if len(label) <= LINK_LABEL_LIMIT else label[: LINK_LABEL_LIMIT - 1] + "…"


def _escape(label: str) -> str:
    """Link text that cannot end the Markdown link early or format itself."""
    return discord.utils.escape_markdown(label.replace("[", "(").replace("]", ")"))


def source_pages(pack: ContentPack, lang: str, limit: int = SOURCE_PAGE_LIMIT) -> list[str]:
    """The card's sources grouped by the part of the card they support, split into pages of at most `limit`
    characters at line boundaries. No source is cut off: a long list takes more pages."""
    blocks: list[list[str]] = []
    for key, sources in card_sources(pack.film):
        lines = [f"**{tr(lang, key)}**"]
        lines += [f"• {source_link(source, pack, lang)}" for source in dict.fromkeys(sources)]
        blocks.append(lines)
    pages: list[str] = []
    current: list[str] = []
    for block in blocks:
        for index, line in enumerate(block):
            text = "\n".join([*current, line])
            if current and len(text) > limit:
                pages.append("\n".join(current))
                current = [] if index == 0 else [f"**{block[0].strip('*')}** {tr(lang, 'film.sources.continued')}"]
            current.append(line)
        current.append("")  # a blank line between the parts of the card
    pages.append("\n".join(current).strip())
    return [page.strip() for page in pages if page.strip()]


def sources_embed(pack: ContentPack, lang: str, page: int) -> tuple[discord.Embed, int, int]:
    """Page `page` (1-based, clamped) of the source list as an embed, with the page shown and the page count."""
    pages = source_pages(pack, lang)
    page = min(max(page, 1), len(pages))
    count = len(distinct_sources(pack.film))
    title = tr(lang, "film.sources.title", title=pack.film.title.value)
    embed = discord.Embed(title=title, description=pages[page - 1], colour=FILM_COLOUR)
    footer = tr_count(lang, "film.sources.count", count)
    if len(pages) > 1:
        footer = tr(lang, "film.sources.page", page=page, pages=len(pages)) + " · " + footer
    embed.set_footer(text=footer)
    return embed, page, len(pages)
