"""Problems found while checking the content pack, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.i18n import tr, tr_count

__all__ = ["ContentError", "Problem", "describe_validation_error"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One precise problem: which file, which entry in it, and what is wrong."""

    file: str
    entry: str
    reason: str

    def __str__(self) -> str:
        if self.entry:
            return f"{self.file}: {self.entry}: {self.reason}"
        return f"{self.file}: {self.reason}"


class ContentError(Exception):
    """The content pack is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"content pack has {len(self.problems)} problem(s):\n{lines}")


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "entry"


_TYPE_KEYS = {
    "bool_type": "import.field.bool",
    "bool_parsing": "import.field.bool",
    "string_type": "import.field.text",
    "list_type": "import.field.list",
    "tuple_type": "import.field.list",
    "dict_type": "import.field.mapping",
    "model_type": "import.field.mapping",
    "model_attributes_type": "import.field.mapping",
}


def _reason(error: ErrorDetails, lang: str) -> str:
    where = _location(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    text = isinstance(error["input"], str)
    if kind == "missing":
        return tr(lang, "import.field.missing", where=where)
    if kind == "extra_forbidden":
        return tr(lang, "import.field.extra", where=where)
    if kind == "string_too_short":
        return tr(lang, "import.field.empty", where=where)
    if kind in ("string_too_long", "too_long") and text:
        return tr(lang, "import.field.text_too_long", where=where, limit=ctx.get("max_length"))
    if kind == "too_short" and text:
        return tr(lang, "import.field.text_too_short", where=where, limit=ctx.get("min_length"))
    if kind == "too_short":
        entries = tr_count(lang, "count.entries", int(ctx.get("min_length", 0)))
        return tr(lang, "import.field.list_too_short", where=where, entries=entries)
    if kind == "too_long":
        entries = tr_count(lang, "count.entries", int(ctx.get("max_length", 0)))
        return tr(lang, "import.field.list_too_long", where=where, entries=entries)
    if kind in _TYPE_KEYS:
        return tr(lang, _TYPE_KEYS[kind], where=where)
    if kind == "literal_error":
        return tr(lang, "import.field.literal", where=where, value=repr(error["input"]), expected=ctx.get("expected"))
    if kind == "value_error":
        if lang != "en":  # pydantic's and the validators' own words are English: name the field only
            return tr(lang, "import.field.invalid", where=where)
        return tr(lang, "import.field.value", where=where, message=str(ctx.get("error", error["msg"])))
    if kind == "string_pattern_mismatch":
        return tr(lang, "import.field.pattern", where=where, value=repr(error["input"]), pattern=ctx.get("pattern"))
    if lang != "en":
        return tr(lang, "import.field.invalid", where=where)
    return tr(lang, "import.field.other", where=where, message=error["msg"])


def describe_validation_error(error: ValidationError, lang: str = "en") -> list[str]:
    """Turn a pydantic error into one short reason per failing field, in `lang` (English for `check`)."""
    return [_reason(detail, lang) for detail in error.errors(include_url=False)]
