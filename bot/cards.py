"""Embeds for the film: the film card (pure formatting, testable without Discord)."""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.content import Film
from bot.facts import fit_lines, source_label
from bot.i18n import tr

FILM_COLOUR = discord.Colour(0xE8B500)
FIELD_LIMIT = 1024


class SourceList:
    """Numbers each distinct source the first time it is cited, for footnote-style references."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def cite(self, sources: Iterable[str]) -> str:
        refs = []
        for source in sources:
            if source not in self._numbers:
                self._numbers[source] = len(self._numbers) + 1
            refs.append(self._numbers[source])
        return "".join(f"[{n}]" for n in sorted(set(refs)))

    def render(self, lang: str, limit: int = FIELD_LIMIT) -> str:
        """The numbered list, links for web sources, cut to fit one embed field."""
        lines = [f"{number}. {source_label(source, lang)}" for source, number in self._numbers.items()]
        return fit_lines(lines, limit)


def film_card(film: Film, lang: str) -> discord.Embed:
    """The /film info card: title, year, director, writer, main cast, runtime, music, awards, box office."""
    sources = SourceList()
    embed = discord.Embed(
        title=tr(lang, "film.card_title", title=film.title.value, year=film.year.value),
        description=f"{', '.join(film.genre.value)} · {film.country.value} {sources.cite(film.year.sources)}",
        colour=FILM_COLOUR,
    )
    embed.add_field(
        name=tr(lang, "film.director"), value=f"{film.director.value} {sources.cite(film.director.sources)}"
    )
    embed.add_field(name=tr(lang, "film.writer"), value=f"{film.writer.value} {sources.cite(film.writer.sources)}")
    embed.add_field(
        name=tr(lang, "film.runtime"),
        value=f"{tr(lang, 'film.runtime_value', minutes=film.runtime_minutes.value)} "
        f"{sources.cite(film.runtime_minutes.sources)}",
    )
    cast_lines = []
    for member in film.main_cast(5):
        character = member.character_de if lang == "de" and member.character_de else member.character
        cast_lines.append(f"{member.actor} – {character} {sources.cite(member.sources)}")
    embed.add_field(name=tr(lang, "film.cast"), value="\n".join(cast_lines)[:FIELD_LIMIT], inline=False)
    music = film.music
    title_piece = music.title_piece
    embed.add_field(
        name=tr(lang, "film.composer"),
        value=(
            f"{tr(lang, 'film.score_by', composer=music.composer.value)} {sources.cite(music.composer.sources)}\n"
            f"{tr(lang, 'film.title_piece', title=title_piece.title, composers=', '.join(title_piece.composers))} "
            f"{sources.cite(title_piece.sources)}"
        )[:FIELD_LIMIT],
        inline=False,
    )
    awards = film.awards
    award_sources = [source for entry in awards.entries for source in entry.sources]
    summary = awards.summary_de if lang == "de" else awards.summary_en
    embed.add_field(
        name=tr(lang, "film.awards"), value=f"{summary} {sources.cite(award_sources)}"[:FIELD_LIMIT], inline=False
    )
    box = film.box_office
    box_summary = box.summary_de if lang == "de" else box.summary_en
    embed.add_field(
        name=tr(lang, "film.box_office"),
        value=f"{box_summary} {sources.cite(box.worldwide_usd.sources)}"[:FIELD_LIMIT],
        inline=False,
    )
    embed.add_field(name=tr(lang, "film.sources"), value=sources.render(lang), inline=False)
    embed.set_footer(text=tr(lang, "film.footer"))
    return embed
