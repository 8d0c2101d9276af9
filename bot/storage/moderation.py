"""Queries for the moderator tools: server prompts, prompt state, suggestions and the audit log.

Every change a moderator makes is written together with its audit entry, in one transaction, so the
log can never miss a change nor record one that did not happen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from bot.content.models import Stance
from bot.storage.database import Row
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, to_iso

if TYPE_CHECKING:
    from bot.storage.database import Connection

SuggestionStatus = Literal["pending", "approved", "rejected"]

_SERVER_ID = re.compile(r"^s-([0-9]{1,9})$")


@dataclass(frozen=True, slots=True)
class PromptFields:
    """What a server prompt says: the pack's prompt fields, with review and passage optional."""

    text: str
    text_de: str | None = None
    kind: str = "drawn"
    review_id: str | None = None
    passage: str | None = None
    themes: tuple[str, ...] = ()
    spoiler: bool = False
    note: str | None = None
    stance: Stance | None = None  # a stance poll posted with the prompt (migration 0012)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["themes"] = list(self.themes)
        data["stance"] = self.stance.model_dump(mode="json") if self.stance is not None else None
        return data


class KeepStance:
    """The stance argument of `edit_server_prompt` that leaves the stance as it is."""


KEEP_STANCE = KeepStance()


@dataclass(frozen=True, slots=True)
class ServerPrompt:
    guild_id: int
    prompt_id: str
    seq: int
    fields: PromptFields
    created_by: int
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One entry of an import: `fields` is None for a shipped prompt (only its state is imported)."""

    prompt_id: str
    fields: PromptFields | None
    enabled: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    enabled: tuple[str, ...]
    disabled: tuple[str, ...]
    unchanged: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    suggestion_id: int
    guild_id: int
    author_id: int
    text: str
    status: SuggestionStatus
    moderator_id: int | None
    prompt_id: str | None
    created_at: datetime
    decided_at: datetime | None
    channel_id: int | None
    message_id: int | None
    notified: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    entry_id: int
    guild_id: int
    moderator_id: int
    action: str
    target: str
    before: Any
    after: Any
    at: datetime


def _fields(row: Row) -> PromptFields:
    return PromptFields(
        text=row["text"],
        text_de=row["text_de"],
        kind=row["kind"],
        review_id=row["review_id"],
        passage=row["passage"],
        themes=tuple(json.loads(row["themes"])),
        spoiler=bool(row["spoiler"]),
        note=row["note"],
        stance=Stance.model_validate_json(row["stance"]) if row["stance"] else None,
    )


def _server_prompt(row: Row) -> ServerPrompt:
    updated = row["updated_at"]
    return ServerPrompt(
        guild_id=row["guild_id"],
        prompt_id=row["prompt_id"],
        seq=row["seq"],
        fields=_fields(row),
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(updated) if updated else None,
    )


def _suggestion(row: Row) -> Suggestion:
    decided = row["decided_at"]
    return Suggestion(
        suggestion_id=row["suggestion_id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        text=row["text"],
        status=row["status"],
        moderator_id=row["moderator_id"],
        prompt_id=row["prompt_id"],
        created_at=from_iso(row["created_at"]),
        decided_at=from_iso(decided) if decided else None,
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        notified=bool(row["notified"]),
    )


def _audit_entry(row: Row) -> AuditEntry:
    before, after = row["before_json"], row["after_json"]
    return AuditEntry(
        entry_id=row["entry_id"],
        guild_id=row["guild_id"],
        moderator_id=row["moderator_id"],
        action=row["action"],
        target=row["target"],
        before=json.loads(before) if before is not None else None,
        after=json.loads(after) if after is not None else None,
        at=from_iso(row["at"]),
    )


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


async def _one(conn: Connection, sql: str, params: Iterable[Any]) -> Row | None:
    async with conn.execute(sql, tuple(params)) as cursor:
        row: Row | None = await cursor.fetchone()
        return row


async def _write_audit(
    conn: Connection,
    guild_id: int,
    moderator_id: int,
    action: str,
    target: str,
    before: Any,
    after: Any,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (guild_id, moderator_id, action, target, before_json, after_json, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, moderator_id, action, target, _dump(before), _dump(after), to_iso(now)),
    )


async def _next_server_id(conn: Connection, guild_id: int) -> str:
    # One statement that reads and bumps the counter: atomic on PostgreSQL too (the row is locked by it).
    row = await _one(
        conn,
        "INSERT INTO server_prompt_ids (guild_id, last) VALUES (?, 1) "
        "ON CONFLICT (guild_id) DO UPDATE SET last = server_prompt_ids.last + 1 RETURNING last",
        (guild_id,),
    )
    assert row is not None
    return f"s-{int(row['last'])}"


async def _bump_server_id(conn: Connection, guild_id: int, number: int) -> None:
    await conn.execute(
        "INSERT INTO server_prompt_ids (guild_id, last) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET last = "
        "CASE WHEN server_prompt_ids.last > excluded.last THEN server_prompt_ids.last ELSE excluded.last END",
        (guild_id, number),
    )


def _field_values(fields: PromptFields) -> tuple[Any, ...]:
    """kind, text, text_de, review_id, passage, themes, spoiler, note, stance: as stored, in that column order."""
    return (
        fields.kind,
        fields.text,
        fields.text_de,
        fields.review_id,
        fields.passage,
        json.dumps(list(fields.themes), ensure_ascii=False),
        int(fields.spoiler),
        fields.note,
        fields.stance.model_dump_json() if fields.stance is not None else None,
    )


async def _insert_prompt(
    conn: Connection, guild_id: int, prompt_id: str, fields: PromptFields, by: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO server_prompts (guild_id, prompt_id, seq, kind, text, text_de, review_id, passage, themes, "
        "spoiler, note, stance, created_by, created_at) "
        "SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
        "FROM server_prompts WHERE guild_id = ?",
        (guild_id, prompt_id, *_field_values(fields), by, to_iso(now), guild_id),
    )


async def _update_prompt(conn: Connection, guild_id: int, prompt_id: str, fields: PromptFields, now: datetime) -> None:
    await conn.execute(
        "UPDATE server_prompts SET kind = ?, text = ?, text_de = ?, review_id = ?, passage = ?, themes = ?, "
        "spoiler = ?, note = ?, stance = ?, updated_at = ? WHERE guild_id = ? AND prompt_id = ?",
        (*_field_values(fields), to_iso(now), guild_id, prompt_id),
    )


async def _state(conn: Connection, guild_id: int, prompt_id: str) -> bool:
    row = await _one(
        conn, "SELECT enabled FROM prompt_state WHERE guild_id = ? AND prompt_id = ?", (guild_id, prompt_id)
    )
    return True if row is None else bool(row["enabled"])


async def _set_state(conn: Connection, guild_id: int, prompt_id: str, enabled: bool, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO prompt_state (guild_id, prompt_id, enabled, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (guild_id, prompt_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
        (guild_id, prompt_id, int(enabled), to_iso(now)),
    )


class ModerationStore(Store):
    # ---- server prompts and their state --------------------------------------------------------

    async def server_prompts(self, guild_id: int) -> list[ServerPrompt]:
        """The server's own prompts, in the order they were created."""
        rows = await self.read("SELECT * FROM server_prompts WHERE guild_id = ? ORDER BY seq", (guild_id,))
        return [_server_prompt(row) for row in rows]

    async def server_prompt(self, guild_id: int, prompt_id: str) -> ServerPrompt | None:
        row = await self.read_one(
            "SELECT * FROM server_prompts WHERE guild_id = ? AND prompt_id = ?", (guild_id, prompt_id)
        )
        return _server_prompt(row) if row else None

    async def count_server_prompts(self, guild_id: int) -> int:
        row = await self.read_one("SELECT COUNT(*) FROM server_prompts WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0

    async def disabled_prompts(self, guild_id: int) -> set[str]:
        """Ids of the prompts (shipped or server) disabled in the server."""
        rows = await self.read("SELECT prompt_id FROM prompt_state WHERE guild_id = ? AND enabled = 0", (guild_id,))
        return {row["prompt_id"] for row in rows}

    async def add_server_prompt(
        self, guild_id: int, fields: PromptFields, moderator_id: int, now: datetime, *, action: str = "prompt.add"
    ) -> ServerPrompt:
        """Create a server prompt named 's-<n>' (never a number used before in the server), audited."""
        async with self.transaction() as conn:
            prompt_id = await _next_server_id(conn, guild_id)
            await _insert_prompt(conn, guild_id, prompt_id, fields, moderator_id, now)
            await _write_audit(conn, guild_id, moderator_id, action, prompt_id, None, fields.as_json(), now)
        created = await self.server_prompt(guild_id, prompt_id)
        assert created is not None
        return created

    async def edit_server_prompt(
        self,
        guild_id: int,
        prompt_id: str,
        text: str | None,
        moderator_id: int,
        now: datetime,
        *,
        stance: Stance | KeepStance | None = KEEP_STANCE,
    ) -> tuple[ServerPrompt, ServerPrompt] | None:
        """Change a server prompt's text (None: keep it) and its stance (KEEP_STANCE: keep it, None: remove it);
        (before, after), or None when there is no such server prompt."""
        before = await self.server_prompt(guild_id, prompt_id)
        if before is None:
            return None
        fields = replace(before.fields, text=text if text is not None else before.fields.text)
        old: dict[str, Any] = {"text": before.fields.text}
        new: dict[str, Any] = {"text": fields.text}
        if not isinstance(stance, KeepStance):
            fields = replace(fields, stance=stance)
            old["stance"] = before.fields.as_json()["stance"]
            new["stance"] = fields.as_json()["stance"]
        async with self.transaction() as conn:
            await _update_prompt(conn, guild_id, prompt_id, fields, now)
            await _write_audit(conn, guild_id, moderator_id, "prompt.edit", prompt_id, old, new, now)
        after = await self.server_prompt(guild_id, prompt_id)
        assert after is not None
        return before, after

    async def remove_server_prompt(
        self, guild_id: int, prompt_id: str, moderator_id: int, now: datetime
    ) -> ServerPrompt | None:
        """Delete a server prompt with its state and queue place; None when there is no such server prompt."""
        before = await self.server_prompt(guild_id, prompt_id)
        if before is None:
            return None
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM server_prompts WHERE guild_id = ? AND prompt_id = ?", (guild_id, prompt_id))
            await conn.execute("DELETE FROM prompt_state WHERE guild_id = ? AND prompt_id = ?", (guild_id, prompt_id))
            await conn.execute("DELETE FROM prompt_queue WHERE guild_id = ? AND prompt_id = ?", (guild_id, prompt_id))
            await _write_audit(
                conn, guild_id, moderator_id, "prompt.remove", prompt_id, before.fields.as_json(), None, now
            )
        return before

    async def set_prompt_enabled(
        self, guild_id: int, prompt_id: str, enabled: bool, moderator_id: int, now: datetime
    ) -> bool:
        """Enable or disable a prompt (the caller checked that it exists); False when it already was."""
        async with self.transaction() as conn:
            current = await _state(conn, guild_id, prompt_id)
            if current == enabled:
                return False
            await _set_state(conn, guild_id, prompt_id, enabled, now)
            action = "prompt.enable" if enabled else "prompt.disable"
            await _write_audit(
                conn, guild_id, moderator_id, action, prompt_id, {"enabled": current}, {"enabled": enabled}, now
            )
        return True

    async def import_prompts(
        self, guild_id: int, items: Iterable[ImportItem], moderator_id: int, now: datetime
    ) -> ImportResult:
        """Apply a validated import in one transaction: create or update server prompts, set every state.

        One audit entry records the import, with the before and after of each prompt it changed.
        """
        created: list[str] = []
        updated: list[str] = []
        enabled: list[str] = []
        disabled: list[str] = []
        unchanged = 0
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        async with self.transaction() as conn:
            for item in items:
                changed = False
                if item.fields is not None:
                    row = await _one(
                        conn,
                        "SELECT * FROM server_prompts WHERE guild_id = ? AND prompt_id = ?",
                        (guild_id, item.prompt_id),
                    )
                    old = _fields(row) if row else None
                    if old is None:
                        await _insert_prompt(conn, guild_id, item.prompt_id, item.fields, moderator_id, now)
                        match = _SERVER_ID.match(item.prompt_id)
                        if match:
                            await _bump_server_id(conn, guild_id, int(match.group(1)))
                        created.append(item.prompt_id)
                        changed = True
                    elif old != item.fields:
                        await _update_prompt(conn, guild_id, item.prompt_id, item.fields, now)
                        updated.append(item.prompt_id)
                        changed = True
                    if changed:
                        before.setdefault(item.prompt_id, {})["prompt"] = old.as_json() if old else None
                        after.setdefault(item.prompt_id, {})["prompt"] = item.fields.as_json()
                state = await _state(conn, guild_id, item.prompt_id)
                if state != item.enabled:
                    await _set_state(conn, guild_id, item.prompt_id, item.enabled, now)
                    (enabled if item.enabled else disabled).append(item.prompt_id)
                    before.setdefault(item.prompt_id, {})["enabled"] = state
                    after.setdefault(item.prompt_id, {})["enabled"] = item.enabled
                    changed = True
                unchanged += not changed
            if before or after:
                target = f"{len(before)} prompt(s)"
                await _write_audit(conn, guild_id, moderator_id, "prompt.import", target, before, after, now)
        return ImportResult(tuple(created), tuple(updated), tuple(enabled), tuple(disabled), unchanged)

    # ---- suggestions ---------------------------------------------------------------------------

    async def add_suggestion(
        self, guild_id: int, author_id: int, text: str, now: datetime, *, max_pending: int
    ) -> Suggestion | None:
        """Store a member's suggestion; None when they already have `max_pending` pending ones."""
        async with self.transaction() as conn:
            row = await _one(
                conn,
                "SELECT COUNT(*) FROM suggestions WHERE guild_id = ? AND author_id = ? AND status = 'pending'",
                (guild_id, author_id),
            )
            if row is not None and int(row[0]) >= max_pending:
                return None
            inserted = await _one(
                conn,
                "INSERT INTO suggestions (guild_id, author_id, text, created_at) VALUES (?, ?, ?, ?) "
                "RETURNING suggestion_id",
                (guild_id, author_id, text, to_iso(now)),
            )
        assert inserted is not None
        suggestion_id = int(inserted["suggestion_id"])
        stored = await self.get_suggestion(guild_id, suggestion_id)
        assert stored is not None
        return stored

    async def set_suggestion_message(self, guild_id: int, suggestion_id: int, channel_id: int, message_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE suggestions SET channel_id = ?, message_id = ? WHERE guild_id = ? AND suggestion_id = ?",
                (channel_id, message_id, guild_id, suggestion_id),
            )

    async def get_suggestion(self, guild_id: int, suggestion_id: int) -> Suggestion | None:
        row = await self.read_one(
            "SELECT * FROM suggestions WHERE guild_id = ? AND suggestion_id = ?", (guild_id, suggestion_id)
        )
        return _suggestion(row) if row else None

    async def pending_suggestions(self, guild_id: int, limit: int, offset: int = 0) -> list[Suggestion]:
        rows = await self.read(
            "SELECT * FROM suggestions WHERE guild_id = ? AND status = 'pending' "
            "ORDER BY suggestion_id LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        )
        return [_suggestion(row) for row in rows]

    async def count_pending_suggestions(self, guild_id: int) -> int:
        row = await self.read_one(
            "SELECT COUNT(*) FROM suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,)
        )
        return int(row[0]) if row else 0

    async def decide_suggestion(
        self,
        guild_id: int,
        suggestion_id: int,
        approve: bool,
        moderator_id: int,
        now: datetime,
        fields: PromptFields | None = None,
    ) -> Suggestion | None:
        """Approve (creating a server prompt from `fields`) or reject a pending suggestion, audited.

        None when the suggestion does not exist or was already decided (two moderators clicking at once).
        """
        async with self.transaction() as conn:
            row = await _one(
                conn,
                "SELECT * FROM suggestions WHERE guild_id = ? AND suggestion_id = ? AND status = 'pending'",
                (guild_id, suggestion_id),
            )
            if row is None:
                return None
            prompt_id = None
            status = "approved" if approve else "rejected"
            if approve:
                prompt_id = await _next_server_id(conn, guild_id)
                await _insert_prompt(
                    conn, guild_id, prompt_id, fields or PromptFields(text=row["text"]), moderator_id, now
                )
            await conn.execute(
                "UPDATE suggestions SET status = ?, moderator_id = ?, prompt_id = ?, decided_at = ? "
                "WHERE guild_id = ? AND suggestion_id = ?",
                (status, moderator_id, prompt_id, to_iso(now), guild_id, suggestion_id),
            )
            after: dict[str, Any] = {"status": status}
            if prompt_id is not None:
                after["prompt_id"] = prompt_id
            await _write_audit(
                conn,
                guild_id,
                moderator_id,
                f"suggestion.{'approve' if approve else 'reject'}",
                f"suggestion {suggestion_id}",
                {"status": "pending"},
                after,
                now,
            )
        return await self.get_suggestion(guild_id, suggestion_id)

    async def untold_outcomes(self, guild_id: int, author_id: int) -> list[Suggestion]:
        """The member's decided suggestions they have not been told about yet."""
        rows = await self.read(
            "SELECT * FROM suggestions WHERE guild_id = ? AND author_id = ? AND status != 'pending' "
            "AND notified = 0 ORDER BY suggestion_id",
            (guild_id, author_id),
        )
        return [_suggestion(row) for row in rows]

    async def mark_told(self, guild_id: int, suggestion_ids: Iterable[int]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(
                "UPDATE suggestions SET notified = 1 WHERE guild_id = ? AND suggestion_id = ?",
                [(guild_id, suggestion_id) for suggestion_id in sorted(suggestion_ids)],
            )

    # ---- the audit log -------------------------------------------------------------------------

    async def record_audit(
        self,
        guild_id: int,
        moderator_id: int,
        action: str,
        target: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        now: datetime,
    ) -> None:
        """Record a moderator change made elsewhere (e.g. /schedule set, /prompts queue)."""
        async with self.transaction() as conn:
            await _write_audit(
                conn,
                guild_id,
                moderator_id,
                action,
                target,
                dict(before) if before is not None else None,
                dict(after) if after is not None else None,
                now,
            )

    async def recent_audit(self, guild_id: int, limit: int) -> list[AuditEntry]:
        """The server's latest audit entries, newest first."""
        rows = await self.read(
            "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY entry_id DESC LIMIT ?", (guild_id, limit)
        )
        return [_audit_entry(row) for row in rows]


# A member's suggestions go; what a moderator decided, wrote or changed stays in the server's history under
# id 0 ("a former moderator").
DELETION = Deletion(
    feature="moderation",
    member=(
        "DELETE FROM suggestions WHERE guild_id = ? AND author_id = ?",
        "UPDATE suggestions SET moderator_id = 0 WHERE guild_id = ? AND moderator_id = ?",
        "UPDATE server_prompts SET created_by = 0 WHERE guild_id = ? AND created_by = ?",
        "UPDATE audit_log SET moderator_id = 0 WHERE guild_id = ? AND moderator_id = ?",
    ),
    guild=(
        "DELETE FROM server_prompts WHERE guild_id = ?",
        "DELETE FROM server_prompt_ids WHERE guild_id = ?",
        "DELETE FROM prompt_state WHERE guild_id = ?",
        "DELETE FROM suggestions WHERE guild_id = ?",
        "DELETE FROM audit_log WHERE guild_id = ?",
    ),
)
