"""The loaded, validated content pack and its lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from bot.content.film import Film
from bot.content.forum import ThemeFamily
from bot.content.models import Excerpt, Fact, Prompt, Review
from bot.content.types import FACT_CATEGORIES
from bot.content.watchparty import WatchPrompt

__all__ = ["ContentPack"]


@dataclass(frozen=True)
class ContentPack:
    """Everything in ``content/``, validated. Build it with :func:`bot.content.load_content`."""

    film: Film
    facts: tuple[Fact, ...]
    reviews: tuple[Review, ...]
    excerpts: tuple[Excerpt, ...]
    prompts: tuple[Prompt, ...]
    root: str = field(default="", compare=False)
    """The folder the pack was loaded from (for messages only)."""
    theme_families: tuple[ThemeFamily, ...] = field(default=(), compare=False)
    """The forum tags the themes are grouped into (content/forum_tags.yaml)."""
    watchparty: tuple[WatchPrompt, ...] = ()
    """The watch party's prompts, one per sequence of the film, in story order (content/watchparty.yaml)."""

    @cached_property
    def _facts_by_id(self) -> dict[str, Fact]:
        return {fact.id: fact for fact in self.facts}

    @cached_property
    def _reviews_by_id(self) -> dict[str, Review]:
        return {review.id: review for review in self.reviews}

    @cached_property
    def _prompts_by_id(self) -> dict[str, Prompt]:
        return {prompt.id: prompt for prompt in self.prompts}

    @cached_property
    def _excerpts_by_id(self) -> dict[str, Excerpt]:
        return {excerpt.id: excerpt for excerpt in self.excerpts}

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id; KeyError if there is none."""
        return self._facts_by_id[fact_id]

    def facts_by_category(self, category: str | None = None) -> tuple[Fact, ...]:
        """Facts in ``category`` (all facts for None), in file order."""
        if category is None:
            return self.facts
        return tuple(fact for fact in self.facts if fact.category == category)

    def categories(self) -> tuple[str, ...]:
        """Categories that have at least one fact, in the fixed display order."""
        used = {fact.category for fact in self.facts}
        return tuple(category for category in FACT_CATEGORIES if category in used)

    def review(self, review_id: str) -> Review:
        """The review with this id; KeyError if there is none."""
        return self._reviews_by_id[review_id]

    def excerpt(self, excerpt_id: str) -> Excerpt:
        """The excerpt with this id; KeyError if there is none."""
        return self._excerpts_by_id[excerpt_id]

    def excerpts_for(self, review_id: str) -> tuple[Excerpt, ...]:
        """The excerpts of one review in order (empty for an unknown review)."""
        return tuple(excerpt for excerpt in self.excerpts if excerpt.review_id == review_id)

    def excerpts_with_theme(self, theme: str, review_id: str | None = None) -> tuple[Excerpt, ...]:
        """Excerpts tagged with ``theme``, optionally of one review only."""
        return tuple(
            excerpt
            for excerpt in self.excerpts
            if theme in excerpt.themes and (review_id is None or excerpt.review_id == review_id)
        )

    def themes(self) -> tuple[str, ...]:
        """Every theme used by an excerpt or a prompt, sorted."""
        found = {theme for excerpt in self.excerpts for theme in excerpt.themes}
        found.update(theme for prompt in self.prompts for theme in prompt.themes)
        return tuple(sorted(found))

    def prompt(self, prompt_id: str) -> Prompt:
        """The prompt with this id; KeyError if there is none."""
        return self._prompts_by_id[prompt_id]

    def prompts_for(self, review_id: str) -> tuple[Prompt, ...]:
        """Prompts that grew from one review, in file order."""
        return tuple(prompt for prompt in self.prompts if prompt.review == review_id)
