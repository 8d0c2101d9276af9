"""The film record: every field a value with its sources and, where sources disagree, a note."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import Field, StringConstraints

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
    "MusicCredit",
    "MusicInfo",
    "ReleaseEvent",
    "Sourced",
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


class Film(ContentModel):
    """Everything the film card (``/film info``) and the fact pool need to know about the film."""

    title: Sourced[NonEmptyStr]
    original_title: Sourced[NonEmptyStr]
    release_titles: Sourced[dict[str, NonEmptyStr]]
    year: Sourced[int]
    country: Sourced[NonEmptyStr]
    language: Sourced[NonEmptyStr]
    genre: Sourced[tuple[NonEmptyStr, ...]]
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
    imdb_id: Sourced[Annotated[str, StringConstraints(pattern=r"^tt\d{7,9}$")]]

    def main_cast(self, count: int = 3) -> tuple[CastMember, ...]:
        """The first ``count`` billed cast members."""
        return self.cast.value[:count]
