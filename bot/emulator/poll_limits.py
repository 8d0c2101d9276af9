"""Poll limits and the poll object Discord builds from a create request (no emulator state: see polls.py)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from .limits import Errors
from .models import JSON
from .snowflake import iso

MAX_QUESTION = 300
MAX_ANSWER = 55
MAX_ANSWERS = 10
MAX_HOURS = 768  # 32 days
DEFAULT_HOURS = 24
LAYOUT_DEFAULT = 1

# Discord's JSON error codes for polls.
POLL_VOTING_BLOCKED = 520000
POLL_EXPIRED = 520001
CANNOT_EDIT_POLL = 520003
NOT_A_POLL = 520006


def validate_poll(errs: Errors, poll: Any, path: Sequence[str | int] = ("poll",)) -> None:
    """A poll create request: question 1-300, 1-10 answers of 1-55, duration 1-768 hours, layout 1."""
    base = tuple(path)
    body = errs.obj(base, poll)
    if not body:
        if poll is not None and isinstance(poll, dict):
            errs.add((*base, "question"), "BASE_TYPE_REQUIRED", "This field is required", "is required")
        return
    question = errs.obj((*base, "question"), body.get("question"))
    if body.get("question") is None:
        errs.add((*base, "question"), "BASE_TYPE_REQUIRED", "This field is required", "is required")
    else:
        errs.string((*base, "question", "text"), question.get("text"), min_len=1, max_len=MAX_QUESTION, required=True)
        if question.get("emoji") is not None:
            errs.add((*base, "question", "emoji"), "POLL_QUESTION_EMOJI", "Poll questions cannot have an emoji")
    answers = errs.array((*base, "answers"), body.get("answers"), max_items=MAX_ANSWERS, min_items=1)
    if body.get("answers") is None:
        errs.add((*base, "answers"), "BASE_TYPE_REQUIRED", "This field is required", "is required")
    for index, answer in enumerate(answers):
        item = errs.obj((*base, "answers", index), answer)
        media = errs.obj((*base, "answers", index, "poll_media"), item.get("poll_media"))
        if item.get("poll_media") is None:
            errs.add((*base, "answers", index, "poll_media"), "BASE_TYPE_REQUIRED", "This field is required")
            continue
        errs.string(
            (*base, "answers", index, "poll_media", "text"),
            media.get("text"),
            min_len=1,
            max_len=MAX_ANSWER,
            required=True,
        )
    _check_duration(errs, (*base, "duration"), body.get("duration"))
    errs.boolean((*base, "allow_multiselect"), body.get("allow_multiselect"))
    layout = body.get("layout_type")
    errs.integer((*base, "layout_type"), layout)
    if isinstance(layout, int) and not isinstance(layout, bool) and layout != LAYOUT_DEFAULT:
        errs.add((*base, "layout_type"), "ENUM_TYPE_COERCE", f'Value "{layout}" is not a valid enum value.')


def _check_duration(errs: Errors, path: tuple[str | int, ...], value: Any) -> None:
    """Whole hours, 1 to 768. discord.py sends ``hours / 3600`` as a float (``24.0``): a whole float is accepted
    as Discord accepts it, a fraction of an hour is not."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        errs.add(
            path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.', f"must be a number of hours, got {value!r}"
        )
        return
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        errs.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.', f"is {value}, not a whole number of hours")
        return
    if not 1 <= value <= MAX_HOURS:
        errs.add(
            path,
            "NUMBER_TYPE_OUT_OF_RANGE",
            f"Int value should be between 1 and {MAX_HOURS}.",
            f"is {value} hours, must be 1-{MAX_HOURS}",
        )


def poll_object(body: JSON, created: dt.datetime) -> JSON:
    """The message's ``poll`` from a validated create request: answer ids 1..n, expiry = creation + duration."""
    hours = int(body.get("duration") or DEFAULT_HOURS)
    answers = [
        {"answer_id": index, "poll_media": dict(answer["poll_media"])}
        for index, answer in enumerate(body["answers"], start=1)
    ]
    return {
        "question": {"text": body["question"]["text"]},
        "answers": answers,
        "expiry": iso(created + dt.timedelta(hours=hours)),
        "allow_multiselect": bool(body.get("allow_multiselect", False)),
        "layout_type": int(body.get("layout_type") or LAYOUT_DEFAULT),
        "results": {
            "is_finalized": False,
            "answer_counts": [{"id": a["answer_id"], "count": 0, "me_voted": False} for a in answers],
        },
    }
