"""The prompts a server can be sent: the pack's prompts, as the server has configured them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content import ContentPack, Prompt
from bot.storage import Storage


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
    source: Literal["pack", "server"]

    def text_for(self, lang: str) -> str:
        return self.text_de if lang == "de" and self.text_de else self.text


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
    )


class PromptPool:
    """Answers "which prompts may this server get", in a stable order."""

    def __init__(self, content: ContentPack, storage: Storage) -> None:
        self._content = content
        self._storage = storage
        self._pack = [from_pack(prompt) for prompt in content.prompts]
        self._by_id = {prompt.id: prompt for prompt in self._pack}

    async def enabled(self, guild_id: int) -> list[PoolPrompt]:
        """The server's enabled prompts, pack order first."""
        return list(self._pack)

    async def get(self, guild_id: int, prompt_id: str) -> PoolPrompt | None:
        return self._by_id.get(prompt_id)
