"""How audit entries read in `/schedule show` (one sentence each, in the reader's language), and what a
schedule change records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import discord
from babel import lists as babel_lists

from bot.i18n import tr, tr_count
from bot.moderation.inputs import echo, shorten
from bot.scheduling import ALL_DAYS, describe_days
from bot.storage import Schedule, days_to_mask, mask_to_days
from bot.storage.moderation import AuditEntry
from bot.storage.privacy import FORMER_MODERATOR

QUOTE_LIMIT = 60  # a question quoted in a change; five changes fit one embed field (1024)

# The text of a prompt by id in the reader's language, or None when the server no longer has it.
QuestionLookup = Callable[[str], str | None]


def schedule_snapshot(schedule: Schedule | None) -> dict[str, Any] | None:
    """The parts of a schedule a moderator changes, for the audit log's before/after."""
    if schedule is None:
        return None
    return {
        "channel_id": schedule.channel_id,
        "local_time": schedule.local_time,
        "timezone": schedule.timezone,
        "days": schedule.days,
        "ping_role_id": schedule.ping_role_id,
        "moderator_role_id": schedule.moderator_role_id,
        "log_channel_id": schedule.log_channel_id,
        "paused": schedule.paused,
        "poll_hours": schedule.poll_hours,
    }


def moderator_name(moderator_id: int, lang: str) -> str:
    """A mention of the moderator, or "a former moderator" once they used /privacy forget."""
    if moderator_id == FORMER_MODERATOR:
        return tr(lang, "audit.former_moderator")
    return f"<@{moderator_id}>"


def audit_line(entry: AuditEntry, lang: str = "en", question: QuestionLookup | None = None) -> str:
    """One line: when (in each reader's time zone), then who did what as a sentence in `lang`.

    "2 hours ago · @Mona moved the daily post to 08:00 (Europe/Berlin)." Channels and roles are mentions
    (the reply goes out with mentions disabled); what people wrote is quoted with its mentions neutralised.
    """
    who = moderator_name(entry.moderator_id, lang)
    if entry.moderator_id == FORMER_MODERATOR:
        who = who[:1].upper() + who[1:]
    phrases = _phrases(entry, lang, question or (lambda _id: None))
    sentence = tr(lang, "audit.sentence", who=who, did=babel_lists.format_list(phrases, locale=lang))
    return f"<t:{int(entry.at.timestamp())}:R> · {sentence}"


def _phrases(entry: AuditEntry, lang: str, question: QuestionLookup) -> list[str]:
    """What the moderator did, as verb phrases that complete "{who} …" (English) or "{who} hat …" (German)."""
    before = entry.before if isinstance(entry.before, Mapping) else {}
    after = entry.after if isinstance(entry.after, Mapping) else {}
    action = entry.action
    if action == "schedule.set":
        return _schedule_phrases(before if entry.before is not None else None, after, lang)
    if action in ("schedule.pause", "schedule.resume", "schedule.digest"):
        return [tr(lang, f"audit.{action}")]
    if action == "privacy.retention" and isinstance(after.get("days"), int):
        return [tr(lang, "audit.retention", days=tr_count(lang, "count.days", after["days"]))]
    if action == "prompt.edit":
        return [tr(lang, "audit.prompt.edit", text=_quoted(_fields_text(after, lang) or "?"))]
    if action in ("prompt.add", "prompt.remove"):
        fields = before if action == "prompt.remove" else after
        return [tr(lang, f"audit.{action}", question=_question(_fields_text(fields, lang), lang))]
    if action in ("prompt.enable", "prompt.disable", "prompt.queue"):
        return [tr(lang, f"audit.{action}", question=_question(question(entry.target), lang))]
    if action == "prompt.import":
        return [tr(lang, "audit.prompt.import", questions=tr_count(lang, "count.questions", len(after or before)))]
    if action == "suggestion.approve":
        prompt_id = after.get("prompt_id")
        text = question(prompt_id) if isinstance(prompt_id, str) else None
        if text is None:
            return [tr(lang, "audit.suggestion.approve_gone")]
        return [tr(lang, "audit.suggestion.approve", text=_quoted(text))]
    if action == "suggestion.reject":
        return [tr(lang, "audit.suggestion.reject")]
    return [tr(lang, "audit.other")]


