"""Interaction bookkeeping: what was invoked, how the bot answered, and handles for tests to await."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .models import JSON, StoredAttachment, StoredMessage

if TYPE_CHECKING:
    from .server import DiscordEmulator

PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    APPLICATION_COMMAND: frozenset({4, 5, 9, 12}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9, 12}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}
CALLBACK_NAMES = {
    1: "PONG",
    4: "CHANNEL_MESSAGE_WITH_SOURCE",
    5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    6: "DEFERRED_UPDATE_MESSAGE",
    7: "UPDATE_MESSAGE",
    8: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT",
    9: "MODAL",
    12: "LAUNCH_ACTIVITY",
}


@dataclass(eq=False)
class InteractionRecord:
    """Server-side state of one interaction."""

    id: int
    token: str
    type: int
    name: str
    payload: JSON
    guild_id: int | None
    channel_id: int
    user_id: int
    created: float
    option_type: int | None = None
    """For autocomplete: the type of the focused option (to validate choice values)."""
    component_message_id: int | None = None
    callback_type: int | None = None
    callback_body: JSON | None = None
    callback_at: float | None = None
    original: StoredMessage | None = None
    ephemeral: bool = False
    loading: bool = False
    original_edits: int = 0
    original_deleted: bool = False
    followups: list[StoredMessage] = field(default_factory=list)
    followup_replaced_original: bool = False
    deadline_missed: bool = False
    modal: JSON | None = None
    choices: list[JSON] | None = None

    @property
    def responded(self) -> bool:
        return self.callback_type is not None

    @property
    def label(self) -> str:
        kinds = {2: "command", 3: "component", 4: "autocomplete", 5: "modal submit"}
        return f"{kinds.get(self.type, 'interaction')} {self.name!r} (id {self.id})"


class InteractionHandle:
    """What a test gets back from :meth:`DiscordEmulator.invoke`, ``click`` and ``submit_modal``."""

    def __init__(self, emu: DiscordEmulator, record: InteractionRecord) -> None:
        self._emu = emu
        self.record = record

    def __repr__(self) -> str:
        return f"<InteractionHandle {self.record.label} callback={self.record.callback_type}>"

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    @property
    def payload(self) -> JSON:
        """The INTERACTION_CREATE data as dispatched."""
        return self.record.payload

    @property
    def responded(self) -> bool:
        return self.record.responded

    @property
    def callback_type(self) -> int | None:
        return self.record.callback_type

    @property
    def ephemeral(self) -> bool:
        return self.record.ephemeral

    async def response(self, timeout: float = 5.0) -> JSON:
        """The initial callback body (``{"type": ..., "data": ...}``) once the bot has answered."""
        rec = self.record
        await self._emu.changed.wait_for(lambda: rec.callback_body is not None, timeout, f"a response to {rec.label}")
        assert rec.callback_body is not None
        return rec.callback_body

    async def message(self, timeout: float = 5.0) -> StoredMessage:
        """The final visible message of this interaction.

        Type 4: the response message. Type 5: the deferred message once edited (or replaced by the first
        follow-up). Type 7: the updated component message. Type 6: the component message after the bot edited
        it. ``.ephemeral`` on the result tells whether only the invoker sees it.
        """
        await self.response(timeout)
        rec = self.record
        if rec.callback_type in (8, 9, 1, 12):
            raise AssertionError(f"{rec.label} was answered with {CALLBACK_NAMES[rec.callback_type]}, not a message")

        def ready() -> StoredMessage | None:
            if rec.original is None:
                return None
            if rec.callback_type == 5 and rec.loading:
                return None
            if rec.callback_type == 6 and rec.original_edits == 0:
                return None
            return rec.original

        return await self._emu.changed.wait_for(ready, timeout, f"the final message of {rec.label}")

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        """The first ``n`` follow-up messages (a follow-up that replaced a deferred original is not counted)."""
        rec = self.record
        await self._emu.changed.wait_for(lambda: len(rec.followups) >= n, timeout, f"{n} follow-up(s) to {rec.label}")
        return rec.followups[:n]

    async def choices(self, timeout: float = 5.0) -> list[JSON]:
        """Autocomplete choices (type 8 response)."""
        body = await self.response(timeout)
        if body.get("type") != 8:
            raise AssertionError(f"{self.record.label} was answered with type {body.get('type')}, not autocomplete")
        return list((body.get("data") or {}).get("choices") or [])

    async def modal(self, timeout: float = 5.0) -> JSON:
        """The modal the bot opened (type 9 response data)."""
        body = await self.response(timeout)
        if body.get("type") != 9:
            raise AssertionError(f"{self.record.label} was answered with type {body.get('type')}, not a modal")
        return dict(body.get("data") or {})

    @property
    def messages(self) -> list[StoredMessage]:
        """The original message (if any) followed by the follow-ups."""
        out = [self.record.original] if self.record.original is not None else []
        return out + list(self.record.followups)

    @property
    def files(self) -> list[StoredAttachment]:
        """Attachments of the response and every follow-up."""
        return [f for m in self.messages for f in m.files]

    async def wait_done(self, timeout: float = 5.0) -> None:
        """Wait until the bot has responded (alias of :meth:`response` without the body)."""
        await self.response(timeout)

    async def settle(self, delay: float = 0.05) -> None:
        """Give the bot a moment to finish follow-ups (small sleep); useful before asserting 'nothing else'."""
        await asyncio.sleep(delay)
