"""The film record: every field a value with its sources and, where sources disagree, a note."""

from __future__ import annotations

import re
from typing import Annotated, Generic, Literal, Self, TypeVar

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.content.types import ContentModel, NonEmptyStr, Slug, SourceRef

__all__ = [
    "AgeRating",
    "AwardEntry",
    "Awards",
    "BoxOffice",
    "BoxOfficeFigure",
    "CastMember",
    "Credit",
    "Distributor",
    "Film",
    "FilmLinks",
    "MusicCredit",
    "MusicInfo",
    "ReleaseEvent",
    "Sourced",
    "Synopsis",
    "VoiceCredit",
]

T = TypeVar("T")

PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}(?:-\d{2})?$")]
"""An ISO date, or year and month when the day is not known (``2014-09``)."""


class Sourced(ContentModel, Generic[T]):
    """A value, the sources that confirm it, and a note where they disagree."""

    value: T
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    note: NonEmptyStr | None = None


class CastMember(ContentModel):
    actor: NonEmptyStr
    character: NonEmptyStr
    character_de: NonEmptyStr | None = None
    sources: tuple[SourceRef, ...] = Field(min_length=1)


class VoiceCredit(ContentModel):
    voice: NonEmptyStr
    character: NonEmptyStr


class Credit(ContentModel):
    role: NonEmptyStr
    names: tuple[NonEmptyStr, ...] = Field(min_length=1)


class Distributor(ContentModel):
    name: NonEmptyStr
    territory: NonEmptyStr


class MusicCredit(ContentModel):
    """A piece of music in the film and who wrote it."""

    title: NonEmptyStr
    composers: tuple[NonEmptyStr, ...] = Field(min_length=1)
    description: NonEmptyStr
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    note: NonEmptyStr | None = None


class MusicInfo(ContentModel):
    composer: Sourced[NonEmptyStr]
    """Who wrote the score (and the newly written big-band songs)."""
    title_piece: MusicCredit
    """The piece the film is named after, which is not the composer's."""
    other_pieces: tuple[MusicCredit, ...] = ()
    additional: Sourced[tuple[Credit, ...]] | None = None
    soundtrack_album: Sourced[NonEmptyStr] | None = None


class ReleaseEvent(ContentModel):
    id: Slug
    event: NonEmptyStr
    date: PartialDate
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    note: NonEmptyStr | None = None


class BoxOfficeFigure(ContentModel):
    id: Slug
    region: NonEmptyStr
    amount: int = Field(ge=0)
    unit: Literal["USD", "admissions"]
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    note: NonEmptyStr | None = None


class BoxOffice(ContentModel):
    summary_en: NonEmptyStr
    summary_de: NonEmptyStr
    worldwide_usd: Sourced[int]
    figures: tuple[BoxOfficeFigure, ...] = ()


class AwardEntry(ContentModel):
    id: Slug
    event: NonEmptyStr
    won: tuple[NonEmptyStr, ...] = ()
    nominated: tuple[NonEmptyStr, ...] = ()
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    note: NonEmptyStr | None = None


class Awards(ContentModel):
    summary_en: NonEmptyStr
    summary_de: NonEmptyStr
    entries: tuple[AwardEntry, ...] = Field(min_length=1)


class AgeRating(ContentModel):
    country: NonEmptyStr
    rating: NonEmptyStr
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    note: NonEmptyStr | None = None


SYNOPSIS_LIMIT = 600
"""Longest synopsis (either language): a few sentences that sit above the card's facts."""

ENDING_WORDS = ("finale", "finally", "ending", "in the end", "caravan", "carnegie", "jvc", "ende", "schluss")
"""Words that point at the film's last act; the synopsis sets the story up and never tells how it ends."""

IMDB_ID = r"^tt\d{7,9}$"


