"""The prompts a server can be sent: the pack's prompts and the server's own, as the server configured them.

Order is stable: the pack's prompts in pack order, then the server's prompts in the order they were created.
A prompt is enabled unless a moderator disabled it (`/prompts disable`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.content import ContentPack, Prompt
from bot.storage import DiscussionStore, ModerationStore
from bot.storage.moderation import ServerPrompt

Source = Literal["pack", "server"]


@dataclass(frozen=True, slots=True)
class PoolPrompt:
    """A prompt as the poster and the commands see it, whichever source it comes from."""

    id: str
    text: str
    text_de: str | None
    review_id: str | None
    passage: str | None
    spoiler: bool
    themes: tuple[str, ...]
    source: Source
    passage_translation: Mapping[str, str] = field(default_factory=dict)
    """The project's translation of ``passage`` by language (shipped prompts only)."""

    def text_for(self, lang: str) -> str:
        return self.text_de if lang == "de" and self.text_de else self.text

    def passage_for(self, lang: str, passage_language: str) -> tuple[str, str | None]:
        """The exact passage, and its translation for a server in `lang` (None when the passage is already in
        that language or there is no translation)."""
        original = self.passage or ""
        if lang == passage_language:
            return original, None
        return original, self.passage_translation.get(lang)


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """One line of `/prompts list`: the prompt, whether it is enabled, its queue place and how often it ran."""

    prompt: PoolPrompt
    enabled: bool
    uses: int
    queued: int | None  # 1-based place in the moderator queue


def from_pack(prompt: Prompt) -> PoolPrompt:
    return PoolPrompt(
        id=prompt.id,
        text=prompt.text,
        text_de=prompt.text_de,
        review_id=prompt.review,
        passage=prompt.passage,
        spoiler=prompt.spoiler,
        themes=tuple(prompt.themes),
        source="pack",
        passage_translation={str(lang): text for lang, text in prompt.passage_translation.items()},
    )


def from_server(prompt: ServerPrompt) -> PoolPrompt:
    fields = prompt.fields
    return PoolPrompt(
        id=prompt.prompt_id,
        text=fields.text,
        text_de=fields.text_de,
        review_id=fields.review_id,
        passage=fields.passage,
        spoiler=fields.spoiler,
        themes=fields.themes,
        source="server",
    )


class PromptPool:
    """Answers "which prompts may this server get", in a stable order."""

    def __init__(self, content: ContentPack, moderation: ModerationStore, discussion: DiscussionStore) -> None:
        self._content = content
        self._moderation = moderation  # the server's own prompts, disabled ones
        self._discussion = discussion  # the queue and how often each prompt was used
        self._pack = [from_pack(prompt) for prompt in content.prompts]
        self._by_id = {prompt.id: prompt for prompt in self._pack}
        self._pack_models = {prompt.id: prompt for prompt in content.prompts}

    def is_shipped(self, prompt_id: str) -> bool:
        return prompt_id in self._by_id

    def shipped_model(self, prompt_id: str) -> Prompt | None:
        """The pack's own model of a shipped prompt (for export)."""
        return self._pack_models.get(prompt_id)

    async def all(self, guild_id: int) -> list[tuple[PoolPrompt, bool]]:
        """Every prompt of the server with whether it is enabled: pack order first, then the server's own."""
        disabled = await self._moderation.disabled_prompts(guild_id)
        own = [from_server(prompt) for prompt in await self._moderation.server_prompts(guild_id)]
        return [(prompt, prompt.id not in disabled) for prompt in [*self._pack, *own]]

    async def enabled(self, guild_id: int) -> list[PoolPrompt]:
        """The server's enabled prompts, pack order first."""
        return [prompt for prompt, on in await self.all(guild_id) if on]

    async def get(self, guild_id: int, prompt_id: str) -> PoolPrompt | None:
        """A prompt of the server whether enabled or not (a post already claimed still needs its text)."""
        shipped = self._by_id.get(prompt_id)
        if shipped is not None:
            return shipped
        own = await self._moderation.server_prompt(guild_id, prompt_id)
        return from_server(own) if own else None

    async def is_enabled(self, guild_id: int, prompt_id: str) -> bool:
        return prompt_id not in await self._moderation.disabled_prompts(guild_id)

    async def listing(self, guild_id: int) -> list[PoolEntry]:
        """Every prompt with its status and the number of times it was posted in the server."""
        uses = await self._discussion.prompt_use_counts(guild_id)
        queue = {prompt_id: place for place, prompt_id in enumerate(await self._discussion.queued_prompts(guild_id), 1)}
        return [
            PoolEntry(prompt, on, uses.get(prompt.id, 0), queue.get(prompt.id))
            for prompt, on in await self.all(guild_id)
        ]
