"""/prompts end to end: the real bot on a real SQLite file, through the loopback emulator.

Covers every subcommand with its refusal paths, buttons clicked after a restart, import errors with line
numbers, the export → import round trip, mentions that must never ping, and the daily poster honouring
disabled and queued prompts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage
from tests.conftest import World
from tests.harness import FakeClock, eventually, run_bot

QUIET = {"scheduler_tick_seconds": 3600.0}
NO_PINGS = {"everyone": False, "roles": [], "users": []}


async def run(
    emu: DiscordEmulator,
    world: World,
    user: Any,
    command: str,
    *,
    locale: str = "en-US",
    bypass: bool = False,
    **options: Any,
) -> StoredMessage:
    handle = await emu.invoke(
        world.guild, world.channel, user, command, options or None, locale=locale, bypass_default_permissions=bypass
    )
    return await handle.message()


def buttons(message: StoredMessage) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for row in message.components for c in row.get("components", [])}


def mentions_text(world: World) -> str:
    return f"@everyone <@&{world.mod_role.id}> <@{world.member.id}> @here"


def assert_no_raw_mentions(text: str, world: World) -> None:
    assert "@everyone" not in text and "@here" not in text
    assert f"<@&{world.mod_role.id}>" not in text and f"<@{world.member.id}>" not in text


async def set_schedule(emu: DiscordEmulator, world: World, **extra: Any) -> StoredMessage:
    options = {"channel": world.channel, "time": "09:00", "timezone": "Europe/Berlin", **extra}
    return await run(emu, world, world.moderator, "schedule set", **options)


# ---- permissions ----------------------------------------------------------------------------------


async def test_members_are_refused_and_the_moderator_role_works(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    helpers = emu.add_role(world.guild, "Section leaders", permissions=0)
    helper = emu.add_member(world.guild, "tanner", roles=[helpers])
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        for command, options in [
            ("prompts add", {"text": "Why does tempo matter?"}),
            ("prompts list", {}),
            ("prompts disable", {"id": content.prompts[0].id}),
            ("prompts export", {}),
        ]:
            refused = await run(emu, world, world.member, command, bypass=True, **options)
            assert refused.ephemeral and "Only moderators" in refused.content
        assert await running.storage.moderation.server_prompts(world.guild.id) == []
        assert await running.storage.moderation.disabled_prompts(world.guild.id) == set()

        before = await run(emu, world, helper, "prompts add", bypass=True, text="Why does tempo matter?")
        assert "Only moderators" in before.content
        await set_schedule(emu, world, moderator_role=helpers)
        emu.set_command_permissions(world.guild, "prompts", roles={helpers: True})  # Server Settings → Integrations
        after = await run(emu, world, helper, "prompts add", text="Why does tempo matter?")
        assert after.ephemeral and "Added prompt s-1" in after.content
        german = await run(emu, world, world.member, "prompts queue", bypass=True, locale="de", id="s-1")
        assert "Moderation" in german.content or "Moderator" in german.content


# ---- server prompts -------------------------------------------------------------------------------


async def test_add_show_edit_remove_enable_disable_and_queue(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    shipped = content.prompts[0].id
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        guild_id = world.guild.id
        added = await run(
            emu, world, world.moderator, "prompts add", text="  Who sets your tempo?  ", passage="Not quite"
        )
        assert added.ephemeral and "Added prompt s-1: Who sets your tempo?" in added.content

        shown = (await run(emu, world, world.moderator, "prompts show", id="S-1")).embeds[0]
        fields = {f["name"]: f["value"] for f in shown["fields"]}
        assert shown["title"] == "s-1" and fields["Source"] == "server" and fields["Times used"] == "0"
        assert "Not quite" in fields["Passage"]

        edited = await run(emu, world, world.moderator, "prompts edit", id="s-1", text="Who keeps your tempo?")
        assert "now reads: Who keeps your tempo?" in edited.content
        assert (await running.storage.moderation.server_prompt(guild_id, "s-1")).fields.text == "Who keeps your tempo?"  # type: ignore[union-attr]

        no_edit = await run(emu, world, world.moderator, "prompts edit", id=shipped, text="Are new words better?")
        assert "shipped prompt and cannot be edited" in no_edit.content

        disabled = await run(emu, world, world.moderator, "prompts disable", id="s-1")
        assert "is disabled" in disabled.content
        again = await run(emu, world, world.moderator, "prompts disable", id="s-1")
        assert "already disabled" in again.content
        refused = await run(emu, world, world.moderator, "prompts queue", id="s-1")
        assert "enable it with /prompts enable" in refused.content
        assert await running.storage.discussion.queued_prompts(guild_id) == []
        await run(emu, world, world.moderator, "prompts enable", id="s-1")
        queued = await run(emu, world, world.moderator, "prompts queue", id="s-1")
        assert "queued at place 1" in queued.content
        assert await running.storage.discussion.queued_prompts(guild_id) == ["s-1"]

        shipped_removed = await run(emu, world, world.moderator, "prompts remove", id=shipped)
        assert "not removed but disabled" in shipped_removed.content
        assert shipped in await running.storage.moderation.disabled_prompts(guild_id)

        removed = await run(emu, world, world.moderator, "prompts remove", id="s-1")
        assert "Removed prompt s-1" in removed.content
        assert await running.storage.discussion.queued_prompts(guild_id) == []
        gone = await run(emu, world, world.moderator, "prompts show", id="s-1")
        assert "There is no prompt s-1" in gone.content

        actions = [entry.action for entry in await running.storage.moderation.recent_audit(guild_id, 20)]
        assert actions == [
            "prompt.remove",
            "prompt.disable",
            "prompt.queue",
            "prompt.enable",
            "prompt.disable",
            "prompt.edit",
            "prompt.add",
        ]


async def test_bad_input_gets_one_sentence_and_stores_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        blank = await run(emu, world, world.moderator, "prompts add", text="   ")
        assert blank.ephemeral and blank.content == "The text is empty: write 1 to 100 characters."
        german = await run(emu, world, world.moderator, "prompts add", locale="de", text="   ")
        assert german.content == "Der Text ist leer: Schreib 1 bis 100 Zeichen."
        bad_id = await run(emu, world, world.moderator, "prompts show", id="not an id!")
        assert "is not a prompt id" in bad_id.content
        blank_passage = await run(emu, world, world.moderator, "prompts add", text="Is the tempo fine?", passage="  ")
        assert "The passage is empty" in blank_passage.content
        suggestion = await run(emu, world, world.member, "suggest", text=" ")
        assert "The text is empty" in suggestion.content
        assert await running.storage.moderation.server_prompts(world.guild.id) == []
        assert await running.storage.moderation.count_pending_suggestions(world.guild.id) == 0
        assert await running.storage.moderation.recent_audit(world.guild.id, 5) == []


async def test_list_pages_with_buttons_and_autocomplete(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, bot_options=QUIET):
        first = await run(emu, world, world.moderator, "prompts list")
        embed = first.embeds[0]
        assert first.ephemeral and embed["title"].startswith(f"Prompts ({len(content.prompts)}) · page 1/")
        assert f"`{content.prompts[0].id}` · shipped · enabled · not used yet" in embed["description"]
        assert sum(len(row["components"]) for row in first.components) <= 25
        choices = await emu.autocomplete(world.guild, world.channel, world.moderator, "prompts show", "id", "q000")
        assert choices and all(c["value"].startswith("q000") and len(c["name"]) <= 100 for c in choices)
        assert len(choices) <= 25
        member_choices = await emu.autocomplete(
            world.guild, world.channel, world.member, "prompts show", "id", "", bypass_default_permissions=True
        )
        assert member_choices == []
    async with run_bot(emu, db, content, bot_options=QUIET):  # the buttons work after a restart
        second = await (await emu.click(first, buttons(first)["Next"]["custom_id"], world.moderator)).message()
        assert "page 2/" in second.embeds[0]["title"]
        assert content.prompts[10].id in second.embeds[0]["description"]
        back = await (await emu.click(second, buttons(second)["Previous"]["custom_id"], world.moderator)).message()
        assert "page 1/" in back.embeds[0]["title"]
        disabled_only = await run(emu, world, world.moderator, "prompts list", show="disabled")
        assert "No prompt matches" in disabled_only.embeds[0]["description"]


# ---- mentions -------------------------------------------------------------------------------------


async def test_echoed_text_never_pings(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    logs = emu.add_text_channel(world.guild, "mod-log")
    text = f"Should {mentions_text(world)} practise more?"
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await set_schedule(emu, world, log_channel=logs)
        added = await run(emu, world, world.moderator, "prompts add", text=text, passage=text)
        assert added["_pings"] == NO_PINGS
        assert_no_raw_mentions(added.content, world)
        shown = await run(emu, world, world.moderator, "prompts show", id="s-1")
        assert shown["_pings"] == NO_PINGS
        assert_no_raw_mentions(shown.embeds[0]["description"], world)
        suggested = await run(emu, world, world.member, "suggest", text=text)
        assert suggested["_pings"] == NO_PINGS
        card = await eventually(lambda: [m for m in emu.messages_in(logs) if m.embeds])
        assert card[0]["_pings"] == NO_PINGS
        assert_no_raw_mentions(card[0].embeds[0]["description"], world)

        await run(emu, world, world.moderator, "prompts queue", id="s-1")
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        await running.bot.services.poster.tick()
        posts = [m for m in emu.messages_in(world.channel) if m.embeds]
        assert len(posts) == 1 and posts[0]["_pings"] == NO_PINGS


# ---- suggestions ----------------------------------------------------------------------------------


async def test_suggestion_card_buttons_work_after_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    logs = emu.add_text_channel(world.guild, "mod-log")
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, bot_options=QUIET) as running:
        await set_schedule(emu, world, log_channel=logs)
        reply = await run(emu, world, world.member, "suggest", text="Would you practise until you bleed?")
        assert reply.ephemeral and "suggestion #1 is with the moderators" in reply.content
        for n in (2, 3):
            await run(emu, world, world.member, "suggest", text=f"Is idea {n} any good?")
        capped = await run(emu, world, world.member, "suggest", text="Is one more too many?")
        assert "already have 3 suggestions waiting" in capped.content
        assert await running.storage.moderation.count_pending_suggestions(world.guild.id) == 3
        cards = await eventually(lambda: [m for m in emu.messages_in(logs) if m.embeds] or None)
    card = cards[0]
    assert card.embeds[0]["title"] == "Prompt suggestion #1"
    async with run_bot(emu, db, content, bot_options=QUIET) as running:
        refused = await (await emu.click(card, buttons(card)["Approve #1"]["custom_id"], world.member)).message()
        assert refused.ephemeral and "Only moderators" in refused.content
        await (await emu.click(card, buttons(card)["Approve #1"]["custom_id"], world.moderator)).wait_done()
        updated = await eventually(
            lambda: (m := emu.get_message(card.id)) is not None and not m.components and m.embeds and m
        )
        outcome = {f["name"]: f["value"] for f in updated.embeds[0]["fields"]}["Outcome"]
        assert "Approved by" in outcome and "s-1" in outcome
        prompt = await running.storage.moderation.server_prompt(world.guild.id, "s-1")
        assert prompt is not None and prompt.fields.text == "Would you practise until you bleed?"
        second = [m for m in emu.messages_in(logs) if m.embeds][1]
        await (await emu.click(second, buttons(second)["Reject #2"]["custom_id"], world.moderator)).wait_done()

        told = await run(emu, world, world.member, "suggest", text="Is a fresh idea welcome?")
        assert "#1" in told.content and "approved" in told.content and "s-1" in told.content
        assert "#2" in told.content and "not taken" in told.content
        again = await run(emu, world, world.member, "suggest", text="Is another idea welcome?")
        assert "approved" not in again.content  # each outcome is told once
        actions = [entry.action for entry in await running.storage.moderation.recent_audit(world.guild.id, 5)]
        assert actions == ["suggestion.reject", "suggestion.approve", "schedule.set"]


async def test_without_a_log_channel_moderators_decide_from_the_list(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        await run(emu, world, world.member, "suggest", text="What would you give up?")
        listing = await run(emu, world, world.moderator, "prompts list", show="suggestions")
        assert "What would you give up?" in listing.embeds[0]["description"]
        clicked = await emu.click(listing, buttons(listing)["Approve #1"]["custom_id"], world.moderator)
        after = await clicked.message()
        assert (
            "Approved suggestion #1" in after.content and "No suggestion is waiting" in after.embeds[0]["description"]
        )
        assert (await running.storage.moderation.server_prompt(world.guild.id, "s-1")) is not None


# ---- import and export ----------------------------------------------------------------------------


async def test_import_lists_every_error_with_its_line_and_stores_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    bad = (
        b"prompts:\n- id: s-1\n  text: ''\n- id: s-2\n  text: Is the tempo fine?\n  colour: red\n"
        b"- id: s-1\n  text: dup\n"
    )
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        upload = emu.make_attachment("prompts.yaml", bad, "application/x-yaml")
        reply = await run(emu, world, world.moderator, "prompts import", file=upload)
        assert reply.ephemeral and "Nothing was imported: the file has 3 problems." in reply.content
        listed = reply.embeds[0]["description"]
        assert "line 2: prompt 's-1'" in listed and "line 4: prompt 's-2'" in listed and "line 7:" in listed
        assert await running.storage.moderation.server_prompts(world.guild.id) == []

        many = "prompts:\n" + "".join(f"- id: s-{n}\n  text: ''\n" for n in range(1, 61))
        upload = emu.make_attachment("many.yaml", many.encode(), "application/x-yaml")
        long_reply = await run(emu, world, world.moderator, "prompts import", file=upload)
        assert "60 problems" in long_reply.content and len(long_reply.files) == 1
        assert long_reply.files[0].data.decode().count("\n") == 60
        assert sum(len(e.get("description", "")) for e in long_reply.embeds) <= 4096

        bomb = "a: &a [x, x]\n" + "".join(f"{c}: &{c} [*{chr(ord(c) - 1)}, *{chr(ord(c) - 1)}]\n" for c in "bcdefg")
        upload = emu.make_attachment("bomb.yaml", (bomb + "prompts: *g\n").encode(), "application/x-yaml")
        bombed = await run(emu, world, world.moderator, "prompts import", file=upload)
        assert "alias" in bombed.embeds[0]["description"]

        huge = emu.make_attachment("huge.yaml", b"#" * (256 * 1024 + 1), "application/x-yaml")
        del emu.attachments[huge.id]  # a download would fail differently: the size alone must refuse it
        too_big = await run(emu, world, world.moderator, "prompts import", file=huge)
        assert too_big.content == "The file has 262145 bytes: the limit is 262144 bytes (256 KiB)."

        text_file = emu.make_attachment("prompts.txt", b"prompts: []\n", "text/plain")
        not_yaml = await run(emu, world, world.moderator, "prompts import", file=text_file)
        assert "is not a YAML file" in not_yaml.content
        assert await running.storage.moderation.recent_audit(world.guild.id, 5) == []


async def test_export_then_import_is_an_exact_round_trip(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    other = emu.add_guild("Studio Band NYC")
    other_channel = emu.add_text_channel(other, "practice")
    other_mod = emu.add_member(other, "mod", roles=[emu.add_role(other, "Mods", permissions=1 << 5)])
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        await run(emu, world, world.moderator, "prompts add", text="Is 'yes' a tempo?", passage="Two\nlines")
        await run(emu, world, world.moderator, "prompts add", text="Was sagt das Datum 2014-10-10 über das Tempo?")
        await run(emu, world, world.moderator, "prompts disable", id="s-2")
        await run(emu, world, world.moderator, "prompts disable", id=content.prompts[3].id)
        exported = await run(emu, world, world.moderator, "prompts export")
        assert exported.ephemeral and exported.files[0].filename.endswith(".yaml")
        data = exported.files[0].data
        document = yaml.safe_load(data)
        assert [entry["id"] for entry in document["prompts"]][-2:] == ["s-1", "s-2"]

        upload = emu.make_attachment("prompts.yaml", data, "application/x-yaml")
        handle = await emu.invoke(other, other_channel, other_mod, "prompts import", {"file": upload})
        imported = await handle.message()
        assert "Imported: 2 new, 0 updated, 0 enabled, 2 disabled" in imported.content
        handle = await emu.invoke(other, other_channel, other_mod, "prompts export")
        assert (await handle.message()).files[0].data == data

        same = emu.make_attachment("prompts.yaml", data, "application/x-yaml")
        unchanged = await run(emu, world, world.moderator, "prompts import", file=same)
        assert "0 new, 0 updated, 0 enabled, 0 disabled" in unchanged.content
        audit = await running.storage.moderation.recent_audit(other.id, 5)
        assert [entry.action for entry in audit] == ["prompt.import"] and audit[0].moderator_id == other_mod.id


# ---- the daily post and the audit in /schedule show -------------------------------------------------


async def test_disabled_prompts_are_never_posted_and_queued_ones_go_next(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await set_schedule(emu, world)
        await run(emu, world, world.moderator, "prompts add", text="Is our own prompt one good?")
        await run(emu, world, world.moderator, "prompts add", text="Is our own prompt two good?")
        exported = (await run(emu, world, world.moderator, "prompts export")).files[0].data
        document = yaml.safe_load(exported)
        for entry in document["prompts"]:
            if not entry["id"].startswith("s-"):
                entry["enabled"] = False
        upload = emu.make_attachment("off.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
        await run(emu, world, world.moderator, "prompts import", file=upload)
        queued = await run(emu, world, world.moderator, "prompts queue", id="s-2")
        assert "place 1" in queued.content

        poster = running.bot.services.poster
        posted = []
        for day in (21, 22, 23, 24):
            clock.set(datetime(2026, 11, day, 8, 0, tzinfo=UTC))
            await poster.tick()
            post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, day))
            assert post is not None and post.status == "sent"
            posted.append(post.prompt_id)
        assert posted[0] == "s-2" and set(posted) == {"s-1", "s-2"}
        assert await running.storage.discussion.queued_prompts(world.guild.id) == []
        listing = await run(emu, world, world.moderator, "prompts show", id="s-2")
        assert {f["name"]: f["value"] for f in listing.embeds[0]["fields"]}["Times used"] == "2"


async def test_schedule_changes_are_audited_and_shown(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        await set_schedule(emu, world)
        await set_schedule(emu, world, time="10:15")
        await run(emu, world, world.moderator, "schedule pause")
        await run(emu, world, world.moderator, "schedule resume")
        for n in range(3):
            await run(emu, world, world.moderator, "prompts add", text=f"Is prompt {n} clear?")
        audit = await running.storage.moderation.recent_audit(world.guild.id, 10)
        assert [e.action for e in audit][3:] == ["schedule.resume", "schedule.pause", "schedule.set", "schedule.set"]
        change = audit[5]
        assert change.before["local_time"] == "09:00" and change.after["local_time"] == "10:15"  # type: ignore[index]
        assert audit[6].before is None and audit[6].moderator_id == world.moderator.id

        shown = await run(emu, world, world.moderator, "schedule show")
        fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
        lines = fields["Latest changes"].splitlines()
        assert len(lines) == 5 and "added the question “Is prompt 2 clear?”." in lines[0]
        assert "paused the daily posts." in lines[4]
        assert f"<@{world.moderator.id}>" in lines[0]


async def test_a_slow_log_channel_does_not_delay_the_suggestion_answer(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    """Issue 10 §6: the member is answered before the card goes to the (here slow) log channel."""
    logs = emu.add_text_channel(world.guild, "mod-log")
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        await set_schedule(emu, world, log_channel=logs)
        # Two 500s: discord.py waits 1 s, then 3 s before its third try, past Discord's 3-second window.
        emu.fail("POST", rf"/channels/{logs.id}/messages$", 500, times=2)
        reply = await run(emu, world, world.member, "suggest", text="Would you rush or drag?")
        assert reply.ephemeral and "suggestion #1 is with the moderators" in reply.content
        cards = await eventually(lambda: [m for m in emu.messages_in(logs) if m.embeds] or None, timeout=10)
        assert cards[0].embeds[0]["title"] == "Prompt suggestion #1"
    assert emu.violations == []
