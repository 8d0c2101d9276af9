"""Problems found while checking the content pack, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

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


def _reason(error: ErrorDetails) -> str:
    where = _location(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"{where} is missing"
    if kind == "extra_forbidden":
        return f"unknown field '{where}'"
    if kind == "string_too_short":
        return f"{where} is empty"
    if kind == "string_too_long":
        return f"{where} is longer than {ctx.get('max_length')} characters"
    if kind == "too_short":
        if isinstance(error["input"], str):
            return f"{where} is shorter than {ctx.get('min_length')} characters"
        return f"{where} needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        if isinstance(error["input"], str):
            return f"{where} is longer than {ctx.get('max_length')} characters"
        return f"{where} has more than {ctx.get('max_length')} item(s)"
    if kind == "literal_error":
        return f"{where} is {error['input']!r}, expected {ctx.get('expected')}"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return f"{where} {message}"
    if kind == "string_pattern_mismatch":
        return f"{where} {error['input']!r} does not match the pattern {ctx.get('pattern')}"
    return f"{where}: {error['msg']}"


def describe_validation_error(error: ValidationError) -> list[str]:
    """Turn a pydantic error into one short reason per failing field."""
    return [_reason(detail) for detail in error.errors(include_url=False)]
