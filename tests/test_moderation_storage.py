"""Moderation storage against real SQLite files: server prompts, state, suggestions, audit and privacy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content import ContentPack
from bot.discussion.pool import PromptPool
from bot.storage.database import INTEGRITY_ERRORS
from bot.storage.moderation import ImportItem, PromptFields
from tests.backends import open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MOD = 42

# Every test here runs on SQLite and on PostgreSQL (tests/backends.py): open_db follows the backend.
pytestmark = pytest.mark.usefixtures("backend")


async def test_server_prompt_ids_are_never_reused(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        first = await storage.moderation.add_server_prompt(1, PromptFields(text="one"), MOD, NOW)
        second = await storage.moderation.add_server_prompt(1, PromptFields(text="two"), MOD, NOW)
        other = await storage.moderation.add_server_prompt(2, PromptFields(text="elsewhere"), MOD, NOW)
        assert (first.prompt_id, second.prompt_id, other.prompt_id) == ("s-1", "s-2", "s-1")
        assert await storage.moderation.remove_server_prompt(1, "s-2", MOD, NOW) is not None
        third = await storage.moderation.add_server_prompt(1, PromptFields(text="three"), MOD, NOW)
        assert third.prompt_id == "s-3"
        assert [p.prompt_id for p in await storage.moderation.server_prompts(1)] == ["s-1", "s-3"]
        assert [p.prompt_id for p in await storage.moderation.server_prompts(2)] == ["s-1"]


async def test_the_schema_refuses_bad_text(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        with pytest.raises(INTEGRITY_ERRORS):
            await storage.moderation.add_server_prompt(1, PromptFields(text="x" * 301), MOD, NOW)
        assert await storage.moderation.server_prompts(1) == []
        assert await storage.moderation.recent_audit(1, 5) == []  # the audit entry rolled back with the change


async def test_every_change_is_audited_with_before_and_after(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.moderation.add_server_prompt(1, PromptFields(text="one"), MOD, NOW)
        await storage.moderation.edit_server_prompt(1, "s-1", "uno", MOD, NOW)
        assert await storage.moderation.set_prompt_enabled(1, "s-1", False, MOD, NOW)
        assert not await storage.moderation.set_prompt_enabled(1, "s-1", False, MOD, NOW)  # no change, no entry
        await storage.moderation.remove_server_prompt(1, "s-1", MOD, NOW)
        entries = await storage.moderation.recent_audit(1, 10)
        assert [e.action for e in entries] == ["prompt.remove", "prompt.disable", "prompt.edit", "prompt.add"]
        edit = entries[2]
        assert (edit.before, edit.after, edit.moderator_id, edit.at) == ({"text": "one"}, {"text": "uno"}, MOD, NOW)
        assert entries[0].after is None and entries[0].before["text"] == "uno"
        assert await storage.moderation.recent_audit(2, 10) == []


async def test_pool_orders_shipped_then_own_and_respects_state(tmp_path: Path, content: ContentPack) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        pool = PromptPool(content, storage.moderation, storage.discussion)
        shipped = content.prompts[0].id
        await storage.moderation.add_server_prompt(1, PromptFields(text="own"), MOD, NOW)
        await storage.moderation.set_prompt_enabled(1, shipped, False, MOD, NOW)
        enabled = [p.id for p in await pool.enabled(1)]
        assert shipped not in enabled and enabled[-1] == "s-1"
        assert enabled[:-1] == [p.id for p in content.prompts if p.id != shipped]
        assert shipped in [p.id for p in await pool.enabled(2)] and "s-1" not in [p.id for p in await pool.enabled(2)]
        own = await pool.get(1, "s-1")
        assert own is not None and own.source == "server" and own.text == "own"
        assert await pool.get(2, "s-1") is None
        assert (await pool.get(1, shipped)) is not None  # disabled prompts are still found
        await storage.discussion.queue_prompt(1, "s-1", NOW)
        listing = {entry.prompt.id: entry for entry in await pool.listing(1)}
        assert listing["s-1"].queued == 1 and listing[shipped].enabled is False and listing["s-1"].uses == 0


async def test_import_is_one_transaction_and_idempotent(tmp_path: Path, content: ContentPack) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        shipped = content.prompts[0].id
        items = [
            ImportItem("s-7", PromptFields(text="seven"), True),
            ImportItem("custom", PromptFields(text="custom", themes=("tempo",)), False),
            ImportItem(shipped, None, False),
        ]
        result = await storage.moderation.import_prompts(1, items, MOD, NOW)
        assert result.created == ("s-7", "custom") and result.disabled == ("custom", shipped)
        again = await storage.moderation.import_prompts(1, items, MOD, NOW)
        assert again.created == again.updated == again.enabled == again.disabled == () and again.unchanged == 3
        assert [e.action for e in await storage.moderation.recent_audit(1, 10)] == [
            "prompt.import"
        ]  # nothing new to record
        added = await storage.moderation.add_server_prompt(1, PromptFields(text="next"), MOD, NOW)
        assert added.prompt_id == "s-8"  # an imported s-<n> moves the counter on
        with pytest.raises(INTEGRITY_ERRORS):
            await storage.moderation.import_prompts(1, [ImportItem("bad", PromptFields(text=""), True)], MOD, NOW)
        assert await storage.moderation.server_prompt(1, "bad") is None


async def test_suggestions_cap_decide_once_and_tell_once(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        ids = []
        for n in range(3):
            suggestion = await storage.moderation.add_suggestion(1, 5, f"idea {n}", NOW, max_pending=3)
            assert suggestion is not None
            ids.append(suggestion.suggestion_id)
        assert await storage.moderation.add_suggestion(1, 5, "one too many", NOW, max_pending=3) is None
        assert await storage.moderation.add_suggestion(2, 5, "another server", NOW, max_pending=3) is not None
        approved = await storage.moderation.decide_suggestion(1, ids[0], True, MOD, NOW)
        assert approved is not None and approved.status == "approved" and approved.prompt_id == "s-1"
        assert await storage.moderation.decide_suggestion(1, ids[0], False, MOD, NOW) is None  # already decided
        assert await storage.moderation.decide_suggestion(2, ids[1], False, MOD, NOW) is None  # another server's id
        assert (await storage.moderation.server_prompt(1, "s-1")).fields.text == "idea 0"  # type: ignore[union-attr]
        told = await storage.moderation.untold_outcomes(1, 5)
        assert [s.suggestion_id for s in told] == [ids[0]]
        await storage.moderation.mark_told(1, [ids[0]])
        assert await storage.moderation.untold_outcomes(1, 5) == []
        assert await storage.moderation.count_pending_suggestions(1) == 2


async def test_forget_and_departed_server_cover_moderation_tables(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.moderation.add_suggestion(1, 5, "mine", NOW, max_pending=3)
        await storage.moderation.add_suggestion(1, 6, "theirs", NOW, max_pending=3)
        await storage.privacy.forget_member(1, 5, before_id=100)
        assert [s.author_id for s in await storage.moderation.pending_suggestions(1, 10)] == [6]
        await storage.moderation.add_server_prompt(1, PromptFields(text="own"), MOD, NOW)
        await storage.moderation.set_prompt_enabled(1, "s-1", False, MOD, NOW)
        await storage.privacy.delete_guild_data(1)
        assert (
            await storage.moderation.server_prompts(1) == []
            and await storage.moderation.pending_suggestions(1, 10) == []
        )
        assert (
            await storage.moderation.disabled_prompts(1) == set() and await storage.moderation.recent_audit(1, 5) == []
        )
        assert (await storage.moderation.add_server_prompt(1, PromptFields(text="fresh"), MOD, NOW)).prompt_id == "s-1"