def _schedule_phrases(before: Mapping[str, Any] | None, after: Mapping[str, Any], lang: str) -> list[str]:
    """One phrase per thing a `/schedule set` changed ("moved the daily post to …", "stopped pinging …")."""
    place = {
        "channel": f"<#{after.get('channel_id')}>",
        "time": after.get("local_time", "?"),
        "zone": after.get("timezone", "?"),
    }
    days = _days(after.get("days"), lang)
    if before is None:
        return [tr(lang, "audit.schedule.created", days=days, **place)]
    changed = {key for key in {**before, **after} if before.get(key) != after.get(key)}
    phrases = []
    moved_time = bool(changed & {"local_time", "timezone"})
    if "channel_id" in changed and moved_time:
        phrases.append(tr(lang, "audit.schedule.moved_both", **place))
    elif "channel_id" in changed:
        phrases.append(tr(lang, "audit.schedule.moved_channel", channel=place["channel"]))
    elif moved_time:
        phrases.append(tr(lang, "audit.schedule.moved_time", time=place["time"], zone=place["zone"]))
    if "days" in changed and after.get("days") == days_to_mask(ALL_DAYS):
        phrases.append(tr(lang, "audit.schedule.days_every"))
    elif "days" in changed:
        phrases.append(tr(lang, "audit.schedule.days", days=days))
    for key, kind, mention in (
        ("ping_role_id", "ping_role", "<@&{}>"),
        ("moderator_role_id", "moderator_role", "<@&{}>"),
        ("log_channel_id", "log_channel", "<#{}>"),
    ):
        if key in changed:
            value = after.get(key)
            suffix = "set" if value else "removed"
            phrases.append(tr(lang, f"audit.schedule.{kind}_{suffix}", target=mention.format(value)))
    if "paused" in changed and not after.get("paused"):
        phrases.append(tr(lang, "audit.schedule.resume"))
    if (
        "poll_hours" in changed
        and isinstance(before.get("poll_hours"), int)
        and isinstance(after.get("poll_hours"), int)
    ):
        phrases.append(tr(lang, "audit.schedule.poll_hours", hours=tr_count(lang, "polls.hours", after["poll_hours"])))
    known = {"channel_id", "local_time", "timezone", "days", "ping_role_id", "moderator_role_id", "log_channel_id"}
    known |= {"poll_hours"}  # an entry from before poll_hours was kept gains the key: not a change to report
    if changed - known - {"paused"}:
        phrases.append(tr(lang, "audit.schedule.other"))
    return phrases or [tr(lang, "audit.schedule.unchanged")]


def _days(mask: Any, lang: str) -> str:
    days = mask_to_days(mask) if isinstance(mask, int) else frozenset()
    return describe_days(days, lang) if days else "?"


def _fields_text(fields: Mapping[str, Any], lang: str) -> str | None:
    """A prompt's text from its audit snapshot, German where the reader is German and it has one."""
    german = fields.get("text_de")
    text = german if lang == "de" and isinstance(german, str) and german else fields.get("text")
    return text if isinstance(text, str) and text else None


def _question(text: str | None, lang: str) -> str:
    """ "the question “…”" with what people wrote made safe, or "a question that no longer exists"."""
    if text is None:
        return tr(lang, "audit.question_gone")
    return tr(lang, "audit.question", text=_quoted(text))


def _quoted(text: str) -> str:
    """What a person wrote, on one line, shortened, with markdown and mentions neutralised."""
    return shorten(" ".join(echo(discord.utils.escape_markdown(text)).split()), QUOTE_LIMIT)
