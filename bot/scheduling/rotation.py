"""Which prompt comes next, and the name of its thread."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.scheduling._common import (
    _require_aware,
)

# --------------------------------------------------------------------------------------------------------
# Rotation
# --------------------------------------------------------------------------------------------------------


def _stable_rank(seed: int, prompt_id: str) -> bytes:
    """A tie-breaking key that is the same in every process (unlike ``hash()``) and differs per seed."""
    return hashlib.blake2b(f"{seed}\x00{prompt_id}".encode(), digest_size=8).digest()


def choose_prompt(
    pool: Sequence[str],
    queue: Sequence[str],
    last_used: Mapping[str, datetime | int],
    *,
    seed: int = 0,
    passages: Mapping[str, str | None] | None = None,
) -> str | None:
    """The id of the prompt to post next in a server, or None if the pool is empty.

    * ``pool``: ids of the prompts enabled in the server (order and duplicates do not matter).
    * ``queue``: ids moderators queued, in order; the first one still in the pool wins. Queued ids no longer
      in the pool are skipped (the caller may drop them).
    * ``last_used``: when each prompt was last posted in the server, as aware datetimes or as running post
      numbers (one kind for the whole mapping); ids missing from it were never posted here.
    * ``seed``: varies the order between servers (pass the guild id); the same arguments always give the
      same answer, in every process.

    Without a queued prompt, never-posted prompts come first, then the least recently posted, so no prompt
    repeats in a server until every enabled prompt has been posted there. Ties are broken by a stable hash
    of ``seed`` and the id.

    * ``passages``: the passage each prompt quotes (None or missing: none). Several prompts can grow from one
      passage; among the prompts the rule above allows, one quoting another passage than the last post
      (the most recent in ``last_used``) is preferred, and among the never-posted ones, a passage many of
      them still share goes first, so the round ends without two posts of one passage in a row whenever
      the pool allows it.
    """
    enabled = set(pool)
    if not enabled:
        return None
    for prompt_id in queue:
        if prompt_id in enabled:
            return prompt_id
    recency = _recency(last_used, enabled)
    passage_of = _passage_keys(passages or {})
    previous = _previous_passage(last_used, passage_of)
    waiting = Counter(passage_of.get(p) for p in enabled if p not in recency)  # never-posted, per passage
    # Once every prompt is posted the round repeats in the same order, so the least recently posted prompt
    # comes right after this round's last: using its passage up early keeps it from ending the round.
    upcoming = passage_of.get(min(recency, key=lambda p: recency[p])) if recency else None

    def order(prompt_id: str) -> tuple[bool, float, bool, int, bool, bytes, str]:
        used = recency.get(prompt_id)
        passage = passage_of.get(prompt_id)
        repeats = passage is not None and passage == previous
        # Never-posted prompts first (the no-repeat rule), then the least recently posted: only among
        # equals does the passage decide (not the previous one's, then the passage most still wait for).
        shared = waiting[passage] if passage is not None and used is None else 0
        later = passage is None or passage != upcoming
        return (used is not None, used or 0.0, repeats, -shared, later, _stable_rank(seed, prompt_id), prompt_id)

    return min(enabled, key=order)


def _passage_keys(passages: Mapping[str, str | None]) -> dict[str, str]:
    """Each prompt's passage, compared as readers see it (whitespace collapsed), without the prompts that
    quote none."""
    return {prompt_id: " ".join(text.split()) for prompt_id, text in passages.items() if text and text.strip()}


def _previous_passage(last_used: Mapping[str, datetime | int], passage_of: Mapping[str, str]) -> str | None:
    """The passage of the server's most recent post (None if none, or it quoted none)."""
    if not last_used:
        return None
    latest = max(last_used, key=lambda p: _as_number(last_used[p]))
    return passage_of.get(latest)


def _as_number(value: datetime | int) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _recency(last_used: Mapping[str, datetime | int], enabled: set[str]) -> dict[str, float]:
    """``last_used`` restricted to ``enabled`` as comparable numbers, checking all values are of one kind."""
    values = {prompt_id: last_used[prompt_id] for prompt_id in enabled if prompt_id in last_used}
    kinds = {isinstance(value, datetime) for value in values.values()}
    if len(kinds) > 1:
        raise TypeError("last_used must map every prompt to a datetime, or every prompt to a post number")
    recency: dict[str, float] = {}
    for prompt_id, value in values.items():
        if isinstance(value, datetime):
            recency[prompt_id] = _require_aware(value, "last_used").timestamp()
        else:
            recency[prompt_id] = float(value)
    return recency


# --------------------------------------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------------------------------------

_THREAD_NAME_LIMIT = 100  # Discord's maximum channel/thread name length
_TRAILING = " \t,;:-–—·.…"


def _units(text: str) -> int:
    """Length in UTF-16 code units: never less than the code point count, so safe for either reading."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, budget: int) -> str:
    """The longest prefix of ``text`` within ``budget`` UTF-16 units, not splitting a surrogate pair."""
    out: list[str] = []
    used = 0
    for char in text:
        size = _units(char)
        if used + size > budget:
            break
        out.append(char)
        used += size
    return "".join(out)


def thread_name(prompt_text: str, *, fallback: str) -> str:
    """The name of the thread opened from a daily post: the question itself, as members read it in the post.

    Whitespace (including newlines) is collapsed to single spaces and control characters dropped. If the
    question would exceed Discord's 100 characters (counted in UTF-16 units, the stricter reading) it is cut
    at a word boundary and ends with "…"; a single overlong word is cut mid-word. Never empty: an empty
    question gives ``fallback`` (e.g. "Question of the day no. 12", in the server's language).
    """
    text = " ".join("".join(c if c.isprintable() else " " for c in prompt_text).split())
    if not text:
        text = " ".join("".join(c if c.isprintable() else " " for c in fallback).split()) or "?"
    if _units(text) <= _THREAD_NAME_LIMIT:
        return text
    budget = _THREAD_NAME_LIMIT
    head = _cut(text, budget - 1)  # room for the ellipsis
    next_char = text[len(head)]
    if next_char != " " and " " in head:
        at_word = head[: head.rindex(" ")]
        if _units(at_word) >= budget // 2:  # don't throw away most of the room for one long word
            head = at_word
    head = head.rstrip(_TRAILING) or head
    return head + "…"
