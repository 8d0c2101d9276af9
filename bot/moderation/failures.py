"""Why a daily post failed, in plain words for a moderator (`/schedule show`, the notice on their next command).

Reasons stored as an interface key (``i18n:…``) are translated by the poster's `failure_text`. Reasons stored as
English sentences (by earlier versions, or for Discord errors) name channel ids and HTTP codes; they are read
back here into a sentence in the moderator's language, without ids. Anything unknown is shown as stored.
"""

from __future__ import annotations

import re

from babel.lists import format_list

from bot.discussion.poster import TRANSLATED_REASON, failure_text
from bot.i18n import tr

_CANNOT_POST = re.compile(r"missing permission to post in #")
_POST_NEEDS = ("view_channel", "send_messages", "embed_links")

# Stored English reason → interface key (bot/locale/*/schedule.yaml), most specific first.
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"the channel \d+ no longer exists"), "schedule.failure.channel_gone"),
    (re.compile(r"missing permission to see the channel \d+"), "schedule.failure.cannot_see"),
    (re.compile(r"the channel \d+ is not a text channel"), "schedule.failure.not_text"),
    (re.compile(r"prompt \S+ is no longer in this server's pool"), "schedule.failure.prompt_gone"),
    (re.compile(r"Discord refused the post \(HTTP 403\b.*\)"), "schedule.failure.forbidden"),
    (
        re.compile(r"(Discord (refused|did not accept|kept rate-limiting) the post|could not (look up|check) the)"),
        "schedule.failure.discord",
    ),
)


def plain_failure(error: str | None, lang: str) -> str:
    """The reason a post failed, as a clause in `lang` ("the channel no longer exists")."""
    if error is None or error.startswith(TRANSLATED_REASON):
        return failure_text(lang, error)
    if _CANNOT_POST.search(error):
        needs = format_list([tr(lang, f"permission.{name}") for name in _POST_NEEDS], locale=lang)
        return tr(lang, "schedule.failure.cannot_post", permissions=needs)
    for pattern, key in _KNOWN:
        if pattern.search(error):
            return tr(lang, key)
    return error