class Synopsis(ContentModel):
    """A short synopsis in the project's own words, built from sourced facts, without the ending."""

    en: NonEmptyStr
    de: NonEmptyStr
    sources: tuple[SourceRef, ...] = Field(min_length=1)

    @field_validator("en", "de")
    @classmethod
    def _reads_as_a_synopsis(cls, text: str) -> str:
        if len(text) > SYNOPSIS_LIMIT:
            raise ValueError(f"is {len(text)} characters long; at most {SYNOPSIS_LIMIT} fit above the card's facts")
        if not text[0].isupper() or text[-1] not in ".!?…":
            raise ValueError("must be whole sentences: a capital first letter and a full stop at the end")
        lowered = text.casefold()
        told = [word for word in ENDING_WORDS if re.search(rf"\b{re.escape(word)}\b", lowered)]
        if told:
            raise ValueError(f"must not tell the ending (mentions {told[0]!r})")
        return text

    def text(self, lang: str) -> str:
        """The synopsis in the member's language."""
        return self.de if lang == "de" else self.en


class FilmLinks(ContentModel):
    """The film's pages elsewhere: identifiers that the card turns into link buttons."""

    wikipedia_en: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][^\s/?#]*$")]
    """The English Wikipedia article's title as in its address (``Whiplash_(2014_film)``)."""
    imdb: Annotated[str, StringConstraints(pattern=IMDB_ID)]
    letterboxd: Slug
    """The film's slug on Letterboxd (``letterboxd.com/film/<slug>/``)."""
    sources: tuple[SourceRef, ...] = Field(min_length=1)

    @property
    def wikipedia_url(self) -> str:
        return f"https://en.wikipedia.org/wiki/{self.wikipedia_en}"

    @property
    def imdb_url(self) -> str:
        return f"https://www.imdb.com/title/{self.imdb}/"

    @property
    def letterboxd_url(self) -> str:
        return f"https://letterboxd.com/film/{self.letterboxd}/"


class Film(ContentModel):
    """Everything the film card (``/film info``) and the fact pool need to know about the film."""

    title: Sourced[NonEmptyStr]
    original_title: Sourced[NonEmptyStr]
    release_titles: Sourced[dict[str, NonEmptyStr]]
    year: Sourced[int]
    country: Sourced[NonEmptyStr]
    country_de: NonEmptyStr
    language: Sourced[NonEmptyStr]
    genre: Sourced[tuple[NonEmptyStr, ...]]
    genre_de: tuple[NonEmptyStr, ...]
    """The genres in German, in the same order."""
    runtime_minutes: Sourced[int]
    director: Sourced[NonEmptyStr]
    writer: Sourced[NonEmptyStr]
    based_on: Sourced[NonEmptyStr]
    producers: Sourced[tuple[NonEmptyStr, ...]]
    executive_producers: Sourced[tuple[NonEmptyStr, ...]]
    co_producers: Sourced[tuple[NonEmptyStr, ...]]
    cast: Sourced[tuple[CastMember, ...]]
    german_dub: Sourced[tuple[VoiceCredit, ...]]
    music: MusicInfo
    cinematography: Sourced[NonEmptyStr]
    editing: Sourced[NonEmptyStr]
    production_design: Sourced[NonEmptyStr]
    costume_design: Sourced[NonEmptyStr]
    sound: Sourced[tuple[Credit, ...]]
    production_companies: Sourced[tuple[NonEmptyStr, ...]]
    distributors: Sourced[tuple[Distributor, ...]]
    release_dates: tuple[ReleaseEvent, ...] = Field(min_length=1)
    budget_usd: Sourced[int]
    box_office: BoxOffice
    awards: Awards
    age_ratings: tuple[AgeRating, ...] = ()
    setting: Sourced[NonEmptyStr]
    imdb_id: Sourced[Annotated[str, StringConstraints(pattern=IMDB_ID)]]
    synopsis: Synopsis
    links: FilmLinks

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(self.genre_de) != len(self.genre.value):
            raise ValueError("genre_de must name the same genres as genre, in German and in the same order")
        if self.links.imdb != self.imdb_id.value:
            raise ValueError(f"links.imdb {self.links.imdb} is not the film's imdb_id {self.imdb_id.value}")
        if self.links.wikipedia_url not in self.title.sources:
            raise ValueError(f"links.wikipedia_en: {self.links.wikipedia_url} is not among the title's sources")
        return self

    def genres(self, lang: str) -> tuple[str, ...]:
        """The genres in the member's language."""
        return self.genre_de if lang == "de" else self.genre.value

    def country_name(self, lang: str) -> str:
        return self.country_de if lang == "de" else self.country.value

    def main_cast(self, count: int = 3) -> tuple[CastMember, ...]:
        """The first ``count`` billed cast members."""
        return self.cast.value[:count]
