"""Stances of the server's own prompts (issue 15 §2): /prompts add, edit and import take a stance; bad input gets
one sentence in the moderator's language and stores nothing; a server prompt's stance is posted as a poll."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import ContentPack, load_content
from bot.content.loader import check_content
from bot.emulator import DiscordEmulator, StoredMessage
from bot.errors import BadInput
from bot.moderation.stance import parse_stance
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule, tick
from tests.harness import FakeClock, run_bot

STANCE = "Is Fletcher right? | Yes, he made Andrew great | No, nothing justifies it"
STANCE_DE = "Hat Fletcher recht? | Ja, er hat Andrew groß gemacht | Nein, nichts rechtfertigt das"


async def run(emu: DiscordEmulator, world: World, command: str, locale: str = "en-US", **options: Any) -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, world.moderator, command, options or None, locale=locale)
    message = await handle.message()
    assert message.ephemeral
    return message


# ---- the option's shape ---------------------------------------------------------------------------------


def test_a_stance_option_reads_question_then_answers() -> None:
    stance = parse_stance(STANCE, STANCE_DE, "en")
    assert stance is not None
    assert stance.question == "Is Fletcher right?" and stance.question_de == "Hat Fletcher recht?"
    assert stance.answers_for("de") == ("Ja, er hat Andrew groß gemacht", "Nein, nichts rechtfertigt das")
    assert parse_stance(None, None, "en") is None


@pytest.mark.parametrize(
    ("stance", "stance_de", "lang", "sentence"),
    [
        ("Is he right? | Yes", None, "en", "A stance needs 2 to 10 answers; this one has 1 answer."),
        ("Is he right?" + " | a" * 11, None, "en", "A stance needs 2 to 10 answers; this one has 11 answers."),
        ("Hat er recht? | Ja", None, "de", "Eine Umfrage braucht 2 bis 10 Antworten; diese hat 1 Antwort."),
        ("Is he right?", None, "en", "Write the stance as a question and its answers"),
        ("Is he right? | | No", None, "en", "Write the stance as a question and its answers"),
        (
            "q" * 301 + " | a | b",
            None,
            "en",
            "The stance question has 301 characters; a poll question holds at most 300.",
        ),
        ("Right? | " + "a" * 56 + " | b", None, "en", "has 56 characters; a poll answer holds at most 55."),
        (None, STANCE_DE, "de", "Eine deutsche Umfrage (stance_de) braucht auch die Umfrage"),
        (STANCE, "Recht? | Ja | Nein | Vielleicht", "en", "The German stance needs as many answers as the other one"),
    ],
)
def test_a_bad_stance_gets_one_sentence_in_the_moderators_language(
    stance: str | None, stance_de: str | None, lang: str, sentence: str
) -> None:
    with pytest.raises(BadInput) as refused:
        parse_stance(stance, stance_de, lang)
    text = str(refused.value)
    assert sentence in text and "\n" not in text


# ---- the pack's format -------------------------------------------------------------------------------------


def test_the_shipped_pack_has_stances_for_a_third_of_its_prompts_in_both_languages(content: ContentPack) -> None:
    with_stance = [prompt for prompt in content.prompts if prompt.stance is not None]
    assert len(with_stance) * 3 >= len(content.prompts) and len(with_stance) >= 18
    for prompt in with_stance:
        assert prompt.stance is not None and prompt.stance.german
        assert 2 <= len(prompt.stance.answers) <= 10
        for lang in ("en", "de"):
            assert prompt.stance.question_for(lang).endswith("?")
            assert len(set(prompt.stance.answers_for(lang))) == len(prompt.stance.answers)


def test_check_names_the_file_entry_and_reason_of_a_bad_stance(tmp_path: Path) -> None:
    pack = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parents[1] / "content", pack)
    data = yaml.safe_load((pack / "prompts.yaml").read_text(encoding="utf-8"))
    first = data["prompts"][0]
    first["stance"] = {"question": "Is he?", "question_de": "Ist er?", "answers": [{"text": "Yes", "text_de": "Ja"}]}
    second = data["prompts"][1]
    second["stance"] = {"question": "Is he?", "answers": [{"text": "Yes"}, {"text": "No"}]}
    (pack / "prompts.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = [str(problem) for problem in check_content(pack)]
    assert any(
        p.startswith("prompts.yaml: ") and first["id"] in p and "stance.answers" in p and "2" in p for p in problems
    ), problems
    assert any(second["id"] in p and "stance.question_de is missing" in p for p in problems), problems
    with pytest.raises(Exception):  # noqa: B017 - the loader refuses the same pack with a ContentError
        load_content(pack)


# ---- the commands ------------------------------------------------------------------------------------------


async def test_prompts_add_with_a_stance_is_posted_with_its_poll_and_shown(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack = dataclasses.replace(content, prompts=())  # only the server's own prompt can be posted
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        added = await run(emu, world, "prompts add", text="Was Fletcher right to push so hard?", stance=STANCE,
                          stance_de=STANCE_DE)  # fmt: skip
        assert "Added prompt s-1" in added.content
        stored = await running.storage.moderation.server_prompt(world.guild.id, "s-1")
        assert stored is not None and stored.fields.stance == parse_stance(STANCE, STANCE_DE, "en")
        shown = (await run(emu, world, "prompts show", locale="de", id="s-1")).embeds[0]
        fields = {field["name"]: field["value"] for field in shown["fields"]}
        assert fields["Umfrage"].startswith("**Hat Fletcher recht?**\n1. Ja, er hat Andrew groß gemacht")
        assert fields["Ergebnisse"] == "Mit dieser Frage noch nicht gestellt, daher gibt es keine Stimmen."
        await schedule(emu, world, language="de")
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))
        await tick(running)
        poll = bot_posts(emu, world.channel)[0]["poll"]
        assert poll["question"]["text"] == "Hat Fletcher recht?"
        assert [a["poll_media"]["text"] for a in poll["answers"]] == [
            "Ja, er hat Andrew groß gemacht",
            "Nein, nichts rechtfertigt das",
        ]


async def test_bad_stances_in_add_and_edit_store_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        refused = await run(emu, world, "prompts add", locale="de", text="Hat Fletcher recht?", stance="Recht? | Ja")
        assert refused.content == "Eine Umfrage braucht 2 bis 10 Antworten; diese hat 1 Antwort."
        assert await running.storage.moderation.server_prompts(world.guild.id) == []
        await run(emu, world, "prompts add", text="Was Fletcher right to push so hard?", stance=STANCE)
        eleven = "Right?" + "".join(f" | answer {n}" for n in range(11))
        refused = await run(emu, world, "prompts edit", id="s-1", stance=eleven)
        assert refused.content == "A stance needs 2 to 10 answers; this one has 11 answers."
        kept = await running.storage.moderation.server_prompt(world.guild.id, "s-1")
        assert kept is not None and kept.fields.stance == parse_stance(STANCE, None, "en")
        changed = await run(emu, world, "prompts edit", id="s-1", stance="-")
        assert "no longer has a stance poll" in changed.content
        gone = await running.storage.moderation.server_prompt(world.guild.id, "s-1")
        assert gone is not None and gone.fields.stance is None
        assert gone.fields.text == "Was Fletcher right to push so hard?"


async def test_an_import_takes_stances_in_the_packs_shape_and_refuses_a_wrong_one_storing_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    good = {
        "id": "own-stance",
        "text": "Was Fletcher right to push so hard?",
        "stance": {
            "question": "Was he right?",
            "question_de": "Hatte er recht?",
            "answers": [{"text": "Yes", "text_de": "Ja"}, {"text": "No", "text_de": "Nein"}],
        },
    }
    wrong = {"id": "flat-stance", "text": "Is tempo everything?", "stance": "Is it? | Yes | No"}
    one = {
        "id": "one-answer",
        "text": "Is tempo everything?",
        "stance": {"question": "Is it?", "answers": [{"text": "Yes"}]},
    }
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        for bad, reason in ((wrong, "stance must be a mapping"), (one, "stance.answers")):
            body = yaml.safe_dump({"prompts": [good, bad]}, allow_unicode=True).encode()
            upload = emu.make_attachment("prompts.yaml", body, "application/x-yaml")
            reply = await run(emu, world, "prompts import", file=upload)
            problems = reply.embeds[0]["description"]
            assert reason in problems and bad["id"] in problems, problems
            assert await running.storage.moderation.server_prompts(world.guild.id) == []
        body = yaml.safe_dump({"prompts": [good]}, allow_unicode=True).encode()
        await run(emu, world, "prompts import", file=emu.make_attachment("prompts.yaml", body, "application/x-yaml"))
        stored = await running.storage.moderation.server_prompt(world.guild.id, "own-stance")
        assert stored is not None and stored.fields.stance is not None
        assert stored.fields.stance.answers_for("de") == ("Ja", "Nein")
        exported = await run(emu, world, "prompts export")
        entries = {entry["id"]: entry for entry in yaml.safe_load(exported.files[0].data)["prompts"]}
        assert entries["own-stance"]["stance"] == good["stance"]
        shipped = next(prompt for prompt in content.prompts if prompt.stance is not None)
        assert entries[shipped.id]["stance"]["question_de"] == shipped.stance.question_de  # type: ignore[union-attr]
