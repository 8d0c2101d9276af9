"""How audit entries read in `/schedule show`, and what a schedule change records."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import tr
from bot.moderation.inputs import echo, shorten
from bot.storage import Schedule
from bot.storage.moderation import AuditEntry
from bot.storage.privacy import FORMER_MODERATOR

VALUE_LIMIT = 40
LINE_LIMIT = 90  # with the rest of the line, five lines fit one embed field (1024)


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
    }


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return shorten(text, VALUE_LIMIT)


def describe_change(before: Any, after: Any) -> str:
    """A short, human summary of what changed between two audit snapshots."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        nested = [key for key in {**old, **new} if isinstance(old.get(key), dict) or isinstance(new.get(key), dict)]
        if nested:  # an import: one snapshot per prompt
            shown = ", ".join(nested[:5]) + (", …" if len(nested) > 5 else "")
            return shown
        if before is None:
            return "new: " + ", ".join(
                f"{key}={_value(value)}" for key, value in new.items() if value not in (None, [])
            )
        if after is None:
            return "removed"
        changed = [key for key in {**old, **new} if old.get(key) != new.get(key)]
        return ", ".join(f"{key}: {_value(old.get(key))} → {_value(new.get(key))}" for key in changed) or "no change"
    return f"{_value(before)} → {_value(after)}"


def moderator_name(moderator_id: int, lang: str) -> str:
    """A mention of the moderator, or "a former moderator" once they used /privacy forget."""
    if moderator_id == FORMER_MODERATOR:
        return tr(lang, "audit.former_moderator")
    return f"<@{moderator_id}>"


def audit_line(entry: AuditEntry, lang: str = "en") -> str:
    """One line: when (in each reader's time zone), who, what, and the change; mentions neutralised."""
    change = shorten(echo(describe_change(entry.before, entry.after)), LINE_LIMIT)
    stamp = f"<t:{int(entry.at.timestamp())}:R>"
    who = moderator_name(entry.moderator_id, lang)
    return f"{stamp} {who} `{entry.action}` {echo(shorten(entry.target, 40))}: {change}"
